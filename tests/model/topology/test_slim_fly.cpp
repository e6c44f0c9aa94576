// Slim Fly (MMS graph; Besta & Hoefler SC14) counts, cross-checked against the
// MMS graph built over GF(q) for small prime powers of every δ.

#include <catch2/catch.hpp>

#include "model/error.hpp"
#include "model/topology/graph.hpp"
#include "model/topology/slim_fly.hpp"

using namespace hwplan::model;
using namespace hwplan::model::topology;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

TEST_CASE("Table 3: Slim Fly q = 28 has 1,568 routers, 32,928 endpoints, 32,928 links",
          "[model][golden]") {
    // Paper Table 3: 2q² routers, k' = (3q - δ)/2 = 42 (q = 4·7 + 0), p = 21,
    // links = routers · k'/2. q = 28 is not a prime power: formula sizing only.
    const SlimFly sf{28, 21, false};
    CHECK(slim_fly_delta(28) == 0);
    CHECK(network_radix(sf) == 42);
    CHECK(endpoints_per_router(sf) == 21);
    CHECK(endpoints_per_router(SlimFly{28, 0, false}) == 21);  // default ⌈k'/2⌉
    const TopologySize s = size(sf);
    CHECK(s.switches == 1'568);
    CHECK(s.endpoints == 32'928);
    CHECK(s.switch_links == 32'928);
    CHECK(s.endpoint_links == 32'928);
    CHECK(s.diameter == 2);
    CHECK(s.ports_per_switch == 63);  // fits a radix-64 switch
    CHECK(hops(sf) == HopCounts{1, std::nullopt, 3});
}

TEST_CASE("MMS graphs built over GF(q) match the Slim Fly formulas", "[model]") {
    // δ = -1: 3, 7, 11; δ = 0: 4, 8, 16; δ = 1: 5, 9, 13.
    const int q = GENERATE(3, 4, 5, 7, 8, 9, 11, 13, 16);
    CAPTURE(q);
    const SlimFly sf{q};
    const SwitchGraph g = build_graph(sf);
    const TopologySize s = size(sf);
    CHECK(switch_count(g) == 2 * q * q);
    CHECK(switch_count(g) == s.switches);
    CHECK(link_count(g) == s.switch_links);
    CHECK(endpoint_count(g) == s.endpoints);
    for (const auto& adj : g.adjacency) CHECK(static_cast<int>(adj.size()) == network_radix(sf));
    CHECK(endpoint_diameter(g) == 2);
    CHECK(endpoint_hops(g, 0, static_cast<int>(s.endpoints) - 1) <= hops(sf).farthest);
    CHECK_THAT(average_endpoint_hops(g), WithinRel(average_hops(sf), 1e-12));
}

TEST_CASE("Slim Fly with p = k'/2 gives each endpoint its link rate in all-to-all", "[model]") {
    const BytesPerSecond b = gigabytes_per_second(50);
    CHECK(all_to_all_bandwidth_per_endpoint(SlimFly{28, 21, false}, b) == b);
    // Twice the endpoints per router: the routers' links saturate first.
    const SlimFly dense{5, 8};
    CHECK(all_to_all_bandwidth_per_endpoint(dense, b) < b);
    CHECK(bisection_bandwidth(SlimFly{5}, b) > bytes_per_second(0));
}

TEST_CASE("Bad Slim Fly parameters throw hwplan::Error naming slim_fly.q", "[model]") {
    REQUIRE_THROWS_AS(size(SlimFly{12}), hwplan::Error);
    REQUIRE_THROWS_WITH(size(SlimFly{12}), Contains("slim_fly.q") && Contains("prime power"));
    REQUIRE_THROWS_WITH(size(SlimFly{28}), Contains("prime power"));  // the paper's q needs the opt-out
    REQUIRE_THROWS_WITH(size(SlimFly{6, 0, false}), Contains("slim_fly.q"));  // q ≡ 2 (mod 4)
    REQUIRE_THROWS_WITH(size(SlimFly{2}), Contains("slim_fly.q"));
    REQUIRE_THROWS_WITH(size(SlimFly{5, -1}), Contains("slim_fly.endpoints_per_router"));
    REQUIRE_THROWS_WITH(build_graph(SlimFly{28, 21, false}), Contains("not a prime power"));
    CHECK(is_prime_power(2));
    CHECK(is_prime_power(27));
    CHECK(is_prime_power(64));
    CHECK_FALSE(is_prime_power(28));
    CHECK_FALSE(is_prime_power(1));
}

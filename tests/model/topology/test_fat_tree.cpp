// Fat tree counts, hops and bandwidth (paper Table 3; Al-Fares et al. 2008),
// cross-checked against explicitly built switch graphs for small radices.

#include <catch2/catch.hpp>

#include "model/error.hpp"
#include "model/topology/fat_tree.hpp"
#include "model/topology/graph.hpp"

using namespace hwplan::model;
using namespace hwplan::model::topology;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

TEST_CASE("Table 3: FT2 of radix 64 has 2,048 endpoints, 96 switches, 2,048 links", "[model][golden]") {
    // Paper Table 3 (arXiv 2505.09343), exact: k²/2, 3k/2, k²/2.
    const TopologySize s = size(FatTree{2, 64});
    CHECK(s.endpoints == 2'048);
    CHECK(s.switches == 96);
    CHECK(s.switch_links == 2'048);
    CHECK(s.endpoint_links == 2'048);
    CHECK(s.diameter == 2);
    CHECK(s.ports_per_switch == 64);
}

TEST_CASE("Table 3: FT3 of radix 64 has 65,536 endpoints, 5,120 switches, 131,072 links",
          "[model][golden]") {
    // Paper Table 3, exact: k³/4, 5k²/4, k³/2.
    const TopologySize s = size(FatTree{3, 64});
    CHECK(s.endpoints == 65'536);
    CHECK(s.switches == 5'120);
    CHECK(s.switch_links == 131'072);
    CHECK(s.endpoint_links == 65'536);
    CHECK(s.diameter == 4);
}

TEST_CASE("Fat tree closed forms hold for every even radix", "[model]") {
    const std::int64_t k = GENERATE(2, 4, 8, 16, 32, 48, 64, 128);
    CAPTURE(k);
    const TopologySize ft2 = size(FatTree{2, static_cast<int>(k)});
    CHECK(ft2.endpoints == k * k / 2);
    CHECK(ft2.switches == 3 * k / 2);
    CHECK(ft2.switch_links == k * k / 2);
    const TopologySize ft3 = size(FatTree{3, static_cast<int>(k)});
    CHECK(ft3.endpoints == k * k * k / 4);
    CHECK(ft3.switches == 5 * k * k / 4);
    CHECK(ft3.switch_links == k * k * k / 2);
    const TopologySize ft1 = size(FatTree{1, static_cast<int>(k)});
    CHECK(ft1.endpoints == k);
    CHECK(ft1.switches == 1);
    CHECK(ft1.switch_links == 0);
}

TEST_CASE("Fat tree counts and hops match a built switch graph (k = 4, 8)", "[model]") {
    const int k = GENERATE(4, 8);
    const int tiers = GENERATE(1, 2, 3);
    const double r = GENERATE(1.0, 3.0);
    if (tiers == 1 && r != 1.0) return;
    const FatTree ft{tiers, k, r};
    CAPTURE(k, tiers, r);
    const SwitchGraph g = build_graph(ft);
    const TopologySize s = size(ft);
    CHECK(switch_count(g) == s.switches);
    CHECK(link_count(g) == s.switch_links);
    CHECK(endpoint_count(g) == s.endpoints);
    CHECK(endpoint_diameter(g) == s.diameter);
    for (const auto& adj : g.adjacency) CHECK(static_cast<int>(adj.size()) <= k);

    // Hops by BFS: same leaf, same pod, farthest; and the uniform average.
    const HopCounts h = hops(ft);
    const LeafPorts lp = leaf_ports(ft);
    if (lp.down > 1) CHECK(endpoint_hops(g, 0, 1) == h.same_switch);
    if (tiers >= 2) CHECK(endpoint_hops(g, 0, lp.down) == *h.same_group);  // next leaf, same pod
    CHECK(endpoint_hops(g, 0, static_cast<int>(s.endpoints) - 1) == h.farthest);
    CHECK_THAT(average_endpoint_hops(g), WithinRel(average_hops(ft), 1e-12));
}

TEST_CASE("Oversubscription splits leaf ports and scales the upper tiers", "[model]") {
    // k = 64 at 3:1: 48 down, 16 up per leaf.
    const FatTree ft{2, 64, 3.0};
    CHECK(leaf_ports(ft) == LeafPorts{48, 16});
    const TopologySize s = size(ft);
    CHECK(s.endpoints == 64 * 48);
    CHECK(s.switches == 64 + 16);
    CHECK(s.switch_links == 64 * 16);
    const BytesPerSecond b = gigabytes_per_second(50);
    // Bisection N/(2r)·B; all-to-all limited by the leaf uplinks ≈ B/r.
    CHECK_THAT(bisection_bandwidth(ft, b).value(), WithinRel(s.endpoints / 6.0 * 50e9, 1e-12));
    const double n = static_cast<double>(s.endpoints);
    CHECK_THAT(all_to_all_bandwidth_per_endpoint(ft, b).value(),
               WithinRel(50e9 / 3.0 * (n - 1) / (n - 48), 1e-12));
}

TEST_CASE("Non-blocking fat trees give every endpoint its link rate in all-to-all", "[model]") {
    const int tiers = GENERATE(1, 2, 3);
    const FatTree ft{tiers, 64};
    const BytesPerSecond b = gigabytes_per_second(50);
    CHECK(all_to_all_bandwidth_per_endpoint(ft, b) == b);
    CHECK_THAT(bisection_bandwidth(ft, b).value(),
               WithinRel(static_cast<double>(capacity(ft)) / 2.0 * 50e9, 1e-12));
}

TEST_CASE("Partial fat trees: port-count sizing for N endpoints", "[model]") {
    const FatTree ft2{2, 64};
    // 1,000 endpoints: 32 leaves (32 down each), 16 spines, 32·32 uplinks.
    const TopologySize s = size_for_endpoints(ft2, 1'000);
    CHECK(s.endpoints == 1'000);
    CHECK(s.switches == 48);
    CHECK(s.switch_links == 1'024);
    CHECK(size_for_endpoints(ft2, 2'048) == size(ft2));
    CHECK(size_for_endpoints(FatTree{3, 64}, 65'536) == size(FatTree{3, 64}));
    // 16,384 endpoints in FT3: 512 leaves, 512 aggregation, 256 core switches.
    const TopologySize s3 = size_for_endpoints(FatTree{3, 64}, 16'384);
    CHECK(s3.switches == 1'280);
    CHECK(s3.switch_links == 32'768);
    // One leaf needs no upper tier.
    CHECK(size_for_endpoints(ft2, 20).switches == 1);

    std::int64_t last_switches = 0, last_links = 0;
    for (std::int64_t n = 1; n <= 2'048; n += 7) {
        const TopologySize t = size_for_endpoints(ft2, n);
        CHECK(t.switches >= last_switches);
        CHECK(t.switch_links >= last_links);
        last_switches = t.switches;
        last_links = t.switch_links;
    }
}

TEST_CASE("Bad fat tree parameters throw hwplan::Error naming the field", "[model]") {
    REQUIRE_THROWS_AS(size(FatTree{2, 63}), hwplan::Error);
    REQUIRE_THROWS_WITH(size(FatTree{2, 63}), Contains("fat_tree.radix") && Contains("even"));
    REQUIRE_THROWS_WITH(size(FatTree{2, 0}), Contains("fat_tree.radix"));
    REQUIRE_THROWS_WITH(size(FatTree{0, 64}), Contains("fat_tree.tiers"));
    REQUIRE_THROWS_WITH(size(FatTree{6, 64}), Contains("fat_tree.tiers"));
    REQUIRE_THROWS_WITH(size(FatTree{2, 64, 0.5}), Contains("fat_tree.oversubscription"));
    REQUIRE_THROWS_WITH(size(FatTree{2, 64, 2.0}), Contains("fat_tree.oversubscription"));
    REQUIRE_THROWS_WITH(size_for_endpoints(FatTree{2, 64}, 0), Contains("endpoints"));
    REQUIRE_THROWS_WITH(size_for_endpoints(FatTree{2, 64}, 2'049), Contains("2048"));
    REQUIRE_THROWS_WITH(bisection_bandwidth(FatTree{2, 64}, bytes_per_second(-1)),
                        Contains("link_bandwidth"));
}

// Dragonfly (Kim et al., ISCA 2008) counts and minimal-routing hops,
// cross-checked against explicitly built small dragonflies.

#include <catch2/catch.hpp>

#include <set>

#include "model/error.hpp"
#include "model/topology/dragonfly.hpp"
#include "model/topology/graph.hpp"

using namespace hwplan::model;
using namespace hwplan::model::topology;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

TEST_CASE("Table 3: Dragonfly a = 32, p = h = 16, 511 groups: 261,632 / 16,352 / 384,272",
          "[model][golden]") {
    // Paper Table 3, exact. Links = intra-group all-to-all g·a(a-1)/2 =
    // 511·496 = 253,456 plus every global port cabled a·h·g/2 = 130,816.
    const Dragonfly df{32, 16, 16, 511};
    CHECK(local_links(df) == 253'456);
    CHECK(global_links(df) == 130'816);
    const TopologySize s = size(df);
    CHECK(s.endpoints == 261'632);
    CHECK(s.switches == 16'352);
    CHECK(s.switch_links == 384'272);
    CHECK(s.endpoint_links == 261'632);
    CHECK(s.diameter == 3);
    CHECK(s.ports_per_switch == 63);
    CHECK(hops(df) == HopCounts{1, 2, 4});
}

namespace {

// Average switches traversed under minimal (local-global-local) routing on a
// built dragonfly with one global link per group pair.
double minimal_routing_average(const SwitchGraph& g, const Dragonfly& df) {
    const int a = df.a, ng = groups(df), routers = a * ng;
    double sum = 0, pairs = 0;
    for (int s = 0; s < routers; ++s)
        for (int d = 0; d < routers; ++d) {
            const int gs = s / a, gd = d / a;
            double hops_sd = 0;
            if (s == d) {
                hops_sd = 1;
                const double n_pairs = df.p * (df.p - 1.0);
                sum += n_pairs * hops_sd;
                pairs += n_pairs;
                continue;
            }
            if (gs == gd) {
                hops_sd = 2;
            } else {
                int x = -1, y = -1;  // the routers at both ends of the G_s–G_d link
                for (int r = gs * a; r < gs * a + a && x < 0; ++r)
                    for (int v : g.adjacency[static_cast<std::size_t>(r)])
                        if (v / a == gd) {
                            x = r;
                            y = v;
                            break;
                        }
                REQUIRE(x >= 0);
                hops_sd = 2 + (s != x) + (d != y);
            }
            sum += df.p * df.p * hops_sd;
            pairs += df.p * df.p;
        }
    return sum / pairs;
}

}  // namespace

TEST_CASE("Small dragonflies built explicitly match the formulas", "[model]") {
    // (a, p, h, g): maximal (g = a·h + 1), spare ports (g < a·h + 1, even and odd spares).
    const auto [a, p, h, g] = GENERATE(table<int, int, int, int>({
        {4, 2, 2, 9}, {4, 2, 2, 7}, {4, 2, 2, 6}, {3, 1, 2, 4}, {2, 1, 1, 3}, {4, 2, 2, 2}, {6, 3, 3, 19}}));
    const Dragonfly df{a, p, h, g};
    CAPTURE(a, p, h, g);
    const SwitchGraph graph = build_graph(df);
    const TopologySize s = size(df);
    CHECK(switch_count(graph) == s.switches);
    CHECK(link_count(graph) == s.switch_links);
    CHECK(endpoint_count(graph) == s.endpoints);
    for (const auto& adj : graph.adjacency) CHECK(static_cast<int>(adj.size()) == a - 1 + h);
    // Every group pair is directly connected.
    for (int x = 0; x < g; ++x) {
        std::set<int> reached;
        for (int r = x * a; r < x * a + a; ++r)
            for (int v : graph.adjacency[static_cast<std::size_t>(r)]) reached.insert(v / a);
        reached.erase(x);
        CHECK(static_cast<int>(reached.size()) == g - 1);
    }
    CHECK(endpoint_diameter(graph) <= s.diameter);
    if (p > 1) CHECK(endpoint_hops(graph, 0, 1) == hops(df).same_switch);
    CHECK(endpoint_hops(graph, 0, p) == *hops(df).same_group);  // next router, same group
    if (g == a * h + 1) {
        CHECK(endpoint_diameter(graph) == s.diameter);
        CHECK_THAT(minimal_routing_average(graph, df), WithinRel(average_hops(df), 1e-12));
    }
}

TEST_CASE("Dragonfly bandwidths follow the global and local link limits", "[model]") {
    const BytesPerSecond b = gigabytes_per_second(50);
    const Dragonfly df{32, 16, 16, 511};
    // Local links bind: x = B (N-1) / (p (p + 2 a h p)).
    const double n = 261'632;
    CHECK_THAT(all_to_all_bandwidth_per_endpoint(df, b).value(),
               WithinRel(50e9 * (n - 1) / (16.0 * (16 + 2 * 32 * 16 * 16)), 1e-12));
    // About half of full bisection: (g/2)² group pairs cross, one link each.
    CHECK_THAT(bisection_bandwidth(df, b).value() / (n / 2 * 50e9), WithinRel(0.5, 0.01));
}

TEST_CASE("Bad dragonfly parameters throw hwplan::Error naming the field", "[model]") {
    REQUIRE_THROWS_AS(size(Dragonfly{0, 16, 16, 511}), hwplan::Error);
    REQUIRE_THROWS_WITH(size(Dragonfly{0, 16, 16, 511}), Contains("dragonfly.a"));
    REQUIRE_THROWS_WITH(size(Dragonfly{32, 0, 16, 511}), Contains("dragonfly.p"));
    REQUIRE_THROWS_WITH(size(Dragonfly{32, 16, 0, 511}), Contains("dragonfly.h"));
    REQUIRE_THROWS_WITH(size(Dragonfly{32, 16, 16, 514}), Contains("dragonfly.groups"));
    REQUIRE_THROWS_WITH(size(Dragonfly{3, 1, 1, 3}), Contains("dragonfly.groups"));  // 9 ports, odd
    CHECK(groups(Dragonfly{32, 16, 16, 0}) == 513);
}

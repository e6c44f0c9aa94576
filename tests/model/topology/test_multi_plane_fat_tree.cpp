// Multi-plane and multi-rail fat trees (paper Section 5.1, Table 3).

#include <catch2/catch.hpp>

#include "model/error.hpp"
#include "model/topology/graph.hpp"
#include "model/topology/multi_plane_fat_tree.hpp"
#include "model/topology/multi_rail_fat_tree.hpp"

using namespace hwplan::model;
using namespace hwplan::model::topology;
using Catch::Matchers::Contains;

TEST_CASE("Table 3: MPFT of 8 planes × FT2 (k = 64) has 16,384 endpoints, 768 switches, 16,384 links",
          "[model][golden]") {
    // Paper Table 3, exact.
    const TopologySize s = size(MultiPlaneFatTree{8, 64});
    CHECK(s.endpoints == 16'384);
    CHECK(s.switches == 768);
    CHECK(s.switch_links == 16'384);
    CHECK(s.endpoint_links == 16'384);
}

TEST_CASE("An MPFT of P planes is P times one plane's counts", "[model]") {
    const int planes = GENERATE(1, 2, 4, 8, 16);
    const int k = GENERATE(4, 8, 64);
    const TopologySize one = size(FatTree{2, k});
    const TopologySize many = size(MultiPlaneFatTree{planes, k});
    CHECK(many.endpoints == planes * one.endpoints);
    CHECK(many.switches == planes * one.switches);
    CHECK(many.switch_links == planes * one.switch_links);
    CHECK(many.endpoint_links == planes * one.endpoint_links);
    CHECK(many.diameter == one.diameter);
    CHECK(hops(MultiPlaneFatTree{planes, k}) == hops(FatTree{2, k}));
}

TEST_CASE("MPFT switch graph: disjoint planes with one plane's counts each (k = 4, 8)", "[model]") {
    const int k = GENERATE(4, 8);
    const MultiPlaneFatTree mp{4, k};
    const SwitchGraph g = build_graph(mp);
    const TopologySize s = size(mp);
    CHECK(switch_count(g) == s.switches);
    CHECK(link_count(g) == s.switch_links);
    CHECK(endpoint_count(g) == s.endpoints);
    // No path between planes inside the fabric: cross-plane needs a node-internal forward.
    CHECK(endpoint_diameter(g) == -1);
    const int per_plane = static_cast<int>(s.endpoints / 4);
    CHECK(endpoint_hops(g, 0, per_plane) == -1);
    CHECK(endpoint_hops(g, 0, per_plane - 1) == 3);
}

TEST_CASE("MPFT sized for N GPUs spreads them over the planes", "[model]") {
    const MultiPlaneFatTree mp{8, 64};
    CHECK(size_for_endpoints(mp, 16'384) == size(mp));
    // 2,048 GPUs over 8 planes of 256: the same switches and links as one FT2.
    const TopologySize s = size_for_endpoints(mp, 2'048);
    CHECK(s.switches == 96);
    CHECK(s.switch_links == 2'048);
    REQUIRE_THROWS_WITH(size_for_endpoints(mp, 16'385), Contains("16384"));
}

TEST_CASE("A multi-rail fat tree has its single fat tree's counts", "[model]") {
    CHECK(size(MultiRailFatTree{8, 64, 2}) == size(FatTree{2, 64}));
    CHECK(size(MultiRailFatTree{8, 64, 3}) == size(FatTree{3, 64}));
    CHECK(hops(MultiRailFatTree{8, 64, 3}).farthest == 5);
}

TEST_CASE("Bad multi-plane / multi-rail parameters throw naming the field", "[model]") {
    REQUIRE_THROWS_AS(size(MultiPlaneFatTree{0, 64}), hwplan::Error);
    REQUIRE_THROWS_WITH(size(MultiPlaneFatTree{0, 64}), Contains("multi_plane_fat_tree.planes"));
    REQUIRE_THROWS_WITH(size(MultiPlaneFatTree{8, 63}), Contains("multi_plane_fat_tree.radix"));
    REQUIRE_THROWS_WITH(size(MultiRailFatTree{0, 64}), Contains("multi_rail_fat_tree.rails"));
    REQUIRE_THROWS_WITH(size(MultiRailFatTree{3, 64}), Contains("multi_rail_fat_tree.rails"));
    REQUIRE_THROWS_WITH(size(MultiRailFatTree{8, 65}), Contains("multi_rail_fat_tree.radix"));
}

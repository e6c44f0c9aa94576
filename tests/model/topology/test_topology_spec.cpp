// The common TopologySpec interface.

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "model/error.hpp"
#include "model/topology/topology.hpp"

using namespace hwplan::model;
using namespace hwplan::model::topology;
using Catch::Matchers::Contains;

TEST_CASE("TopologySpec dispatches to the per-topology functions", "[model]") {
    const TopologySpec ft3 = FatTree{3, 64};
    CHECK(size(ft3) == size(FatTree{3, 64}));
    CHECK(hops(ft3) == HopCounts{1, 3, 5});
    CHECK(kind_name(ft3) == "FT3");
    CHECK(describe(TopologySpec{MultiPlaneFatTree{8, 64}}) == "MPFT(8 planes × FT2, k=64)");
    CHECK(describe(TopologySpec{SlimFly{28, 0, false}}) == "SF(q=28, p=21)");
    CHECK(describe(TopologySpec{Dragonfly{32, 16, 16, 511}}) == "DF(a=32, p=16, h=16, g=511)");
    CHECK(fmt::format("{}", TopologySpec{FatTree{2, 64}}) == "FT2(k=64)");
    CHECK_THAT(fmt::format("{}", size(ft3)), Contains("5120 switches"));
    REQUIRE_THROWS_WITH(validate(TopologySpec{FatTree{2, 7}}), Contains("fat_tree.radix"));
}

TEST_CASE("Every topology's farthest hops = diameter + 1", "[model]") {
    const auto row = GENERATE(from_range(paper_table3()));
    CAPTURE(row.label);
    CHECK(hops(row.spec).farthest == size(row.spec).diameter + 1);
    CHECK(average_hops(row.spec) <= hops(row.spec).farthest);
    CHECK(average_hops(row.spec) >= hops(row.spec).same_switch);
}

TEST_CASE("table3_lineup(64) is the paper's Table 3 lineup; other radices scale it", "[model][golden]") {
    using namespace hwplan::model::topology;
    const auto lineup = table3_lineup(64);
    const auto paper = paper_table3();
    REQUIRE(lineup.size() == paper.size());
    for (std::size_t i = 0; i < paper.size(); ++i) {
        CAPTURE(paper[i].label);
        CHECK(lineup[i].label == paper[i].label);
        CHECK(size(lineup[i].spec) == size(paper[i].spec));
    }
    // Halving the radix shrinks every fabric.
    const auto small = table3_lineup(32);
    for (std::size_t i = 0; i < small.size(); ++i) CHECK(size(small[i].spec).endpoints < paper[i].endpoints);
    CHECK_THROWS_WITH(table3_lineup(63), Catch::Matchers::Contains("radix"));
}

// Latency model: endpoint + hops · switch (+ propagation), fitted to the
// paper's link-layer latency table.

#include <catch2/catch.hpp>

#include "model/error.hpp"
#include "model/topology/latency_model.hpp"
#include "model/topology/paper_tables.hpp"

using namespace hwplan::model;
using namespace hwplan::model::topology;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

TEST_CASE("Paper latency table is reproduced exactly by the fitted hop model", "[model][golden]") {
    // Paper latency table (Section 5.2): same leaf = 1 switch, cross leaf = 3
    // switches (FT2). Two points per kind fix both terms, so equality is exact
    // up to floating-point rounding.
    const auto rows = paper_latency_table();
    REQUIRE(rows.size() == 3);
    const auto row = GENERATE_COPY(from_range(rows));
    CAPTURE(row.label);
    const LatencyParams p = paper_latency_params(row.kind);
    CHECK_THAT(latency(p, 1).value(), WithinRel(row.same_leaf.value(), 1e-12));
    if (row.cross_leaf) CHECK_THAT(latency(p, 3).value(), WithinRel(row.cross_leaf->value(), 1e-12));
}

TEST_CASE("Fitted latency parameters: IB 2.35 + 0.45/hop, RoCE 2.6 + 1.0/hop us", "[model][golden]") {
    const LatencyParams ib = paper_latency_params(LinkKind::infiniband);
    CHECK_THAT(to_us(ib.endpoint_overhead), WithinRel(2.35, 1e-12));
    CHECK_THAT(to_us(ib.switch_latency), WithinRel(0.45, 1e-12));
    const LatencyParams roce = paper_latency_params(LinkKind::roce);
    CHECK_THAT(to_us(roce.endpoint_overhead), WithinRel(2.6, 1e-12));
    CHECK_THAT(to_us(roce.switch_latency), WithinRel(1.0, 1e-12));
    // NVLink: one point; by default the whole 3.33 µs is endpoint overhead.
    const LatencyParams nv = paper_latency_params(LinkKind::nvlink);
    CHECK_THAT(to_us(nv.endpoint_overhead), WithinRel(3.33, 1e-12));
    CHECK(nv.switch_latency.value() == 0.0);
    const LatencyParams nv2 = paper_latency_params(LinkKind::nvlink, nanoseconds(300));
    CHECK_THAT(to_us(latency(nv2, 1)), WithinRel(3.33, 1e-12));
    CHECK_THAT(to_us(nv2.endpoint_overhead), WithinRel(3.03, 1e-12));
}

TEST_CASE("A propagation term refits the table and still reproduces it", "[model]") {
    // 10 ns per cable (≈ 2 m of fibre); the table includes it, so the fit moves
    // it out of the other two terms.
    const Seconds prop = nanoseconds(10);
    const LatencyParams p = fit_latency(1, microseconds(2.8), 3, microseconds(3.7), prop);
    CHECK_THAT(to_us(latency(p, 1)), WithinRel(2.8, 1e-12));
    CHECK_THAT(to_us(latency(p, 3)), WithinRel(3.7, 1e-12));
    CHECK_THAT(to_us(p.switch_latency), WithinRel(0.44, 1e-12));
    CHECK_THAT(to_us(p.endpoint_overhead), WithinRel(2.34, 1e-12));
}

TEST_CASE("Latency between endpoints of any topology follows its hop counts", "[model]") {
    const LatencyParams ib = paper_latency_params(LinkKind::infiniband);
    // FT3: 5 switches between pods -> 2.35 + 5 · 0.45 = 4.6 µs.
    const PathLatencies ft3 = path_latencies(FatTree{3, 64}, ib);
    CHECK_THAT(to_us(ft3.same_switch), WithinRel(2.8, 1e-12));
    CHECK_THAT(to_us(*ft3.same_group), WithinRel(3.7, 1e-12));
    CHECK_THAT(to_us(ft3.farthest), WithinRel(4.6, 1e-12));
    CHECK(ft3.average < ft3.farthest);
    CHECK(ft3.average > ft3.same_switch);
    // Dragonfly: 4 switches at worst; Slim Fly: 3 (diameter 2).
    CHECK_THAT(to_us(path_latencies(Dragonfly{32, 16, 16, 511}, ib).farthest), WithinRel(4.15, 1e-12));
    const PathLatencies sf = path_latencies(SlimFly{28, 21, false}, ib);
    CHECK_THAT(to_us(sf.farthest), WithinRel(3.7, 1e-12));
    CHECK_FALSE(sf.same_group.has_value());
    // More hops never cost less.
    for (int h = 0; h < 8; ++h) CHECK(latency(ib, h + 1) > latency(ib, h));
}

TEST_CASE("Bad latency inputs throw naming the field", "[model]") {
    REQUIRE_THROWS_AS(fit_latency(1, microseconds(2.8), 1, microseconds(3.7)), hwplan::Error);
    REQUIRE_THROWS_WITH(fit_latency(1, microseconds(2.8), 1, microseconds(3.7)), Contains("latency.hops"));
    // Cross-leaf faster than same-leaf would need a negative switch latency.
    REQUIRE_THROWS_WITH(fit_latency(1, microseconds(3.7), 3, microseconds(2.8)),
                        Contains("latency.switch_latency"));
    REQUIRE_THROWS_WITH(latency(LatencyParams{microseconds(-1), seconds(0)}, 1),
                        Contains("latency.endpoint_overhead"));
    REQUIRE_THROWS_WITH(latency(LatencyParams{}, -1), Contains("switch_hops"));
    REQUIRE_THROWS_WITH(paper_latency_params(LinkKind::pcie), Contains("kind"));
}

// Fabric cost model: NNLS price fit to paper Table 3, costs of any size,
// and cheapest-fabric sizing.

#include <catch2/catch.hpp>

#include <Eigen/Dense>

#include "model/error.hpp"
#include "model/topology/cost_model.hpp"
#include "model/topology/nnls.hpp"
#include "model/topology/paper_tables.hpp"

using namespace hwplan::model;
using namespace hwplan::model::topology;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("Table 3: element counts of all five fabrics are reproduced exactly", "[model][golden]") {
    const auto rows = paper_table3();
    REQUIRE(rows.size() == 5);
    const auto row = GENERATE_COPY(from_range(rows));
    CAPTURE(row.label);
    const TopologySize s = size(row.spec);
    CHECK(s.endpoints == row.endpoints);
    CHECK(s.switches == row.switches);
    CHECK(s.switch_links == row.links);
    CHECK(s.ports_per_switch <= 64);
}

TEST_CASE("Table 3: fitted prices reproduce $9M/$72M/$491M/$146M/$1,522M within 3 %",
          "[model][golden]") {
    // Paper Table 3 costs; tolerance ±3 % (DESIGN.md "Reference numbers"), which
    // also covers the printed rounding ("9" M$ is 4.39 k$ × 2,048 = 8.99 M$).
    const CostFit fit = fit_paper_prices();
    REQUIRE(fit.rows.size() == 5);
    CHECK(fit.prices.switch_usd >= 0);
    CHECK(fit.prices.switch_link_usd >= 0);
    CHECK(fit.prices.endpoint_link_usd >= 0);
    const auto rows = paper_table3();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        CAPTURE(rows[i].label);
        CHECK_THAT(fit.rows[i].fitted_usd, WithinRel(rows[i].cost_usd, 0.03));
        CHECK_THAT(fit.rows[i].relative_residual, WithinAbs(0.0, 0.03));
        CHECK_THAT(cost_per_endpoint_usd(rows[i].spec, fit.prices),
                   WithinRel(rows[i].cost_per_endpoint_usd, 0.03));
    }
    CHECK(fit.max_abs_relative_residual < 0.01);  // the fit is better than the tolerance
}

TEST_CASE("Relative weighting keeps the small fabrics within tolerance", "[model]") {
    const CostFit rel = fit_paper_prices(FitWeighting::relative);
    const CostFit abs = fit_paper_prices(FitWeighting::absolute);
    CHECK(rel.rms_relative_residual <= abs.rms_relative_residual);
}

TEST_CASE("Cost properties: FT3 costs more per endpoint than FT2; MPFT is 8 FT2s", "[model]") {
    const FabricPrices p = fit_paper_prices().prices;
    CHECK(cost_per_endpoint_usd(FatTree{3, 64}, p) > cost_per_endpoint_usd(FatTree{2, 64}, p));
    CHECK_THAT(fabric_cost_usd(MultiPlaneFatTree{8, 64}, p),
               WithinRel(8 * fabric_cost_usd(FatTree{2, 64}, p), 1e-12));
    CHECK_THAT(cost_per_endpoint_usd(MultiPlaneFatTree{8, 64}, p),
               WithinRel(cost_per_endpoint_usd(FatTree{2, 64}, p), 1e-12));
}

TEST_CASE("Fabric cost is monotone in the number of endpoints", "[model]") {
    const FabricPrices p = fit_paper_prices().prices;
    const FabricKind kind =
        GENERATE(FabricKind::fat_tree_2, FabricKind::fat_tree_3, FabricKind::multi_plane_fat_tree_2);
    CAPTURE(to_string(kind));
    double last = 0;
    for (std::int64_t n = 1; n <= 70'000; n = n * 5 / 4 + 1) {
        const FabricSizing s = size_fabric(kind, n, 64, p);
        if (!s.feasible) break;
        CHECK(s.cost_usd >= last);
        last = s.cost_usd;
    }
    CHECK(last > 0);
}

TEST_CASE("Cheapest fabric for N endpoints with radix-64 switches", "[model]") {
    const FabricPrices p = fit_paper_prices().prices;
    CHECK(cheapest_fabric(2'048, 64, p).kind == FabricKind::fat_tree_2);
    const FabricSizing mp = cheapest_fabric(16'384, 64, p);
    CHECK(mp.kind == FabricKind::multi_plane_fat_tree_2);
    CHECK(mp.size == size(MultiPlaneFatTree{8, 64}));
    const FabricSizing ft3 = cheapest_fabric(20'000, 64, p);
    CHECK(ft3.feasible);
    CHECK(ft3.kind == FabricKind::fat_tree_3);
    const FabricSizing none = cheapest_fabric(70'000, 64, p);
    CHECK_FALSE(none.feasible);
    CHECK_THAT(none.reason, Contains("65536"));
    const FabricSizing too_big = size_fabric(FabricKind::fat_tree_2, 3'000, 64, p);
    CHECK_FALSE(too_big.feasible);
    CHECK_THAT(too_big.reason, Contains("2048"));
}

TEST_CASE("Lawson–Hanson NNLS recovers exact solutions and clamps negative ones", "[model]") {
    Eigen::MatrixXd a(4, 3);
    a << 1, 2, 0.5, 3, 1, 2, 0, 4, 1, 2, 2, 2;
    const Eigen::Vector3d truth(1, 2, 3);
    const NnlsResult exact = nnls(a, a * truth);
    CHECK_THAT(exact.x(0), WithinRel(1.0, 1e-9));
    CHECK_THAT(exact.x(1), WithinRel(2.0, 1e-9));
    CHECK_THAT(exact.x(2), WithinRel(3.0, 1e-9));

    // Unconstrained fit of b = 4 - t would have a negative slope: NNLS sets it to 0
    // and the intercept to mean(b).
    Eigen::MatrixXd line(3, 2);
    line << 1, 1, 1, 2, 1, 3;
    const NnlsResult clamped = nnls(line, Eigen::Vector3d(3, 2, 1));
    CHECK_THAT(clamped.x(0), WithinRel(2.0, 1e-12));
    CHECK(clamped.x(1) == 0.0);
    // Kuhn–Tucker: the gradient points into the constraint at the clamped entry.
    const Eigen::VectorXd w = line.transpose() * (Eigen::Vector3d(3, 2, 1) - line * clamped.x);
    CHECK(w(1) <= 1e-12);
    CHECK_THAT(w(0), WithinAbs(0.0, 1e-12));

    REQUIRE_THROWS_WITH(nnls(line, Eigen::Vector2d(1, 2)), Contains("nnls"));
}

TEST_CASE("Bad cost inputs throw hwplan::Error naming the field", "[model]") {
    REQUIRE_THROWS_AS(fit_prices({}), hwplan::Error);
    std::vector<CostObservation> obs = paper_cost_observations();
    obs[1].cost_usd = -5;
    REQUIRE_THROWS_WITH(fit_prices(obs), Contains("observations[1].cost_usd"));
    REQUIRE_THROWS_WITH(fabric_cost_usd(FatTree{2, 64}, FabricPrices{-1, 0, 0}),
                        Contains("prices.switch_usd"));
    REQUIRE_THROWS_WITH(size_fabric(FabricKind::fat_tree_2, 0, 64, FabricPrices{}),
                        Contains("endpoints"));
    REQUIRE_THROWS_WITH(size_fabric(FabricKind::multi_plane_fat_tree_2, 100, 64, FabricPrices{}, 0),
                        Contains("multi_plane_fat_tree.planes"));
}

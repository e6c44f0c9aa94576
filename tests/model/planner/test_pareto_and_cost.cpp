// Pareto fronts and deployment cost/power (model/planner/pareto.hpp, cost.hpp).
#include <catch2/catch.hpp>

#include "model/planner/cost.hpp"
#include "model/planner/pareto.hpp"
#include "model/topology/cost_model.hpp"
#include "planner_fixtures.hpp"

using namespace hwplan;
using namespace hwplan::model::planner;
using Catch::Matchers::WithinRel;

TEST_CASE("Pareto front of a hand-made set", "[model]") {
    // (x, y), both minimised.
    const std::vector<std::pair<double, double>> pts = {{1, 5}, {2, 3}, {2, 4}, {3, 3}, {4, 1}, {1, 5}, {5, 0.5}, {0.5, 9}};
    const auto front = pareto_front(
        pts.size(), [&](std::size_t i) { return pts[i].first; }, [&](std::size_t i) { return pts[i].second; },
        [](std::size_t a, std::size_t b) { return a < b; });
    // (2,4) and (3,3) are dominated by (2,3); the duplicate (1,5) is kept once (the first).
    CHECK(front == std::vector<std::size_t>{7, 0, 1, 4, 6});
}

TEST_CASE("Deployment cost: rental, capex, power at the wall with PUE", "[model]") {
    const auto fitted = model::topology::fit_paper_prices().prices;
    SystemCandidate c = test::candidate(test::h100_node(), 2.5, 300000);
    CostModel rental;
    const DeploymentCost one = deployment_cost(c, rental, 1, false, fitted);
    CHECK(one.gpus == 8);
    CHECK(one.nics == 8);
    CHECK(one.switches == 0);
    CHECK(one.fabric == "none");
    CHECK_THAT(one.cost_per_hour_usd, WithinRel(8 * 2.5, 1e-12));
    // (8 x 700 W + 4,600 W) x 1.3 = 13.26 kW
    CHECK_THAT(one.power_kw, WithinRel(13.26, 1e-12));

    CostModel capex;
    capex.basis = CostBasis::capex;
    capex.amortisation_years = 4;
    capex.usd_per_kwh = 0.1;
    const DeploymentCost four = deployment_cost(c, capex, 4, true, fitted);
    REQUIRE(four.fabric_feasible);
    CHECK(four.switches > 0);
    CHECK(four.fabric_cost_usd > 0);
    const double expect = (4 * 300000 + four.fabric_cost_usd) / (4 * 8760.0) + four.power_kw * 0.1;
    CHECK_THAT(four.cost_per_hour_usd, WithinRel(expect, 1e-12));
    // The table gives the same numbers.
    const CostTable table(c, capex, 8, fitted);
    CHECK(table.at(4, true) == four);
    CHECK(table.per_hour(4, true) == four.cost_per_hour_usd);
    // Fabric cost never falls as the deployment grows.
    for (int n = 2; n <= 8; ++n) CHECK(table.at(n, true).fabric_cost_usd >= table.at(n - 1, true).fabric_cost_usd);
}

TEST_CASE("Deployment cost: a system's own switch price replaces the fitted one", "[model]") {
    const auto fitted = model::topology::fit_paper_prices().prices;
    model::System s = test::h100_node();
    model::Switch sw;
    sw.id = "sw";
    sw.ports = 64;
    sw.price_usd = 12345;
    s.fabric_switch = sw;
    CHECK(fabric_prices(s, fitted).switch_usd == 12345);
    CHECK(fabric_prices(s, fitted).switch_link_usd == fitted.switch_link_usd);
    s.fabric_switch->price_usd = 0;
    CHECK(fabric_prices(s, fitted).switch_usd == fitted.switch_usd);
}

TEST_CASE("Scenario validation names the field", "[model]") {
    Scenario sc = test::small_dense_scenario();
    sc.workload.prefix_hit_rate = 1.0;
    CHECK_THROWS_WITH(validate(sc), Catch::Matchers::Contains("workload.prefix_hit_rate"));
    sc = test::small_dense_scenario();
    sc.sla.tpot->percentile = 100;
    CHECK_THROWS_WITH(validate(sc), Catch::Matchers::Contains("sla.tpot_percentile"));
    sc = test::small_dense_scenario();
    sc.search.aggregated = sc.search.disaggregated = false;
    CHECK_THROWS_WITH(validate(sc), Catch::Matchers::Contains("search.modes"));
    sc = test::small_dense_scenario();
    sc.systems.front().price_per_gpu_hour_usd = 0;
    CHECK_THROWS_WITH(validate(sc), Catch::Matchers::Contains("no price per GPU-hour"));
    CHECK_NOTHROW(validate(test::small_dense_scenario()));
}

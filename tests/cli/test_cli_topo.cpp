// hwplan topo on the built binary: paper Table 3 counts exactly, costs
// within 3 %, the latency table, sizing, multi-plane, bad parameters.
#include <catch2/catch.hpp>

#include "cli/cli_json.hpp"

using namespace hwplan::test;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

TEST_CASE("CLI: hwplan topo --table reproduces paper Table 3 for radix 64", "[cli][golden]") {
    const auto j = hwplan_json({"topo", "--table"});
    REQUIRE(j["rows"].size() == 5);
    // arXiv 2505.09343 Table 3: counts exact, costs within 3 %.
    const std::vector<std::tuple<std::string, long long, long long, long long, double>> paper = {
        {"FT2", 2048, 96, 2048, 9},          {"MPFT", 16384, 768, 16384, 72},
        {"FT3", 65536, 5120, 131072, 491},   {"SF", 32928, 1568, 32928, 146},
        {"DF", 261632, 16352, 384272, 1522}};
    for (std::size_t i = 0; i < paper.size(); ++i) {
        const auto& [label, endpoints, switches, links, cost] = paper[i];
        const auto& row = j["rows"][i];
        CAPTURE(label);
        CHECK(row["fabric"] == label);
        CHECK(row["endpoints"].get<long long>() == endpoints);
        CHECK(row["switches"].get<long long>() == switches);
        CHECK(row["links"].get<long long>() == links);
        CHECK_THAT(row["cost_musd"].get<double>(), WithinRel(cost, 0.03));
    }
    CHECK(j["price_fit"]["max_abs_relative_residual"].get<double>() < 0.03);
    const auto table = run_hwplan({"topo", "--table"});
    CHECK_THAT(table.out, Contains("residual") && Contains("16,384"));
}

TEST_CASE("CLI: hwplan topo --latency reproduces the paper's latency table", "[cli][golden]") {
    const auto j = hwplan_json({"topo", "--latency"});
    for (const auto& row : j["latency"]) {
        CAPTURE(row["link"]);
        CHECK(row["same_leaf_us"].get<double>() == Approx(row["paper_same_leaf_us"].get<double>()));
        if (row.contains("paper_cross_leaf_us"))
            CHECK(row["cross_leaf_us"].get<double>() == Approx(row["paper_cross_leaf_us"].get<double>()));
    }
}

TEST_CASE("CLI: hwplan topo sizes a fabric; FT3 costs more per endpoint than FT2", "[cli]") {
    const auto ft2 = hwplan_json({"topo", "--fabric", "ft2", "--endpoints", "2048"});
    CHECK(ft2["endpoints"].get<long long>() >= 2048);
    CHECK(ft2["switches"].get<long long>() == 96);
    const auto ft3 = hwplan_json({"topo", "--fabric", "ft3", "--endpoints", "65536"});
    CHECK(ft3["cost_per_endpoint_kusd"].get<double>() > ft2["cost_per_endpoint_kusd"].get<double>());
    CHECK(ft3["latency_us"].get<double>() > ft2["latency_us"].get<double>());
    const auto cheapest = hwplan_json({"topo", "--fabric", "cheapest", "--endpoints", "10000"});
    CHECK(cheapest["endpoints"].get<long long>() >= 10000);
    const auto mp = hwplan_json({"topo", "--multi-plane", "--endpoints", "16384", "--failed-planes", "1"});
    CHECK(mp["multi_plane"]["bandwidth_fraction"].get<double>() == Approx(7.0 / 8));
    CHECK(mp["multi_plane"]["mpft_switches"].get<long long>() < mp["multi_plane"]["mrft_switches"].get<long long>());
}

TEST_CASE("CLI: hwplan topo bad parameters exit 2 naming the flag", "[cli]") {
    using Case = std::tuple<std::vector<std::string>, std::string>;
    const auto [args, expected] = GENERATE(values<Case>({
        {{"topo", "--table", "--radix", "63"}, "--radix"},
        {{"topo", "--fabric", "ft4", "--endpoints", "10"}, "--fabric"},
        {{"topo", "--fabric", "ft2", "--endpoints", "0"}, "--endpoints"},
        {{"topo", "--fabric", "ft2", "--endpoints", "100000"}, "--endpoints"},
        {{"topo", "--table", "--link-bandwidth", "400 Gbs"}, "Gbps"},
        {{"topo", "--table", "--switch-price", "-5"}, "--switch-price"},
    }));
    CAPTURE(args);
    const auto r = run_hwplan(args);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains(expected));
}

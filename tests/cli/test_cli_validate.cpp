// CLI tests of `hwplan validate` on the built binary: the whole repository
// reference set runs and reports its counts, paper rows come back exactly,
// filters, --max-error's exit code, markdown, and a bad reference file
// (file:line:col, exit 2).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "cli/cli_json.hpp"

using namespace hwplan::test;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

const nlohmann::json* find_row(const nlohmann::json& j, const std::string& id) {
    for (const auto& r : j["rows"])
        if (r["id"] == id) return &r;
    return nullptr;
}

std::string write_temp(const std::string& name, const std::string& text) {
    const std::string dir = make_temp_dir("hwplan-validate");
    const std::string path = dir + "/" + name;
    std::ofstream(path) << text;
    return path;
}

}  // namespace

TEST_CASE("CLI: hwplan validate runs over every repository reference row", "[cli][validation]") {
    const auto j = hwplan_json({"validate"});
    const auto& s = j["summary"];
    const int count = s["count"].get<int>();
    // docs/references.md: 529 rows in 11 files; every row is reported, modelled or not.
    CHECK(count >= 500);
    CHECK(j["rows"].size() == static_cast<std::size_t>(count));
    CHECK(s["modelled"].get<int>() + s["not_modelled"].get<int>() == count);
    CHECK(s["modelled"].get<int>() >= 200);
    CHECK(s["by_source"].size() == 11);
    for (const auto& r : j["rows"]) {
        if (r["modelled"].get<bool>()) {
            CHECK(r.contains("predicted"));
            CHECK(r.contains("error_pct"));
            CHECK(std::isfinite(r["error_pct"].get<double>()));
        } else {
            CHECK_FALSE(r["reason"].get<std::string>().empty());
        }
    }
    CHECK(s["median_abs_error_pct"].get<double>() >= 0);
    CHECK(s["max_abs_error_pct"].get<double>() >= s["median_abs_error_pct"].get<double>());
}

// Source: arXiv 2505.09343 sec. 2.3.2 and Table 1.
TEST_CASE("CLI: hwplan validate --source paper reproduces the paper's numbers", "[cli][validation][golden]") {
    const auto j = hwplan_json({"validate", "--source", "paper"});
    const auto* comm = find_row(j, "paper-ep-comm-ib-50gbps");
    REQUIRE(comm);
    CHECK((*comm)["unit"] == "us");
    CHECK((*comm)["method"] == "paper");
    CHECK_THAT((*comm)["predicted"].get<double>(), WithinRel(120.96, 1e-9));
    CHECK_THAT((*comm)["error_pct"].get<double>(), WithinAbs(0, 1e-7));
    const auto* kv = find_row(j, "paper-t1-kv-per-token-deepseek-v3");
    REQUIRE(kv);
    CHECK_THAT((*kv)["predicted"].get<double>(), WithinRel(70.272, 1e-9));
    const auto* step = find_row(j, "paper-ep-step-ib-50gbps");
    REQUIRE(step);
    CHECK_THAT((*step)["predicted"].get<double>(), WithinAbs(14.76, 0.005));
    const auto* tps = find_row(j, "paper-ep-tps-ib-50gbps");
    REQUIRE(tps);
    CHECK_THAT((*tps)["predicted"].get<double>(), WithinAbs(67.76, 0.01));  // paper prints "67"
    for (const auto& r : j["rows"]) CHECK(r["source"] == "paper");
}

TEST_CASE("CLI: hwplan validate --max-error sets the exit code", "[cli][validation]") {
    // Table 1 rows are exact: a 0.001 % limit passes ...
    const auto ok = run_hwplan({"validate", "--source", "paper", "--kind", "kv_cache_per_token_kb", "--max-error",
                                "0.001"});
    INFO(ok.err);
    CHECK(ok.exit_code == 0);
    // ... while the whole paper file has rows off by more than 0.001 % (Table 3 costs, "67" tokens/s).
    const auto bad = run_hwplan({"validate", "--source", "paper", "--max-error", "0.001", "--format", "json"});
    CHECK(bad.exit_code == 1);
    CHECK_THAT(bad.err, Contains("exceed --max-error"));
    const auto j = nlohmann::json::parse(bad.out);  // the report is still complete
    CHECK_FALSE(j["exceeding"].empty());
}

TEST_CASE("CLI: hwplan validate prints table, csv and markdown", "[cli][validation]") {
    const auto table = run_hwplan({"validate", "--source", "deepep"});
    REQUIRE(table.exit_code == 0);
    CHECK_THAT(table.out, Contains("Summary by source") && Contains("deepep") && Contains("median |error|"));
    const auto csv = run_hwplan({"validate", "--source", "kernels", "--format", "csv"});
    REQUIRE(csv.exit_code == 0);
    CHECK_THAT(csv.out, Contains("deepgemm-dense-m4096-n7168-k16384-tflops"));
    const auto md = run_hwplan({"validate", "--source", "paper", "--format", "markdown"});
    REQUIRE(md.exit_code == 0);
    CHECK_THAT(md.out, Contains("| id |") && Contains("|---|") && Contains("paper-ep-comm-ib-50gbps"));
}

TEST_CASE("CLI: hwplan validate reports a bad reference file with file:line:col and exit 2", "[cli][validation]") {
    const std::string text =
        "source:\n"
        "  title: t\n"
        "  url: https://example.org\n"
        "references:\n"
        "- id: bad-unit\n"
        "  quantity: ep_comm_time_us\n"
        "  value: 120.96\n"
        "  unit: ms\n"
        "  kind: paper_calculation\n"
        "  conditions: {model: deepseek-v3}\n"
        "  quote: q\n"
        "- id: typo\n"
        "  quantity: tpot_ms\n"
        "  valeu: 14.76\n"
        "  unit: ms\n"
        "  kind: paper_calculation\n"
        "  conditions: {}\n"
        "  quote: q\n";
    const std::string path = write_temp("bad.yaml", text);
    const auto r = run_hwplan({"validate", "--refs", path});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("bad.yaml:8:9") && Contains("does not match quantity"));
    CHECK_THAT(r.err, Contains("bad.yaml:14:3") && Contains("valeu") && Contains("did you mean 'value'"));
    CHECK(r.out.empty());
    std::filesystem::remove_all(std::filesystem::path(path).parent_path());

    const std::string dup = write_temp("dup.yaml",
                                       "source: {title: t, url: u}\n"
                                       "references:\n"
                                       "- {id: a, quantity: x, value: 1, unit: count, kind: measurement, conditions: {}, quote: q}\n"
                                       "- {id: a, quantity: x, value: 2, unit: count, kind: measurement, conditions: {}, quote: q}\n");
    const auto d = run_hwplan({"validate", "--refs", dup});
    CHECK(d.exit_code == 2);
    CHECK_THAT(d.err, Contains("dup.yaml:4") && Contains("duplicate id 'a'"));
    std::filesystem::remove_all(std::filesystem::path(dup).parent_path());

    const auto missing = run_hwplan({"validate", "--refs", "/nonexistent/refs.yaml"});
    CHECK(missing.exit_code == 2);
}

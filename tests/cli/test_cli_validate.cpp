// CLI tests of `hwplan validate` on the built binary: the whole repository
// reference set runs and reports its counts, paper rows come back exactly,
// filters, --max-error's exit code, markdown, and a bad reference file
// (file:line:col, exit 2).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

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

namespace {

// Three synthetic sources of DeepGEMM-like GEMM rows on the database's H800
// (published values: 0.8 x the BF16 dense peak for large GEMMs, 0.75 x HBM
// for small ones), one attention row in source "one" only.
std::string synthetic_refs() {
    const std::string dir = make_temp_dir("hwplan-validate-cv");
    const char* sources[] = {"one", "two", "three"};
    int s = 0;
    for (const char* name : sources) {
        std::string text = "source: {title: synthetic, url: 'https://example.org'}\nreferences:\n";
        const double scale = 1 + 0.25 * s++;
        const auto row = [&](const std::string& id, const std::string& q, double value, const std::string& unit,
                             double m, double n, double k) {
            text += fmt::format(
                "- id: {}-{}\n  quantity: {}\n  value: {}\n  unit: {}\n  kind: measurement\n"
                "  conditions: {{gpu: h800-sxm, kernel: dense_gemm, b_dtype: bf16, m: {}, n: {}, k: {}}}\n"
                "  quote: synthetic\n",
                name, id, q, value, unit, m, n, k);
        };
        row("big", "gemm_tflops", 0.8 * 989, "TFLOP/s", 4096, 7168 * scale, 16384);
        row("big2", "gemm_tflops", 0.8 * 989, "TFLOP/s", 8192, 4096, 7168 * scale);
        row("small", "gemm_mem_bw_gbps", 0.75 * 3350, "GB/s", 16, 7168, 16384 * scale);
        row("small2", "gemm_mem_bw_gbps", 0.75 * 3350, "GB/s", 8, 24576 * scale, 1536);
        if (std::string(name) == "one")
            text += "- id: one-attn\n  quantity: attention_kv_read_bw_gbps\n  value: 2800\n  unit: GB/s\n"
                    "  kind: measurement\n  conditions: {gpu: h800-sxm, kernel: flash_mla_dense}\n  quote: synthetic\n";
        std::ofstream(dir + "/" + name + ".yaml") << text;
    }
    return dir;
}

}  // namespace

TEST_CASE("CLI: hwplan validate --cross-validate reports held-out figures per source", "[cli][validation]") {
    const std::string dir = synthetic_refs();
    const auto r = run_hwplan({"validate", "--refs", dir, "--cross-validate", "--format", "json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Contains("fold 1/3") && Contains("held out: one"));  // progress on stderr
    const auto j = nlohmann::json::parse(r.out);
    const auto& cv = j["cross_validation"];
    for (const char* s : {"one", "two", "three"}) {
        INFO(s);
        REQUIRE(cv["by_source"].contains(s));
        const auto& c = cv["by_source"][s]["cross_validated"];
        CHECK(c.contains("median_abs_error_pct"));
        CHECK(c.contains("p90_abs_error_pct"));
        CHECK(c["count"].get<int>() == (std::string(s) == "one" ? 5 : 4));
        // Every source's published GEMM rows are the same efficiencies, so the
        // other two predict it within a few percent; the defaults do not.
        CHECK(c["median_abs_error_pct"].get<double>() < 3);
        CHECK(cv["by_source"][s]["default"]["median_abs_error_pct"].get<double>() > 5);
    }
    CHECK(cv["overall"]["cross_validated"]["count"].get<int>() == 13);
    // The GEMM constants are fitted; attention_memory (one source) is not.
    const auto& fit = cv["in_sample_fit"]["constants"];
    CHECK(fit["gemm.peak_fraction"]["fitted"].get<bool>());
    CHECK(fit["hbm"]["fitted"].get<bool>());
    CHECK_FALSE(fit["attention_memory"]["fitted"].get<bool>());
    CHECK_THAT(fit["attention_memory"]["note"].get<std::string>(), Contains("1 row(s) of one"));
    REQUIRE(cv["folds"].size() == 3);
    for (const auto& f : cv["folds"]) CHECK(f["fitted"].get<bool>());
    for (const auto& row : j["rows"]) CHECK(row.contains("cv_error_pct"));
    // Table output: the per-source table and the per-fold constants.
    const auto t = run_hwplan({"validate", "--refs", dir, "--cross-validate"});
    REQUIRE(t.exit_code == 0);
    CHECK_THAT(t.out, Contains("Cross-validated |error| per source") && Contains("w/o two") &&
                          Contains("no constant may be set from a single row"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("CLI: hwplan validate shows the step breakdown of serving rows", "[cli][validation]") {
    const auto j = hwplan_json({"validate", "--source", "llama-serving"});
    int with = 0;
    for (const auto& r : j["rows"]) {
        if (!r.contains("breakdown_ms")) continue;
        ++with;
        double sum = 0;
        for (const auto& [k, v] : r["breakdown_ms"].items()) sum += v.get<double>();
        CHECK_THAT(sum, WithinRel(r["step_ms"].get<double>(), 1e-9));
        CHECK((r["breakdown_phase"] == "decode" || r["breakdown_phase"] == "prefill"));
        if (r["quantity"] == "ttft_ms") CHECK(r["breakdown_phase"] == "prefill");
        if (r["quantity"] == "tpot_ms" || r["quantity"] == "itl_ms") CHECK(r["breakdown_phase"] == "decode");
    }
    CHECK(with >= 10);
    const auto t = run_hwplan({"validate", "--source", "llama-serving"});
    CHECK_THAT(t.out, Contains("step breakdown") && Contains("decode: gemm"));
}

TEST_CASE("CLI: hwplan validate --id filters by glob or substring", "[cli][validation]") {
    const auto j = hwplan_json({"validate", "--id", "deepgemm-dense-*-tflops"});
    REQUIRE(j["rows"].size() >= 2);
    for (const auto& r : j["rows"]) {
        const std::string id = r["id"];
        CHECK(id.rfind("deepgemm-dense-", 0) == 0);
        CHECK(id.substr(id.size() - 7) == "-tflops");
    }
    const auto sub = hwplan_json({"validate", "--id", "m4096-n7168-k16384"});
    for (const auto& r : sub["rows"]) CHECK_THAT(r["id"].get<std::string>(), Contains("m4096-n7168-k16384"));
}

TEST_CASE("CLI: hwplan validate rejects bad filter and fit values with exit 2", "[cli][validation]") {
    const std::vector<std::vector<std::string>> bad = {
        {"validate", "--min-fit-rows", "1", "--cross-validate"},
        {"validate", "--min-fit-rows", "abc"},
        {"validate", "--min-fit-sources", "0"},
        {"validate", "--id", ""},
        {"validate", "--id", "no-such-row-*"},
        {"validate", "--source", "no-such-source"},
    };
    for (const auto& args : bad) {
        const auto r = run_hwplan(args);
        INFO(args[1] << " " << args[2] << ": " << r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.out.empty());
    }
    CHECK_THAT(run_hwplan({"validate", "--min-fit-rows", "1"}).err, Contains("--min-fit-rows") && Contains("single row"));
    CHECK_THAT(run_hwplan({"validate", "--source", "nope"}).err, Contains("deepep"));  // lists the sources
}

// CLI tests of `hwplan plan` and `hwplan sweep` on the built binary: the JSON
// contract, the shipped scenarios, bad scenarios (exit 2, field and line),
// infeasible SLAs (which constraint binds), sweep CSV and progress.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/cli_json.hpp"

using namespace hwplan::test;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using Catch::Matchers::WithinRel;

namespace {

std::string small() { return source_path("scenarios/small-llama-8b.yaml"); }
std::string deepseek() { return source_path("scenarios/deepseek-v3-h800.yaml"); }

std::string write_file(const std::string& dir, const std::string& name, const std::string& text) {
    const std::string path = dir + "/" + name;
    std::ofstream(path) << text;
    return path;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void check_plan_keys(const nlohmann::json& p) {
    for (const char* k : {"system", "mode", "gpus", "nodes", "layout", "tpot_ms", "ttft_ms", "output_tokens_per_s_per_gpu",
                          "input_tokens_per_s_per_gpu", "cost_per_mtok_usd", "cost_per_mtok_input_usd",
                          "cost_per_mtok_output_usd", "power_kw", "tokens_per_s_per_user", "nics", "switches", "fabric",
                          "decode_output_tokens_per_s_per_node", "prefill_input_tokens_per_s_per_node"})
        CHECK(p.contains(k));
    for (const char* k : {"tp", "dp", "pp", "ep", "batch", "decode", "prefill", "prefill_nodes", "decode_nodes"})
        CHECK(p["layout"].contains(k));
    CHECK(p["gpus"].get<int>() > 0);
    CHECK(p["cost_per_mtok_usd"].get<double>() > 0);
    CHECK(p["power_kw"].get<double>() > 0);
}

}  // namespace

TEST_CASE("CLI: hwplan plan prints plans and the Pareto front as JSON", "[cli]") {
    const auto j = hwplan_json({"plan", small(), "--top", "3"});
    CHECK(j["feasible"].get<bool>());
    REQUIRE(j["plans"].is_array());
    REQUIRE(j["plans"].size() == 3);
    REQUIRE_FALSE(j["pareto"].empty());
    for (const auto& p : j["plans"]) {
        check_plan_keys(p);
        CHECK(p["tpot_ms"].get<double>() <= 20.0 + 1e-9);
        CHECK(p["ttft_ms"].get<double>() <= 500.0 + 1e-9);
    }
    for (const auto& p : j["pareto"]) check_plan_keys(p);
    CHECK(j["plans"][0]["rank"].get<int>() == 1);
    // Ranked by cost.
    CHECK(j["plans"][0]["cost_per_mtok_usd"].get<double>() <= j["plans"][1]["cost_per_mtok_usd"].get<double>());
    CHECK_FALSE(j["assumptions"]["notes"].empty());
    CHECK(j["assumptions"]["pue"].get<double>() == 1.3);
    CHECK(j["search"]["configurations"].get<double>() > 0);
}

TEST_CASE("CLI: hwplan plan is the same whatever the thread count", "[cli]") {
    auto one = hwplan_json({"plan", small(), "--threads", "1"});
    auto two = hwplan_json({"plan", small(), "--threads", "3"});
    CHECK(one["plans"] == two["plans"]);
    CHECK(one["pareto"] == two["pareto"]);
    CHECK(one["pareto_throughput"] == two["pareto_throughput"]);
}

TEST_CASE("CLI: the DeepSeek-V3 scenario gives a disaggregated large-EP plan with per-node figures", "[cli]") {
    const auto j = hwplan_json({"plan", deepseek(), "--top", "5"});
    REQUIRE_FALSE(j["plans"].empty());
    const auto& best = j["plans"][0];
    check_plan_keys(best);
    CHECK(best["system"] == "h800-node");
    CHECK(best["tpot_ms"].get<double>() <= 50.0);
    CHECK(best["tokens_per_s_per_user"].get<double>() >= 20.0);
    CHECK(best["decode_output_tokens_per_s_per_node"].get<double>() > 0);
    CHECK(best["prefill_input_tokens_per_s_per_node"].get<double>() > 0);
    // The demand (1.94M output tokens/s) is served.
    CHECK_THAT(best["output_tokens_per_s"].get<double>(), WithinRel(1.94e6, 1e-9));
    CHECK(best["weights"] == "fp8");
    CHECK(j["search"]["seconds"].get<double>() < 10);
    const auto table = run_hwplan({"plan", deepseek(), "--top", "3"});
    REQUIRE(table.exit_code == 0);
    CHECK_THAT(table.out, Contains("Best plan in detail") && Contains("per decode node") &&
                              Contains("Pareto front: cost per million tokens vs TPOT") && Contains("Assumptions:") &&
                              Contains("PUE 1.3"));
}

TEST_CASE("CLI: hwplan plan --format csv prints every table", "[cli]") {
    const auto r = run_hwplan({"plan", small(), "--format", "csv", "--top", "2"});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, StartsWith("# Capacity plan") && Contains("# Pareto front") && Contains("$/Mtok"));
}

TEST_CASE("CLI: bad scenarios exit 2 naming the field and line", "[cli]") {
    const std::string dir = make_temp_dir("hwplan-plan");
    const auto bad = [&](const std::string& text) { return run_hwplan({"plan", write_file(dir, "bad.yaml", text)}); };
    const std::string ok = "model: llama-3.1-8b\nsystems: [h100-node]\nworkload:\n  input: {mean: 1000}\n"
                           "  output: {mean: 200}\nsla:\n  tpot: 20 ms\n";
    {
        const auto r = bad("model: llama-3.1-8b\nsystems: [h10-node]\nworkload:\n  input: {mean: 1000}\n"
                           "  output: {mean: 200}\nsla:\n  tpot: 20 ms\n");
        CHECK(r.exit_code == 2);
        CHECK(r.out.empty());
        CHECK_THAT(r.err, Contains("bad.yaml:2:10: systems: unknown system 'h10-node'") && Contains("did you mean"));
    }
    {
        const auto r = bad("model: llama-3.1-8b\nsystems: [h100-node]\nworkload:\n  input: {mean: 1000}\nsla:\n  tpot: 20 ms\n");
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("bad.yaml:4:3: missing required key 'workload.output'"));
    }
    {
        std::string t = ok;
        t.replace(t.find("20 ms"), 5, "20 mb");
        const auto r = bad(t);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("bad.yaml:7:9: sla.tpot:"));
    }
    {
        const auto r = bad(ok + "sla_typo: 1\n");
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("unknown key 'sla_typo'"));
    }
    {
        const auto r = run_hwplan({"plan", dir + "/missing.yaml"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("missing.yaml"));
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("CLI: an infeasible SLA says which constraint binds and where it is", "[cli]") {
    const std::string dir = make_temp_dir("hwplan-plan");
    const std::string base = "model: llama-3.1-8b\nsystems: [h100-node]\nworkload:\n  input: {mean: 1000}\n"
                             "  output: {mean: 200}\nsla:\n";
    {
        const auto r = run_hwplan({"plan", write_file(dir, "a.yaml", base + "  tpot: 0.5 ms\n  ttft: 2 s\n")});
        CHECK(r.exit_code == 2);
        CHECK(r.out.empty());
        CHECK_THAT(r.err, StartsWith("hwplan: error: ") && Contains("a.yaml:7:9: sla.tpot: no deployment reaches TPOT "
                                                                    "0.5 ms (mean): best is ") &&
                              Contains("h100-node") && Contains("TTFT met"));
    }
    {
        const auto r = run_hwplan({"plan", write_file(dir, "b.yaml", base + "  tpot: 50 ms\n  ttft: 0.2 ms\n")});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("b.yaml:8:9: sla.ttft: no deployment reaches TTFT 0.2 ms (mean)") &&
                              Contains("TPOT met"));
    }
    {
        const auto r = run_hwplan({"plan", write_file(dir, "c.yaml", base + "  tpot: 50 ms\n"
                                                                             "constraints: {max_gpus: 8}\n")});
        CHECK(r.exit_code == 0);  // no demand: one node is enough
        const auto d = run_hwplan({"plan", write_file(dir, "d.yaml",
                                                       "model: llama-3.1-8b\nsystems: [h100-node]\nworkload:\n"
                                                       "  requests_per_s: 100k/s\n  input: {mean: 1000}\n"
                                                       "  output: {mean: 200}\nsla:\n  tpot: 50 ms\n"
                                                       "constraints: {max_gpus: 8}\n")});
        CHECK(d.exit_code == 2);
        CHECK_THAT(d.err, Contains("constraints.max_gpus") && Contains("need at least"));
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("CLI: hwplan sweep writes every evaluated point as CSV, atomically", "[cli]") {
    const std::string dir = make_temp_dir("hwplan-sweep");
    const std::string out = dir + "/points.csv";
    const auto r = run_hwplan({"sweep", small(), "--out", out, "--format", "json"});
    REQUIRE(r.exit_code == 0);
    const auto j = nlohmann::json::parse(r.out);
    const std::string csv = read_all(out);
    CHECK_THAT(csv, StartsWith("phase,system,weights,kv_cache,mtp_depth,overlap,nodes,gpus,tp,dp,pp,ep"));
    const auto lines = static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n'));
    CHECK(lines == j["points"].get<std::size_t>() + 1);
    CHECK(j["points"].get<std::size_t>() > 10);
    CHECK_THAT(csv, Contains("\ndecode,h100-node,bf16,bf16,0,none,1,8,") && Contains("\nprefill,h100-node,"));
    // Not a terminal and no --progress: plain lines (or none for a fast sweep), never a bar.
    CHECK_THAT(r.err, !Contains("\r["));
    // --progress draws the bar.
    const auto bar = run_hwplan({"sweep", small(), "--out", out, "--progress"});
    REQUIRE(bar.exit_code == 0);
    CHECK_THAT(bar.err, Contains("\r[") && Contains("100%"));
    // A bad output path: exit 2, nothing written.
    const auto bad = run_hwplan({"sweep", small(), "--out", dir + "/no/such/dir/x.csv"});
    CHECK(bad.exit_code == 2);
    CHECK_FALSE(std::filesystem::exists(dir + "/no/such/dir/x.csv"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("CLI: hwplan report ends with the DeepSeek-V3 capacity plan", "[cli]") {
    const auto j = hwplan_json({"report"});
    REQUIRE(j.contains("plan"));
    REQUIRE_FALSE(j["plan"]["plans"].empty());
    CHECK(j["plan"]["plans"][0]["system"] == "h800-node");
    CHECK_FALSE(j["plan"]["assumptions"]["notes"].empty());
    const auto t = run_hwplan({"report"});
    REQUIRE(t.exit_code == 0);
    const auto last = t.out.rfind("Best plan in detail");
    REQUIRE(last != std::string::npos);
    CHECK(t.out.find("Capacity plan: DeepSeek-V3") < last);
    CHECK(t.out.find("Assumptions:", last) != std::string::npos);
}

// CLI tests of `hwplan serve` on the built binary: the documented keys, the
// fleet size, simulation, traces, KV tiers and the errors (exit 2).
#include <catch2/catch.hpp>

#include <algorithm>

#include "cli/cli_json.hpp"

using namespace hwplan::test;
using Catch::Matchers::Contains;

namespace {
std::string trace(const std::string& name) { return std::string(HWPLAN_TEST_DATA_DIR) + "/traces/" + name; }
const std::vector<std::string> base = {"serve", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--input", "2k",
                                       "--output", "256", "--prefill-chunk", "2k"};
std::vector<std::string> with(std::vector<std::string> extra) {
    std::vector<std::string> a = base;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}
}  // namespace

TEST_CASE("CLI: hwplan serve gives percentiles, utilisation and nodes needed", "[cli][serving]") {
    const auto j = hwplan_json(with({"--rate", "20/s"}));
    for (const char* k : {"ttft_ms_p50", "ttft_ms_p90", "ttft_ms_p99", "tpot_ms_p50", "tpot_ms_p90", "tpot_ms_p99",
                          "e2e_ms_p50", "e2e_ms_p99", "utilization"})
        CHECK(j[k].get<double>() > 0);
    CHECK(j["ttft_ms_p50"].get<double>() <= j["ttft_ms_p99"].get<double>());
    CHECK(j["tpot_ms_p50"].get<double>() <= j["tpot_ms_p99"].get<double>());
    CHECK(j["utilization"].get<double>() <= 0.8 + 1e-9);  // sized with the default 20 % headroom
    const double cap = j["capacity_per_unit_per_s"].get<double>();
    CHECK(j["nodes_needed"].get<int>() == static_cast<int>(std::ceil(20 / (0.8 * cap))));
    CHECK(j["source"] == "analytic");
}

TEST_CASE("CLI: hwplan serve latency grows with the rate on a fixed fleet", "[cli][serving]") {
    const auto a = hwplan_json(with({"--rate", "2/s", "--units", "1"}));
    const double cap = a["capacity_per_unit_per_s"].get<double>();
    const auto b = hwplan_json(with({"--rate", std::to_string(0.9 * cap) + "/s", "--units", "1"}));
    CHECK(b["ttft_ms_p99"].get<double>() > a["ttft_ms_p99"].get<double>());
    CHECK(b["tpot_ms_p50"].get<double>() > a["tpot_ms_p50"].get<double>());
    CHECK(b["utilization"].get<double>() == Approx(0.9).epsilon(1e-6));
}

TEST_CASE("CLI: hwplan serve refuses a rate beyond capacity and names the bottleneck", "[cli][serving]") {
    const auto a = hwplan_json(with({"--rate", "2/s", "--units", "1"}));
    const double cap = a["capacity_per_unit_per_s"].get<double>();
    const auto r = run_hwplan(with({"--rate", std::to_string(1.2 * cap) + "/s", "--units", "1"}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("--rate") && Contains("beyond the capacity") && Contains("bottleneck") &&
                          Contains("needs"));
}

TEST_CASE("CLI: hwplan serve --simulate reports simulated percentiles beside the analytic ones", "[cli][serving]") {
    const auto j = hwplan_json(with({"--rate", "20/s", "--simulate", "--requests", "4000"}));
    CHECK(j["source"] == "simulation");
    CHECK(j["simulated_requests"].get<int>() > 3000);
    CHECK(j["ttft_ms_p50"].get<double>() > 0);
    CHECK(j["analytic"]["tpot_ms"]["p50"].get<double>() > 0);
    CHECK(j["tpot_ms_p50"].get<double>() == Approx(j["analytic"]["tpot_ms"]["p50"].get<double>()).epsilon(0.1));
}

TEST_CASE("CLI: hwplan serve --trace simulates a trace", "[cli][serving]") {
    const auto j = hwplan_json({"serve", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--trace",
                                trace("poisson_20rps.csv"), "--simulate"});
    CHECK(j["rate_per_s"].get<double>() == Approx(20).epsilon(0.15));
    CHECK(j["ttft_ms_p99"].get<double>() > 0);
}

TEST_CASE("CLI: hwplan serve rejects bad traces with the line, exit 2", "[cli][serving]") {
    for (const auto& [file, line] : std::vector<std::pair<std::string, std::string>>{
             {"unsorted.csv", ":4"}, {"negative_length.csv", ":3"}, {"missing_column.csv", ":1"},
             {"not_a_number.csv", ":5"}}) {
        const auto r = run_hwplan({"serve", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--trace", trace(file)});
        INFO(r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains(file + line));
    }
}

TEST_CASE("CLI: hwplan serve with a KV hit rate shortens TTFT and plans the tiers", "[cli][serving]") {
    const auto cold = hwplan_json(with({"--rate", "4/s", "--units", "1"}));
    const auto warm = hwplan_json(with({"--rate", "4/s", "--units", "1", "--kv-hit-rate", "0.5", "--dram",
                                        "200 GB", "--dram-bandwidth", "25 GB/s"}));
    CHECK(warm["ttft_ms_p50"].get<double>() < cold["ttft_ms_p50"].get<double>());
    REQUIRE(warm.contains("kv_tiers"));
    CHECK(warm["kv_tiers"]["achieved_hit_rate"].get<double>() > 0);
    CHECK(warm["kv_tiers"]["tiers"].size() == 3);
}

TEST_CASE("CLI: hwplan serve flag errors exit 2", "[cli][serving]") {
    CHECK(run_hwplan(with({})).exit_code == 2);  // no --rate
    CHECK(run_hwplan(with({"--rate", "fast"})).exit_code == 2);
    CHECK(run_hwplan(with({"--rate", "10/s", "--headroom", "1.5"})).exit_code == 2);
    CHECK(run_hwplan(with({"--rate", "10/s", "--input-dist", "zipf"})).exit_code == 2);
}

TEST_CASE("CLI: hwplan serve --concurrency predicts a closed-loop benchmark", "[cli][serving]") {
    const auto j = hwplan_json(with({"--concurrency", "32"}));
    CHECK(j["benchmark"] == "closed_loop");
    CHECK(j["concurrency"].get<int>() == 32);
    CHECK(j["source"] == "analytic");
    for (const char* m : {"ttft_ms", "itl_ms", "tpot_ms", "e2e_ms"})
        for (const char* s : {"_mean", "_p50", "_p90", "_p99"}) {
            INFO(m << s);
            CHECK(j[std::string(m) + s].get<double>() > 0);
        }
    for (const char* k : {"requests_per_s", "output_tokens_per_s", "input_tokens_per_s", "mean_decode_batch"})
        CHECK(j[k].get<double>() > 0);
    CHECK(j["ttft_ms_p50"].get<double>() <= j["ttft_ms_p99"].get<double>());
    CHECK(j["itl_ms_p99"].get<double>() > j["itl_ms_mean"].get<double>());  // steps carrying prompt chunks
    // Little's law over the clients, and tokens per request (--input 2k is 2000 tokens).
    const double x = j["requests_per_s"].get<double>();
    CHECK(x * j["e2e_ms_mean"].get<double>() / 1e3 == Approx(32).epsilon(1e-4));
    CHECK(j["output_tokens_per_s"].get<double>() == Approx(256 * x).epsilon(1e-9));
    CHECK(j["input_tokens_per_s"].get<double>() == Approx(2000 * x).epsilon(1e-9));
}

TEST_CASE("CLI: hwplan serve --concurrency: more clients, more latency and throughput", "[cli][serving]") {
    const auto a = hwplan_json(with({"--concurrency", "1"}));
    const auto b = hwplan_json(with({"--concurrency", "64"}));
    CHECK(b["ttft_ms_mean"].get<double>() > a["ttft_ms_mean"].get<double>());
    CHECK(b["itl_ms_mean"].get<double>() > a["itl_ms_mean"].get<double>());
    CHECK(b["requests_per_s"].get<double>() > 10 * a["requests_per_s"].get<double>());
    // One client: ITL = TPOT (batch-1 steps, nothing else in them).
    CHECK(a["itl_ms_mean"].get<double>() == Approx(a["tpot_ms_mean"].get<double>()).epsilon(1e-9));
    CHECK(a["prefill_wait_ms"].get<double>() == 0);
}

TEST_CASE("CLI: hwplan serve --concurrency --simulate reports the simulation beside the model", "[cli][serving]") {
    const auto j = hwplan_json(with({"--concurrency", "16", "--output-dist", "lognormal:0.3", "--simulate",
                                     "--requests", "3000"}));
    CHECK(j["source"] == "simulation");
    CHECK(j["simulated_requests"].get<int>() >= 3000);
    CHECK(j["itl_ms_p99"].get<double>() > 0);
    CHECK(j["requests_per_s"].get<double>() ==
          Approx(j["analytic"]["requests_per_s"].get<double>()).epsilon(0.1));
    CHECK(j["ttft_ms_mean"].get<double>() == Approx(j["analytic"]["ttft_ms"]["mean"].get<double>()).epsilon(0.15));
    CHECK(j["itl_ms_mean"].get<double>() == Approx(j["analytic"]["itl_ms"]["mean"].get<double>()).epsilon(0.1));
}

TEST_CASE("CLI: hwplan serve --concurrency flag errors exit 2 naming the flag", "[cli][serving]") {
    const auto both = run_hwplan(with({"--rate", "10/s", "--concurrency", "8"}));
    CHECK(both.exit_code == 2);
    CHECK_THAT(both.err, Contains("--concurrency") && Contains("not both"));
    const auto neither = run_hwplan(with({}));
    CHECK(neither.exit_code == 2);
    CHECK_THAT(neither.err, Contains("--rate") && Contains("--concurrency"));
    for (const char* bad : {"0", "2.5", "many", "1e9"}) {
        const auto r = run_hwplan(with({"--concurrency", bad}));
        INFO(bad << ": " << r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("--concurrency"));
    }
    const auto dis = run_hwplan(with({"--concurrency", "8", "--disaggregated"}));
    CHECK(dis.exit_code == 2);
    CHECK_THAT(dis.err, Contains("--concurrency"));
    const auto tr = run_hwplan({"serve", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--trace",
                                trace("poisson_20rps.csv"), "--concurrency", "8"});
    CHECK(tr.exit_code == 2);
    CHECK_THAT(tr.err, Contains("--concurrency"));
    // One line, nothing on stdout.
    CHECK(both.out.empty());
    CHECK(std::count(both.err.begin(), both.err.end(), '\n') <= 1);
}

TEST_CASE("CLI: hwplan serve --whole-run simulates the tool's run, first wave included", "[cli][serving]") {
    const auto steady = hwplan_json(with({"--concurrency", "64", "--simulate", "--requests", "640"}));
    const auto whole = hwplan_json(with({"--concurrency", "64", "--simulate", "--whole-run", "--requests", "640"}));
    CHECK(whole["whole_run"].get<bool>());
    CHECK_FALSE(steady["whole_run"].get<bool>());
    CHECK(whole["simulated_requests"].get<int>() == 640);
    // The first 64 prompts arrive together and queue behind each other.
    CHECK(whole["ttft_ms_p99"].get<double>() > 3 * steady["ttft_ms_p99"].get<double>());
    CHECK(whole["ttft_ms_mean"].get<double>() > steady["ttft_ms_mean"].get<double>());
    const auto r = run_hwplan(with({"--concurrency", "64", "--whole-run"}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("--whole-run"));
    const auto q = run_hwplan(with({"--rate", "5/s", "--simulate", "--whole-run"}));
    CHECK(q.exit_code == 2);
    CHECK_THAT(q.err, Contains("--whole-run"));
}

// CLI tests of `hwplan train` on the built binary: JSON keys, assumptions
// printed with the answer, monotonicity through the CLI, and bad flags.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include "cli/cli_json.hpp"

using namespace hwplan::test;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

TEST_CASE("CLI: hwplan train gives gpu_hours, days, cost_usd and its assumptions", "[cli]") {
    const auto j = hwplan_json({"train", "--model", "deepseek-v3", "--system", "h800-node", "--gpus", "2048",
                                "--tokens", "14.8T"});
    for (const char* key : {"gpu_hours", "days", "cost_usd", "step_time_s", "tokens_per_s", "mfu", "bubble_fraction",
                            "checkpoint_interval_s"}) {
        CAPTURE(key);
        REQUIRE(j.contains(key));
        CHECK(j[key].get<double>() > 0);
    }
    REQUIRE(j["assumptions"].is_array());
    CHECK(j["assumptions"].size() >= 5);
    CHECK(j["tokens"].get<double>() == 14.8e12);
    // Published layout by default (DeepSeek-V3 report sec. 3.2).
    CHECK(j["layout"]["pp"] == 16);
    CHECK(j["layout"]["ep"] == 64);
    CHECK(j["layout"]["dp"] == 128);
    CHECK(j["layout"]["pipeline"] == "dualpipe");
    // Cost is GPU-hours at the database's $2 per H800 GPU-hour.
    CHECK_THAT(j["cost_usd"].get<double>(), WithinRel(2 * j["gpu_hours"].get<double>(), 1e-12));
    CHECK_THAT(j["gpu_hours"].get<double>(), WithinRel(j["days"].get<double>() * 24 * 2048, 1e-9));
    CHECK(j["mfu"].get<double>() < 1);

    const auto table = run_hwplan({"train", "--model", "deepseek-v3", "--system", "h800-node", "--gpus", "2048",
                                   "--tokens", "14.8T"});
    REQUIRE(table.exit_code == 0);
    CHECK_THAT(table.out, Contains("Assumptions") && Contains("DualPipe") && Contains("GPU-hours") &&
                              Contains("Young/Daly"));
}

TEST_CASE("CLI: hwplan train: more GPUs fewer days, lower MTBF more days, --price scales cost", "[cli]") {
    const std::vector<std::string> base = {"train", "--model", "llama-3.1-405b", "--system", "h100-node", "--tokens",
                                           "15.6T", "--seq", "8192", "--global-batch", "2048", "--mfu", "0.5"};
    auto with = [&](std::vector<std::string> extra) {
        auto a = base;
        a.insert(a.end(), extra.begin(), extra.end());
        return hwplan_json(a);
    };
    const auto g8k = with({"--gpus", "8192"});
    const auto g16k = with({"--gpus", "16384"});
    CHECK(g16k["days"].get<double>() < g8k["days"].get<double>());
    CHECK(g16k["layout"]["tp"] == 8);
    CHECK(g16k["layout"]["pipeline"] == "interleaved");
    const auto fragile = with({"--gpus", "16384", "--gpu-mtbf-hours", "10000"});
    CHECK(fragile["days"].get<double>() > g16k["days"].get<double>());
    CHECK(fragile["expected_interruptions"].get<double>() > g16k["expected_interruptions"].get<double>());
    const auto priced = with({"--gpus", "16384", "--price", "$4"});
    CHECK_THAT(priced["cost_usd"].get<double>(), WithinRel(4 * priced["gpu_hours"].get<double>(), 1e-12));
    // Young/Daly: sqrt(2 delta M) with M = MTBF / GPUs.
    const auto yd = with({"--gpus", "16384", "--gpu-mtbf-hours", "50000", "--checkpoint-s", "60"});
    CHECK_THAT(yd["checkpoint_interval_s"].get<double>(), WithinRel(std::sqrt(2 * 60 * 50000 * 3600.0 / 16384), 1e-9));
}

// Infeasible is a result with its reason, not an error (exit 0).
TEST_CASE("CLI: hwplan train reports a cluster that fails faster than it restarts as infeasible", "[cli]") {
    const auto j = hwplan_json({"train", "--model", "deepseek-v3", "--system", "h800-node", "--gpus", "2048",
                                "--tokens", "14.8T", "--gpu-mtbf-hours", "100"});
    CHECK_FALSE(j["feasible"].get<bool>());
    CHECK_THAT(j["reason"].get<std::string>(), Contains("no progress"));
    CHECK(j["days"].is_null());
    CHECK(j["step_time_s"].get<double>() > 0);
}

TEST_CASE("CLI: hwplan train bad flags exit 2 naming the flag", "[cli]") {
    using Case = std::tuple<std::vector<std::string>, std::string>;
    const std::vector<std::string> ds = {"train", "--model", "deepseek-v3", "--system", "h800-node", "--gpus", "2048"};
    auto args = [&](std::vector<std::string> extra) {
        auto a = ds;
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    const auto [argv, expected] = GENERATE_COPY(values<Case>({
        {args({"--tokens", "lots"}), "--tokens"},
        {args({"--tokens", "-1T"}), "--tokens"},
        {args({"--tokens", "14.8T", "--pipeline", "gpipe"}), "--pipeline"},
        {args({"--tokens", "14.8T", "--mfu", "1.5"}), "--mfu"},
        {args({"--tokens", "14.8T", "--ep", "48"}), "--ep"},
        {args({"--tokens", "14.8T", "--tp", "3"}), "--tp"},
        {args({"--tokens", "14.8T", "--dp", "7"}), "--dp"},
        {args({"--tokens", "14.8T", "--global-batch", "15361"}), "--global-batch"},
        {args({"--tokens", "14.8T", "--global-batch", "15360", "--micro-batches", "7"}), "--micro-batches"},
        {args({"--tokens", "14.8T", "--gpu-mtbf-hours", "-5"}), "--gpu-mtbf-hours"},
        {args({"--tokens", "14.8T", "--price", "cheap"}), "--price"},
        {args({"--tokens", "14.8T", "--pipeline", "dualpipe", "--pp", "15"}), "--"},
        {{"train", "--model", "no-such-model", "--system", "h800-node", "--gpus", "8", "--tokens", "1T"}, "--model"},
    }));
    const auto r = run_hwplan(argv);
    CAPTURE(argv, r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains(expected));
    CHECK(r.out.empty());
}

// The kernel cost model is the seam: a calibration profile (here fitted from
// the synthetic probe output of tests/data/calibration) changes the compute
// efficiency of the plan, and the output says which profile was used.
TEST_CASE("CLI: hwplan train --profile plugs a calibration profile into the compute model", "[cli][calibration]") {
    const std::string dir = make_temp_dir("hwplan-train");
    const std::string profile = dir + "/synthetic-h100.yaml";
    const CliResult fit = run_hwplan({"calibrate", "fit", source_path("tests/data/calibration/synthetic-gpu-probe.yaml"),
                                      "--gpu", "h100-sxm", "-o", profile});
    INFO(fit.err);
    REQUIRE(fit.exit_code == 0);
    const std::vector<std::string> base = {"train", "--model", "llama-3.1-8b", "--system", "h100-node", "--gpus", "64",
                                           "--tokens", "1T"};
    auto with_profile = base;
    with_profile.insert(with_profile.end(), {"--profile", profile});
    const auto spec = hwplan_json(base);
    const auto cal = hwplan_json(with_profile);
    CHECK(cal.contains("profile"));
    CHECK_FALSE(spec.contains("profile"));
    CHECK(cal["compute_efficiency"].get<double>() != spec["compute_efficiency"].get<double>());
    CHECK(cal["days"].get<double>() > 0);
    std::filesystem::remove_all(dir);
}

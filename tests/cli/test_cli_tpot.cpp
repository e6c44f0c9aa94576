// CLI tests of `hwplan tpot` on the built binary: JSON keys, paper mode,
// sweeps, metrics, offload, and bad deployments.
#include <catch2/catch.hpp>

#include "cli/cli_json.hpp"

using namespace hwplan::test;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

TEST_CASE("CLI: hwplan tpot for Llama-3.1-8B on one H100 gives the documented keys", "[cli]") {
    const auto j = hwplan_json(
        {"tpot", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--batch", "8", "--context", "2k", "--prompt", "2k"});
    for (const char* key : {"tpot_ms", "tokens_per_s_per_user", "tokens_per_s_per_gpu", "ttft_ms"})
        CHECK(j[key].get<double>() > 0);
    CHECK(j["feasible"].get<bool>());
    CHECK(j["metric"] == "itl");
    CHECK(j["layout"]["tp"] == 1);
    REQUIRE(j["breakdown"].is_array());
    double sum = 0;
    for (const auto& c : j["breakdown"]) sum += c["us"].get<double>();
    CHECK_THAT(sum / 1000, WithinRel(j["step_ms"].get<double>(), 1e-6));
    CHECK_THAT(j["tokens_per_s_per_user"].get<double>() * 8, WithinRel(j["tokens_per_s_per_gpu"].get<double>(), 1e-9));
}

TEST_CASE("CLI: hwplan tpot --paper reproduces the paper's per-layer bound with the real hidden size",
          "[cli][golden]") {
    const auto j = hwplan_json({"tpot", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "4", "--weights",
                                "fp8", "--batch", "64", "--paper"});
    CHECK(j["mode"] == "paper");
    CHECK_THAT(j["moe_layer_us"].get<double>(), WithinRel(247.72608, 1e-9));
    CHECK_THAT(j["step_ms"].get<double>(), WithinRel(61 * 0.24772608, 1e-9));
}

TEST_CASE("CLI: hwplan tpot realistic DeepSeek-V3 EP320 decode with MTP", "[cli]") {
    const auto j = hwplan_json({"tpot",      "--model",    "deepseek-v3", "--system", "h800-node",
                                "--nodes",   "40",         "--ep",        "320",      "--redundant-experts",
                                "64",        "--weights",  "fp8",         "--batch",  "64",
                                "--context", "4k",         "--mtp",       "1",        "--mtp-acceptance",
                                "0.85",      "--comm-sms", "20"});
    CHECK(j["feasible"].get<bool>());
    CHECK_THAT(j["tokens_per_step"].get<double>(), WithinRel(1.85, 1e-12));
    CHECK(j["ep"]["dispatch_us"].get<double>() > 0);
    CHECK(j["ep"]["algorithm"] == "direct");
    CHECK(j["layout"]["redundant_experts"] == 64);
    CHECK(j["gpus"] == 320);
}

TEST_CASE("CLI: hwplan tpot --sweep prints a table and a JSON array", "[cli]") {
    const auto j = hwplan_json({"tpot", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--sweep", "batch=1,8,32,64"});
    REQUIRE(j.is_array());
    REQUIRE(j.size() == 4);
    double last = 0;
    for (const auto& row : j) {
        CHECK(row["tpot_ms"].get<double>() > last);
        last = row["tpot_ms"].get<double>();
    }
    const auto ctx =
        hwplan_json({"tpot", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--sweep", "context=1k,4k,8k"});
    REQUIRE(ctx.size() == 3);
    CHECK(ctx[2]["context"] == 8000);
    const auto table = run_hwplan({"tpot", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--sweep", "batch=1,8"});
    REQUIRE(table.exit_code == 0);
    CHECK_THAT(table.out, Contains("TPOT sweep over batch"));
}

TEST_CASE("CLI: hwplan tpot metrics are selectable", "[cli]") {
    const std::vector<std::string> base = {"tpot",     "--model", "llama-3.1-8b", "--gpu", "h100-sxm",  "--batch", "16",
                                           "--prompt", "2k",      "--output",     "512",   "--context", "2k"};
    auto args = base;
    const auto itl = hwplan_json(args);
    args.insert(args.end(), {"--metric", "e2e-per-token"});
    const auto e2e = hwplan_json(args);
    CHECK(e2e["metric"] == "e2e-per-token");
    CHECK(e2e["tpot_ms"].get<double>() > itl["tpot_ms"].get<double>());  // includes prefill
    CHECK(e2e["e2e_ms"].get<double>() > e2e["ttft_ms"].get<double>());
}

TEST_CASE("CLI: hwplan tpot --offload runs DeepSeek-V3 on the ~$10k hybrid box", "[cli]") {
    const auto j = hwplan_json({"tpot", "--model", "deepseek-v3", "--system", "ktransformers-server", "--offload"});
    CHECK(j["mode"] == "hybrid-offload");
    CHECK(j["tokens_per_s_per_user"].get<double>() > 0);
    CHECK(j["bound"] == "cpu");
    CHECK(j["assumptions"]["cpu_experts"] == "int4");
}

TEST_CASE("CLI: hwplan tpot bad deployments exit 2 naming the flag", "[cli]") {
    using Case = std::tuple<std::vector<std::string>, std::string>;
    const std::vector<std::string> v3 = {"tpot", "--model", "deepseek-v3", "--system", "h800-node"};
    const auto with = [&](std::vector<std::string> extra) {
        auto a = v3;
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    const auto [args, expected] = GENERATE_COPY(values<Case>({
        {with({"--ep", "3"}), "--ep"},
        {with({"--tp", "3"}), "--tp"},
        {with({"--batch", "0"}), "--batch"},
        {with({"--overlap", "triple"}), "--overlap"},
        {with({"--expert-imbalance", "0.5"}), "--expert-imbalance"},
        {with({"--comm-sms", "200"}), "--comm-sms"},
        {with({"--mtp", "1"}), "--mtp-acceptance"},
        {with({"--metric", "tpot"}), "--metric"},
        {with({"--metric", "e2e-minus-ttft"}), "--output"},
        {with({"--sweep", "heads=1,2"}), "--sweep"},
        {with({"--algorithm", "magic"}), "--algorithm"},
        {{"tpot", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--tp", "3"}, "--tp"},
        {{"tpot", "--model", "deepseek-v3"}, "--system"},
    }));
    CAPTURE(args);
    const auto r = run_hwplan(args);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains(expected));
    CHECK(r.out.empty());
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') <= 2);
}

TEST_CASE("CLI: a valid deployment that does not fit is a result, not an error", "[cli]") {
    const auto j = hwplan_json({"tpot", "--model", "deepseek-v3", "--system", "h800-node", "--weights", "bf16"});
    CHECK_FALSE(j["feasible"].get<bool>());
    CHECK_THAT(j["reason"].get<std::string>(), Contains("GB"));
    CHECK(j["tpot_ms"].get<double>() > 0);
}

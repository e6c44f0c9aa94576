// CLI tests of `--engine` on the built binary: the default is named, an
// engine changes the kernels of a step, unknown names exit 2 with the list.
#include <catch2/catch.hpp>

#include "cli/cli_json.hpp"

using namespace hwplan::test;
using Catch::Matchers::Contains;

TEST_CASE("CLI: hwplan tpot names its engine (default vllm) and counts the step's kernels", "[cli]") {
    const std::vector<std::string> base{"tpot", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--batch", "1",
                                        "--context", "1k"};
    const auto def = hwplan_json(base);
    CHECK(def["engine"]["id"] == "vllm");
    CHECK(def["engine"]["cuda_graphs"] == true);
    auto args = base;
    args.insert(args.end(), {"--engine", "pytorch-graph"});
    const auto plain = hwplan_json(args);
    CHECK(plain["engine"]["id"] == "pytorch-graph");
    CHECK(plain["engine"]["fuses"].empty());
    CHECK(plain["kernels_per_step"].get<double>() > 3 * def["kernels_per_step"].get<double>());
    CHECK(plain["step_ms"].get<double>() > def["step_ms"].get<double>());
    // Eager launches make batch 1 launch-bound: a `host` component appears.
    args.back() = "pytorch-eager";
    const auto eager = hwplan_json(args);
    CHECK(eager["step_ms"].get<double>() > plain["step_ms"].get<double>());
    bool host = false;
    for (const auto& c : eager["breakdown"]) host = host || (c["component"] == "host" && c["us"].get<double>() > 1000);
    CHECK(host);
    // The table names the engine too.
    const CliResult t = run_hwplan(base);
    CHECK_THAT(t.out, Contains("Engine: vllm"));
}

TEST_CASE("CLI: an unknown --engine exits 2 naming the flag and the known engines", "[cli]") {
    const CliResult r =
        run_hwplan({"tpot", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--engine", "vllm2"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("--engine") && Contains("unknown engine 'vllm2'") && Contains("sglang") &&
                          Contains("pytorch-eager"));
    CHECK(r.out.empty());
    const CliResult p = run_hwplan({"plan", source_path("scenarios/deepseek-v3-h800.yaml"), "--engine", "nope"});
    CHECK(p.exit_code == 2);
    CHECK_THAT(p.err, Contains("--engine"));
}

TEST_CASE("CLI: serve and validate take --engine; validate rows run the engine they name", "[cli]") {
    const auto fused = hwplan_json({"serve", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--concurrency", "4",
                                    "--input", "512", "--output", "64"});
    CHECK(fused["engine"]["id"] == "vllm");
    const auto plain = hwplan_json({"serve", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--concurrency", "4",
                                    "--input", "512", "--output", "64", "--engine", "pytorch-eager"});
    CHECK(plain["engine"]["id"] == "pytorch-eager");
    CHECK(plain["itl_ms_mean"].get<double>() > fused["itl_ms_mean"].get<double>());
    const auto v = hwplan_json({"validate", "--source", "llama-serving", "--id", "gptfast-*"});
    CHECK(v["default_engine"] == "vllm");
    int named = 0;
    for (const auto& r : v["rows"])
        if (r["modelled"].get<bool>()) named += r["basis"].get<std::string>().rfind("engine gpt-fast:", 0) == 0;
    CHECK(named >= 5);
    const CliResult bad = run_hwplan({"validate", "--engine", "nope"});
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.err, Contains("--engine"));
}

TEST_CASE("CLI: hw list and hw show include the serving engines", "[cli]") {
    const auto list = hwplan_json({"hw", "list"});
    REQUIRE(list["engines"].is_array());
    CHECK(list["engines"].size() >= 6);
    const auto show = hwplan_json({"hw", "show", "pytorch-graph"});
    CHECK(show["cuda_graphs"] == true);
    CHECK(show["attention"] == "pytorch-sdpa");
    CHECK_THAT(show["source"].get<std::string>(), Contains("modeling_llama.py"));
}

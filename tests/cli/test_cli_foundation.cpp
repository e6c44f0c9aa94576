// CLI tests of the foundation commands on the built binary: the paper's
// Table 1 and Table 2 computed from the model database, params, memory, the
// database listings, output formats, and bad input.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "cli/cli_json.hpp"

using namespace hwplan::test;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

TEST_CASE("CLI: hwplan kv gives the paper's Table 1 from the model database", "[cli][golden]") {
    const auto [id, bytes] = GENERATE(table<std::string, double>(
        {{"deepseek-v3", 70272}, {"qwen2.5-72b", 327680}, {"llama-3.1-405b", 516096}}));
    CAPTURE(id);
    const auto j = hwplan_json({"kv", "--model", id});
    CHECK(j["kv_bytes_per_token"].get<double>() == bytes);
}

TEST_CASE("CLI: hwplan kv --compare prints Table 1 with multipliers", "[cli][golden]") {
    const auto j = hwplan_json({"kv", "--compare"});
    REQUIRE(j["models"].size() == 3);
    CHECK(j["models"][0]["multiplier"].get<double>() == 1.0);
    CHECK(std::round(j["models"][1]["multiplier"].get<double>() * 100) / 100 == Approx(4.66));
    CHECK(std::round(j["models"][2]["multiplier"].get<double>() * 100) / 100 == Approx(7.34));
    const auto table = run_hwplan({"kv", "--compare"});
    REQUIRE(table.exit_code == 0);
    CHECK_THAT(table.out, Contains("70.272") && Contains("327.680") && Contains("516.096") && Contains("4.66x") &&
                              Contains("7.28x"));  // the note names the paper's printed figure
}

TEST_CASE("CLI: hwplan flops gives the paper's Table 2 within 2 %", "[cli][golden]") {
    const auto [id, gflops] = GENERATE(table<std::string, double>(
        {{"deepseek-v2", 155}, {"deepseek-v3", 250}, {"llama-3.1-405b", 2448}}));
    CAPTURE(id);
    const auto j = hwplan_json({"flops", "--model", id, "--seq", "4096"});
    CHECK_THAT(j["train_gflops_per_token"].get<double>(), WithinRel(gflops, 0.02));
    CHECK(j["fwd_gflops_per_token"].get<double>() > 0);
}

TEST_CASE("CLI: flops --compare reports the Qwen-72B discrepancy", "[cli][golden]") {
    const auto r = run_hwplan({"flops", "--compare"});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("394") && Contains("not reproducible"));
}

TEST_CASE("CLI: hwplan params for DeepSeek-V3, V2 and LLaMA-405B", "[cli][golden]") {
    const auto v3 = hwplan_json({"params", "--model", "deepseek-v3"});
    CHECK_THAT(v3["params_total"].get<double>(), WithinRel(671e9, 0.01));
    CHECK_THAT(v3["params_checkpoint"].get<double>(), WithinRel(685e9, 0.01));
    CHECK_THAT(v3["params_active"].get<double>(), WithinRel(37e9, 0.02));
    const auto v2 = hwplan_json({"params", "--model", "deepseek-v2"});
    CHECK_THAT(v2["params_total"].get<double>(), WithinRel(236e9, 0.01));
    CHECK_THAT(v2["params_active"].get<double>(), WithinRel(21e9, 0.02));
    const auto l = hwplan_json({"params", "--model", "llama-3.1-405b"});
    CHECK_THAT(l["params_total"].get<double>(), WithinRel(405e9, 0.01));
}

TEST_CASE("CLI: a HuggingFace config.json gives the same numbers as the YAML entry", "[cli][golden]") {
    const auto id = GENERATE(as<std::string>{}, "deepseek-v3", "deepseek-v2", "qwen2.5-72b", "llama-3.1-405b",
                             "llama-3.1-70b", "llama-3.1-8b", "mixtral-8x7b", "qwen3-235b-a22b");
    CAPTURE(id);
    const std::string json = source_path("tests/data/hf/" + id + ".json");
    REQUIRE(std::filesystem::exists(json));
    for (const char* cmd : {"kv", "params", "flops"}) {
        auto a = hwplan_json({cmd, "--model", id});
        auto b = hwplan_json({cmd, "--model", json});
        a.erase("model");
        b.erase("model");
        CHECK(a == b);
    }
}

TEST_CASE("CLI: memory says DeepSeek-V3 FP8 fits 4 H800 nodes but not one", "[cli]") {
    const auto four = hwplan_json({"memory", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "4",
                                   "--batch", "32", "--context", "4k"});
    CHECK(four["fits"].get<bool>());
    CHECK(four["layout"]["ep"].get<int>() == 32);
    CHECK(four["total_bytes"].get<double>() < four["capacity_bytes"].get<double>());
    const auto one = hwplan_json({"memory", "--model", "deepseek-v3", "--system", "h800-node"});
    CHECK_FALSE(one["fits"].get<bool>());
    CHECK_THAT(one["reason"].get<std::string>(), Contains("GB"));
}

TEST_CASE("CLI: database listings and formats", "[cli]") {
    const auto models = hwplan_json({"models", "list"});
    CHECK(models["models"].size() >= 8);
    const auto hw = hwplan_json({"hw", "list"});
    for (const char* kind : {"gpus", "nics", "switches", "systems"}) CHECK(hw[kind].size() >= 2);
    const auto h800 = hwplan_json({"hw", "show", "h800-node"});
    CHECK(h800["gpus_per_node"].get<int>() == 8);
    CHECK(h800["scale_up_bandwidth_gbps"].get<double>() == Approx(200));
    const auto csv = run_hwplan({"kv", "--compare", "--format", "csv"});
    REQUIRE(csv.exit_code == 0);
    CHECK(csv.out.rfind("model,attention,layers", 0) == 0);
}

TEST_CASE("CLI: bad input exits 2 with one line naming the problem", "[cli]") {
    using Case = std::tuple<std::vector<std::string>, std::string>;
    const auto [args, expected] = GENERATE(values<Case>({
        {{"kv", "--model", "deepseek-v4"}, "unknown model 'deepseek-v4'"},
        {{"kv", "--model", "deepseek-v3", "--dtype", "bf17"}, "--dtype"},
        {{"kv"}, "--model"},
        {{"kv", "--model", "deepseek-v3", "--format", "xml"}, "--format"},
        {{"flops", "--model", "deepseek-v3", "--seq", "-5"}, "--seq"},
        {{"flops", "--model", "deepseek-v3", "--seq", "abc"}, "--seq"},
        {{"params", "--model", "/nonexistent/config.json"}, "no such file"},
        {{"memory", "--model", "deepseek-v3", "--system", "h900-node"}, "unknown system 'h900-node'"},
        {{"memory", "--model", "deepseek-v3", "--system", "h800-node", "--tp", "3"}, "--tp"},
        {{"memory", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "4", "--ep", "24"}, "--ep"},
        {{"memory", "--model", "llama-3.1-8b", "--system", "h800-node", "--ep", "8"}, "--ep"},
        {{"memory", "--model", "deepseek-v3", "--system", "h800-node", "--batch", "0"}, "--batch"},
        {{"memory", "--model", "deepseek-v3", "--system", "h800-node", "--context", "4kk"}, "--context"},
        {{"memory", "--model", "deepseek-v3", "--system", "h800-node", "--weights", "fp9"}, "--weights"},
        {{"memory", "--model", "deepseek-v3"}, "--system"},
        {{"hw", "show", "h10-sxm"}, "h10-sxm"},
        {{"nonsense-command"}, "nonsense-command"},
    }));
    CAPTURE(args);
    const auto r = run_hwplan(args);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains(expected));
    CHECK(r.out.empty());
    // One line (plus the usage hint CLI11 parse errors add).
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') <= 2);
}

TEST_CASE("CLI: malformed model files exit 2 naming file and problem", "[cli]") {
    const std::string dir = make_temp_dir();
    const auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir + "/" + name) << text;
        return dir + "/" + name;
    };
    const auto [name, text, expected] = GENERATE(table<std::string, std::string, std::string>({
        {"truncated.json", R"({"model_type": "llama", "hidden_size": 4096, "num_hidd)", "truncated.json"},
        {"unknown.json", R"({"model_type": "gpt9", "hidden_size": 1})", "gpt9"},
        {"missing.json", R"({"model_type": "llama", "hidden_size": 4096})", "num_hidden_layers"},
        {"bad.yaml", "id: bad\nlayers: [1, 2\n", "bad.yaml:"},
        {"neg.yaml", "id: neg\nname: n\nlayers: -3\n", "layers"},
    }));
    CAPTURE(name);
    const auto r = run_hwplan({"kv", "--model", write(name, text)});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains(expected));
    std::filesystem::remove_all(dir);
}

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
        // The config.json also says how the checkpoint stores each module
        // class (DeepSeek-V3: FP8 128x128 blocks); the YAML has no such list.
        a.erase("weights_storage");
        b.erase("weights_storage");
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

TEST_CASE("CLI: one bad file in --models-dir is reported and the rest still work", "[cli][sources]") {
    const std::string dir = make_temp_dir("hwplan-models");
    std::filesystem::create_directories(dir + "/Phi-4");
    std::filesystem::copy_file(source_path("tests/data/hf/phi-4.json"), dir + "/Phi-4/config.json");
    std::ofstream(dir + "/broken.json") << R"({"model_type": "rwkv"})";
    const CliResult list = run_hwplan({"--models-dir", dir, "hw", "list"});
    INFO("stderr: " << list.err);
    CHECK(list.exit_code == 0);
    CHECK_THAT(list.err, Contains("warning: model file skipped") && Contains("broken.json"));
    const auto p = hwplan_json({"--models-dir", dir, "params", "--model", "phi-4"});
    CHECK(p["params_total"].get<double>() == Approx(14.6595e9).epsilon(1e-4));
    std::filesystem::remove_all(dir);
}

TEST_CASE("CLI: params and memory show the checkpoint's storage per module class", "[cli][quant]") {
    const std::string oss = source_path("tests/data/hf/gpt-oss-120b.json");
    const auto p = hwplan_json({"params", "--model", oss});
    CHECK(p["weights_storage"]["routed_experts"]["format"] == "mxfp4");
    CHECK(p["weights_storage"]["routed_experts"]["bits_per_weight"].get<double>() == 4.25);
    CHECK(p["weights_storage"]["attention"]["bits_per_weight"].get<double>() == 16);
    // gpt-oss-120b: 5.13 B active without the embedding (model card), 5.71 B with it.
    CHECK(p["params_active_without_embedding"].get<double>() == Approx(5.1315e9).epsilon(1e-3));
    const auto table = run_hwplan({"params", "--model", oss});
    CHECK_THAT(table.out, Contains("routed experts: mxfp4 (4.250 bits/weight)"));
    CHECK_THAT(table.out, Contains("active without input embedding"));

    // One H100 holds the MXFP4 checkpoint: 65.17 GB of weights (hand count in
    // tests/hwdb/test_hf_quantization.cpp), not the 233 GB of BF16.
    const auto m = hwplan_json({"memory", "--model", oss, "--gpu", "h100-sxm", "--batch", "1", "--context", "1000"});
    CHECK(m["weights_bytes"].get<double>() == Approx(65.169e9).epsilon(1e-3));
    CHECK(m["weights_storage"]["method"] == "mxfp4");
}

TEST_CASE("CLI: kv --context applies sliding windows, with a note", "[cli][kv]") {
    const std::string gemma = source_path("tests/data/hf/gemma-3-27b.json");
    const auto j = hwplan_json({"kv", "--model", gemma, "--context", "131072"});
    // 2 x 16 KV heads x 128 x 2 B = 8192 B per token and layer; 52 local
    // layers hold 1024 tokens, 10 global ones 131072: 11.174 GB (not the
    // 66.6 GB of 62 full layers).
    CHECK(j["kv_bytes_per_token"].get<double>() == 8192.0 * 62);
    CHECK(j["kv_bytes_per_sequence"].get<double>() == 8192.0 * (52 * 1024 + 10 * 131072));
    CHECK(j["sliding_window_layers"] == 52);
    const auto table = run_hwplan({"kv", "--model", gemma, "--context", "131072"});
    CHECK_THAT(table.out, Contains("52 of 62 layers keep at most 1024 tokens"));
    const auto over = run_hwplan({"kv", "--model", source_path("tests/data/hf/qwen3-30b-a3b.json"), "--context", "1000000"});
    CHECK(over.exit_code == 0);
    CHECK_THAT(over.out, Contains("exceeds qwen3-30b-a3b's max_position_embeddings 40960"));
}

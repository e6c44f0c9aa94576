// Model descriptions: every database model is valid, and importing the
// published HuggingFace config.json gives the same architecture as our YAML.

#include <catch2/catch.hpp>

#include <string>

#include "hwdb/database.hpp"
#include "model/error.hpp"
#include "temp_dir.hpp"

using namespace hwplan;
using namespace hwplan::hwdb;
using Catch::Matchers::Contains;

namespace {

const Database& shipped() {
    const std::filesystem::path src = HWPLAN_SOURCE_DIR;
    static const Database db =
        Database::load({src / "hwdb" / "data", src / "scenarios" / "models", src / "hwdb" / "profiles"});
    return db;
}

std::filesystem::path hf_dir() { return std::filesystem::path(HWPLAN_TEST_DATA_DIR) / "hf"; }

// The fields a config.json carries: everything but the database bookkeeping.
model::ModelArch architecture_only(model::ModelArch m) {
    m.id.clear();
    m.name.clear();
    m.source.clear();
    m.max_context = 0;
    // The YAML has no per-class storage; the checkpoint format itself
    // (weights_dtype) is still compared.
    m.quantization.reset();
    return m;
}

}  // namespace

TEST_CASE("every database model passes model::validate", "[hwdb]") {
    const auto& db = shipped();
    REQUIRE(db.models().size() >= 8);
    for (const auto& [id, m] : db.models()) {
        CAPTURE(id);
        CHECK_NOTHROW(model::validate(m, id));
        CHECK(m.id == id);
        CHECK_THAT(m.source, Contains("huggingface.co"));
    }
}

TEST_CASE("HF config.json import equals the database YAML", "[hwdb]") {
    const std::string id = GENERATE("deepseek-v3", "deepseek-v2", "deepseek-v2-lite", "qwen2.5-72b",
                                    "llama-3.1-405b", "llama-3.1-70b", "llama-3.1-8b", "mixtral-8x7b",
                                    "qwen3-235b-a22b");
    CAPTURE(id);
    const model::ModelArch imported = load_model_file(hf_dir() / (id + ".json"));
    const model::ModelArch& yaml = shipped().models().at(id);
    CHECK(imported.id == id);  // the file stem
    CHECK(imported.max_context == yaml.max_context);
    CHECK(architecture_only(imported) == architecture_only(yaml));
}

TEST_CASE("HF import: the paper's models come out with the paper's shapes", "[hwdb]") {
    const auto v3 = load_model_file(hf_dir() / "deepseek-v3.json");
    const auto& mla = std::get<model::Mla>(v3.attention);
    CHECK(mla.kv_lora_rank + mla.qk_rope_head_dim == 576);  // 70.272 KB/token at BF16 over 61 layers
    const auto& moe = std::get<model::Moe>(v3.ffn);
    CHECK(moe.top_k + moe.shared_experts == 9);  // the paper's "9 experts per token"
    CHECK(moe.groups == 8);
    CHECK(moe.topk_groups == 4);
    CHECK(v3.mtp_depth == 1);

    const auto lite = load_model_file(hf_dir() / "deepseek-v2-lite.json");
    CHECK(std::get<model::Mla>(lite.attention).q_lora_rank == 0);  // "q_lora_rank": null

    const auto qwen = load_model_file(hf_dir() / "qwen2.5-72b.json");
    CHECK(std::get<model::Gqa>(qwen.attention).qkv_bias);
    CHECK_FALSE(qwen.sliding_window);  // use_sliding_window: false

    const auto q3 = load_model_file(hf_dir() / "qwen3-235b-a22b.json");
    CHECK(std::get<model::Gqa>(q3.attention).qk_norm);
    CHECK(std::get<model::Gqa>(q3.attention).head_dim == 128);  // explicit, not hidden / heads = 64
}

TEST_CASE("HF import: Qwen2-MoE's shared expert becomes shared experts of the routed size", "[hwdb]") {
    // Qwen1.5-MoE-A2.7B: shared_expert_intermediate_size 5632 = 4 x 1408.
    const auto m = load_model_file(hf_dir() / "qwen1.5-moe-a2.7b.json");
    const auto& moe = std::get<model::Moe>(m.ffn);
    CHECK(moe.routed_experts == 60);
    CHECK(moe.top_k == 4);
    CHECK(moe.expert_intermediate == 1408);
    CHECK(moe.shared_experts == 4);
    CHECK(moe.first_k_dense == 0);
    CHECK(std::get<model::Gqa>(m.attention).qkv_bias);
}

TEST_CASE("HF import: Mistral's sliding window covers every layer", "[hwdb]") {
    const auto m = load_model_file(hf_dir() / "mistral-7b-v0.1.json");
    REQUIRE(m.sliding_window);
    CHECK(m.sliding_window->window == 4096);
    CHECK(m.sliding_window->layers == 32);
    CHECK(std::get<model::Gqa>(m.attention).head_dim == 128);  // hidden / heads
}

TEST_CASE("HF import: Qwen sliding window applies from max_window_layers on", "[hwdb]") {
    const std::string text = R"({"model_type": "qwen2", "num_hidden_layers": 28, "hidden_size": 3584,
        "vocab_size": 152064, "num_attention_heads": 28, "num_key_value_heads": 4, "intermediate_size": 18944,
        "use_sliding_window": true, "sliding_window": 4096, "max_window_layers": 20})";
    const auto m = import_hf_config(text, "qwen.json", "qwen-sw");
    REQUIRE(m.sliding_window);
    CHECK(m.sliding_window->window == 4096);
    CHECK(m.sliding_window->layers == 8);
}

TEST_CASE("load_model_file picks YAML or JSON by content, not by name", "[hwdb]") {
    test::TempDir tmp;
    const std::string json = R"({"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64,
        "vocab_size": 100, "num_attention_heads": 4, "intermediate_size": 128})";
    const auto as_yaml_name = tmp.write("tiny.yaml", json);
    const auto m = load_model_file(as_yaml_name);
    CHECK(m.id == "tiny");
    CHECK(std::get<model::Gqa>(m.attention).kv_heads == 4);  // absent num_key_value_heads: MHA

    const auto in_folder = tmp.write("Tiny-Model/config.json", json);
    CHECK(load_model_file(in_folder).id == "tiny-model");

    // A user's YAML file needs no id or source (the stem names it).
    const auto yaml = tmp.write("my-model.yaml", R"(layers: 2
hidden: 64
vocab: 100
attention: {kind: gqa, heads: 4, kv_heads: 2, head_dim: 16}
ffn: {kind: dense, intermediate: 128}
)");
    const auto y = load_model_file(yaml);
    CHECK(y.id == "my-model");
    CHECK(y.name == "my-model");
    CHECK(std::get<model::Gqa>(y.attention).kv_heads == 2);
}

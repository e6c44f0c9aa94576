// HF import by architecture: the config.json of each supported family, as
// published (tests/data/hf/, sources in docs/hwdb.md), imports with the
// shape its model card describes. Golden counts are hand counts of the
// formulas in docs/equations.md (python arithmetic, repeated in comments);
// "published" figures are the model cards' and are checked to +-2 %.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "hwdb/database.hpp"
#include "model/error.hpp"
#include "model/kv_cache.hpp"
#include "model/param_count.hpp"

using namespace hwplan;
using namespace hwplan::hwdb;
using Catch::Matchers::Contains;

namespace {

std::filesystem::path hf(const std::string& name) {
    return std::filesystem::path(HWPLAN_TEST_DATA_DIR) / "hf" / (name + ".json");
}

double within(double got, double published) { return std::fabs(got / published - 1.0); }

}  // namespace

TEST_CASE("HF families: total parameters within 2 % of the published figure", "[hwdb][hf]") {
    struct Row {
        const char* file;
        double published_total;  // model card
        double hand_total;       // hand count of our formula
    };
    const Row rows[] = {
        // gpt-oss model card (OpenAI, Aug 2025): 116.83 B / 20.91 B total.
        {"gpt-oss-120b", 116.83e9, 116.7892e9},
        {"gpt-oss-20b", 20.91e9, 20.9081e9},
        // Kimi K2 tech report: 1.04 T total (K2.5 shares the text backbone).
        {"kimi-k2.5", 1.04e12, 1026.4082e9},
        // Llama-4 model card: Maverick 400 B total, 17 B active.
        {"llama-4-maverick", 400e9, 400.7118e9},
        // Gemma 3 27B: 27 B (text tower; the 0.4 B SigLIP tower is not modelled).
        {"gemma-3-27b", 27e9, 27.0087e9},
        // Gemma 2 27B: 27.2 B (Gemma 2 report: 1.18 B embedding + 26.05 B non-embedding).
        {"gemma-2-27b", 27.2e9, 27.2267e9},
        // Phi-4: 14.7 B (HF model page).
        {"phi-4", 14.7e9, 14.6595e9},
        // GLM-4.5-Air: 106 B total, 12 B active (Z.ai GLM-4.5 report).
        {"glm-4.5-air", 106e9, 106.8522e9},
        // Qwen3-30B-A3B model card: 30.5 B total, 3.3 B activated.
        {"qwen3-30b-a3b", 30.5e9, 30.5321e9},
    };
    for (const auto& r : rows) {
        CAPTURE(r.file);
        const auto m = load_model_file(hf(r.file));
        const auto p = model::count_params(m);
        CHECK(p.total == Approx(r.hand_total).epsilon(1e-5));
        CHECK(within(p.total, r.published_total) < 0.02);
    }
}

TEST_CASE("HF families: active parameters, with and without the input embedding", "[hwdb][hf]") {
    // gpt-oss-20b: the card's 3.6 B active excludes the embedding (3.6074 B);
    // with it 4.1865 B. gpt-oss-120b: 5.13 B published, 5.1315 B hand count.
    const auto p20 = model::count_params(load_model_file(hf("gpt-oss-20b")));
    CHECK(p20.active_matmul() == Approx(3.6074e9).epsilon(1e-4));
    CHECK(p20.active == Approx(4.1865e9).epsilon(1e-4));
    const auto p120 = model::count_params(load_model_file(hf("gpt-oss-120b")));
    CHECK(within(p120.active_matmul(), 5.13e9) < 0.02);
    const auto mav = model::count_params(load_model_file(hf("llama-4-maverick")));
    CHECK(within(mav.active, 17e9) < 0.02);  // 17.1847 B
    const auto q3 = model::count_params(load_model_file(hf("qwen3-30b-a3b")));
    CHECK(within(q3.active, 3.3e9) < 0.02);  // 3.3530 B
}

TEST_CASE("HF families: KV bytes per token by hand count", "[hwdb][hf]") {
    struct Row {
        const char* file;
        double bf16_bytes;  // 2 (K,V) x kv_heads x head_dim x 2 B x layers; MLA (512 + 64) x 2 B x layers
    };
    const Row rows[] = {
        {"gpt-oss-120b", 2.0 * 8 * 64 * 2 * 36},      // 73 728
        {"gpt-oss-20b", 2.0 * 8 * 64 * 2 * 24},       // 49 152
        {"llama-4-maverick", 2.0 * 8 * 128 * 2 * 48},  // 196 608
        {"gemma-3-27b", 2.0 * 16 * 128 * 2 * 62},     // 507 904
        {"gemma-2-27b", 2.0 * 16 * 128 * 2 * 46},     // 376 832
        {"phi-4", 2.0 * 10 * 128 * 2 * 40},           // 204 800
        {"glm-4.5-air", 2.0 * 8 * 128 * 2 * 46},      // 188 416
        {"qwen3-30b-a3b", 2.0 * 4 * 128 * 2 * 48},    // 98 304
        {"kimi-k2.5", 576.0 * 2 * 61},                // 70 272
    };
    for (const auto& r : rows) {
        CAPTURE(r.file);
        const auto m = load_model_file(hf(r.file));
        CHECK(model::kv_bytes_per_token(m, model::DType::bf16).value() == r.bf16_bytes);
    }
}

TEST_CASE("HF families: layer patterns become windows on the right number of layers", "[hwdb][hf]") {
    // gpt-oss: layer_types alternate sliding (128) / full: 18 of 36.
    const auto oss = load_model_file(hf("gpt-oss-120b"));
    REQUIRE(oss.sliding_window);
    CHECK(oss.sliding_window->window == 128);
    CHECK(oss.sliding_window->layers == 18);
    CHECK(std::get<model::Gqa>(oss.attention).attention_sinks);
    CHECK(std::get<model::Gqa>(oss.attention).qkv_bias);

    // Gemma-3-27B: pattern 6 (the config class default), 62 layers: layers
    // 5, 11, ..., 59 global (10), the other 52 local with a 1024 window; tied
    // embeddings and vocab 262208 from Gemma3TextConfig's defaults.
    const auto g = load_model_file(hf("gemma-3-27b"));
    REQUIRE(g.sliding_window);
    CHECK(g.sliding_window->window == 1024);
    CHECK(g.sliding_window->layers == 52);
    CHECK(g.tied_embeddings);
    CHECK(g.vocab == 262208);
    // 128k context: 52 layers hold 1024 tokens, 10 hold 131072.
    const double per_layer_token = 2.0 * 16 * 128 * 2;
    CHECK(model::kv_bytes_per_sequence(g, model::DType::bf16, 131072).value() ==
          Approx(per_layer_token * (52 * 1024.0 + 10 * 131072.0)));

    // Llama-4 Maverick: chunked attention (8192) on the 36 RoPE layers (every
    // 4th layer is NoPE, full attention); 24 MoE layers (step 2) of 128
    // experts + 1 shared, 24 dense of intermediate_size_mlp 16384.
    const auto mav = load_model_file(hf("llama-4-maverick"));
    REQUIRE(mav.sliding_window);
    CHECK(mav.sliding_window->window == 8192);
    CHECK(mav.sliding_window->layers == 36);
    const auto& moe = std::get<model::Moe>(mav.ffn);
    CHECK(moe.routed_experts == 128);
    CHECK(moe.shared_experts == 1);
    CHECK(moe.top_k == 1);
    CHECK(mav.moe_layers() == 24);
    CHECK(moe.dense_intermediate == 16384);

    // Gemma-2-27B: no layer_types; Gemma2Config alternates, sliding on even
    // layers: 23 of 46 with a 4096 window; tied embeddings.
    const auto g2 = load_model_file(hf("gemma-2-27b"));
    REQUIRE(g2.sliding_window);
    CHECK(g2.sliding_window->window == 4096);
    CHECK(g2.sliding_window->layers == 23);
    CHECK(g2.tied_embeddings);

    // Phi-4: sliding_window null -> full attention everywhere.
    CHECK_FALSE(load_model_file(hf("phi-4")).sliding_window);
}

TEST_CASE("HF families: recognised by architecture and by nested text_config", "[hwdb][hf]") {
    // Kimi-K2.5: architectures KimiK25ForConditionalGeneration, outer
    // model_type kimi_k25, text_config.model_type kimi_k2 -> DeepSeek-V3 MLA.
    const auto k = load_model_file(hf("kimi-k2.5"));
    REQUIRE(k.is_mla());
    CHECK(std::get<model::Moe>(k.ffn).routed_experts == 384);
    CHECK(std::get<model::Moe>(k.ffn).first_k_dense == 1);

    // GLM-4.5-Air: GQA with q/k/v biases, 1 dense + 45 MoE layers, one MTP layer.
    const auto glm = load_model_file(hf("glm-4.5-air"));
    CHECK(std::get<model::Gqa>(glm.attention).qkv_bias);
    CHECK(glm.mtp_depth == 1);
    CHECK(glm.moe_layers() == 45);

    // A Kimi-K2-style config: architectures DeepseekV3ForCausalLM and an
    // unknown model_type imports by architecture.
    std::string text = R"({"architectures": ["DeepseekV3ForCausalLM"], "model_type": "my_k2_finetune",
        "num_hidden_layers": 4, "hidden_size": 256, "vocab_size": 1000, "num_attention_heads": 4,
        "q_lora_rank": 64, "kv_lora_rank": 32, "qk_nope_head_dim": 16, "qk_rope_head_dim": 8, "v_head_dim": 16,
        "n_routed_experts": 8, "num_experts_per_tok": 2, "moe_intermediate_size": 64})";
    CHECK(import_hf_config(text, "k.json", "k").is_mla());
}

TEST_CASE("HF import refuses what it cannot represent, naming it", "[hwdb][hf]") {
    const std::string base = R"("num_hidden_layers": 4, "hidden_size": 256, "vocab_size": 1000,
        "num_attention_heads": 4, "intermediate_size": 512)";
    SECTION("llama4 is never sent to llama") {
        const std::string t = R"({"model_type": "llama4x", )" + base + "}";
        CHECK_THROWS_WITH(import_hf_config(t, "x.json", "x"),
                          Contains("unsupported model_type 'llama4x'") && !Contains("did you mean"));
    }
    SECTION("a separator typo gets its suggestion") {
        const std::string t = R"({"model_type": "gpt-oss", )" + base + "}";
        CHECK_THROWS_WITH(import_hf_config(t, "x.json", "x"), Contains("did you mean 'gpt_oss'?"));
    }
    SECTION("a shape key the family does not read") {
        const std::string t = R"({"model_type": "llama", "num_local_experts": 8, )" + base + "}";
        CHECK_THROWS_WITH(import_hf_config(t, "x.json", "x"),
                          Contains("field 'num_local_experts' changes the model's shape"));
        const std::string w = R"({"model_type": "llama", "sliding_window": 4096, )" + base + "}";
        CHECK_THROWS_WITH(import_hf_config(w, "x.json", "x"), Contains("field 'sliding_window' changes"));
    }
    SECTION("architectures and model_type of different families") {
        const std::string t = R"({"architectures": ["LlamaForCausalLM"], "model_type": "gemma2", )" + base + "}";
        CHECK_THROWS_WITH(import_hf_config(t, "x.json", "x"), Contains("architectures says 'LlamaForCausalLM'"));
    }
    SECTION("hybrid linear attention (Qwen3-Next) is refused, saying what is missing") {
        const std::string t = R"({"architectures": ["Qwen3NextForCausalLM"], "model_type": "qwen3_next", )" + base + "}";
        CHECK_THROWS_WITH(import_hf_config(t, "x.json", "x"),
                          Contains("qwen3_next") && Contains("Gated DeltaNet") && Contains("recurrent-state"));
        const std::string lt = R"({"model_type": "qwen3", "layer_types": ["linear_attention", "full_attention",
            "full_attention", "full_attention"], )" + base + "}";
        CHECK_THROWS_WITH(import_hf_config(lt, "x.json", "x"), Contains("'linear_attention'"));
    }
}

// quantization_config as checkpoints carry it: bits per weight per module
// class (group / block scales included), unquantised modules honoured, and
// whole-checkpoint weight bytes against the published checkpoint sizes.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "hwdb/database.hpp"
#include "hwdb/hf_quantization.hpp"
#include "model/error.hpp"
#include "model/memory_plan.hpp"
#include "model/param_count.hpp"

using namespace hwplan;
using namespace hwplan::hwdb;
using Catch::Matchers::Contains;

namespace {

std::filesystem::path hf(const std::string& name) {
    return std::filesystem::path(HWPLAN_TEST_DATA_DIR) / "hf" / (name + ".json");
}

// Bytes of the whole checkpoint as stored: every class's parameters times its
// bytes per weight (what `memory` puts on one GPU at tp = ep = pp = 1).
double checkpoint_bytes(const model::ModelArch& m) {
    const auto p = model::count_params(m);
    const auto b = model::weight_bytes_per_class(m, m.weights_dtype);
    return p.attention * b.attention + p.dense_ffn * b.dense_ffn + p.routed_experts * b.routed_experts +
           p.shared_experts * b.shared_experts + p.router * b.router + p.embedding * b.embedding +
           p.lm_head * b.lm_head + p.norms * b.norms;
}

const std::string kSmallMoe = R"("architectures": ["Qwen3MoeForCausalLM"], "model_type": "qwen3_moe",
    "num_hidden_layers": 4, "hidden_size": 1024, "vocab_size": 1000, "num_attention_heads": 8,
    "num_key_value_heads": 2, "head_dim": 128, "num_experts": 8, "num_experts_per_tok": 2,
    "moe_intermediate_size": 256, "intermediate_size": 2048)";

model::CheckpointQuant quant_of(const std::string& qc) {
    const auto m = import_hf_config("{" + kSmallMoe + R"(, "quantization_config": )" + qc + "}", "q.json", "q");
    REQUIRE(m.quantization);
    return *m.quantization;
}

}  // namespace

TEST_CASE("GPTQ-Int4 Qwen3-30B-A3B: weights within 10 % of the real checkpoint", "[hwdb][quant]") {
    const auto m = load_model_file(hf("qwen3-30b-a3b-gptq-int4"));
    REQUIRE(m.quantization);
    CHECK(m.weights_dtype == model::DType::int4);
    // int4 + fp16 scale and packed 4-bit zero per 128 + int32 g_idx per input
    // row (~32 / 2048): 4 + 20/128 + 1/64 = 4.171875 bits.
    CHECK(m.quantization->routed_experts.bits_per_weight == Approx(4.171875));
    CHECK(m.quantization->attention.bits_per_weight == Approx(4.171875));
    CHECK(m.quantization->embedding.bits_per_weight == 16);
    CHECK(m.quantization->lm_head.bits_per_weight == 16);
    CHECK(m.quantization->router.bits_per_weight == 16);
    // Hand count: 29.39 B quantised x 4.172 / 8 + 0.64 B x 2 = 16.86 GB; the
    // published Qwen/Qwen3-30B-A3B-GPTQ-Int4 checkpoint is ~16-17 GB.
    const double gb = checkpoint_bytes(m) / 1e9;
    CHECK(gb == Approx(16.861).epsilon(1e-3));
    CHECK(std::fabs(gb / 16.5 - 1) < 0.10);
    // The BF16 release of the same model: 61 GB.
    CHECK(checkpoint_bytes(load_model_file(hf("qwen3-30b-a3b"))) / 1e9 == Approx(61.06).epsilon(1e-3));
}

TEST_CASE("MXFP4 gpt-oss: experts 4.25 bits, attention/router/embedding/head BF16", "[hwdb][quant]") {
    const auto m = load_model_file(hf("gpt-oss-120b"));
    REQUIRE(m.quantization);
    CHECK(m.quantization->method == "mxfp4");
    CHECK(m.quantization->routed_experts.bits_per_weight == 4.25);  // 4 + 8-bit E8M0 scale / 32
    CHECK(m.quantization->attention.bits_per_weight == 16);
    CHECK(m.quantization->router.bits_per_weight == 16);
    CHECK(m.quantization->embedding.bits_per_weight == 16);
    CHECK(m.quantization->lm_head.bits_per_weight == 16);
    CHECK(m.weights_dtype == model::DType::fp4);
    // 114.66 B expert weights x 4.25/8 + 2.13 B x 2 = 65.17 GB (OpenAI: "fits
    // in a single 80 GB GPU", checkpoint ~65 GB). gpt-oss-20b: 13.75 GB.
    const double gb = checkpoint_bytes(m) / 1e9;
    CHECK(gb == Approx(65.169).epsilon(1e-3));
    CHECK(std::fabs(gb / 65.0 - 1) < 0.05);
    CHECK(checkpoint_bytes(load_model_file(hf("gpt-oss-20b"))) / 1e9 == Approx(13.748).epsilon(1e-3));
}

TEST_CASE("compressed-tensors: int4 group 32 experts, ignored attention/shared experts/head", "[hwdb][quant]") {
    const auto m = load_model_file(hf("kimi-k2.5"));
    REQUIRE(m.quantization);
    const auto& q = *m.quantization;
    CHECK(q.routed_experts.bits_per_weight == Approx(4.5));  // 4 + bf16 scale / 32
    CHECK(q.dense_ffn.bits_per_weight == Approx(4.5));       // not in the ignore list
    CHECK(q.attention.bits_per_weight == 16);                // re:.*self_attn.*
    CHECK(q.shared_experts.bits_per_weight == 16);           // re:.*shared_experts.*
    CHECK(q.lm_head.bits_per_weight == 16);                  // lm_head
    CHECK(m.weights_dtype == model::DType::int4);
}

TEST_CASE("quantization methods: bits per weight by hand", "[hwdb][quant]") {
    SECTION("AWQ int4 g128 with zero points, modules_to_not_convert by substring") {
        const auto q = quant_of(R"({"quant_method": "awq", "bits": 4, "group_size": 128, "zero_point": true,
                                    "version": "gemm", "modules_to_not_convert": ["self_attn"]})");
        CHECK(q.routed_experts.bits_per_weight == Approx(4 + 20.0 / 128));
        CHECK(q.attention.bits_per_weight == 16);
    }
    SECTION("FP8 block-scaled 128x128 (DeepSeek-V3 style) and per-tensor") {
        const auto b = quant_of(R"({"quant_method": "fp8", "activation_scheme": "dynamic", "fmt": "e4m3",
                                    "weight_block_size": [128, 128]})");
        CHECK(b.routed_experts.bits_per_weight == Approx(8 + 32.0 / 16384));
        CHECK(b.attention.dtype == model::DType::fp8);
        CHECK(b.embedding.bits_per_weight == 16);
        const auto t = quant_of(R"({"quant_method": "fp8", "activation_scheme": "static"})");
        CHECK(t.dense_ffn.bits_per_weight == 8);
    }
    SECTION("NVFP4 (modelopt): 4 + FP8 scale per 16, excluded modules honoured") {
        const auto q = quant_of(R"({"quant_method": "modelopt", "quant_algo": "NVFP4", "group_size": 16,
                                    "exclude_modules": ["lm_head", "model.layers.*.self_attn*"]})");
        CHECK(q.routed_experts.bits_per_weight == Approx(4.5));
        CHECK(q.routed_experts.dtype == model::DType::fp4);
        CHECK(q.attention.bits_per_weight == 16);
        CHECK(q.lm_head.bits_per_weight == 16);
    }
    SECTION("compressed-tensors NVFP4 (float 4-bit, tensor_group 16)") {
        const auto q = quant_of(R"({"quant_method": "compressed-tensors", "format": "nvfp4-pack-quantized",
            "config_groups": {"group_0": {"targets": ["Linear"], "weights": {"num_bits": 4, "type": "float",
            "strategy": "tensor_group", "group_size": 16, "symmetric": true}}}, "ignore": ["lm_head"]})");
        CHECK(q.routed_experts.bits_per_weight == Approx(4.5));
        CHECK(q.routed_experts.format.find("nvfp4") == 0);
    }
    SECTION("compressed-tensors FP8 channel targeting only the experts") {
        const auto q = quant_of(R"({"quant_method": "compressed-tensors", "config_groups": {"group_0":
            {"targets": ["re:.*mlp.experts.*"], "weights": {"num_bits": 8, "type": "float", "strategy": "channel",
            "symmetric": true}}}, "ignore": []})");
        CHECK(q.routed_experts.bits_per_weight == Approx(8 + 16.0 / 1024));
        CHECK(q.attention.bits_per_weight == 16);
        CHECK(q.dense_ffn.bits_per_weight == 16);
    }
}

TEST_CASE("quantization: what cannot be priced is refused, naming it", "[hwdb][quant]") {
    const auto refuse = [](const std::string& qc) {
        return import_hf_config("{" + kSmallMoe + R"(, "quantization_config": )" + qc + "}", "q.json", "q");
    };
    CHECK_THROWS_WITH(refuse(R"({"quant_method": "bitsandbytes", "load_in_4bit": true})"),
                      Contains("quant_method 'bitsandbytes' is not modelled"));
    CHECK_THROWS_WITH(refuse(R"({"bits": 4})"), Contains("no quant_method"));
    CHECK_THROWS_WITH(refuse(R"({"quant_method": "awq", "bits": 4, "group_size": 128,
                                 "modules_to_not_convert": ["q_proj"]})"),
                      Contains("part of the attention"));
}

TEST_CASE("module name patterns match as the quantisers do", "[hwdb][quant]") {
    CHECK(module_matches("lm_head", "lm_head"));
    CHECK(module_matches("model.layers.*.self_attn", "model.layers.1.self_attn.q_proj"));
    CHECK_FALSE(module_matches("model.layers.*.self_attn", "model.layers.1.mlp.experts"));
    CHECK(module_matches("re:.*mlp.gate$", "model.layers.1.mlp.gate"));
    CHECK_FALSE(module_matches("re:.*mlp.gate$", "model.layers.1.mlp.gate_proj"));
    CHECK(module_matches("gate", "model.layers.1.mlp.experts.0.gate_proj", true));
    CHECK_FALSE(module_matches("gate", "model.layers.1.mlp.experts.0.gate_proj"));
}

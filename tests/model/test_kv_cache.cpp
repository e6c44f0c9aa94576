#include <catch2/catch.hpp>

#include "model/fixtures.hpp"
#include "model/kv_cache.hpp"

using namespace hwplan;
using model::DType;

// Paper Table 1 (arXiv 2505.09343, sec. 2.1.2): KV cache per token in BF16.
// Exact: these are integer byte counts.
TEST_CASE("Table 1: DeepSeek-V3 MLA caches 70.272 KB per token", "[model][golden]") {
    CHECK(model::kv_bytes_per_token(test::deepseek_v3(), DType::bf16).value() == 70272.0);
}

TEST_CASE("Table 1: Qwen-2.5 72B GQA caches 327.680 KB per token", "[model][golden]") {
    CHECK(model::kv_bytes_per_token(test::qwen25_72b(), DType::bf16).value() == 327680.0);
}

TEST_CASE("Table 1: LLaMA-3.1 405B GQA caches 516.096 KB per token", "[model][golden]") {
    CHECK(model::kv_bytes_per_token(test::llama31_405b(), DType::bf16).value() == 516096.0);
}

TEST_CASE("Table 1 multipliers: 4.66x for Qwen-2.5 72B; 7.34x (paper prints 7.28x) for LLaMA-405B",
          "[model][golden]") {
    const double ds = model::kv_bytes_per_token(test::deepseek_v3(), DType::bf16).value();
    const double qwen = model::kv_bytes_per_token(test::qwen25_72b(), DType::bf16).value();
    const double llama = model::kv_bytes_per_token(test::llama31_405b(), DType::bf16).value();
    CHECK(std::round(qwen / ds * 100) / 100 == Approx(4.66));
    // 516.096 / 70.272 = 7.344; the paper's 7.28x does not follow from its own
    // sizes (documented in docs/equations.md), so the computed ratio is pinned.
    CHECK(std::round(llama / ds * 100) / 100 == Approx(7.34));
}

TEST_CASE("KV cache: hand-computed MHA, MQA and MLA cases", "[model]") {
    auto m = test::gqa_model("tiny", 2, 64, 100, 4, 4, 16, 128);
    // MHA: 2 (K,V) x 4 heads x 16 dims x 2 bytes x 2 layers = 512
    CHECK(model::kv_bytes_per_token(m, DType::bf16).value() == 512.0);
    std::get<model::Gqa>(m.attention).kv_heads = 1;  // MQA
    CHECK(model::kv_bytes_per_token(m, DType::bf16).value() == 128.0);
    auto mla = test::deepseek_v3();
    mla.layers = 1;
    CHECK(model::kv_bytes_per_token(mla, DType::bf16).value() == (512 + 64) * 2.0);
}

TEST_CASE("KV cache properties: linear in layers, FP8 halves BF16, FP32 doubles it", "[model]") {
    auto base = GENERATE(test::deepseek_v3(), test::qwen25_72b(), test::llama31_8b());
    CAPTURE(base.id);
    const double bf16 = model::kv_bytes_per_token(base, DType::bf16).value();
    CHECK(model::kv_bytes_per_token(base, DType::fp8).value() == bf16 / 2);
    CHECK(model::kv_bytes_per_token(base, DType::fp32).value() == bf16 * 2);
    auto doubled = base;
    doubled.layers *= 2;
    CHECK(model::kv_bytes_per_token(doubled, DType::bf16).value() == 2 * bf16);
}

TEST_CASE("Sliding-window layers cap the cached context", "[model]") {
    auto m = test::gqa_model("swa", 4, 64, 100, 4, 2, 16, 128);
    const double per_token = model::kv_bytes_per_token(m, DType::bf16).value();
    m.sliding_window = model::SlidingWindow{1000, 2};  // half the layers windowed
    // 8000 tokens: 2 layers keep 1000, 2 layers keep 8000 -> average 4500.
    CHECK(model::kv_bytes_per_sequence(m, DType::bf16, 8000).value() == Approx(per_token * 4500));
    // Below the window nothing changes.
    CHECK(model::kv_bytes_per_sequence(m, DType::bf16, 500).value() == Approx(per_token * 500));
}

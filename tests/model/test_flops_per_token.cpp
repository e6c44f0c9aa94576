#include <catch2/catch.hpp>

#include "model/fixtures.hpp"
#include "model/flops_per_token.hpp"
#include "model/param_count.hpp"

using namespace hwplan;
using Catch::Matchers::WithinRel;

// Paper Table 2: training cost per token at sequence length 4096, within 2 %.
TEST_CASE("Table 2: DeepSeek-V2 trains at 155 GFLOPs per token", "[model][golden]") {
    CHECK_THAT(model::train_flops_per_token(test::deepseek_v2(), 4096).value() / 1e9, WithinRel(155.0, 0.02));
}

TEST_CASE("Table 2: DeepSeek-V3 trains at 250 GFLOPs per token", "[model][golden]") {
    CHECK_THAT(model::train_flops_per_token(test::deepseek_v3(), 4096).value() / 1e9, WithinRel(250.0, 0.02));
}

TEST_CASE("Table 2: LLaMA-3.1 405B trains at 2448 GFLOPs per token", "[model][golden]") {
    // 2473 computed: the paper counts attention slightly differently (1 %).
    CHECK_THAT(model::train_flops_per_token(test::llama31_405b(), 4096).value() / 1e9, WithinRel(2448.0, 0.02));
}

TEST_CASE("Table 2: Qwen-72B's 394 GFLOPs is not reproducible from Qwen2.5-72B (documented)", "[model][golden]") {
    // 6N alone is ~429 GFLOPs for the public config; we pin our number and
    // that it is NOT within 2 % of the paper's, so a change that "fixes" it
    // by fudging shows up here.
    const double gf = model::train_flops_per_token(test::qwen25_72b(), 4096).value() / 1e9;
    CHECK_THAT(gf, WithinRel(444.9, 0.005));
    CHECK(std::abs(gf / 394.0 - 1) > 0.02);
}

TEST_CASE("Training FLOPs: hand-computed attention term", "[model]") {
    auto m = test::gqa_model("tiny", 2, 8, 10, 2, 1, 4, 16);
    const double n = model::count_params(m).active_matmul();
    // 6 * L * (s/2) * H * (d_qk + d_v) = 6 * 2 * 50 * 2 * 8
    CHECK(model::train_flops_per_token(m, 100).value() == Approx(6 * n + 6 * 2 * 50 * 2 * 8));
    // Forward at context c: 2N + 2 * L * c * H * (d_qk + d_v)
    CHECK(model::forward_flops_per_token(m, 100).value() == Approx(2 * n + 2 * 2 * 100 * 2 * 8));
}

TEST_CASE("Forward FLOPs of a prefill token are one third of training", "[model]") {
    const auto m = GENERATE(test::deepseek_v3(), test::llama31_8b(), test::qwen25_72b());
    CAPTURE(m.id);
    CHECK(model::forward_flops_per_token(m, 2048).value() ==
          Approx(model::train_flops_per_token(m, 4096).value() / 3));
}

TEST_CASE("FLOPs grow with sequence length and context", "[model]") {
    const auto m = GENERATE(test::deepseek_v3(), test::llama31_8b());
    double prev_train = 0, prev_fwd = 0;
    for (double s : {128.0, 1024.0, 4096.0, 32768.0}) {
        const double t = model::train_flops_per_token(m, s).value();
        const double f = model::forward_flops_per_token(m, s).value();
        CHECK(t > prev_train);
        CHECK(f > prev_fwd);
        prev_train = t;
        prev_fwd = f;
    }
}

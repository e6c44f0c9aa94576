#include <catch2/catch.hpp>

#include "model/fixtures.hpp"
#include "model/param_count.hpp"

using namespace hwplan;
using Catch::Matchers::WithinRel;

// Published totals: DeepSeek-V3 671B total / 37B active (685B checkpoint with
// MTP), DeepSeek-V2 236B / 21B (DeepSeek-V2 paper), LLaMA-3.1 405B. 1 %.
TEST_CASE("DeepSeek-V3 has 671B parameters, 37B active, 685B with the MTP module", "[model][golden]") {
    const auto p = model::count_params(test::deepseek_v3());
    CHECK_THAT(p.total, WithinRel(671e9, 0.01));
    CHECK_THAT(p.active, WithinRel(37e9, 0.02));  // 37.5B: the paper rounds down
    CHECK_THAT(p.checkpoint_total, WithinRel(685e9, 0.01));
}

TEST_CASE("DeepSeek-V2 has 236B parameters, 21B active", "[model][golden]") {
    const auto p = model::count_params(test::deepseek_v2());
    CHECK_THAT(p.total, WithinRel(236e9, 0.01));
    CHECK_THAT(p.active, WithinRel(21e9, 0.02));
}

TEST_CASE("LLaMA-3.1 405B has 405B parameters; 8B and 70B likewise", "[model][golden]") {
    CHECK_THAT(model::count_params(test::llama31_405b()).total, WithinRel(405.8e9, 0.005));
    CHECK_THAT(model::count_params(test::llama31_70b()).total, WithinRel(70.6e9, 0.005));
    CHECK_THAT(model::count_params(test::llama31_8b()).total, WithinRel(8.03e9, 0.005));
}

TEST_CASE("Parameter count: hand-computed tiny dense model", "[model]") {
    // h=8, 1 layer, vocab 10, 2 heads x 4 dims, 1 kv head, inter 16, untied.
    const auto m = test::gqa_model("tiny", 1, 8, 10, 2, 1, 4, 16);
    const auto p = model::count_params(m);
    const double attn = 8 * 8 + 2 * 8 * 4 + 8 * 8;  // q, k+v, o
    const double ffn = 3 * 8 * 16;
    const double norms = 2 * 8 + 8;
    CHECK(p.attention == attn);
    CHECK(p.dense_ffn == ffn);
    CHECK(p.total == 80 + 80 + attn + ffn + norms);
    CHECK(p.active == p.total);
}

TEST_CASE("MoE: active parameters count top_k + shared experts only", "[model]") {
    auto m = test::deepseek_v3();
    const auto p = model::count_params(m);
    auto& moe = std::get<model::Moe>(m.ffn);
    moe.top_k = 16;
    const auto q = model::count_params(m);
    CHECK(q.total == p.total);
    CHECK(q.active - p.active == Approx(8 * p.per_routed_expert * m.moe_layers()));
}

TEST_CASE("Tied embeddings drop the output head", "[model]") {
    auto m = test::llama31_8b();
    const double untied = model::count_params(m).total;
    m.tied_embeddings = true;
    CHECK(untied - model::count_params(m).total == Approx(128256.0 * 4096));
}

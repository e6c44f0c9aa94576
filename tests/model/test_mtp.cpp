// Multi-token prediction: expected tokens per step 1 + sum_i prod_{j<=i} p_j.
#include <catch2/catch.hpp>

#include "model/mtp.hpp"

using namespace hwplan::model;
using Catch::Matchers::WithinRel;

TEST_CASE("MTP: no drafts advance one token per step", "[model]") {
    CHECK(expected_tokens_per_step({}) == 1.0);
    CHECK(verified_tokens_per_step({}) == 1);
}

TEST_CASE("MTP depth 1 at 80-90 % acceptance advances 1.8-1.9 tokens per step (paper sec. 2.3.3)", "[model][golden]") {
    MultiTokenPrediction m{1, {0.85}};
    CHECK_THAT(expected_tokens_per_step(m), WithinRel(1.85, 1e-12));
    CHECK(verified_tokens_per_step(m) == 2);
    m.acceptance = {0.8};
    CHECK_THAT(expected_tokens_per_step(m), WithinRel(1.8, 1e-12));
    m.acceptance = {0.9};
    CHECK_THAT(expected_tokens_per_step(m), WithinRel(1.9, 1e-12));
}

TEST_CASE("MTP depth 3: a draft counts only when every earlier draft was accepted", "[model]") {
    // 1 + 0.9 + 0.9 x 0.8 + 0.9 x 0.8 x 0.7
    const MultiTokenPrediction m{3, {0.9, 0.8, 0.7}};
    CHECK_THAT(expected_tokens_per_step(m), WithinRel(1 + 0.9 + 0.72 + 0.504, 1e-12));
    CHECK(verified_tokens_per_step(m) == 4);
}

TEST_CASE("MTP: missing acceptance entries repeat the last one", "[model]") {
    const MultiTokenPrediction m{3, {0.5}};
    CHECK_THAT(expected_tokens_per_step(m), WithinRel(1 + 0.5 + 0.25 + 0.125, 1e-12));
    CHECK(mtp_acceptance(m, 3) == 0.5);
    CHECK(mtp_acceptance(MultiTokenPrediction{1, {}}, 1) == 0.0);
}

TEST_CASE("MTP: tokens per step grow with depth and acceptance, bounded by 1 + depth", "[model]") {
    const double p = GENERATE(0.0, 0.3, 0.7, 1.0);
    double last = 0;
    for (int d = 0; d <= 4; ++d) {
        const double e = expected_tokens_per_step({d, {p}});
        CHECK(e >= last);
        CHECK(e <= 1.0 + d + 1e-12);
        last = e;
    }
}

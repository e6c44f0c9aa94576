#pragma once
// Multi-token prediction (MTP) as speculative decoding (DeepSeek-V3 tech
// report sec. 2.2 and 5.4.3; the paper's sec. 2.3.3: "80-90 % acceptance of
// the second token, 1.8x TPS").
//
// With depth d, each step proposes d draft tokens per sequence and verifies
// them together with the next token: 1 + d tokens per sequence go through
// every GEMM and attention of the main model. Draft i is kept only if drafts
// 1..i-1 were, so with conditional acceptance rates p_1..p_d the expected
// number of tokens a sequence advances per step is
//   E = 1 + sum_{i=1..d} prod_{j<=i} p_j
// (d = 1, p = 0.85: 1.85 tokens per step).

#include "model/deployment.hpp"

namespace hwplan::model {

// Conditional acceptance rate of draft i (1-based); missing entries repeat
// the last one, no entries means 0.
[[nodiscard]] double mtp_acceptance(const MultiTokenPrediction& mtp, int i);

// Expected tokens one sequence advances per decode step (>= 1).
[[nodiscard]] double expected_tokens_per_step(const MultiTokenPrediction& mtp);

// Tokens per sequence each step runs through the main model: 1 + depth.
[[nodiscard]] inline int verified_tokens_per_step(const MultiTokenPrediction& mtp) {
    return 1 + (mtp.depth > 0 ? mtp.depth : 0);
}

}  // namespace hwplan::model

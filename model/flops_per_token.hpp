#pragma once
// FLOPs per token (paper Table 2).
//
// Training: 6 * N + causal attention 6 * L * (s/2) * H * (d_qk + d_v), with N
// the active parameters that are multiplied (all active parameters except the
// input embedding, lm_head included). Forward (inference): one third of each
// term, with the attention term at the tokens actually attended.
// Multiply-add = 2 FLOPs; norms, softmax and activations are ignored (< 1 %).

#include "model/model_arch.hpp"
#include "model/units.hpp"

namespace hwplan::model {

// Query/key and value widths of one head: (nope + rope, v_head_dim) for MLA,
// (head_dim, head_dim) for GQA.
struct HeadDims {
    int qk = 0;
    int v = 0;
};
[[nodiscard]] HeadDims head_dims(const ModelArch& m);

// Training FLOPs per token at sequence length `seq` (forward + backward).
[[nodiscard]] Flops train_flops_per_token(const ModelArch& m, double seq);

// Forward FLOPs of one token that attends to `attended` earlier tokens
// (decode at context c: attended = c; prefill of s tokens: on average s/2).
[[nodiscard]] Flops forward_flops_per_token(const ModelArch& m, double attended);

// Attention score/value FLOPs of one token over `attended` tokens, all layers
// (forward only), sliding windows applied.
[[nodiscard]] Flops attention_core_flops_per_token(const ModelArch& m, double attended);

}  // namespace hwplan::model

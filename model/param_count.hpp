#pragma once
// Parameter counts, total and active per token, by component.
//
// Linear layers have no biases unless the architecture says so (Qwen2 q/k/v).
// Norm weights are counted (two RMSNorms per layer, one final, MLA's two
// low-rank norms); router weights are counted; RoPE has no parameters.

#include "model/model_arch.hpp"

namespace hwplan::model {

struct ParamCount {
    double embedding = 0;       // input token embedding
    double lm_head = 0;         // output projection (0 when tied: it is the embedding)
    double attention = 0;       // all layers, incl. attention-side norms
    double dense_ffn = 0;       // all dense-FFN layers
    double routed_experts = 0;  // all routed experts of all MoE layers
    double shared_experts = 0;  // all shared experts of all MoE layers
    double router = 0;          // gate weights of all MoE layers
    double norms = 0;           // per-layer pre-attention/pre-FFN norms and the final norm
    double mtp = 0;             // multi-token-prediction modules (beyond shared embedding/head)
    // The released checkpoint stores each MTP module with its own copy of the
    // embedding and output head (shared at run time): DeepSeek-V3's "685B".
    double checkpoint_total = 0;
    double total = 0;           // everything except MTP
    double active = 0;          // used by one token (main model, embedding included)
    double per_routed_expert = 0;
    double per_layer_attention = 0;
    double per_moe_layer_active_ffn = 0;  // top_k + shared experts + router of one MoE layer
    friend bool operator==(const ParamCount&, const ParamCount&) = default;

    [[nodiscard]] double total_with_mtp() const { return total + mtp; }
    // Active parameters that cost FLOPs: everything active but the input
    // embedding (a lookup, not a matmul). The basis of 6N / 2N.
    [[nodiscard]] double active_matmul() const { return active - embedding; }
};

[[nodiscard]] ParamCount count_params(const ModelArch& m);

// Parameters of one attention block (projections and its own norms, not the
// pre-attention RMSNorm).
[[nodiscard]] double attention_params_per_layer(const ModelArch& m);

}  // namespace hwplan::model

#include "model/param_count.hpp"

namespace hwplan::model {

double attention_params_per_layer(const ModelArch& m) {
    const double h = m.hidden;
    if (const auto* a = std::get_if<Mla>(&m.attention)) {
        const double heads = a->heads;
        const double qk_head = a->qk_nope_head_dim + a->qk_rope_head_dim;
        // DeepSeek-V2 paper, eq. (9)-(19): down/up projections of q and of the
        // joint kv latent, the decoupled RoPE key, the output projection, and
        // the RMSNorms applied to the two latents.
        const double q = a->q_lora_rank > 0
                             ? h * a->q_lora_rank + a->q_lora_rank + a->q_lora_rank * heads * qk_head
                             : h * heads * qk_head;
        const double kv_down = h * (a->kv_lora_rank + a->qk_rope_head_dim) + a->kv_lora_rank;
        const double kv_up = a->kv_lora_rank * heads * (a->qk_nope_head_dim + a->v_head_dim);
        const double out = heads * a->v_head_dim * h;
        return q + kv_down + kv_up + out;
    }
    const auto& g = std::get<Gqa>(m.attention);
    const double q_dim = static_cast<double>(g.heads) * g.head_dim;
    const double kv_dim = static_cast<double>(g.kv_heads) * g.head_dim;
    double p = h * q_dim + 2 * h * kv_dim + q_dim * h;
    if (g.qkv_bias) p += q_dim + 2 * kv_dim;
    if (g.qk_norm) p += 2.0 * g.head_dim;
    if (g.attention_sinks) p += g.heads;
    return p;
}

ParamCount count_params(const ModelArch& m) {
    ParamCount p;
    const double h = m.hidden;
    p.embedding = static_cast<double>(m.vocab) * h;
    p.lm_head = m.tied_embeddings ? 0 : static_cast<double>(m.vocab) * h;
    p.per_layer_attention = attention_params_per_layer(m);
    p.attention = p.per_layer_attention * m.layers;
    p.norms = 2 * h * m.layers + h;

    double moe_layer_total = 0;  // one MoE layer's FFN, all experts
    double dense_layer = 0;      // one dense FFN layer
    if (const auto* d = std::get_if<Dense>(&m.ffn)) {
        dense_layer = 3 * h * d->intermediate;  // SwiGLU: gate, up, down
        p.dense_ffn = dense_layer * m.layers;
    } else {
        const auto& e = std::get<Moe>(m.ffn);
        const int moe_layers = m.moe_layers();
        dense_layer = 3 * h * e.dense_intermediate;
        p.per_routed_expert = 3 * h * e.expert_intermediate;
        p.dense_ffn = dense_layer * e.first_k_dense;
        p.routed_experts = p.per_routed_expert * e.routed_experts * moe_layers;
        p.shared_experts = p.per_routed_expert * e.shared_experts * moe_layers;
        p.router = h * e.routed_experts * moe_layers;
        moe_layer_total = p.per_routed_expert * (e.routed_experts + e.shared_experts) + h * e.routed_experts;
        p.per_moe_layer_active_ffn = p.per_routed_expert * (e.top_k + e.shared_experts) + h * e.routed_experts;
    }
    p.total = p.embedding + p.lm_head + p.attention + p.dense_ffn + p.routed_experts + p.shared_experts +
              p.router + p.norms;
    p.active = p.embedding + p.lm_head + p.attention + p.dense_ffn + p.norms +
               p.per_moe_layer_active_ffn * m.moe_layers();

    // DeepSeek-V3 MTP module (V3 tech report, sec. 2.2): two RMSNorms, a
    // 2h -> h projection, one transformer block (MoE when the model is MoE)
    // and the output norm; embedding and output head are shared with the main
    // model.
    if (m.mtp_depth > 0) {
        const double block_ffn = m.is_moe() ? moe_layer_total : dense_layer;
        const double module = 2 * h + 2 * h * h + (p.per_layer_attention + block_ffn + 2 * h) + h;
        p.mtp = module * m.mtp_depth;
    }
    p.checkpoint_total = p.total + p.mtp + m.mtp_depth * (p.embedding + (m.tied_embeddings ? 0 : p.lm_head));
    return p;
}

}  // namespace hwplan::model

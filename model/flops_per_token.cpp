#include "model/flops_per_token.hpp"

#include <algorithm>

#include "model/kv_cache.hpp"
#include "model/param_count.hpp"

namespace hwplan::model {

HeadDims head_dims(const ModelArch& m) {
    if (const auto* a = std::get_if<Mla>(&m.attention))
        return {a->qk_nope_head_dim + a->qk_rope_head_dim, a->v_head_dim};
    const auto& g = std::get<Gqa>(m.attention);
    return {g.head_dim, g.head_dim};
}

Flops attention_core_flops_per_token(const ModelArch& m, double attended) {
    const HeadDims d = head_dims(m);
    const double per_layer_per_token = 2.0 * m.attention_heads() * (d.qk + d.v);
    return flops(per_layer_per_token * m.layers * attended_tokens(m, attended));
}

Flops train_flops_per_token(const ModelArch& m, double seq) {
    const double n = count_params(m).active_matmul();
    // Causal mask: token i attends to i tokens, s/2 on average. With a sliding
    // window w the average is (w^2/2 + w(s - w)) / s, which is s/2 at w >= s.
    double avg = seq / 2;
    if (m.sliding_window && m.sliding_window->window < seq) {
        const double w = m.sliding_window->window;
        const double windowed_avg = (w * w / 2 + w * (seq - w)) / seq;
        const double share = static_cast<double>(m.sliding_window->layers) / m.layers;
        avg = share * windowed_avg + (1 - share) * seq / 2;
    }
    // attention_core_flops_per_token already counts 2 FLOPs per MAC for the
    // forward pass; training is 3x forward. Windows were applied above.
    ModelArch full = m;
    full.sliding_window.reset();
    return flops(6.0 * n) + 3.0 * attention_core_flops_per_token(full, avg);
}

Flops forward_flops_per_token(const ModelArch& m, double attended) {
    return flops(2.0 * count_params(m).active_matmul()) + attention_core_flops_per_token(m, attended);
}

}  // namespace hwplan::model

#include "model/kv_cache.hpp"

#include <algorithm>

namespace hwplan::model {

double kv_elements_per_token_per_layer(const ModelArch& m) {
    if (const auto* mla = std::get_if<Mla>(&m.attention))
        return static_cast<double>(mla->kv_lora_rank + mla->qk_rope_head_dim);
    const auto& g = std::get<Gqa>(m.attention);
    return 2.0 * g.kv_heads * g.head_dim;
}

Bytes kv_bytes_per_token(const ModelArch& m, DType dtype) {
    return bytes(kv_elements_per_token_per_layer(m) * bytes_per_element(dtype) * m.layers);
}

double attended_tokens(const ModelArch& m, double context) {
    if (!m.sliding_window || m.layers == 0) return context;
    const double windowed = std::min(context, static_cast<double>(m.sliding_window->window));
    const double w_layers = m.sliding_window->layers;
    return (windowed * w_layers + context * (m.layers - w_layers)) / m.layers;
}

Bytes kv_bytes_per_sequence(const ModelArch& m, DType dtype, double context) {
    const Bytes per_token_all_layers = kv_bytes_per_token(m, dtype);
    return per_token_all_layers * attended_tokens(m, context);
}

}  // namespace hwplan::model

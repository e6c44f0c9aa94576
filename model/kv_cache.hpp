#pragma once
// KV cache size (paper Table 1).
//
// GQA/MHA/MQA cache K and V for every KV head: 2 * kv_heads * head_dim
// elements per layer. MLA caches one compressed latent plus the decoupled
// RoPE key, shared by all heads: kv_lora_rank + qk_rope_head_dim elements per
// layer. MTP modules are not counted (the paper's table does not).

#include "model/dtype.hpp"
#include "model/model_arch.hpp"
#include "model/units.hpp"

namespace hwplan::model {

// Elements one token adds to one layer's cache.
[[nodiscard]] double kv_elements_per_token_per_layer(const ModelArch& m);

// Bytes one token adds to the cache of all layers (paper Table 1 quantity).
[[nodiscard]] Bytes kv_bytes_per_token(const ModelArch& m, DType dtype);

// Bytes held for one sequence that has `context` tokens: layers with a
// sliding window keep at most `window` tokens.
[[nodiscard]] Bytes kv_bytes_per_sequence(const ModelArch& m, DType dtype, double context);

// Tokens whose K/V one new token reads in one layer, averaged over layers
// (sliding-window layers read at most `window`).
[[nodiscard]] double attended_tokens(const ModelArch& m, double context);

}  // namespace hwplan::model

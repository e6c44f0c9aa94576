#pragma once
// The element-wise kernels of a transformer decode step, shared by the
// element-wise family (misc.cu) and the decode-step mode (decode_step.cu).
// All tensors are BF16, row-major, with the hidden size a multiple of 8 (one
// 128-bit vector = 8 elements).

#include "probe.cuh"

namespace probe {

// y = x * rsqrt(mean(x^2) + eps) * w, one row per block.
void launch_rmsnorm(const bf16* x, const bf16* w, bf16* y, int rows, int hidden, float eps, cudaStream_t s);

// out[r, :] = silu(gate_up[r, 0:inter]) * gate_up[r, inter:2*inter].
void launch_silu_mul(const bf16* gate_up, bf16* out, int rows, int inter, cudaStream_t s);

// Rotary embedding (Llama rotate-half convention) of the q and k parts of a
// fused qkv row [q_heads | kv_heads | kv_heads] x head_dim, writing q to
// q_out [batch][q_heads][head_dim] and appending k and v at position `pos`
// of the caches [batch][kv_heads][max_ctx][head_dim]. head_dim must be 128.
struct RopeAppendArgs {
    const bf16* qkv = nullptr;
    bf16* q_out = nullptr;
    bf16* k_cache = nullptr;
    bf16* v_cache = nullptr;
    int batch = 0, q_heads = 0, kv_heads = 0, max_ctx = 0, pos = 0;
    float theta = 500000.0f;  // Llama 3.1 rope_theta
};
void launch_rope_append(const RopeAppendArgs& a, cudaStream_t s);

// out[r, :] = table[tokens[r], :].
void launch_embed(const int* tokens, const bf16* table, bf16* out, int rows, int hidden, cudaStream_t s);

// out[r] = argmax(logits[r, :]) (greedy sampling).
void launch_argmax(const bf16* logits, int* out, int rows, int vocab, cudaStream_t s);

// *count += number of NaN/Inf among p[0..n) (count must be zeroed first).
void launch_count_nonfinite(const bf16* p, std::size_t n, unsigned* count, cudaStream_t s);

// An empty kernel (<<<1, 32>>>), for launch and graph-node overheads.
void launch_empty(cudaStream_t s);

}  // namespace probe

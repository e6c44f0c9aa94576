#pragma once
// Our decode-attention kernels (one new token per sequence attending over its
// KV cache), flash-decoding style: the context is split across thread blocks
// when batch x heads alone cannot fill the GPU, each block keeps an online
// softmax, and a small combine kernel merges the splits by log-sum-exp.
//
// GQA: q [batch][q_heads][128], K and V caches [batch][kv_heads][max_ctx][128]
// (BF16). One block serves one (sequence, kv head, split) and all
// q_heads / kv_heads query heads of the group, so each K/V vector is read
// from memory once. CUDA cores (it is memory-bound: ~4 FLOP per byte).
//
// MLA (DeepSeek-V3, absorbed form): q [batch][heads][576], latent cache
// [batch][max_ctx][576] = 512 c_kv + 64 rope key, out [batch][heads][512]:
// every head reads the same latent (K = all 576, V = the first 512). With 128
// heads that is ~240 FLOP per byte, so it uses tensor cores (mma.sync
// m16n8k16 BF16); block = 64 heads x one split, 32 tokens per tile,
// double-buffered with cp.async.

#include "probe.cuh"

namespace probe {

inline constexpr int kGqaHeadDim = 128;
inline constexpr int kMlaKvRank = 512;
inline constexpr int kMlaRopeDim = 64;
inline constexpr int kMlaDim = kMlaKvRank + kMlaRopeDim;  // 576

struct DecodeAttentionArgs {
    const bf16* q = nullptr;
    const bf16* k = nullptr;  // GQA K cache, or the MLA latent cache
    const bf16* v = nullptr;  // GQA V cache (unused for MLA)
    bf16* out = nullptr;
    float* workspace = nullptr;  // split partials; attention_workspace_bytes()
    int batch = 0, q_heads = 0, kv_heads = 1, ctx = 0, max_ctx = 0;
    int splits = 1;
    float softmax_scale = 0.0f;  // 0 = 1/sqrt(128) (GQA) or 1/sqrt(192) (MLA: DeepSeek-V3's q/k head dim)
};

// Splits of the context per (sequence, head group), chosen to fill the GPU.
int gqa_splits(int batch, int kv_heads, int ctx);
int mla_splits(int batch, int heads, int ctx);
std::size_t attention_workspace_bytes(int batch, int q_heads, int splits, int out_dim);

void launch_gqa_decode(const DecodeAttentionArgs& a, cudaStream_t s);
// False (with the reason) when the GPU lacks the shared memory or the
// tensor-core instructions the MLA kernel needs.
bool mla_supported(std::string* why);
// q_heads must be a multiple of 64.
void launch_mla_decode(const DecodeAttentionArgs& a, cudaStream_t s);

// Compares our kernel with a plain reference kernel on small problems and
// records the result in `checks:`; throws Failure on a mismatch.
void check_gqa_decode();
void check_mla_decode();

}  // namespace probe

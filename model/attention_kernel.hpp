#pragma once
// What an attention kernel family does with the hardware, as the step model
// needs it: how it parallelises decode and how close it gets to the tensor
// cores in prefill. The GPU-level ceilings stay in Efficiencies
// (attention_memory: the best decode kernel's share of HBM bandwidth;
// attention_compute: the best prefill kernel's share of the BF16 peak); a
// family scales them.
//
// Decode (one query token per sequence) is a KV-cache stream. A kernel that
// gives each (sequence, KV-head group) one CTA leaves SMs idle when
// sequences x groups < SMs; a CTA streams at about its SM's share of the HBM
// bandwidth, so the kernel reaches   fill = min(1, CTAs / SMs)   of it.
// Split-KV kernels (FlashDecoding; FA2 flash_attn_with_kvcache num_splits,
// FlashInfer, FlashMLA) cut the context into chunks so the grid covers the
// SMs, then merge the partial softmaxes in one more small kernel. Chunks
// stay at least 128 tokens (FA2's split-KV kernel walks KV in 64-256-token
// blocks; FlashInfer's scheduler keeps a chunk to a few pages): an
// assumption, pinned by no measurement here.
//
// Prefill efficiency rises with the keys per query, s, as the per-tile
// prologue/epilogue amortises: eta(s) = relative * s / (s + half_keys),
// from the published forward-pass sweeps on H100 SXM5 (FA3 paper, Shah et
// al. 2024, Fig. 5, head dim 128, TFLOPS at s = 512 ... 16k):
//   FlashAttention-2  309 350 362 368 370 370   -> 0.374 of 989; half at s ~ 100
//   FlashAttention-3  467 565 625 638 646 648   -> 0.655 of 989; half at s ~ 200
//   cuDNN             497 574 617 609 600 595   -> 0.60;  half at s ~ 100
// `relative` is the family's plateau over FA3's (Efficiencies::attention_compute
// defaults to FA3's 0.65). FA2 runs Ampere-style mma.sync on Hopper, hence
// its 35 % ceiling there (FA3 paper, sec. 1); on A100 FA2 reaches 0.73 of
// the peak (FA2 paper, Dao 2023) -- hwplan does not distinguish GPU
// generations here, so FA2-family prefill on Ampere is predicted too slow.

#include "model/engine.hpp"

namespace hwplan::model {

struct AttentionKernelTraits {
    bool split_kv = true;        // decode cuts the context into chunks to fill the SMs
    double min_chunk_tokens = 128;  // smallest KV chunk a split-KV kernel gives one CTA
    int heads_per_cta = 0;       // MLA: query heads one CTA serves (FlashMLA: 64); 0 = one KV-head group
    double prefill_relative = 1;  // plateau prefill efficiency relative to FA3
    double prefill_half_keys = 200;  // keys per query at which half the plateau is reached
};

[[nodiscard]] constexpr AttentionKernelTraits attention_kernel_traits(AttentionKernel a) {
    switch (a) {
        case AttentionKernel::pytorch_sdpa:
            // PyTorch's memory-efficient / flash backends parallelise over
            // (batch, heads, query blocks) only: no split-KV at q_len = 1.
            return {false, 128, 0, 0.374 / 0.655, 100};
        case AttentionKernel::flash_attention_2:
            return {true, 128, 0, 0.374 / 0.655, 100};
        case AttentionKernel::flash_attention_3:
        case AttentionKernel::flashinfer:  // FA3 templates for Hopper prefill (FlashInfer 0.2 release notes)
            return {true, 128, 0, 1.0, 200};
        case AttentionKernel::flash_mla:  // decode: 64 heads per CTA (FlashMLA README); prefill via FA3
            return {true, 128, 64, 1.0, 200};
        case AttentionKernel::trtllm_xqa:  // XQA decode splits KV (multi-block mode); fMHA context ~ cuDNN
            return {true, 128, 0, 0.60 / 0.655, 100};
    }
    return {};
}

}  // namespace hwplan::model

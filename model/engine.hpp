#pragma once
// A serving engine as data: which kernels it runs per layer. The GPU decides
// how fast a kernel runs; the engine decides which kernels there are -- what
// it fuses, which attention kernel it calls, whether the step is replayed
// from a CUDA graph and what each launch costs on the host. hwdb/ reads one
// file per engine (hwdb/data/engines/*.yaml, each value with its source);
// the step model (layer_costs.cpp) turns (model, GPU, engine) into the list
// of kernels of a step. docs/equations.md, "Engines", has the derivations.
//
// EngineTraits is the numeric part (no strings: StepOptions carries it and
// the decode step copies none of it). Its defaults are a fully fused engine
// under CUDA graphs with split-KV attention -- what the step model assumed
// before engines were data -- so model/ callers that name no engine keep
// their numbers; the CLI always names one (default `vllm`).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/units.hpp"

namespace hwplan::model {

// Attention kernel families. What matters to the step model is how each
// parallelises decode (split-KV or one CTA per (sequence, head)) and how
// close it gets to the tensor-core peak in prefill (attention_kernel.hpp).
enum class AttentionKernel : std::uint8_t {
    pytorch_sdpa,        // torch.nn.functional.scaled_dot_product_attention (FA2-derived flash backend)
    flash_attention_2,   // Dao 2023
    flash_attention_3,   // Shah et al. 2024 (Hopper: TMA + wgmma, FP8)
    flashinfer,          // Ye et al. 2025 (split-KV decode, FA3 templates for Hopper prefill)
    flash_mla,           // DeepSeek FlashMLA (MLA decode, absorbed; FA3-style prefill)
    trtllm_xqa,          // TensorRT-LLM XQA decode / fMHA context kernels
};
[[nodiscard]] std::string_view to_string(AttentionKernel a);
[[nodiscard]] std::optional<AttentionKernel> attention_kernel_from_string(std::string_view s);
[[nodiscard]] const std::vector<std::string_view>& attention_kernel_names();

// Which element-wise operations run as one kernel with their neighbour.
// `false` means the plain-PyTorch decomposition of UnfusedOps below.
struct EngineFusions {
    bool norm_residual = true;  // residual add + RMSNorm in one kernel (vLLM fused_add_rms_norm)
    bool rope = true;           // RoPE on q and k in one kernel (vLLM rotary_embedding)
    bool rope_kv_write = false; // ... and the KV-cache write in that same kernel (TRT-LLM QKV preprocessing)
    bool silu_mul = true;       // SiLU(gate) * up in one kernel (vLLM silu_and_mul)
    bool quantize = true;       // activation quantisation inside the producing kernel
    bool qkv_gemm = true;       // q, k, v projections as one GEMM (QKVParallelLinear)
    bool gate_up_gemm = true;   // gate and up projections as one GEMM (MergedColumnParallelLinear)
    friend bool operator==(const EngineFusions&, const EngineFusions&) = default;
};

// One element-wise operation as plain framework ops run it: kernels launched
// and HBM bytes moved per element of its width, for BF16 activations (scaled
// by the activation size for other formats). Defaults: Hugging Face
// transformers' modeling_llama.py in PyTorch eager semantics (counted in
// docs/equations.md, "Engines"):
//   rms_norm      to(fp32), pow, mean, +eps, rsqrt, mul, to(bf16), mul(weight): 8 kernels, 36 B
//   residual_add  one add: 6 B
//   rope          per tensor: mul(cos), neg(half), cat, mul(sin), add: 5 kernels, 20 B
//   silu_mul      silu(gate), mul(up): 2 kernels, 10 B per intermediate element
//   kv_write      one copy per K and per V: 4 B per cached element
//   quantize      amax, scale, cast: 3 kernels, 9 B (BF16 in -> FP8 out)
struct OpCost {
    int kernels = 1;
    double bytes_per_element = 0;
    friend bool operator==(const OpCost&, const OpCost&) = default;
};
struct UnfusedOps {
    OpCost rms_norm{8, 36};
    OpCost residual_add{1, 6};
    OpCost rope{5, 20};
    OpCost silu_mul{2, 10};
    OpCost kv_write{1, 4};
    OpCost quantize{3, 9};
    friend bool operator==(const UnfusedOps&, const UnfusedOps&) = default;
};

struct EngineTraits {
    EngineFusions fuses;
    UnfusedOps unfused;
    AttentionKernel attention = AttentionKernel::flashinfer;
    // The kernel an MLA model (DeepSeek-V2/V3) gets: engines dispatch MLA
    // to a kernel of its own (vLLM and SGLang: FlashMLA on Hopper).
    AttentionKernel mla_attention = AttentionKernel::flash_mla;
    // The decode step is replayed from one CUDA graph: the host submits one
    // graph, not every kernel. Graphs remove the launch cost, not the GPU's
    // own gap between dependent kernels (Efficiencies::kernel_overhead).
    bool cuda_graphs = true;
    // Host time to issue one kernel outside a graph (framework dispatch +
    // cudaLaunchKernel). The GPU runs ahead of the host, so it shows only
    // when the host's total exceeds the GPU's (a launch-bound step).
    Seconds launch_overhead = microseconds(5.0);
    // Host time per step around the kernels: scheduler, sampling bookkeeping,
    // graph launch; not hidden (the next step waits for it).
    Seconds step_overhead = microseconds(0.0);
    // Prefill runs eagerly in every engine here (graphs are captured for
    // decode batch sizes only), with the same launch cost.
    friend bool operator==(const EngineTraits&, const EngineTraits&) = default;
};

struct Engine {
    std::string id;    // "vllm"
    std::string name;  // "vLLM 0.8 (V1 engine)"
    EngineTraits traits;
    std::string source;  // where each value comes from (URLs, code paths)
    friend bool operator==(const Engine&, const Engine&) = default;
};

// The fused operations by their file keys ("norm_residual", "rope", ...).
[[nodiscard]] std::vector<std::string_view> fused_op_names(const EngineFusions& f);

// "Engine: vllm (vLLM (V1 engine)): decode in CUDA graphs, flashinfer
// attention (flash-mla for MLA), fuses norm_residual, ..." -- one wording for
// the CLI's notes and the GUI.
[[nodiscard]] std::string describe(const Engine& e);

// Throws hwplan::Error naming the field ("engine.launch_overhead") when a
// value is negative / not finite or an op has no kernel.
void validate(const EngineTraits& e, const std::string& where = "engine");

}  // namespace hwplan::model

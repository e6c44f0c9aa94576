#pragma once
// Hybrid CPU/GPU decode (KTransformers-style local deployment; the paper's
// sec. 2.3: "the complete DeepSeek-V3 model can run at nearly 20 TPS on a
// server with a consumer-grade GPU (~$10,000)").
//
// The routed experts live in host DRAM and run on the CPU; attention, the
// dense layers, the shared experts and the output head live in GPU memory and
// run on the GPU. Per MoE layer and decode step:
//   t_layer = t_gpu(attention) + max(t_cpu(routed experts), t_gpu(shared experts))
//             + 2 hand-offs over PCIe (hidden state to the host and back)
// (KTransformers runs the shared expert on the GPU while the CPU computes the
// routed ones). The CPU side is a roofline over the sockets that run it:
//   t_cpu = max(active_experts · 3 h i · b_w / (n_stream · BW_socket · eta_cpu_mem),
//               2 · tokens · top_k · 3 h i / (n_used / n · matrix peak · isa · eta_cpu_compute))
// where BW_socket = DRAM BW / sockets, n_used the sockets running experts and
// n_stream the sockets whose LOCAL memory feeds them: n_used when the experts
// are replicated per NUMA node, else 1 (see OffloadOptions::numa_replicated).
// The GPU side uses the same KernelCostModel as decode_step. Layers run one
// after another: without KTransformers' later "expert deferral" the GPU
// waits for the CPU's experts of each layer before the next attention (the
// SOSP '25 paper: CPU utilisation "typically below 75 %" without it). All
// assumptions (weight formats, NUMA placement, efficiencies) are inputs and
// are echoed in the result.

#include <string>

#include <fmt/format.h>

#include "model/dtype.hpp"
#include "model/efficiency.hpp"
#include "model/model_arch.hpp"
#include "model/step_time.hpp"
#include "model/system.hpp"
#include "model/units.hpp"
#include "model/workload.hpp"

namespace hwplan::model {

// Bits per routed-expert weight of a llama.cpp Q4_K_M GGUF, the format of
// KTransformers' DeepSeek-V3/R1 runs ("DeepseekV3-q4km"). Q4_K stores 256
// weights in 144 B (4.5 bits), Q6_K in 210 B (6.5625 bits); Q4_K_M keeps
// gate/up in Q4_K and puts about half of the layers' ffn_down in Q6_K
// (llama.cpp src/llama-quant.cpp, use_more_bits: the first and last eighth
// of the layers and every third one between). Per expert (gate + up + down,
// equal sizes): (4.5 + 4.5 + (4.5 + 6.5625) / 2) / 3 = 4.84375 bits. Check:
// 653.9e9 DeepSeek-V3 expert weights x 4.84 bits = 396 GB of the 404 GB GGUF.
inline constexpr double kQ4KmExpertBits = (4.5 + 4.5 + (4.5 + 6.5625) / 2) / 3;

// Theoretical peak of AVX-512 (VNNI int8 / BF16 dot products) as a share of
// the AMX peak on the same cores: AMX does 2048 int8 (1024 BF16) multiply-adds
// per cycle per core, "8 times the performance of AVX-512" (KTransformers
// doc/en/AMX.md; Intel AMX overview). Cpu::matrix_peak of an Intel host is
// its AMX peak; a kernel that uses AVX-512 only (llamafile, KTransformers
// before v0.3, and every decode GEMV) reaches at most this share of it.
inline constexpr double kAvx512ShareOfAmx = 1.0 / 8.0;

struct OffloadOptions {
    // Routed experts in host DRAM. KTransformers' DeepSeek-V3 setups use
    // 4-bit GGUF (Q4_K_M, kQ4KmExpertBits); int4 with one FP16 scale per 128
    // (4.125 bits) is the closest dtype hwplan knows. cpu_expert_bits > 0
    // overrides the dtype's size (a GGUF format hwplan has no dtype for).
    DType cpu_experts = DType::int4;
    double cpu_expert_bits = 0;
    // Everything else in GPU memory: KTransformers converts the GPU part to
    // Marlin int4 (W4A16) so DeepSeek-V3's ~16B non-expert parameters fit 24 GB.
    DType gpu_weights = DType::int4;
    DType kv_cache = DType::bf16;
    bool overlap_shared = true;  // shared experts on the GPU run during the CPU's routed experts
    // Sockets whose cores and DRAM run the experts; 0 = all of the host's
    // (KTransformers' "single socket" runs are numactl-bound to one).
    int sockets_used = 0;
    // Expert weights copied into the DRAM of every NUMA node (one per socket)
    // so that each socket streams only local memory (KTransformers USE_NUMA=1:
    // "we copy the critical matrix on both nodes"). Needs the experts to fit
    // one socket's share of the DRAM; when they do not (or this is false) the
    // pages are spread over the nodes and the cores of all sockets share what
    // one socket's memory delivers (the lower bound; KTransformers reports NUMA
    // placement alone is worth "up to 63 %" of decode throughput, SOSP '25).
    bool numa_replicated = true;
    // Share of Cpu::matrix_peak the expert kernels' instruction set can reach:
    // 1 for AMX kernels (KTransformers >= v0.3 prefill, and CPUs whose
    // matrix_peak already is their AVX-512 peak), kAvx512ShareOfAmx for
    // AVX-512-only kernels on an AMX host (KTransformers v0.2 / llamafile).
    double cpu_isa_share = 1.0;
    friend bool operator==(const OffloadOptions&, const OffloadOptions&) = default;
};

struct OffloadStep {
    bool feasible = false;
    std::string reason;
    Seconds step = seconds(0);  // one decode step for w.batch sequences
    Seconds tpot = seconds(0);
    double tokens_per_s_per_user = 0;
    double tokens_per_s = 0;        // whole box
    Seconds gpu_time = seconds(0);  // GPU-side work per step (incl. kernel overhead)
    Seconds cpu_time = seconds(0);  // CPU-side routed experts per step
    Bytes gpu_weight_bytes = bytes(0);
    Bytes host_weight_bytes = bytes(0);
    Bytes gpu_memory = bytes(0);                         // weights + KV + runtime reserve
    Bytes cpu_bytes_per_step = bytes(0);                 // expert weights streamed from DRAM per step
    BytesPerSecond cpu_bandwidth = bytes_per_second(0);  // achieved DRAM rate assumed
    int streaming_sockets = 0;                           // sockets whose local DRAM feeds the experts
    bool experts_replicated = false;                     // one copy of the experts per NUMA node
    double tokens = 0;                                   // tokens of this pass (batch, or the prompt)
    const char* bound = "";                              // "cpu" or "gpu": the slower side per MoE layer
    // Components: attention_* / dense_ffn / shared_experts / lm_head /
    // elementwise / kernel_overhead on the GPU; routed_experts on the CPU;
    // dispatch / combine = PCIe hand-offs to / from the host; overlap =
    // shared-expert time hidden under the CPU's (<= 0). Sums to `step`.
    Breakdown breakdown;
};

// Throws hwplan::Error for a bad workload (batch < 1, negative context).
// Needs a System with a host CPU; infeasible (with a reason) when it has
// none, or when the GPU or host memory cannot hold its share.
[[nodiscard]] OffloadStep offload_decode(const ModelArch& m, const System& s, const Workload& w,
                                         const OffloadOptions& o = {}, const Efficiencies& e = default_efficiencies());

// Prefill of one prompt of w.prompt tokens (one chunk, as KTransformers'
// default chunk_prefill_size 8192 covers every prompt here), the same split:
// per MoE layer GPU attention over the prompt, then the CPU's routed experts
// for all prompt tokens (every expert is touched: weights streamed once, the
// FLOPs at the CPU's compute rate), then back. `step` is the time to the
// first token, `tokens_per_s` = prompt / step (a "prefill tokens/s" figure),
// tpot and tokens_per_s_per_user are 0. Throws for prompt < 1.
[[nodiscard]] OffloadStep offload_prefill(const ModelArch& m, const System& s, const Workload& w,
                                          const OffloadOptions& o = {}, const Efficiencies& e = default_efficiencies());

}  // namespace hwplan::model

template <>
struct fmt::formatter<hwplan::model::OffloadStep> : fmt::formatter<std::string_view> {
    auto format(const hwplan::model::OffloadStep& r, format_context& ctx) const {
        if (!r.feasible && r.step.value() <= 0) return fmt::format_to(ctx.out(), "infeasible: {}", r.reason);
        return fmt::format_to(ctx.out(), "{:.1f} tok/s per user (step {:.2f} ms, {}-bound){}", r.tokens_per_s_per_user,
                              r.step.value() * 1e3, r.bound, r.feasible ? "" : " [does not fit]");
    }
};

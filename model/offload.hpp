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
// routed ones). The CPU side is a roofline over the host:
//   t_cpu = max(active_experts · 3 h i · b_w / (DRAM BW · eta_cpu_mem),
//               2 · tokens · top_k · 3 h i / (matrix peak · eta_cpu_compute))
// and the GPU side uses the same KernelCostModel as decode_step. Decode is
// memory-bound on whichever side is slower. All assumptions (weight formats,
// efficiencies) are inputs and are echoed in the result.

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

struct OffloadOptions {
    // Routed experts in host DRAM. KTransformers' DeepSeek-V3 setups use
    // 4-bit GGUF (Q4_K_M, ~4.5-4.8 bits per weight); int4 with one FP16 scale
    // per 128 (4.125 bits) is the closest format hwplan knows.
    DType cpu_experts = DType::int4;
    // Everything else in GPU memory: KTransformers converts the GPU part to
    // Marlin int4 (W4A16) so DeepSeek-V3's ~16B non-expert parameters fit 24 GB.
    DType gpu_weights = DType::int4;
    DType kv_cache = DType::bf16;
    bool overlap_shared = true;  // shared experts on the GPU run during the CPU's routed experts
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

}  // namespace hwplan::model

template <>
struct fmt::formatter<hwplan::model::OffloadStep> : fmt::formatter<std::string_view> {
    auto format(const hwplan::model::OffloadStep& r, format_context& ctx) const {
        if (!r.feasible && r.step.value() <= 0) return fmt::format_to(ctx.out(), "infeasible: {}", r.reason);
        return fmt::format_to(ctx.out(), "{:.1f} tok/s per user (step {:.2f} ms, {}-bound){}", r.tokens_per_s_per_user,
                              r.step.value() * 1e3, r.bound, r.feasible ? "" : " [does not fit]");
    }
};

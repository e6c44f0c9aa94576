#pragma once
// Every efficiency factor and fixed latency the step-time model uses, in ONE
// value type, with the documented spec-sheet / paper / public-measurement
// default of each. A calibration profile replaces these numbers (it builds an
// Efficiencies, or a KernelCostModel from one); nothing else in model/ holds
// an efficiency constant.
//
// Conventions: an efficiency is achieved / nominal (0 < eta <= 1) and
// multiplies the spec-sheet figure of the Gpu / System (per GPU, per
// direction for links). Latencies are Seconds; a zero latency in the System
// (Nic::latency, System::scale_up_latency) falls back to the one here.
//
// Sources (full list in docs/equations.md, "Step time"):
//   [paper]    Zhao et al., "Insights into DeepSeek-V3", arXiv 2505.09343:
//              ~40 GB/s all-to-all per 400G CX7 (of 50), ~160 GB/s NVLink on
//              H800 (of 200 per direction); latency table IB 2.8/3.7 us,
//              NVLink 3.33 us.
//   [DeepGEMM] github.com/deepseek-ai/DeepGEMM README (H800 FP8): 1358 TFLOPS
//              at M=4096 N=7168 K=16384 (0.69 of 1979); 2668 GB/s memory-bound.
//   [FlashMLA] github.com/deepseek-ai/FlashMLA README (H800): dense MLA decode
//              3000 GB/s memory-bound (0.90 of 3350), 660 TFLOPS compute-bound
//              (0.67 of 989).
//   [DeepEP]   github.com/deepseek-ai/DeepEP README: normal kernels 153-158
//              GB/s NVLink, 43-58 GB/s RDMA on H800 + CX7.
//   [SGLang]   LMSYS blog "Deploying DeepSeek with PD Disaggregation and
//              Large-scale Expert Parallelism on 96 H100 GPUs" (May 2025),
//              two-batch-overlap ablation (scenarios/references/sglang.yaml).
//   [graphs]   NVIDIA technical blog "Getting Started with CUDA Graphs": a
//              short kernel costs a few us end to end even when launched from
//              a graph.

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "model/units.hpp"

namespace hwplan::model {

// Dense GEMM compute efficiency as a smooth function of M (rows = tokens):
//   eta_c(M) = peak_fraction * M / (M + half_m) * wave(M, N)
// A GEMM with fewer rows than the smallest tensor-core tile (mma m16n8k16:
// 16 rows) wastes the rest of it, hence half_m = 16; such GEMMs are
// memory-bound anyway on datacenter GPUs (the roofline's bytes term takes
// over). Large ones reach `peak_fraction` of the dense peak: [DeepGEMM] 0.69
// at M=4096 on H800 FP8; cuBLAS BF16 on H100 ~0.7-0.75 on large square
// shapes. wave(): for M >= 128 and more 128x128 output tiles than SMs, the
// tail-wave loss tiles / (ceil(tiles / SMs) * SMs) (NVIDIA, "Matrix
// Multiplication Background User's Guide": wave quantization). GEMMs with
// fewer tiles than SMs split K to fill the machine and are not charged.
struct GemmEfficiency {
    double peak_fraction = 0.70;
    double half_m = 16;  // M where eta_c is half of peak_fraction
    bool wave_quantization = true;
    friend bool operator==(const GemmEfficiency&, const GemmEfficiency&) = default;
};

struct Efficiencies {
    GemmEfficiency gemm;
    double hbm = 0.85;  // streaming reads/writes of GEMM operands [DeepGEMM 2668/3350 = 0.80, FlashMLA 0.90]
    double attention_memory = 0.90;   // decode attention KV read [FlashMLA 3000/3350]
    double attention_compute = 0.65;  // attention math (FlashMLA 660/989 = 0.67; FA3 ~0.75 of H100 BF16)
    double elementwise = 0.70;        // norms, RoPE, activation/quant kernels: small, latency-limited
    // Fixed cost per kernel in a CUDA-graph-replayed step: graph node launch
    // (~0.5 us) plus ramp-up / tail / dependency wait of a short kernel [graphs].
    Seconds kernel_overhead = microseconds(2.0);

    // Two-micro-batch overlap: the share of the ideally hideable time
    // (serial - mb * max(compute_mb, comm_mb)) that is actually hidden. The
    // communication kernels occupy SMs while they pack, post and busy-wait
    // for data, so the other micro-batch never gets the whole GPU [SGLang]:
    // TBO measured +25.5 % at 256 tokens/GPU on 9x8 H100 EP72, where the
    // ideal schedule of this model gives +45 % -> 0.55/0.85 ~ 0.65.
    double overlap = 0.65;
    // SMs the throughput-mode all-to-all kernels (DeepEP normal kernels, used
    // for prefill) occupy for their whole duration when the deployment does
    // not say: the paper's "up to 20 SMs" (of 132 on H800). Decode's
    // low-latency kernels are hook-based and reserve none.
    int prefill_comm_sms = 20;

    double nvlink = 0.80;  // achieved / nominal per-direction scale-up bandwidth [paper: 160 of 200 GB/s]
    double rdma = 0.80;    // achieved / line-rate scale-out bandwidth for all-to-all [paper: ~40 of 50 GB/s]
    double pcie = 0.80;    // host <-> device copies (PCIe Gen4/5 x16 reach ~80 % of line rate)
    // Small-message latency when the System gives none.
    Seconds nvlink_latency = microseconds(3.33);  // [paper] latency table
    Seconds rdma_latency = microseconds(3.7);     // [paper] IB cross-leaf
    Seconds pcie_latency = microseconds(10.0);    // cudaMemcpyAsync round trip, host-synchronised hand-off

    // Host CPU (hybrid offload): achieved share of one socket's theoretical
    // DRAM bandwidth when its cores stream quantised expert weights from
    // local memory (STREAM triad on current servers reaches ~70-80 % of
    // theoretical; dequantising GEMV kernels reach less), and of the
    // instruction set's peak for the expert GEMMs: KTransformers' AMX MoE
    // kernel sustains "21 TFLOPS of BF16 throughput ... on Xeon4 CPUs"
    // (doc/en/AMX.md; SOSP '25: up to 21.3 TFLOPS on a single Xeon socket),
    // of a 32-core 2.2 GHz socket's 1024 x 32 x 2.2 GHz = 72.1 TFLOPS AMX BF16
    // peak: 0.29 (was 0.50, unsourced). The same share is assumed for AVX-512
    // kernels of their own (1/8) peak.
    double cpu_memory = 0.60;
    double cpu_compute = 0.29;
    friend bool operator==(const Efficiencies&, const Efficiencies&) = default;
};

// The documented defaults (the values above).
[[nodiscard]] inline Efficiencies default_efficiencies() { return {}; }

// Throws hwplan::Error naming the field ("efficiency.rdma") when a factor is
// not in (0, 1] or a latency is negative / not finite.
void validate(const Efficiencies& e, const std::string& where = "efficiency");

}  // namespace hwplan::model

template <>
struct fmt::formatter<hwplan::model::Efficiencies> : fmt::formatter<std::string_view> {
    auto format(const hwplan::model::Efficiencies& e, format_context& ctx) const {
        return fmt::format_to(ctx.out(),
                              "gemm {:.2f}·M/(M+{:g}), hbm {:.2f}, attention mem {:.2f} / compute {:.2f}, "
                              "kernel {:.1f} us, nvlink {:.2f}, rdma {:.2f}",
                              e.gemm.peak_fraction, e.gemm.half_m, e.hbm, e.attention_memory, e.attention_compute,
                              e.kernel_overhead.value() * 1e6, e.nvlink, e.rdma);
    }
};

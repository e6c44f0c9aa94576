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
//   GEMM constants: GemmEfficiency below, with their own sources.
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

// The spec-sheet GEMM model (KernelCostModel::gemm_terms; docs/equations.md,
// "GEMM"): output tiles of a cuBLAS/CUTLASS/DeepGEMM-style heuristic over the
// real SM count, waves, split-K below one wave, and a shared-memory limit per
// tile shape. These are its hardware constants; none is fitted to a row.
//   [MAMF]    H100 80GB HBM3, PyTorch 2.7 + cu128 (cuBLAS) BF16 square matmuls:
//             788.7 TFLOPS at 4096^3, 797.5 at 8192^3 of the dense 989.5
//             (github.com/zzc0721/torch-performance-test-data issue #79).
//   [cuBLAS 12.9] NVIDIA blog "Boosting Matrix Multiplication Speed and
//             Flexibility with NVIDIA cuBLAS 12.9": block-scaled (128 / 128x128)
//             FP8 on Hopper runs large matmuls 1.75x faster than BF16.
//   [DeepGEMM sm90] deepseek-ai/DeepGEMM csrc/jit_kernels/heuristics/sm90.hpp:
//             block_m 64/128, block_n multiples of 16 up to 256, block_k =
//             128 bytes / element, >= 4 pipeline stages for small tiles; its
//             cost model charges 128 B/cycle of shared memory per SM (TMA
//             write + tensor-core read of max(64, BM) + BN rows per K) and
//             64 B/cycle of L2 per SM.
//   [Hopper]  4 tensor cores x 512 dense BF16 FMA per clock per SM (4096
//             FLOP/clk/SM; 132 SMs x 1.83 GHz = 989.4 TFLOPS; G. Lockwood,
//             "peak FLOPS", glennklockwood.com; NVIDIA Hopper whitepaper).
struct GemmEfficiency {
    // Sustained dense tensor-core rate of a large GEMM on full waves / the
    // spec-sheet dense peak: clock under power below the 1.83 GHz the spec
    // assumes, and MMA issue gaps. [MAMF] 797.5 / 989.5 = 0.806 (BF16); the
    // same fraction is assumed for FP8 / INT8 tensor math.
    double peak_fraction = 0.80;
    // FP8 with 128-wide block scales on GPUs whose tensor cores do not apply
    // scales (Hopper): the promotion of the FP32 partial sums on CUDA cores
    // every 128 K keeps this share of the FP8 rate. [cuBLAS 12.9] 1.75x BF16
    // where the FP8 peak is 2x BF16: 1.75 / 2 = 0.875. GPUs with native FP4
    // (Blackwell: MX/NVFP block-scaled MMA) scale in hardware and pay nothing.
    double fp8_block_scale = 0.875;
    // Shared-memory bytes an SM moves per dense BF16 tensor FLOP it issues:
    // 128 B/clk [DeepGEMM sm90] / 4096 FLOP/clk [Hopper] = 1/32. Limits tiles
    // with little reuse (64-row tiles: (64 + BN) operand rows per 64 x BN MMAs).
    double smem_bytes_per_flop = 1.0 / 32;
    // L2 bytes per SM per dense BF16 tensor FLOP: 64 B/clk [DeepGEMM sm90] /
    // 4096 = 1/64. Carries the split-K partial sums (FP32) to the reducer.
    double l2_bytes_per_flop = 1.0 / 64;
    // Fill and drain exposed once per GEMM: the first operand loads' DRAM
    // round trip (~600 cycles of HBM latency on H100, ~0.35 us at 1.75 GHz;
    // Chips and Cheese, "Nvidia's H100: Funny L2, and Tons of Bandwidth")
    // before the tensor cores start, and the last wave's epilogue store
    // after they stop. Also the ramp of a short memory stream: Calculon's
    // A100 table (calculon-ai/calculon systems/a100_80g.json) gives 0.75 of
    // HBM at 10 MB and 0.90 at 100 MB, i.e. ~1 us of unhidden latency.
    Seconds pipeline_latency = microseconds(1.0);
    // Split-K: each split keeps at least this many 128-byte K blocks, the
    // pipeline depth a small tile needs to hide TMA latency [DeepGEMM sm90].
    int split_k_min_blocks = 4;
    // Off: fractional waves (tiles / SMs), for what-if comparisons.
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
    // (~0.5 us) plus the dependency wait and tail of a short kernel [graphs].
    // A GEMM's own pipeline fill is in the GEMM model (kernel_costs.hpp);
    // host launch cost outside graphs is the engine's (engine.hpp).
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
                              "gemm {:.2f} of peak (tiled, FP8 block scale {:.3f}), hbm {:.2f}, attention mem {:.2f} / compute {:.2f}, "
                              "kernel {:.1f} us, nvlink {:.2f}, rdma {:.2f}",
                              e.gemm.peak_fraction, e.gemm.fp8_block_scale, e.hbm, e.attention_memory, e.attention_compute,
                              e.kernel_overhead.value() * 1e6, e.nvlink, e.rdma);
    }
};

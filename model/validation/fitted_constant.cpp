#include "model/validation/fitted_constant.hpp"

namespace hwplan::model::validation {

namespace {

Efficiencies& eff(Options& o) { return o.step.efficiencies; }
const Efficiencies& eff(const Options& o) { return o.step.efficiencies; }

}  // namespace

std::vector<FittedConstant> realistic_fitted_constants() {
    // Defaults and their sources: model/efficiency.hpp (and docs/references.md).
    return {
        {"gemm.peak_fraction", "", 0.30, 1.00, "share of the dense tensor-core peak a large GEMM reaches",
         "DeepGEMM 1358 of 1979 TFLOPS (0.69); cuBLAS BF16 ~0.7-0.75",
         [](const Options& o) { return eff(o).gemm.peak_fraction; },
         [](Options& o, double v) { eff(o).gemm.peak_fraction = v; }},
        {"hbm", "", 0.50, 0.98, "share of HBM bandwidth reached streaming GEMM operands (weights)",
         "DeepGEMM 2668/3350 = 0.80, FlashMLA 0.90", [](const Options& o) { return eff(o).hbm; },
         [](Options& o, double v) { eff(o).hbm = v; }},
        {"attention_memory", "", 0.40, 0.98, "share of HBM bandwidth reached reading the KV cache in decode",
         "FlashMLA 3000/3350", [](const Options& o) { return eff(o).attention_memory; },
         [](Options& o, double v) { eff(o).attention_memory = v; }},
        {"attention_compute", "", 0.30, 0.95, "share of the dense peak reached by attention math (prefill)",
         "FlashMLA 660/989 = 0.67; FA3 ~0.75", [](const Options& o) { return eff(o).attention_compute; },
         [](Options& o, double v) { eff(o).attention_compute = v; }},
        {"elementwise", "", 0.10, 1.00, "share of HBM bandwidth reached by norms, RoPE, activations, quantisation",
         "small latency-limited kernels, 0.70", [](const Options& o) { return eff(o).elementwise; },
         [](Options& o, double v) { eff(o).elementwise = v; }},
        {"kernel_overhead", "us", 0.5, 10.0, "fixed cost per kernel in a graph-replayed step (launch, ramp, tail)",
         "NVIDIA CUDA Graphs blog: a few us per short kernel",
         [](const Options& o) { return eff(o).kernel_overhead.value() * 1e6; },
         [](Options& o, double v) { eff(o).kernel_overhead = microseconds(v); }},
        {"overlap", "", 0.0, 1.0, "share of the ideally hideable time two-micro-batch overlap hides",
         "SGLang TBO ablation: 0.55/0.85 ~ 0.65", [](const Options& o) { return eff(o).overlap; },
         [](Options& o, double v) { eff(o).overlap = v; }},
        {"nvlink", "", 0.50, 0.98, "achieved share of per-direction NVLink bandwidth (all-to-all, all-reduce)",
         "paper: 160 of 200 GB/s", [](const Options& o) { return eff(o).nvlink; },
         [](Options& o, double v) { eff(o).nvlink = v; }},
        {"rdma", "", 0.50, 0.98, "achieved share of NIC line rate for all-to-all", "paper: ~40 of 50 GB/s",
         [](const Options& o) { return eff(o).rdma; }, [](Options& o, double v) { eff(o).rdma = v; }},
    };
}

std::vector<HeldConstant> realistic_held_constants() {
    return {
        {"gemm.half_m", "tile geometry (mma m16n8k16: 16 rows), not an efficiency"},
        {"gemm.wave_quantization", "a switch: waves over the real SM count"},
        {"nvlink_latency, rdma_latency", "measured directly (paper's latency table); a fit would trade them "
                                         "against bandwidth"},
        {"pcie, pcie_latency, cpu_memory, cpu_compute", "no modelled measurement row depends on them"},
        {"prefill_comm_sms", "an integer the paper states (up to 20 SMs)"},
    };
}

}  // namespace hwplan::model::validation

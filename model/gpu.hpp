#pragma once
// One accelerator SKU, as its spec sheet gives it. Numbers are per GPU and,
// for links, per direction (a "900 GB/s NVLink" H100 is 450 GB/s each way).

#include <string>

#include "model/dtype.hpp"
#include "model/units.hpp"

namespace hwplan::model {

struct Gpu {
    std::string id;    // "h800-sxm"
    std::string name;  // "NVIDIA H800 SXM5 80GB"
    std::string vendor;
    Bytes memory_capacity = bytes(0);       // HBM (or unified memory on an SoC)
    BytesPerSecond memory_bandwidth = bytes_per_second(0);
    // Dense tensor-core peaks (no structured sparsity). Zero: not supported
    // natively, the math runs at the next wider format's rate.
    FlopsPerSecond fp32_peak = flops_per_second(0);  // non-tensor FP32
    FlopsPerSecond bf16_peak = flops_per_second(0);
    FlopsPerSecond fp8_peak = flops_per_second(0);
    FlopsPerSecond fp4_peak = flops_per_second(0);
    FlopsPerSecond int8_peak = flops_per_second(0);
    int sms = 0;  // streaming multiprocessors (compute units on AMD)
    Bytes l2_cache = bytes(0);
    BytesPerSecond scale_up_bandwidth = bytes_per_second(0);  // NVLink/xGMI, per direction
    BytesPerSecond pcie_bandwidth = bytes_per_second(0);      // host link, per direction
    double tdp_watts = 0;
    double price_usd = 0;  // street price of one GPU, 0 if unknown
    std::string source;    // spec-sheet URL(s) the figures come from
    friend bool operator==(const Gpu&, const Gpu&) = default;
};

// The rate at which `t` math runs: its own peak, or the nearest wider format
// the GPU supports (FP4 weights on Hopper are upcast and run at FP8 rate).
[[nodiscard]] FlopsPerSecond peak_flops(const Gpu& gpu, DType t);

}  // namespace hwplan::model

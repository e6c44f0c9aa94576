#include "model/efficiency.hpp"

#include <cmath>
#include <string>

#include "model/error.hpp"

namespace hwplan::model {

void validate(const Efficiencies& e, const std::string& where) {
    const auto fraction = [&](double v, const char* name) {
        if (!std::isfinite(v) || v <= 0 || v > 1)
            throw Error("must be in (0, 1], got " + std::to_string(v), where + "." + name);
    };
    const auto latency = [&](Seconds t, const char* name) {
        if (!std::isfinite(t.value()) || t.value() < 0) throw Error("must be a non-negative time", where + "." + name);
    };
    fraction(e.gemm.peak_fraction, "gemm.peak_fraction");
    fraction(e.gemm.fp8_block_scale, "gemm.fp8_block_scale");
    const auto positive = [&](double v, const char* name) {
        if (!std::isfinite(v) || v <= 0) throw Error("must be positive, got " + std::to_string(v), where + "." + name);
    };
    positive(e.gemm.smem_bytes_per_flop, "gemm.smem_bytes_per_flop");
    positive(e.gemm.l2_bytes_per_flop, "gemm.l2_bytes_per_flop");
    latency(e.gemm.pipeline_latency, "gemm.pipeline_latency");
    if (e.gemm.split_k_min_blocks < 1) throw Error("must be at least 1", where + ".gemm.split_k_min_blocks");
    fraction(e.hbm, "hbm");
    fraction(e.attention_memory, "attention_memory");
    fraction(e.attention_compute, "attention_compute");
    fraction(e.elementwise, "elementwise");
    fraction(e.nvlink, "nvlink");
    fraction(e.rdma, "rdma");
    fraction(e.pcie, "pcie");
    fraction(e.cpu_memory, "cpu_memory");
    fraction(e.cpu_compute, "cpu_compute");
    if (!std::isfinite(e.overlap) || e.overlap < 0 || e.overlap > 1)
        throw Error("must be in [0, 1], got " + std::to_string(e.overlap), where + ".overlap");
    if (e.prefill_comm_sms < 0) throw Error("must not be negative", where + ".prefill_comm_sms");
    latency(e.kernel_overhead, "kernel_overhead");
    latency(e.nvlink_latency, "nvlink_latency");
    latency(e.rdma_latency, "rdma_latency");
    latency(e.pcie_latency, "pcie_latency");
}

}  // namespace hwplan::model

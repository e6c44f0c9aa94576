#include "model/kernel_costs.hpp"

#include <algorithm>

namespace hwplan::model {

KernelCostModel KernelCostModel::for_gpu(const Gpu& gpu, const Efficiencies& e, int comm_sms) {
    KernelCostModel k;
    k.compute_share = gpu.sms > 0 ? std::clamp(static_cast<double>(gpu.sms - comm_sms) / gpu.sms, 0.0, 1.0) : 1.0;
    k.sms = gpu.sms > 0 ? std::max(1, gpu.sms - std::max(0, comm_sms)) : 0;
    // peak_flops() applies the "run at the next wider format" rule once, so
    // a GPU without FP8 reports its BF16 rate for FP8 math.
    k.fp32_peak = peak_flops(gpu, DType::fp32) * k.compute_share;
    k.bf16_peak = peak_flops(gpu, DType::bf16) * k.compute_share;
    k.fp8_peak = peak_flops(gpu, DType::fp8) * k.compute_share;
    k.fp4_peak = gpu.fp4_peak.value() > 0 ? gpu.fp4_peak * k.compute_share : flops_per_second(0);
    k.int8_peak = peak_flops(gpu, DType::int8) * k.compute_share;
    k.memory_bandwidth = gpu.memory_bandwidth;
    k.eff = e;
    return k;
}

}  // namespace hwplan::model

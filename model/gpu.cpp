#include "model/gpu.hpp"

namespace hwplan::model {

FlopsPerSecond peak_flops(const Gpu& gpu, DType t) {
    const auto positive = [](FlopsPerSecond f) { return f.value() > 0; };
    switch (t) {
        case DType::fp4:
        case DType::int4:
            if (positive(gpu.fp4_peak)) return gpu.fp4_peak;
            [[fallthrough]];
        case DType::fp8:
            if (positive(gpu.fp8_peak)) return gpu.fp8_peak;
            [[fallthrough]];
        case DType::bf16:
        case DType::fp16:
            if (positive(gpu.bf16_peak)) return gpu.bf16_peak;
            [[fallthrough]];
        case DType::fp32: return gpu.fp32_peak;
        case DType::int8:
            if (positive(gpu.int8_peak)) return gpu.int8_peak;
            if (positive(gpu.fp8_peak)) return gpu.fp8_peak;
            return positive(gpu.bf16_peak) ? gpu.bf16_peak : gpu.fp32_peak;
    }
    return gpu.fp32_peak;
}

}  // namespace hwplan::model

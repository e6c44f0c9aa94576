#pragma once
// Element formats for weights, KV cache, activations and wire traffic.

#include <optional>
#include <string_view>

namespace hwplan::model {

enum class DType { fp32, bf16, fp16, fp8, int8, fp4, int4 };

// Storage bytes of one element, without block-scale overhead (FP8 with
// per-128 scales adds ~1/128 B/element; that is modelled where it matters,
// in ep_comm and memory_plan, not here).
[[nodiscard]] constexpr double bytes_per_element(DType t) {
    switch (t) {
        case DType::fp32: return 4.0;
        case DType::bf16:
        case DType::fp16: return 2.0;
        case DType::fp8:
        case DType::int8: return 1.0;
        case DType::fp4:
        case DType::int4: return 0.5;
    }
    return 0.0;
}

[[nodiscard]] constexpr std::string_view to_string(DType t) {
    switch (t) {
        case DType::fp32: return "fp32";
        case DType::bf16: return "bf16";
        case DType::fp16: return "fp16";
        case DType::fp8: return "fp8";
        case DType::int8: return "int8";
        case DType::fp4: return "fp4";
        case DType::int4: return "int4";
    }
    return "?";
}

// Lower-case names only ("bf16", "fp8"...); nullopt for anything else.
[[nodiscard]] std::optional<DType> dtype_from_string(std::string_view s);

}  // namespace hwplan::model

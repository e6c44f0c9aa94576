#include "model/validation/kernel_class_shares.hpp"

namespace hwplan::model::validation {

KernelClass kernel_class(Component c) {
    switch (c) {
        case Component::attention_projections:
        case Component::dense_ffn:
        case Component::shared_experts:
        case Component::router:
        case Component::routed_experts:
        case Component::lm_head:
        case Component::mtp_draft: return KernelClass::gemm;
        case Component::attention_core: return KernelClass::attention;
        case Component::elementwise: return KernelClass::elementwise;
        case Component::all_reduce:
        case Component::dispatch:
        case Component::combine:
        case Component::pipeline: return KernelClass::communication;
        case Component::kernel_overhead:
        case Component::host: return KernelClass::overhead;
        case Component::overlap:
        case Component::count_: return KernelClass::overlap;
    }
    return KernelClass::overlap;
}

std::string_view short_name(KernelClass k) {
    switch (k) {
        case KernelClass::gemm: return "gemm";
        case KernelClass::attention: return "attn";
        case KernelClass::elementwise: return "ew";
        case KernelClass::communication: return "comm";
        case KernelClass::overhead: return "ovh";
        case KernelClass::overlap:
        case KernelClass::count_: return "hidden";
    }
    return "hidden";
}

std::array<double, kernel_class_count> class_seconds(const Breakdown& b) {
    std::array<double, kernel_class_count> out{};
    for (std::size_t i = 0; i < component_count; ++i)
        out[static_cast<std::size_t>(kernel_class(static_cast<Component>(i)))] += b.seconds_[i];
    return out;
}

}  // namespace hwplan::model::validation

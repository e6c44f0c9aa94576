#pragma once
// A step's breakdown (step_time.hpp) folded into five kernel classes, the
// shares a reader needs to see why a serving row is off: GEMMs (every
// projection, FFN, expert, router, LM head and MTP-draft GEMM), attention
// (KV read and score/value math), elementwise kernels, communication (TP
// all-reduce, EP dispatch / combine, pipeline transfers) and the fixed
// per-kernel overhead; plus the time overlap hides (<= 0).

#include <array>
#include <string_view>

#include "model/step_time.hpp"

namespace hwplan::model::validation {

enum class KernelClass { gemm, attention, elementwise, communication, overhead, overlap, count_ };
inline constexpr std::size_t kernel_class_count = static_cast<std::size_t>(KernelClass::count_);

[[nodiscard]] KernelClass kernel_class(Component c);
[[nodiscard]] std::string_view short_name(KernelClass k);  // "gemm", "attn", "ew", "comm", "ovh", "hidden"

// Seconds per class; they sum to b.total().
[[nodiscard]] std::array<double, kernel_class_count> class_seconds(const Breakdown& b);

}  // namespace hwplan::model::validation

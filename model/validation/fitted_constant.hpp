#pragma once
// The realistic-mode constants `hwplan validate --cross-validate` may fit to
// published measurements, each a named field of the validation Options (in
// practice of model::Efficiencies, model/efficiency.hpp) with bounds and its
// physical meaning. A constant is read and written through two plain
// functions, so a constant of a new component (an engine's launch cost, a
// CPU efficiency) plugs in by adding one entry; nothing else changes.
//
// Which constants are fitted, and why the others are not:
//   fitted   the throughput efficiencies whose datasheet value is a guess
//            about a real kernel (GEMM peak share, HBM streaming, attention
//            memory / math, elementwise kernels), the per-kernel overhead,
//            the two-micro-batch overlap share and the achieved NVLink / RDMA
//            share of line rate: each is a property of kernels and links
//            that several independent benchmarks see.
//   held     half_m and wave quantization (GEMM tile geometry, not an
//            efficiency: mma m16n8k16 rows and the SM count fix them), the
//            small-message latencies (measured directly in the paper's
//            latency table; a fit would trade them against bandwidth at no
//            physical gain), the PCIe / host-CPU efficiencies (no modelled
//            measurement row depends on them today) and prefill_comm_sms (an
//            integer the paper states).
// Bounds: an efficiency is achieved / nominal, so at most 1; the lower
// bounds are far below any published kernel (a GEMM at 30 % of peak, HBM at
// 50 %) so they never decide a fit, they only keep it physical.

#include <string_view>
#include <vector>

#include "model/validation/validation.hpp"

namespace hwplan::model::validation {

struct FittedConstant {
    std::string_view name;  // the field, as in model/efficiency.hpp ("gemm.peak_fraction")
    std::string_view unit;  // "" for a fraction; the unit of get/set and the bounds otherwise ("us")
    double lo = 0, hi = 1;  // bounds, in `unit`
    std::string_view meaning;         // what it is, physically
    std::string_view default_source;  // where its default comes from
    double (*get)(const Options&) = nullptr;
    void (*set)(Options&, double) = nullptr;
};

// A realistic-mode constant that is never fitted, with the reason.
struct HeldConstant {
    std::string_view name;
    std::string_view why;
};

// The declared list (in this order they are fitted, coordinate by coordinate).
[[nodiscard]] std::vector<FittedConstant> realistic_fitted_constants();
[[nodiscard]] std::vector<HeldConstant> realistic_held_constants();

}  // namespace hwplan::model::validation

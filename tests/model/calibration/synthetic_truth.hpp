#pragma once
// The BF16 GEMM curve tests/data/calibration/make_synthetic_probe.py
// generated the synthetic probe's samples from (the fit tests recover it).

#include "model/kernel_costs.hpp"

namespace hwplan::test {

inline model::GemmCurve synthetic_bf16_truth() {
    model::GemmCurve c;
    c.peak_fraction = 0.74;
    c.half_m = 24;
    c.half_n = 256;
    c.half_k = 128;
    c.memory_efficiency = 0.86;
    c.fixed_s = 1.2e-6;
    c.blend = 4;
    c.tile_m = 128;
    c.tile_n = 128;
    return c;
}

}  // namespace hwplan::test

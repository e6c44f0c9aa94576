#pragma once
// A profile put to use: the step model's inputs (Efficiencies, the fitted
// kernel curves of KernelCostModel::calibrated, the links of a System) from a
// calibration profile, for a target GPU. The same efficiency curves serve a
// GPU the profile was not measured on by scaling to that GPU's peaks; such
// predictions are extrapolated (docs/calibration.md, "--profile-from").
//
// Intervals: each fit's residual band (Residuals::log_lo / log_hi, the middle
// 80 % of measured / predicted) scales the times it predicts. Side::lo
// applies every fit's lower band at once, Side::hi every upper band: the
// interval of a prediction assumes the errors of its parts are correlated
// (the conservative choice).

#include <string>

#include "model/calibration/profile.hpp"
#include "model/efficiency.hpp"
#include "model/gpu.hpp"
#include "model/kernel_costs.hpp"
#include "model/system.hpp"

namespace hwplan::model::calibration {

enum class Side { nominal, lo, hi };

// Time factor of a fit with residuals `r` on `side` (1 for nominal).
[[nodiscard]] double band_factor(const Residuals& r, Side side);

// True when `target` is not the GPU the profile was measured on (or the
// profile has no GPU measurements).
[[nodiscard]] bool extrapolated(const Profile& p, const Gpu& target);

struct Calibration {
    Efficiencies eff;           // base with the fitted efficiencies and overheads
    CalibratedKernels kernels;  // the fitted curves
};

// The fitted efficiencies and curves on `side`; what the profile does not
// cover stays as in `base`.
[[nodiscard]] Calibration calibration(const Profile& p, const Efficiencies& base, Side side = Side::nominal);

// KernelCostModel::for_gpu(target, eff, comm_sms) with the profile applied.
[[nodiscard]] KernelCostModel calibrated_model(const Profile& p, const Gpu& target, const Efficiencies& base,
                                               int comm_sms, Side side = Side::nominal);

// Sets the System's scale-up and scale-out figures so that ep_links(s, eff)
// yields the profile's measured link bandwidth and latency: the intra-host
// link replaces NVLink, the inter-host link the NIC (per GPU). Links the
// profile does not have, or the System has no place for, stay. Returns the
// names of the links applied ("intra_host", "inter_host").
std::vector<std::string> apply_links(const Profile& p, System& s, const Efficiencies& eff, Side side = Side::nominal);

// For consumers that take only a Gpu and the default efficiencies (the
// planner): scales the GPU's BF16/FP8 peaks and HBM bandwidth so that the
// default GEMM efficiencies give the profile's large-shape GEMM throughput
// and streaming bandwidth. Coarser than calibrated_model (no curve shape).
void apply_effective_peaks(const Profile& p, Gpu& g, const Efficiencies& defaults);

}  // namespace hwplan::model::calibration

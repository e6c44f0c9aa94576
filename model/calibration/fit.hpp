#pragma once
// The calibration fits: raw probe samples (samples.hpp) -> a Profile
// (profile.hpp). Every fit is a weighted least-squares fit of log times
// (least_squares.hpp), Huber-reweighted, and keeps its residuals
// (docs/calibration.md, "Fit method"; docs/equations.md, "Calibration fits").
//
//   curves      t = alpha + bytes / beta (one or two regimes) for every
//               transfer family, attention vs KV bytes, NCCL and MPI series
//   GEMM        GemmCurve per math rate (bf16, fp8), evaluated by the same
//               KernelCostModel code the step model uses
//   attention   fixed + blended roofline over flops and bytes
//   launch      launch medians and the graph-replay slope per node
//   links       ping-pong alpha-beta per link class (intra-host, inter-host)

#include <string>
#include <vector>

#include "model/calibration/profile.hpp"
#include "model/calibration/samples.hpp"

namespace hwplan::model::calibration {

struct FitOptions {
    // GEMM shapes (the probe's `shape` names, e.g. "deepseek-v3.q_b") left
    // out of the GEMM fit; their residuals are reported as GemmFit::holdout.
    std::vector<std::string> holdout_shapes;
};

// The per-kernel overhead a profile implies: the fitted graph-node cost when
// measured, else `fallback` (the step model's default).
[[nodiscard]] double kernel_overhead_s(const Profile& p, double fallback);

// GEMM curve of one dtype over `samples` (other dtypes are ignored); times
// are predicted as overhead_s + KernelCostModel::gemm_seconds with the spec
// peaks. Throws hwplan::Error when fewer than 8 samples of that dtype.
[[nodiscard]] GemmFit fit_gemm(const std::vector<GemmSample>& samples, DType dtype, const SpecPeaks& spec,
                               double overhead_s, const FitOptions& options = {});

// Predicted time of one GEMM sample with `curve` (the fitter's and the
// validator's prediction; includes overhead_s).
[[nodiscard]] double predict_gemm(const GemmCurve& curve, const GemmSample& s, const SpecPeaks& spec,
                                  double overhead_s);

// Residuals of `curve` over the samples of its dtype.
[[nodiscard]] Residuals gemm_residuals(const GemmCurve& curve, DType dtype, const std::vector<GemmSample>& samples,
                                       const SpecPeaks& spec, double overhead_s);

[[nodiscard]] AttentionFit fit_attention(const std::vector<AttentionSample>& samples, const SpecPeaks& spec,
                                         double overhead_s);
[[nodiscard]] double predict_attention(const AttentionFit& f, double flops, double bytes, const SpecPeaks& spec,
                                       double overhead_s);

[[nodiscard]] LaunchFit fit_launch(const std::vector<LaunchSample>& launches, const std::vector<GraphSample>& graphs);

// Everything: the GPU run (optional) and any number of network runs. `spec`
// is the measured GPU's hardware-database entry (needed with a GPU run).
// Throws hwplan::Error when there is nothing to fit, or a network run was made
// with --fake-hosts (its link classes are pretend).
[[nodiscard]] Profile fit_profile(const GpuProbeRun* gpu, const std::vector<NetProbeRun>& net, const SpecPeaks& spec,
                                  const FitOptions& options = {});

}  // namespace hwplan::model::calibration

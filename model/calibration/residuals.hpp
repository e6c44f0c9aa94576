#pragma once
// How well a fitted curve reproduces its measurements, and the prediction
// band that follows from it.
//
// For every sample i the log residual is e_i = ln(t_measured / t_predicted).
// A curve records the count, the relative RMS error
// sqrt(mean((t_predicted / t_measured - 1)^2)), the median and maximum
// relative error |t_predicted / t_measured - 1|, and the 10th and 90th percentiles of e
// (clamped to <= 0 and >= 0). A prediction t made with the curve carries the
// interval [t · exp(log_lo), t · exp(log_hi)]: the middle 80 % of the
// measured-over-predicted ratios (docs/calibration.md, "Uncertainty").

#include <cmath>
#include <span>
#include <vector>

namespace hwplan::model::calibration {

struct Residuals {
    int count = 0;
    double rms_rel_error = 0;     // sqrt(mean((pred / meas - 1)^2))
    double median_rel_error = 0;  // median |pred / meas - 1|
    double max_rel_error = 0;     // max |pred / meas - 1|
    double log_lo = 0;            // 10th percentile of ln(meas / pred), <= 0
    double log_hi = 0;            // 90th percentile of ln(meas / pred), >= 0
    friend bool operator==(const Residuals&, const Residuals&) = default;

    [[nodiscard]] bool empty() const { return count == 0; }
};

// Residuals of predicted vs measured times (same length, all positive).
[[nodiscard]] Residuals residuals(std::span<const double> predicted, std::span<const double> measured);

// The q-quantile (0..1) of `v` with linear interpolation between order
// statistics (Hyndman-Fan type 7, numpy's default); 0 for an empty `v`.
[[nodiscard]] double quantile(std::vector<double> v, double q);

// Multiplicative prediction band of a curve: {exp(log_lo), exp(log_hi)}.
struct Band {
    double lo = 1;  // <= 1
    double hi = 1;  // >= 1
    friend bool operator==(const Band&, const Band&) = default;
};
[[nodiscard]] inline Band band(const Residuals& r) { return {std::exp(r.log_lo), std::exp(r.log_hi)}; }

}  // namespace hwplan::model::calibration

#pragma once
// Bandwidth-vs-size saturation curves: the alpha-beta (Hockney) model
//   t(bytes) = alpha + bytes / beta
// alpha = fixed cost (latency, launch, ramp-up), beta = asymptotic bandwidth.
// The achieved bandwidth bytes / t(bytes) saturates towards beta; it reaches
// half of beta at the knee n_1/2 = alpha · beta (Hockney's "half-performance
// length"). Used for HBM / L2 / PCIe / element-wise / peer copies, NCCL
// collectives and the network probe's ping-pong and all-to-all.
//
// Networks often switch protocol with size (MPI eager -> rendezvous): the fit
// then uses two regimes, each its own alpha-beta line, split at
// `break_bytes`, when that is clearly better (Bayesian information
// criterion). The model's link parameters are the small-message latency
// (alpha of the first regime) and the large-message bandwidth (beta of the
// last): latency() and bandwidth().
//
// Fit: weighted least squares of ln(t_measured / t_predicted) over
// (ln alpha, ln beta), Huber-reweighted, from a linear relative-error start.

#include <string>
#include <vector>

#include "model/calibration/residuals.hpp"

namespace hwplan::model::calibration {

struct AlphaBeta {
    double alpha_s = 0;    // seconds
    double bandwidth = 0;  // bytes per second (beta)
    friend bool operator==(const AlphaBeta&, const AlphaBeta&) = default;

    [[nodiscard]] double seconds(double bytes) const { return alpha_s + (bandwidth > 0 ? bytes / bandwidth : 0.0); }
    [[nodiscard]] double knee_bytes() const { return alpha_s * bandwidth; }
};

struct SaturationCurve {
    std::string name;  // "hbm_read", "pingpong.intra_host", "nccl_all_reduce.8"
    AlphaBeta small;   // below break_bytes (the only regime when break_bytes == 0)
    AlphaBeta large;   // from break_bytes on (== small with one regime)
    double break_bytes = 0;
    double min_bytes = 0;  // range of the fitted samples
    double max_bytes = 0;
    double efficiency = 0;  // bandwidth() / the spec-sheet figure it is compared with (0: none)
    Residuals residuals;
    friend bool operator==(const SaturationCurve&, const SaturationCurve&) = default;

    [[nodiscard]] bool two_regimes() const { return break_bytes > 0; }
    [[nodiscard]] double seconds(double bytes) const {
        return (two_regimes() && bytes >= break_bytes ? large : small).seconds(bytes);
    }
    [[nodiscard]] double latency() const { return small.alpha_s; }
    [[nodiscard]] double bandwidth() const { return large.bandwidth; }
    [[nodiscard]] double knee_bytes() const { return latency() * bandwidth(); }
};

// One measured point: `bytes` moved in `seconds` (median), with the
// measurement's relative spread sigma (ln p90/p10 / 2.56; 0 if unknown).
struct SizedTime {
    double bytes = 0;
    double seconds = 0;
    double sigma = 0;
    friend bool operator==(const SizedTime&, const SizedTime&) = default;
};

// Relative sigma from a median/p10/p90 triple (normal: p90 - p10 = 2.563 sigma).
[[nodiscard]] double log_sigma(double p10, double p90);

struct SaturationOptions {
    bool allow_two_regimes = true;
    int min_points_per_regime = 3;
};

// Fits `points` (at least 2 distinct sizes; throws hwplan::Error otherwise).
[[nodiscard]] SaturationCurve fit_saturation(std::string name, std::vector<SizedTime> points,
                                             const SaturationOptions& options = {});

}  // namespace hwplan::model::calibration

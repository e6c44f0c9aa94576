#include "model/calibration/saturation.hpp"

#include <algorithm>
#include <cmath>

#include "model/calibration/least_squares.hpp"
#include "model/error.hpp"

namespace hwplan::model::calibration {

namespace {

// Floor on the per-point sigma: timers and run-to-run drift are never better
// than ~2 %, so a point with a tiny spread does not dominate the fit.
constexpr double kSigmaFloor = 0.02;
// Huber threshold on the weighted log residual.
constexpr double kHuber = 2.0;

double weight(const SizedTime& p) { return 1.0 / std::sqrt(p.sigma * p.sigma + kSigmaFloor * kSigmaFloor); }

struct Fit {
    AlphaBeta ab;
    double cost = 0;  // sum of squared weighted log residuals
};

// Linear start: minimise sum w^2 ((alpha + x g) / t - 1)^2 over (alpha, g = 1/beta).
AlphaBeta linear_start(const std::vector<SizedTime>& p) {
    Eigen::Matrix2d A = Eigen::Matrix2d::Zero();
    Eigen::Vector2d b = Eigen::Vector2d::Zero();
    for (const auto& q : p) {
        const double w = weight(q);
        const Eigen::Vector2d row(w / q.seconds, w * q.bytes / q.seconds);
        A += row * row.transpose();
        b += row * w;
    }
    Eigen::Vector2d s = A.ldlt().solve(b);
    double alpha = s[0], g = s[1];
    double min_t = INFINITY, best_rate = 0;
    for (const auto& q : p) {
        min_t = std::min(min_t, q.seconds);
        best_rate = std::max(best_rate, q.bytes / q.seconds);
    }
    if (!(g > 0) || !std::isfinite(g)) g = 1.0 / best_rate;
    if (!(alpha > 0) || !std::isfinite(alpha)) alpha = 0.5 * min_t;
    return {alpha, 1.0 / g};
}

Fit fit_one(const std::vector<SizedTime>& p) {
    const AlphaBeta start = linear_start(p);
    const int n = static_cast<int>(p.size());
    std::vector<double> huber(p.size(), 1.0);
    double min_t = INFINITY, max_rate = 0;
    for (const auto& q : p) {
        min_t = std::min(min_t, q.seconds);
        max_rate = std::max(max_rate, q.bytes / q.seconds);
    }
    Eigen::Vector2d x0(std::log(std::max(start.alpha_s, min_t * 1e-6)), std::log(start.bandwidth));
    // alpha from ~0 up to 10x the fastest point; beta within a wide box.
    const Eigen::Vector2d lo(std::log(min_t * 1e-6), std::log(max_rate * 1e-3));
    const Eigen::Vector2d hi(std::log(min_t * 10), std::log(max_rate * 1e3));
    const auto predict = [](const Eigen::VectorXd& x, double bytes) {
        return std::exp(x[0]) + bytes / std::exp(x[1]);
    };
    LeastSquaresResult r;
    for (int pass = 0; pass < 3; ++pass) {
        const ResidualFunction f = [&](const Eigen::VectorXd& x, Eigen::VectorXd& res) {
            for (int i = 0; i < n; ++i)
                res[i] = huber[i] * weight(p[i]) * std::log(p[i].seconds / predict(x, p[i].bytes));
        };
        r = levenberg_marquardt(f, n, x0, lo, hi);
        x0 = r.x;
        bool changed = false;
        for (int i = 0; i < n; ++i) {
            const double e = weight(p[i]) * std::log(p[i].seconds / predict(r.x, p[i].bytes));
            const double w = std::sqrt(huber_weight(e, kHuber));
            changed = changed || std::abs(w - huber[i]) > 1e-3;
            huber[i] = w;
        }
        if (!changed) break;
    }
    Fit out;
    out.ab = {std::exp(r.x[0]), std::exp(r.x[1])};
    for (const auto& q : p) {
        const double e = weight(q) * std::log(q.seconds / out.ab.seconds(q.bytes));
        out.cost += e * e;
    }
    return out;
}

double bic(double cost, int n, int params) {
    return n * std::log(std::max(cost, 1e-300) / n) + params * std::log(static_cast<double>(n));
}

}  // namespace

double log_sigma(double p10, double p90) {
    if (!(p10 > 0) || !(p90 >= p10)) return 0;
    return std::log(p90 / p10) / 2.563;
}

SaturationCurve fit_saturation(std::string name, std::vector<SizedTime> points, const SaturationOptions& options) {
    std::erase_if(points, [](const SizedTime& p) { return !(p.bytes > 0) || !(p.seconds > 0); });
    std::stable_sort(points.begin(), points.end(),
                     [](const SizedTime& a, const SizedTime& b) { return a.bytes < b.bytes; });
    int distinct = 0;
    for (std::size_t i = 0; i < points.size(); ++i)
        if (i == 0 || points[i].bytes != points[i - 1].bytes) ++distinct;
    if (distinct < 2)
        throw Error("needs samples at 2 or more sizes to fit t = alpha + bytes / beta, got " + std::to_string(distinct),
                    name);
    SaturationCurve c;
    c.name = std::move(name);
    c.min_bytes = points.front().bytes;
    c.max_bytes = points.back().bytes;
    const int n = static_cast<int>(points.size());
    const Fit one = fit_one(points);
    c.small = c.large = one.ab;

    // Two regimes: try every split with enough distinct sizes on both sides.
    const int m = options.min_points_per_regime;
    if (options.allow_two_regimes && n >= 2 * m + 2) {
        double best = bic(one.cost, n, 2);
        for (int s = m; s <= n - m; ++s) {
            if (points[s].bytes == points[s - 1].bytes) continue;
            const std::vector<SizedTime> a(points.begin(), points.begin() + s), b(points.begin() + s, points.end());
            const Fit fa = fit_one(a), fb = fit_one(b);
            const double score = bic(fa.cost + fb.cost, n, 5);
            // Demand a clear improvement, not just the extra freedom.
            if (score < best - 6.0) {
                best = score;
                c.small = fa.ab;
                c.large = fb.ab;
                c.break_bytes = std::sqrt(points[s - 1].bytes * points[s].bytes);
            }
        }
    }
    std::vector<double> pred, meas;
    for (const auto& p : points) {
        pred.push_back(c.seconds(p.bytes));
        meas.push_back(p.seconds);
    }
    c.residuals = residuals(pred, meas);
    return c;
}

}  // namespace hwplan::model::calibration

#include "model/planner/distribution.hpp"

#include <algorithm>
#include <cmath>

namespace hwplan::model::planner {

double normal_quantile(double p) {
    // P. J. Acklam, "An algorithm for computing the inverse normal cumulative
    // distribution function" (2003), coefficients as published.
    static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                   1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
    static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                   6.680131188771972e+01,  -1.328068155288572e+01};
    static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                   -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
    static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                   3.754408661907416e+00};
    p = std::clamp(p, 1e-300, 1 - 1e-16);
    constexpr double low = 0.02425;
    if (p < low) {
        const double q = std::sqrt(-2 * std::log(p));
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
               ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    if (p > 1 - low) {
        const double q = std::sqrt(-2 * std::log1p(-p));
        return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
               ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    const double q = p - 0.5;
    const double r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
           (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

double quantile(const LengthDistribution& d, double p) {
    p = std::clamp(p, 1e-12, 1 - 1e-12);
    switch (d.shape) {
        case LengthShape::fixed: return d.mean;
        case LengthShape::exponential: return -d.mean * std::log1p(-p);
        case LengthShape::uniform: return d.min + p * (d.max - d.min);
        case LengthShape::lognormal: {
            // mean = exp(mu + s^2/2), cv^2 = exp(s^2) - 1
            const double s2 = std::log1p(d.cv * d.cv);
            const double mu = std::log(d.mean) - s2 / 2;
            return std::exp(mu + std::sqrt(s2) * normal_quantile(p));
        }
    }
    return d.mean;
}

std::vector<double> quadrature_points(const LengthDistribution& d, int n) {
    if (d.shape == LengthShape::fixed || n <= 1) return {d.mean};
    std::vector<double> pts(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) pts[static_cast<std::size_t>(i)] = quantile(d, (i + 0.5) / n);
    // Midpoint quantiles under-represent the tail: rescale so the points keep
    // the exact mean (throughput depends on the mean length linearly).
    double sum = 0;
    for (double x : pts) sum += x;
    const double f = d.mean / (sum / n);
    for (double& x : pts) x *= f;
    return pts;
}

namespace {

// E[O^2] / E[O] for the shapes we support, in closed form.
double second_over_first(const LengthDistribution& o) {
    const double m = o.mean;
    switch (o.shape) {
        case LengthShape::fixed: return m;
        case LengthShape::exponential: return 2 * m;  // E[O^2] = 2 m^2
        case LengthShape::lognormal: return m * (1 + o.cv * o.cv);
        case LengthShape::uniform: {
            const double a = o.min, b = o.max;
            return (a * a + a * b + b * b) / 3 / m;
        }
    }
    return m;
}

}  // namespace

double mean_decode_context(const LengthDistribution& input, const LengthDistribution& output) {
    return input.mean + second_over_first(output) / 2;
}

double decode_context_quantile(const LengthDistribution& input, const LengthDistribution& output, double p) {
    constexpr int n = 64;
    const std::vector<double> in = quadrature_points(input, n);
    const std::vector<double> out = quadrature_points(output, n);
    double wsum = 0;
    for (double o : out) wsum += o;
    // P(L <= x) = sum_i sum_j (1/|I|) (o_j / sum o) clip((x - i) / o_j, 0, 1)
    const auto cdf = [&](double x) {
        double f = 0;
        for (double i : in) {
            for (double o : out) {
                const double u = o > 0 ? std::clamp((x - i) / o, 0.0, 1.0) : (x >= i ? 1.0 : 0.0);
                f += o * u;
            }
        }
        return f / (wsum * static_cast<double>(in.size()));
    };
    double lo = 0;
    double hi = *std::max_element(in.begin(), in.end()) + *std::max_element(out.begin(), out.end());
    for (int it = 0; it < 60; ++it) {
        const double mid = 0.5 * (lo + hi);
        (cdf(mid) < p ? lo : hi) = mid;
    }
    return hi;
}

}  // namespace hwplan::model::planner

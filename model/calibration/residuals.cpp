#include "model/calibration/residuals.hpp"

#include <algorithm>
#include <cmath>

namespace hwplan::model::calibration {

double quantile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(v.size() - 1);
    const auto i = static_cast<std::size_t>(pos);
    if (i + 1 >= v.size()) return v.back();
    const double frac = pos - static_cast<double>(i);
    return v[i] + frac * (v[i + 1] - v[i]);
}

Residuals residuals(std::span<const double> predicted, std::span<const double> measured) {
    Residuals out;
    const std::size_t n = std::min(predicted.size(), measured.size());
    std::vector<double> rel, logs;
    rel.reserve(n);
    logs.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (!(predicted[i] > 0) || !(measured[i] > 0)) continue;
        rel.push_back(std::abs(predicted[i] / measured[i] - 1));
        logs.push_back(std::log(measured[i] / predicted[i]));
    }
    out.count = static_cast<int>(rel.size());
    if (rel.empty()) return out;
    double sq = 0;
    for (double e : rel) sq += e * e;
    out.rms_rel_error = std::sqrt(sq / static_cast<double>(rel.size()));
    out.median_rel_error = quantile(rel, 0.5);
    out.max_rel_error = *std::max_element(rel.begin(), rel.end());
    out.log_lo = std::min(0.0, quantile(logs, 0.1));
    out.log_hi = std::max(0.0, quantile(logs, 0.9));
    return out;
}

}  // namespace hwplan::model::calibration

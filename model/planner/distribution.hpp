#pragma once
// Request-length distributions: percentiles, quadrature points, and the KV
// length a decoding sequence has on average. Formulas and their sources:
// docs/equations.md, "Capacity planning".

#include <vector>

#include "model/planner/scenario.hpp"

namespace hwplan::model::planner {

// Inverse of the standard normal CDF (Acklam's rational approximation,
// relative error < 1.2e-9), p in (0, 1).
[[nodiscard]] double normal_quantile(double p);

// The p-quantile (p in (0, 1)) of a length distribution, in tokens.
[[nodiscard]] double quantile(const LengthDistribution& d, double p);

// `n` equal-probability points (the quantiles at (i + 1/2) / n); one point,
// the mean, for a fixed length. Expectations of smooth functions of the
// length are averages over these points.
[[nodiscard]] std::vector<double> quadrature_points(const LengthDistribution& d, int n = 8);

// KV length (tokens in the cache) of a sequence while it decodes, seen by a
// random output token: L = I + U * O', with I the prompt, O' the output length
// weighted by itself (a request with twice the output is in the batch twice
// as long) and U uniform in [0, 1]. Its mean is E[I] + E[O^2] / (2 E[O]) --
// DeepSeek's "average KV cache length per output token".
[[nodiscard]] double mean_decode_context(const LengthDistribution& input, const LengthDistribution& output);

// The p-quantile of L (p in (0, 1)), computed on a 64 x 64 quadrature grid
// of I and O with U integrated exactly, then bisection.
[[nodiscard]] double decode_context_quantile(const LengthDistribution& input, const LengthDistribution& output,
                                             double p);

}  // namespace hwplan::model::planner

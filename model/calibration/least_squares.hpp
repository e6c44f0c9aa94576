#pragma once
// Bounded nonlinear least squares (Levenberg-Marquardt with a forward-
// difference Jacobian), used by every calibration fit. Small problems only:
// a handful of parameters, at most a few thousand residuals.
//
// The fits work in log space (parameters are logarithms of positive
// quantities, residuals are logarithms of measured / predicted times), so a
// 10 % error weighs the same at 2 us and at 20 ms.

#include <functional>

#include <Eigen/Dense>

namespace hwplan::model::calibration {

// Fills `r` (already sized) with the residuals at parameters `x`.
using ResidualFunction = std::function<void(const Eigen::VectorXd& x, Eigen::VectorXd& r)>;

struct LeastSquaresResult {
    Eigen::VectorXd x;
    double cost = 0;  // 1/2 · sum r_i^2 at x
    int iterations = 0;
    bool converged = false;
};

// Minimises 1/2 · |r(x)|^2 over lower <= x <= upper (bounds by projection)
// from `x0`. Deterministic: same input, same result.
[[nodiscard]] LeastSquaresResult levenberg_marquardt(const ResidualFunction& f, int residuals, Eigen::VectorXd x0,
                                                     const Eigen::VectorXd& lower, const Eigen::VectorXd& upper,
                                                     int max_iterations = 300);

// Huber weights for iteratively reweighted least squares: 1 inside
// |r| <= delta, delta / |r| outside, so a few wild points (a throttled
// repetition, a page fault) cannot pull a fit.
[[nodiscard]] double huber_weight(double residual, double delta);

}  // namespace hwplan::model::calibration

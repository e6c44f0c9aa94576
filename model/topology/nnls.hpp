#pragma once
// Non-negative least squares: min ||A x - b||₂ subject to x >= 0, by the
// Lawson–Hanson active-set method (Lawson & Hanson, "Solving Least Squares
// Problems", 1974, ch. 23). Eigen has no NNLS; the unconstrained subproblems
// are solved with Eigen's column-pivoting QR on column-normalised A.

#include <Eigen/Dense>

namespace hwplan::model::topology {

struct NnlsResult {
    Eigen::VectorXd x;         // >= 0
    double residual_norm = 0;  // ||A x - b||₂
    int iterations = 0;
};

// Throws hwplan::Error ("nnls") on mismatched shapes, non-finite input, or if
// the iteration limit (3·cols + 10 outer steps) is exceeded.
[[nodiscard]] NnlsResult nnls(const Eigen::MatrixXd& a, const Eigen::VectorXd& b);

}  // namespace hwplan::model::topology

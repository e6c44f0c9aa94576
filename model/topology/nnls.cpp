#include "model/topology/nnls.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "model/error.hpp"

namespace hwplan::model::topology {

namespace {

// Unconstrained least squares over the columns in `passive`; other entries 0.
Eigen::VectorXd solve_passive(const Eigen::MatrixXd& a, const Eigen::VectorXd& b,
                              const std::vector<bool>& passive) {
    std::vector<Eigen::Index> cols;
    for (Eigen::Index j = 0; j < a.cols(); ++j)
        if (passive[static_cast<std::size_t>(j)]) cols.push_back(j);
    Eigen::MatrixXd sub(a.rows(), static_cast<Eigen::Index>(cols.size()));
    for (std::size_t i = 0; i < cols.size(); ++i) sub.col(static_cast<Eigen::Index>(i)) = a.col(cols[i]);
    const Eigen::VectorXd z_sub = sub.colPivHouseholderQr().solve(b);
    Eigen::VectorXd z = Eigen::VectorXd::Zero(a.cols());
    for (std::size_t i = 0; i < cols.size(); ++i) z(cols[i]) = z_sub(static_cast<Eigen::Index>(i));
    return z;
}

}  // namespace

NnlsResult nnls(const Eigen::MatrixXd& a_in, const Eigen::VectorXd& b) {
    if (a_in.rows() != b.size() || a_in.cols() == 0 || a_in.rows() == 0)
        throw Error(fmt::format("shape mismatch: A is {}x{}, b has {} rows", a_in.rows(),
                                a_in.cols(), b.size()),
                    "nnls");
    if (!a_in.allFinite() || !b.allFinite()) throw Error("A and b must be finite", "nnls");

    // Column scaling: the unknowns (prices per switch, per cable) differ by
    // orders of magnitude in their columns; x = D y with unit-norm columns.
    const Eigen::Index n = a_in.cols();
    Eigen::VectorXd scale(n);
    for (Eigen::Index j = 0; j < n; ++j) {
        const double norm = a_in.col(j).norm();
        scale(j) = norm > 0 ? 1.0 / norm : 1.0;
    }
    const Eigen::MatrixXd a = a_in * scale.asDiagonal();

    const double tol = 10.0 * std::numeric_limits<double>::epsilon() *
                       std::max<double>(1.0, static_cast<double>(std::max(a.rows(), n))) *
                       std::max(1.0, a.lpNorm<Eigen::Infinity>() * b.lpNorm<Eigen::Infinity>());
    std::vector<bool> passive(static_cast<std::size_t>(n), false);
    Eigen::VectorXd y = Eigen::VectorXd::Zero(n);
    const int max_outer = static_cast<int>(3 * n + 10);
    int iterations = 0;

    while (true) {
        const Eigen::VectorXd w = a.transpose() * (b - a * y);  // negative gradient
        Eigen::Index best = -1;
        double best_w = tol;
        for (Eigen::Index j = 0; j < n; ++j)
            if (!passive[static_cast<std::size_t>(j)] && w(j) > best_w) {
                best_w = w(j);
                best = j;
            }
        if (best < 0) break;  // Kuhn–Tucker conditions hold
        if (++iterations > max_outer)
            throw Error(fmt::format("did not converge in {} steps", max_outer), "nnls");
        passive[static_cast<std::size_t>(best)] = true;

        // Inner loop: step back towards feasibility until the passive solution is positive.
        while (true) {
            bool any_passive = false;
            for (bool in : passive) any_passive = any_passive || in;
            if (!any_passive) {
                y.setZero();
                break;
            }
            const Eigen::VectorXd z = solve_passive(a, b, passive);
            double alpha = std::numeric_limits<double>::infinity();
            for (Eigen::Index j = 0; j < n; ++j)
                if (passive[static_cast<std::size_t>(j)] && z(j) <= 0.0) {
                    const double denom = y(j) - z(j);
                    if (denom > 0) alpha = std::min(alpha, y(j) / denom);
                    else alpha = 0.0;
                }
            if (!std::isfinite(alpha)) {
                y = z;
                break;
            }
            y += alpha * (z - y);
            for (Eigen::Index j = 0; j < n; ++j)
                if (passive[static_cast<std::size_t>(j)] && y(j) <= tol) {
                    passive[static_cast<std::size_t>(j)] = false;
                    y(j) = 0.0;
                }
        }
    }

    NnlsResult r;
    r.x = scale.asDiagonal() * y;
    r.residual_norm = (a_in * r.x - b).norm();
    r.iterations = iterations;
    return r;
}

}  // namespace hwplan::model::topology

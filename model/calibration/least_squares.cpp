#include "model/calibration/least_squares.hpp"

#include <algorithm>
#include <cmath>

namespace hwplan::model::calibration {

namespace {

Eigen::VectorXd clamp(const Eigen::VectorXd& x, const Eigen::VectorXd& lo, const Eigen::VectorXd& hi) {
    return x.cwiseMax(lo).cwiseMin(hi);
}

double half_norm2(const Eigen::VectorXd& r) {
    const double c = 0.5 * r.squaredNorm();
    return std::isfinite(c) ? c : INFINITY;
}

}  // namespace

LeastSquaresResult levenberg_marquardt(const ResidualFunction& f, int residuals, Eigen::VectorXd x0,
                                       const Eigen::VectorXd& lower, const Eigen::VectorXd& upper,
                                       int max_iterations) {
    const Eigen::Index n = x0.size();
    LeastSquaresResult out;
    Eigen::VectorXd x = clamp(x0, lower, upper);
    Eigen::VectorXd r(residuals), rn(residuals), rp(residuals);
    f(x, r);
    double cost = half_norm2(r);
    double lambda = 1e-3;
    Eigen::MatrixXd J(residuals, n);
    int it = 0;
    for (; it < max_iterations; ++it) {
        // Forward differences; a step that would leave the box goes backwards.
        for (Eigen::Index j = 0; j < n; ++j) {
            double h = 1e-6 * std::max(1.0, std::abs(x[j]));
            Eigen::VectorXd xp = x;
            if (xp[j] + h > upper[j]) h = -h;
            xp[j] += h;
            f(xp, rp);
            J.col(j) = (rp - r) / h;
        }
        if (!J.allFinite() || !std::isfinite(cost)) break;
        const Eigen::MatrixXd A = J.transpose() * J;
        const Eigen::VectorXd g = J.transpose() * r;
        // Gradient zero in every direction that is not pinned at a bound.
        double free_grad = 0;
        for (Eigen::Index j = 0; j < n; ++j) {
            const bool pinned = (x[j] <= lower[j] && g[j] > 0) || (x[j] >= upper[j] && g[j] < 0);
            if (!pinned) free_grad = std::max(free_grad, std::abs(g[j]));
        }
        if (free_grad < 1e-12) {
            out.converged = true;
            break;
        }
        bool accepted = false;
        double gain = 0;
        while (lambda < 1e12) {
            Eigen::MatrixXd H = A;
            for (Eigen::Index j = 0; j < n; ++j) H(j, j) += lambda * std::max(A(j, j), 1e-12);
            const Eigen::VectorXd dx = H.ldlt().solve(-g);
            const Eigen::VectorXd xn = clamp(x + dx, lower, upper);
            f(xn, rn);
            const double cn = half_norm2(rn);
            if (cn < cost) {
                gain = cost - cn;
                x = xn;
                r = rn;
                cost = cn;
                lambda = std::max(lambda / 3, 1e-12);
                accepted = true;
                break;
            }
            lambda *= 4;
        }
        if (!accepted || gain <= 1e-14 * (1 + cost)) {
            out.converged = true;
            ++it;
            break;
        }
    }
    out.x = x;
    out.cost = cost;
    out.iterations = it;
    return out;
}

double huber_weight(double residual, double delta) {
    const double a = std::abs(residual);
    return a <= delta ? 1.0 : delta / a;
}

}  // namespace hwplan::model::calibration

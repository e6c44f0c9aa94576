#include "model/training/interruptions.hpp"

#include <cmath>

#include <fmt/format.h>

#include "model/error.hpp"

namespace hwplan::model::training {

Seconds cluster_mtbf(double gpu_mtbf_hours, int gpus) {
    return seconds(gpu_mtbf_hours * 3600.0 / static_cast<double>(gpus));
}

Seconds young_daly_interval(Seconds checkpoint_write, Seconds mtbf) {
    return seconds(std::sqrt(2.0 * checkpoint_write.value() * mtbf.value()));
}

Interruptions account_interruptions(Seconds useful, int gpus, const FailureModel& f) {
    const auto finite_nonneg = [](double v) { return std::isfinite(v) && v >= 0; };
    if (gpus < 1) throw Error("must be at least 1 GPU, got " + std::to_string(gpus), "gpus");
    if (!finite_nonneg(useful.value())) throw Error("failure-free time must be finite and >= 0", "useful_time");
    if (!std::isfinite(f.gpu_mtbf_hours)) throw Error("must be finite", "gpu_mtbf_hours");
    if (!finite_nonneg(f.checkpoint_write.value())) throw Error("must be finite and >= 0", "checkpoint_s");
    if (!finite_nonneg(f.restart.value())) throw Error("must be finite and >= 0", "restart_s");
    if (f.checkpoint_interval && !(f.checkpoint_interval->value() > 0 && std::isfinite(f.checkpoint_interval->value())))
        throw Error("checkpoint interval must be > 0", "checkpoint_interval_s");

    Interruptions r;
    r.wall = useful;
    if (!(f.gpu_mtbf_hours > 0)) return r;
    r.modelled = true;
    const double U = useful.value();
    const double M = cluster_mtbf(f.gpu_mtbf_hours, gpus).value();
    const double delta = f.checkpoint_write.value();
    const double R = f.restart.value();
    double tau = f.checkpoint_interval ? f.checkpoint_interval->value() : young_daly_interval(f.checkpoint_write, seconds(M)).value();
    // A zero-cost checkpoint makes Young's optimum zero; one checkpoint per
    // second of work is then as good as continuous and keeps delta / tau finite.
    if (!(tau > 0)) tau = 1.0;
    r.cluster_mtbf = seconds(M);
    r.checkpoint_interval = seconds(tau);
    const double loss_per_failure = tau / 2 + R;
    if (loss_per_failure >= M) {
        r.feasible = false;
        r.reason = fmt::format(
            "each failure costs {:.0f} s (half a checkpoint interval + restart) but the cluster fails every {:.0f} s "
            "on average: the job makes no progress",
            loss_per_failure, M);
        r.wall = seconds(INFINITY);
        r.overhead_fraction = 1;
        return r;
    }
    const double W = U * (1 + delta / tau) / (1 - loss_per_failure / M);
    const double n = W / M;
    r.wall = seconds(W);
    r.expected_interruptions = n;
    r.checkpoint_time = seconds(U * delta / tau);
    r.lost_work = seconds(n * tau / 2);
    r.restart_time = seconds(n * R);
    r.overhead_fraction = W > 0 ? 1 - U / W : 0;
    return r;
}

}  // namespace hwplan::model::training

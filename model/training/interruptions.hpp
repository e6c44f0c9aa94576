#pragma once
// Expected interruptions of a long training job and the checkpoint interval
// that minimises the time they cost.
//
//  * Failures of the N GPUs (and of what fails with them: host, NIC, link,
//    counted in the per-GPU rate) are independent and memoryless, so the job
//    fails at rate N / MTBF_gpu: cluster MTBF  M = MTBF_gpu / N.
//  * Young's first-order optimum (J. W. Young, "A first order approximation to
//    the optimum checkpoint interval", CACM 17(9), 1974; J. T. Daly, FGCS 22,
//    2006, shows it is the first term of the higher-order optimum):
//        tau = sqrt(2 · delta · M),   delta = time to write one checkpoint.
//  * Time accounting (first order, Young): a checkpoint every tau of useful
//    work costs delta; each failure loses on average half an interval of work
//    (tau / 2) plus the restart time R (reschedule, re-initialise, reload):
//        W = U · (1 + delta / tau) / (1 - (tau / 2 + R) / M),
//    U = failure-free time, W = expected wall-clock time; expected
//    interruptions W / M. Infeasible when tau/2 + R >= M (the job never
//    finishes an interval).

#include <optional>
#include <string>

#include <fmt/format.h>

#include "model/units.hpp"

namespace hwplan::model::training {

struct FailureModel {
    double gpu_mtbf_hours = 0;  // per GPU; <= 0: no failures modelled
    Seconds checkpoint_write = seconds(0);   // delta: job paused while a checkpoint is taken
    Seconds restart = seconds(0);            // R: from failure to training again, after reload
    std::optional<Seconds> checkpoint_interval;  // fixed tau; none: Young/Daly optimum
    friend bool operator==(const FailureModel&, const FailureModel&) = default;
};

struct Interruptions {
    bool modelled = false;                        // false: no failure rate given
    Seconds cluster_mtbf = seconds(0);            // M
    Seconds checkpoint_interval = seconds(0);     // tau (useful work between checkpoints)
    double expected_interruptions = 0;            // W / M
    Seconds checkpoint_time = seconds(0);         // U · delta / tau
    Seconds lost_work = seconds(0);               // interruptions · tau / 2
    Seconds restart_time = seconds(0);            // interruptions · R
    Seconds wall = seconds(0);                    // W
    double overhead_fraction = 0;                 // 1 - U / W
    bool feasible = true;
    std::string reason;  // why not feasible
    friend bool operator==(const Interruptions&, const Interruptions&) = default;
};

[[nodiscard]] Seconds cluster_mtbf(double gpu_mtbf_hours, int gpus);
[[nodiscard]] Seconds young_daly_interval(Seconds checkpoint_write, Seconds cluster_mtbf);

// `useful`: failure-free wall time U of the job on `gpus` GPUs. Throws
// hwplan::Error for negative or non-finite times and gpus < 1.
[[nodiscard]] Interruptions account_interruptions(Seconds useful, int gpus, const FailureModel& f);

}  // namespace hwplan::model::training

template <>
struct fmt::formatter<hwplan::model::training::Interruptions> : fmt::formatter<std::string_view> {
    auto format(const hwplan::model::training::Interruptions& i, format_context& ctx) const {
        return fmt::format_to(ctx.out(), "cluster MTBF {:.2f} h, checkpoint every {:.0f} s, {:.1f} interruptions, {:.1f} % lost",
                              i.cluster_mtbf.value() / 3600, i.checkpoint_interval.value(), i.expected_interruptions,
                              i.overhead_fraction * 100);
    }
};

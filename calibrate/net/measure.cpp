#include "measure.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdio>

namespace hwplan::probe_net {

Budget budget_for(const Options& o) {
    Budget b;
    if (o.quick) {
        b = Budget{.warmup_iters = 2, .warmup_s = 0.005, .min_reps = 5, .max_reps = 50,
                   .time_per_point_s = 0.02, .batch_s = 20e-6};
    } else {
        b = Budget{.warmup_iters = 10, .warmup_s = 0.1, .min_reps = 10, .max_reps = 1000,
                   .time_per_point_s = 0.25, .batch_s = 100e-6};
    }
    if (o.time_per_point_s > 0) b.time_per_point_s = o.time_per_point_s;
    return b;
}

Summary summarize(std::vector<double> v) {
    Summary s;
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    auto quantile = [&](double q) {
        const double pos = q * static_cast<double>(v.size() - 1);
        const size_t lo = static_cast<size_t>(pos);
        const size_t hi = std::min(lo + 1, v.size() - 1);
        return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
    };
    s.median = quantile(0.5);
    s.p10 = quantile(0.1);
    s.p90 = quantile(0.9);
    return s;
}

Buffer& Context::send_buffer(std::size_t bytes) {
    if (send_.size() < bytes || send_.data() == nullptr) {
        send_ = Buffer();  // free first: peak memory stays one buffer
        send_ = Buffer(memory, bytes);
        send_.fill_pattern(rank);
    }
    return send_;
}

Buffer& Context::recv_buffer(std::size_t bytes) {
    if (recv_.size() < bytes || recv_.data() == nullptr) {
        recv_ = Buffer();
        recv_ = Buffer(memory, bytes);
    }
    return recv_;
}

void Context::begin_point(std::string what) {
    ++points_started;
    set_activity(std::move(what));
    if (rank != options.fail_at_rank || points_started <= options.fail_after) return;
    const char* how = options.fail_mode == FailMode::exit   ? "exiting abruptly (_exit)"
                      : options.fail_mode == FailMode::kill ? "killing itself (SIGKILL)"
                                                            : "making an invalid MPI call";
    std::fprintf(stderr,
                 "%s: rank %d on %s: --fail-at-rank testing aid: %s after %d measurement points "
                 "(during %s)\n",
                 program_name, rank, host().c_str(), how, points_started - 1, activity().c_str());
    std::fflush(stderr);
    switch (options.fail_mode) {
        case FailMode::exit: ::_exit(1);
        case FailMode::kill: ::raise(SIGKILL); ::_exit(1);
        case FailMode::mpi_error: {
            // A send to a rank that does not exist: MPI_ERR_RANK through the normal checks.
            PROBE_MPI(MPI_Send(nullptr, 0, MPI_BYTE, size, 0, world));
            fatal("the invalid MPI call of --fail-mode mpi-error did not fail");
        }
    }
}

void Context::end_point() { PROBE_MPI(MPI_Barrier(world)); }

namespace detail {

double allreduce_max(MPI_Comm comm, double value) {
    PROBE_MPI(MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_MAX, comm));
    return value;
}

int clamp_count(double value, int lo, int hi) {
    if (!(value >= lo)) return lo;  // also NaN
    if (value >= hi) return hi;
    return static_cast<int>(value);
}

}  // namespace detail

std::vector<double> slowest_rank(MPI_Comm comm, const std::vector<double>& mine) {
    int rank = 0;
    PROBE_MPI(MPI_Comm_rank(comm, &rank));
    std::vector<double> out(mine.size());
    PROBE_MPI(MPI_Reduce(mine.data(), out.data(), static_cast<int>(mine.size()), MPI_DOUBLE, MPI_MAX,
                         0, comm));
    if (rank != 0) out.clear();
    return out;
}

std::vector<std::size_t> geometric_sizes(std::size_t start, std::size_t factor, std::size_t max) {
    std::vector<std::size_t> sizes;
    for (std::size_t s = start; s <= max; s *= factor) sizes.push_back(s);
    if (max >= start && sizes.back() != max) sizes.push_back(max);  // the largest size is always measured
    return sizes;
}

void add_time_fields(Record& r, const Summary& s) {
    r.push_back({"time_s", s.median});
    r.push_back({"time_s_p10", s.p10});
    r.push_back({"time_s_p90", s.p90});
}

}  // namespace hwplan::probe_net

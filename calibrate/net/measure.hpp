#pragma once
// The shared driver of every measurement: the run context, the per-point time
// budget, the timed loop (warm-up, batching, repetitions) and the statistics.
// Each series (pingpong.cpp, bidir.cpp, alltoall.cpp, alltoallv.cpp) only says
// what one iteration does and which record it produces.

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "buffer.hpp"
#include "options.hpp"
#include "output.hpp"
#include "placement.hpp"
#include "report.hpp"

namespace hwplan::probe_net {

// How long one point may take. Repetitions stop at `time_per_point_s` of timed
// work (but never below `min_reps`), so a slow network does not take forever.
struct Budget {
    int warmup_iters = 2;       // at most, after the first (untimed) iteration
    double warmup_s = 0.005;    // warm-up stops early past this
    int min_reps = 5;
    int max_reps = 50;
    double time_per_point_s = 0.02;
    double batch_s = 20e-6;     // a repetition times >= this many seconds of iterations
};
[[nodiscard]] Budget budget_for(const Options& options);

// Median and 10th/90th percentiles (linear interpolation between order statistics).
struct Summary {
    double median = 0;
    double p10 = 0;
    double p90 = 0;
};
[[nodiscard]] Summary summarize(std::vector<double> values);

// Seconds per iteration of each repetition, as seen by this rank.
struct Timing {
    std::vector<double> per_iter_s;
    int iters_per_rep = 1;
};

struct Context {
    Options options;
    Budget budget;
    MPI_Comm world = MPI_COMM_WORLD;
    int rank = 0;
    int size = 0;
    Placement placement;
    Memory memory = Memory::host;
    int points_started = 0;
    std::vector<Record> samples;  // rank 0 only

    [[nodiscard]] bool is_root() const { return rank == 0; }
    [[nodiscard]] const std::string& host() const { return placement.ranks[static_cast<size_t>(rank)].host; }

    // Send buffers hold this rank's pattern; both grow on demand and are reused.
    Buffer& send_buffer(std::size_t bytes);
    Buffer& recv_buffer(std::size_t bytes);

    // Called by every rank at the start of every point, in the same order on all
    // ranks (points are separated by barriers). Runs the --fail-at-rank testing aid.
    void begin_point(std::string what);
    // Called by every rank at the end of every point.
    void end_point();

private:
    Buffer send_;
    Buffer recv_;
};

namespace detail {
[[nodiscard]] double allreduce_max(MPI_Comm comm, double value);
[[nodiscard]] int clamp_count(double value, int lo, int hi);
}  // namespace detail

// Runs body(n) -- n back-to-back iterations of the operation -- in lockstep on
// every rank of `comm`: a first iteration (connection set-up, page faults) that
// sizes the warm-up, a warm-up that estimates the time per iteration (slowest rank),
// then repetitions of `iters_per_rep` iterations each, sized so a repetition
// lasts at least `batch_s` (timer resolution) and all of them about
// `time_per_point_s`. With `sync_each_rep` a barrier precedes each repetition
// (collectives); pair loops are self-synchronising.
template <class Body>
[[nodiscard]] Timing time_loop(MPI_Comm comm, const Budget& b, Body&& body, bool sync_each_rep) {
    double t0 = MPI_Wtime();
    body(1);
    const double first = detail::allreduce_max(comm, MPI_Wtime() - t0);
    const int warm = detail::clamp_count(b.warmup_s / std::max(first, 1e-9), 1, b.warmup_iters);
    // The fastest warm-up iteration estimates the steady state (later ones are
    // past the cold caches and first-touch costs that the early ones pay).
    double fastest = first;
    for (int i = 0; i < warm; ++i) {
        t0 = MPI_Wtime();
        body(1);
        fastest = std::min(fastest, MPI_Wtime() - t0);
    }
    const double est = std::max(detail::allreduce_max(comm, fastest), 1e-9);

    Timing t;
    t.iters_per_rep = detail::clamp_count(std::ceil(b.batch_s / est), 1, 100000);
    const int reps = detail::clamp_count(b.time_per_point_s / (t.iters_per_rep * est), b.min_reps,
                                         b.max_reps);
    t.per_iter_s.reserve(static_cast<size_t>(reps));
    for (int r = 0; r < reps; ++r) {
        if (sync_each_rep) PROBE_MPI(MPI_Barrier(comm));
        t0 = MPI_Wtime();
        body(t.iters_per_rep);
        t.per_iter_s.push_back((MPI_Wtime() - t0) / t.iters_per_rep);
    }
    return t;
}

// For collectives: the slowest rank's time of each repetition, on comm's rank 0.
[[nodiscard]] std::vector<double> slowest_rank(MPI_Comm comm, const std::vector<double>& mine);

// Sizes start, start*factor, ... up to max, and max itself.
[[nodiscard]] std::vector<std::size_t> geometric_sizes(std::size_t start, std::size_t factor,
                                                       std::size_t max);

// Appends the timing fields shared by every sample: time_s, time_s_p10, time_s_p90.
void add_time_fields(Record& r, const Summary& s);

}  // namespace hwplan::probe_net

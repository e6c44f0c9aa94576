#pragma once
// GPU timing with CUDA events. One point = a few untimed warm-up units, an
// estimate of one unit, then `reps` repetitions of `inner` back-to-back units,
// each repetition bracketed by its own pair of events. `inner` makes a
// repetition last >= target_rep_s so the event resolution (~0.5 us) and the
// gap between launches do not dominate small kernels.
//
// Before each repetition a one-thread "spin" kernel busy-waits on the GPU for
// a little longer than the host needs to enqueue the repetition (measured), so
// the stream is full when the start event fires: the events then time GPU
// execution, not the host's launch rate (nvbench's blocking-kernel idea).

#include "probe.cuh"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

namespace probe {

// Busy-waits `seconds` on the GPU (globaltimer-based).
void launch_spin(cudaStream_t s, double seconds);

// Median (mean of the middle two), nearest-rank p10/p90, min, max of
// per-unit times.
Timing summarize(std::vector<double> per_unit_s, int inner);

inline double host_now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// RAII pair of timing events.
class EventPair {
public:
    EventPair() {
        CUDA_CHECK(cudaEventCreate(&start));
        CUDA_CHECK(cudaEventCreate(&stop));
    }
    ~EventPair() {
        cudaEventDestroy(start);
        cudaEventDestroy(stop);
    }
    EventPair(const EventPair&) = delete;
    EventPair& operator=(const EventPair&) = delete;
    // Seconds between the two events (waits for `stop`).
    double elapsed_s() const {
        CUDA_CHECK(cudaEventSynchronize(stop));
        float ms = 0;
        CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
        return ms * 1e-3;
    }
    cudaEvent_t start = nullptr, stop = nullptr;
};

// Times `work(iteration)`, which enqueues one unit of work on stream `s`. The
// iteration counter keeps growing across warm-up and repetitions, so callers
// rotate buffers with it (iteration % copies) and every unit reads cold data.
template <class Work>
Timing time_gpu(cudaStream_t s, const TimeOptions& o, Work&& work) {
    long long it = 0;
    EventPair ev;
    for (int i = 0; i < o.warmup; ++i) work(it++);
    // Estimate one unit.
    CUDA_CHECK(cudaEventRecord(ev.start, s));
    work(it++);
    CUDA_CHECK(cudaEventRecord(ev.stop, s));
    const double one = std::max(ev.elapsed_s(), 1e-7);
    int inner = o.inner > 0 ? o.inner
                            : static_cast<int>(std::clamp(std::ceil(o.target_rep_s / one), 1.0,
                                                          static_cast<double>(o.max_inner)));
    // Host cost of enqueueing one repetition (this is also warm-up).
    const double h0 = host_now_s();
    for (int i = 0; i < inner; ++i) work(it++);
    const double host = host_now_s() - h0;
    CUDA_CHECK(cudaStreamSynchronize(s));
    const double spin = std::min(0.02, 1.5 * host + 2e-5);
    int reps = o.reps;
    const double per_rep = one * inner + spin;
    if (per_rep * reps > o.budget_s)
        reps = std::max(o.min_reps, static_cast<int>(o.budget_s / per_rep));
    std::vector<double> t;
    t.reserve(reps);
    for (int r = 0; r < reps; ++r) {
        launch_spin(s, spin);
        CUDA_CHECK(cudaEventRecord(ev.start, s));
        for (int i = 0; i < inner; ++i) work(it++);
        CUDA_CHECK(cudaEventRecord(ev.stop, s));
        t.push_back(ev.elapsed_s() / inner);
    }
    return summarize(std::move(t), inner);
}

// Host wall-clock timing of `work(iteration)` followed by `sync()` (for
// multi-GPU collectives, as nccl-tests times them).
template <class Work, class Sync>
Timing time_host(const TimeOptions& o, Work&& work, Sync&& sync) {
    long long it = 0;
    for (int i = 0; i < std::max(1, o.warmup); ++i) work(it++);
    sync();
    double t0 = host_now_s();
    work(it++);
    sync();
    const double one = std::max(host_now_s() - t0, 1e-7);
    int inner = o.inner > 0 ? o.inner
                            : static_cast<int>(std::clamp(std::ceil(1e-3 / one), 1.0, 100.0));
    int reps = o.reps;
    if (one * inner * reps > o.budget_s)
        reps = std::max(o.min_reps, static_cast<int>(o.budget_s / (one * inner)));
    std::vector<double> t;
    for (int r = 0; r < reps; ++r) {
        t0 = host_now_s();
        for (int i = 0; i < inner; ++i) work(it++);
        sync();
        t.push_back((host_now_s() - t0) / inner);
    }
    return summarize(std::move(t), inner);
}

}  // namespace probe

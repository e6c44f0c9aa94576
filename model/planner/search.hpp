#pragma once
// SLA-driven deployment search. It only DRIVES the model (decode_step,
// prefill, plan_memory, the topology cost model); no formula of the model is
// repeated here. Infeasible is a result with a reason, never an exception
// (bad input throws from validate()).
//
// Search space, per candidate system: weight and KV precisions, MTP options,
// overlap policies, unit sizes (nodes), TP x DP x PP x EP layouts (every
// valid one unless the scenario narrows them), redundant experts, decode
// batch, and aggregated vs disaggregated prefill/decode with the pool counts
// (P/D ratio). Pruning:
//   * layouts whose weights alone do not fit are skipped after one
//     plan_memory() call (its max_batch bounds the batch);
//   * the decode batch is a geometric grid (1, 2, 4, ..., max) plus the
//     largest batch meeting the TPOT/TTFT SLA, found by bisection between
//     grid points (TPOT and TTFT are monotone in the batch);
//   * prefill layouts that are no better than another of the same size in
//     both throughput and TTFT are dropped before pools are composed.
// Everything else is exhaustive. Work is split into items (one per system,
// precision, MTP, overlap and unit size) run on `threads` std::threads; each
// item's result is stored by index and merged in index order, and every
// list is sorted by a total order, so the result does not depend on the
// thread count. Formulas: docs/equations.md, "Capacity planning".

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "model/planner/plan.hpp"
#include "model/planner/scenario.hpp"

namespace hwplan::model::planner {

// Work items done / total, updated by the workers (read it from another thread).
struct Progress {
    std::atomic<std::uint64_t> done{0};
    std::atomic<std::uint64_t> total{0};
};

struct PlanOptions {
    int threads = 0;           // 0: std::thread::hardware_concurrency()
    std::size_t top = 10;      // plans kept (best per distinct layout)
    bool record_points = false;  // fill PlanResult::points (for `hwplan sweep`)
    Progress* progress = nullptr;
};

// Throws hwplan::Error only for an invalid scenario (validate()).
[[nodiscard]] PlanResult plan(const Scenario& scenario, const PlanOptions& options = {});

}  // namespace hwplan::model::planner

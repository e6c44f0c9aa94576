#pragma once
// A small discrete-event simulation of the batching policy of serving.hpp,
// driven by the same StepTimes (so by decode_step() and prefill()): it checks
// the analytic percentiles (tests/model/serving/) and serves traces
// (`hwplan serve --simulate`). Deterministic for a given seed.
//
// Every DP replica is simulated on its own; requests go to a replica (and,
// disaggregated, to a prefill replica and a decode replica) uniformly at
// random. Within a replica the policy is the one stated in serving.hpp:
// FCFS admission under the KV slot limit, steps of t_d(decoding) plus up to
// `chunk` FCFS prompt tokens (aggregated), first token at the end of the
// step that finishes the prompt, decode from the next step on.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/planner/scenario.hpp"
#include "model/serving/serving.hpp"

namespace hwplan::model::serving {

struct Request {
    double arrival = 0;  // seconds
    double input = 0;    // prompt tokens
    double output = 1;   // generated tokens (>= 1)
};

// `n` requests of a Poisson stream at `rate` requests/s with lengths drawn
// from the distributions (rounded to whole tokens; outputs >= 1).
[[nodiscard]] std::vector<Request> poisson_requests(double rate, const planner::LengthDistribution& input,
                                                    const planner::LengthDistribution& output, std::size_t n,
                                                    std::uint64_t seed);

struct SimulationOptions {
    std::uint64_t seed = 1;
    double warmup = 0.1;    // share of the arrival span left out at the start (empty system)
    double cooldown = 0.05;  // ... and at the end (draining system)
    // Closed loop: the clients' first requests spread at random over a rough
    // cycle (true) or all at t = 0, as the benchmark tools start (false).
    bool stagger = true;
    // Closed loop: simulate the tool's whole run instead of the steady state,
    // as `vllm bench serve --max-concurrency` measures it: all clients start
    // at t = 0, exactly `requests` are sent (the concurrency drains at the
    // end), all are measured, throughput = totals / run duration.
    bool whole_run = false;
};

struct SimulationResult {
    Percentiles ttft, tpot, e2e;
    Percentiles itl;                // closed loop: every inter-token gap of the measured requests
    std::size_t requests = 0;       // measured (after warm-up / cool-down)
    double mean_decode_batch = 0;   // time average over the decode replicas
    double busy_share = 0;          // share of time a replica is stepping (decode replicas / aggregated)
    // Closed loop: fleet-wide rates while every client is active (from the
    // first measured request's issue to the last one's).
    double requests_per_s = 0, output_tokens_per_s = 0, input_tokens_per_s = 0;
};

// `requests` (sorted by arrival) are the load of `units` deployment units.
// Throws hwplan::Error for unsorted arrivals, negative lengths or no units.
[[nodiscard]] SimulationResult simulate(const StepTimes& st, const std::vector<Request>& requests, int units = 1,
                                        const SimulationOptions& o = {});

// Closed loop (`vllm bench serve --max-concurrency`, genai-perf
// `--concurrency`): `concurrency` clients over the fleet's replicas
// (`units` x decode replicas; spread as evenly as whole clients allow), each
// sending a request, waiting for its last token and sending the next at once
// (no think time). A request sent while the engine is stepping joins the
// step after the one in progress (the engine schedules its next step before
// the client sees the last token); one sent to an idle engine starts at once.
// `requests` are measured over the fleet after the first `warmup` share of
// each replica's requests (at least its first two waves); clients keep
// sending unmeasured requests until the measured ones are done, so the
// concurrency never drains. First requests: SimulationOptions::stagger.
// Aggregated mode only.
[[nodiscard]] SimulationResult simulate_closed_loop(const StepTimes& st, int concurrency,
                                                    const planner::LengthDistribution& input,
                                                    const planner::LengthDistribution& output, std::size_t requests,
                                                    int units = 1, const SimulationOptions& o = {});

}  // namespace hwplan::model::serving

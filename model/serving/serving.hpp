#pragma once
// Open-loop serving of a request stream by continuous batching: utilisation,
// TTFT / TPOT / end-to-end percentiles at a request rate, the capacity of a
// deployment, and the fleet a rate needs with headroom. Pure: values in,
// values out. Equations and their approximations: docs/equations.md,
// "Serving"; the user-facing description: docs/serving.md.
//
// Batching policy (the same in the analytic model and in simulation.hpp):
//   * every DP replica of a deployment runs its own engine; requests are
//     spread over replicas at random (each sees a Poisson stream of rate
//     lambda / replicas);
//   * a request is admitted (FCFS) when fewer than `max_batch` sequences hold
//     KV in the replica (prefilling + decoding); otherwise it waits;
//   * aggregated: every step decodes one token of every decoding sequence
//     and carries up to `chunk` prompt tokens taken FCFS from the admitted
//     prompts (chunked prefill); step time = t_d(decoding) + the prompt
//     tokens' prefill time. The step that finishes a prompt gives its first
//     token; the sequence decodes from the next step on;
//   * disaggregated: prefill replicas run steps of up to `chunk` prompt tokens
//     only; the KV cache then crosses the scale-out network and the request
//     joins a decode replica (admission there as above).
// Step times come from decode_step() (tabulated per decode batch at the mean
// KV length seen by an output token) and prefill() (tabulated per prompt
// length), so the serving figures move with every step-model option.

#include <optional>
#include <string>
#include <vector>

#include "model/deployment.hpp"
#include "model/model_arch.hpp"
#include "model/planner/scenario.hpp"
#include "model/serving/kv_tiers.hpp"
#include "model/step_time.hpp"
#include "model/system.hpp"

namespace hwplan::model::serving {

enum class Mode : std::uint8_t { aggregated, disaggregated };
[[nodiscard]] std::string_view to_string(Mode m);

// A length distribution as equally likely points (whole tokens): the
// quadrature of a LengthDistribution, or the quantiles of a trace's lengths.
struct Lengths {
    std::vector<double> points;
    [[nodiscard]] double mean() const;
    [[nodiscard]] double mean_square() const;
    [[nodiscard]] double max() const;
};
// `minimum`: 1 for outputs (a request yields at least one token), 0 allowed for prompts.
[[nodiscard]] Lengths lengths_of(const planner::LengthDistribution& d, double minimum, int points = 64);
[[nodiscard]] Lengths lengths_of_samples(std::vector<double> samples, int points = 64);

struct ServingInputs {
    ModelArch model;
    System system;
    Deployment decode;                  // the aggregated engine, or the decode pool's unit
    std::optional<Deployment> prefill;  // disaggregated: the prefill pool's unit (nullopt: aggregated)
    int prefill_units = 1;              // disaggregated: prefill units per decode unit
    StepOptions step;
    int chunk = 8192;       // prompt tokens per step (chunked prefill)
    int max_batch = 0;      // sequences holding KV per replica; 0: what HBM holds (plan_memory)
    double kv_hit_rate = 0;  // share of prompt tokens found in the KV cache (prefix reuse)
    KvLoadCost kv_load;      // where hits are loaded from (kv_tiers.hpp); zero: free (HBM)
    Lengths input;
    Lengths output;
};

// Per-replica step-time functions shared by the analytic model and the
// simulation, built once from the step model.
struct StepTimes {
    Mode mode = Mode::aggregated;
    int chunk = 8192;
    int max_batch = 1;          // sequences holding KV per decode replica
    std::string batch_limit;    // what sets max_batch ("HBM KV capacity", "--max-batch")
    bool batch_bound_throughput = false;  // more batch would still raise decode throughput (KV-limited)
    int decode_replicas = 1;    // DP replicas per unit (decode pool / aggregated)
    int prefill_replicas = 0;   // DP replicas of the prefill pool per unit (disaggregated)
    double hit_rate = 0;
    double decode_context = 0;  // KV tokens per decoding sequence at which t_d was evaluated
    std::vector<double> decode;  // decode[b]: seconds of one step at decode batch b (decode[0] = 0)
    std::vector<double> prompt_grid, prompt_time, transfer_time;  // per prompt length, seconds
    // Prefill time of one prompt on a replica (computed tokens + loading the hits).
    [[nodiscard]] double prefill_seconds(double prompt) const;
    // Tokens computed for a prompt (at least 1: the first token needs logits).
    [[nodiscard]] double computed_tokens(double prompt) const;
    // KV transfer prefill -> decode (disaggregated; 0 aggregated).
    [[nodiscard]] double transfer_seconds(double prompt) const;
    [[nodiscard]] double decode_seconds(int batch) const;
};

// Throws hwplan::Error when the deployment cannot serve at all (layout, not
// even one sequence fits, no network), naming the reason.
[[nodiscard]] StepTimes build_step_times(const ServingInputs& in);

struct Percentiles {
    double mean = 0, p50 = 0, p90 = 0, p99 = 0;  // seconds
};

// One unit's load: requests/s offered to one deployment unit (aggregated: one
// deployment; disaggregated: one decode deployment + prefill_units prefill
// deployments).
struct Load {
    double rate = 0;
    Lengths input;
    Lengths output;
};

struct Capacity {
    double rate = 0;          // requests/s per unit at which some resource saturates
    std::string bottleneck;   // that resource, in words
};

[[nodiscard]] Capacity capacity(const StepTimes& st, const Lengths& input, const Lengths& output);

struct ServingResult {
    Percentiles ttft, tpot, e2e;
    double utilization = 0;       // rate / capacity
    Capacity capacity;
    double mean_decode_batch = 0;  // sequences decoding per replica (time average)
    double prefill_share = 0;      // aggregated: share of replica time spent on prompt tokens
    double prefill_utilization = 0;  // busy share of the prefill server (token budget included)
    double decode_utilization = 0;   // rate / decode-side capacity
    double kv_occupancy = 0;       // mean sequences holding KV / max_batch
    double admission_wait_probability = 0;  // a request finds the KV slots full
    double step_ms = 0;            // mean decode step (TPOT mean)
};

// Analytic percentiles at `load` (per unit). Throws hwplan::Error naming the
// bottleneck when load.rate >= capacity.
[[nodiscard]] ServingResult analyze(const StepTimes& st, const Load& load);

// Units of a deployment needed for `fleet_rate` so that each runs at most at
// (1 - headroom) of its capacity.
[[nodiscard]] int units_needed(const Capacity& per_unit, double fleet_rate, double headroom);

}  // namespace hwplan::model::serving

#pragma once
// Closed-loop serving: what a fixed-concurrency benchmark reports
// (`vllm bench serve --max-concurrency C`, NVIDIA genai-perf / AIPerf
// `--concurrency C`, SGLang bench_serving `--max-concurrency`). C clients
// over the fleet, each sending a request, waiting for its last token and
// sending the next at once (no think time). Pure: values in, values out.
// Equations: docs/equations.md, "Serving", "Closed loop"; the user view:
// docs/serving.md, "Fixed concurrency".
//
// Policy: the one of serving.hpp (continuous batching, FCFS admission under
// the KV slots, steps of t_d(decoding) + up to `chunk` FCFS prompt tokens),
// with these closed-loop specifics (the same in simulate_closed_loop):
//   * clients are spread over the DP replicas as evenly as whole clients
//     allow (round robin), each replica serving its own clients;
//   * a request sent while the engine is stepping joins the step after the
//     one in progress (the engine schedules its next step before the client
//     has seen the last token); one sent to an idle engine starts at once;
//   * steady state: the first wave (all C clients starting together) is not
//     measured (genai-perf measures over stable windows; see docs/serving.md
//     for `vllm bench serve`, which measures from the start).

#include "model/serving/serving.hpp"

namespace hwplan::model::serving {

struct ClosedLoopLoad {
    int concurrency = 1;  // clients over the whole fleet
    int units = 1;        // deployment units sharing them
    Lengths input;
    Lengths output;
};

struct ClosedLoopResult {
    // Per request: TTFT, TPOT = (e2e - TTFT) / (output - 1) (requests with
    // one output token have none), end to end; per token: ITL, every gap
    // between two streamed tokens of a request.
    Percentiles ttft, itl, tpot, e2e;
    double requests_per_s = 0;       // fleet
    double output_tokens_per_s = 0;  // fleet, every generated token
    double input_tokens_per_s = 0;   // fleet, prompt tokens (cache hits included)
    int replicas = 1;                // DP replicas sharing the clients
    double clients_per_replica = 0;  // mean over the replicas that have clients
    double mean_decode_batch = 0;    // sequences decoding per replica (time average)
    double mean_prefilling = 0;      // sent, not yet at the first token (step in progress, queue, prefill), per replica
    double admission_wait = 0;       // seconds, mean (clients beyond the KV slots queue)
    double prefill_wait = 0;         // seconds, mean: the step in progress + the prompts ahead
    double prefill_share = 0;        // share of replica time on prompt tokens
    double prefill_step_share = 0;   // share of a decoder's steps that carry prompt tokens
    bool kv_limited = false;         // some replica has more clients than KV slots
};

// Throws hwplan::Error for no clients, no lengths, no units, or a
// disaggregated deployment (not modelled closed-loop).
[[nodiscard]] ClosedLoopResult closed_loop(const StepTimes& st, const ClosedLoopLoad& load);

}  // namespace hwplan::model::serving

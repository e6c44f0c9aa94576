#pragma once
// What the planner returns: deployments that meet the SLA (ranked by cost),
// Pareto fronts, the reason when nothing does, and search statistics. Plain
// values; printers live in cli/.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "model/deployment.hpp"
#include "model/dtype.hpp"
#include "model/units.hpp"

namespace hwplan::model::planner {

enum class ServingMode : std::uint8_t {
    aggregated,     // every GPU prefills and decodes (chunked prefill interleaved with decode)
    disaggregated,  // separate prefill and decode pools; KV moves over the scale-out network
};
[[nodiscard]] std::string_view to_string(ServingMode m);

// One pool's deployment unit (a model replica set spanning `nodes` nodes),
// and how many copies of it the plan runs.
struct PoolLayout {
    int units = 1;
    int nodes = 1;  // per unit
    int gpus = 1;   // per unit
    int tp = 1;
    int dp = 1;
    int pp = 1;
    int ep = 1;
    int redundant_experts = 0;
    Overlap overlap = Overlap::dual_micro_batch;
    int batch = 0;  // decode: sequences per DP replica; prefill: 0
    Bytes memory_per_gpu = bytes(0);
    double utilisation = 1;  // share of the pool's capacity the plan uses
    friend bool operator==(const PoolLayout&, const PoolLayout&) = default;
};

struct Plan {
    int system_index = 0;  // into Scenario::systems
    std::string system;    // its id
    ServingMode mode = ServingMode::aggregated;
    DType weights = DType::bf16;
    DType kv_cache = DType::bf16;
    int mtp_depth = 0;
    double mtp_acceptance = 0;  // of the first draft token
    PoolLayout decode;                  // aggregated: the only pool
    std::optional<PoolLayout> prefill;  // disaggregated only

    int gpus = 0;
    int nodes = 0;
    int nics = 0;
    std::int64_t switches = 0;
    std::string fabric;  // "MPFT(8 planes × FT2, k=64)" or "none"
    double fabric_cost_usd = 0;

    // Latency, at the SLA's statistic (mean or percentile) and at the mean.
    Seconds tpot = seconds(0);
    Seconds ttft = seconds(0);
    Seconds tpot_mean = seconds(0);
    Seconds ttft_mean = seconds(0);
    Seconds kv_transfer = seconds(0);  // included in ttft (disaggregated)
    double tokens_per_s_per_user = 0;  // 1 / TPOT at the mean

    // Throughput of the whole plan, and per GPU over all its GPUs.
    double requests_per_s = 0;
    double output_tokens_per_s = 0;
    double input_tokens_per_s = 0;  // prompt tokens incl. prefix-cache hits
    double output_tokens_per_s_per_gpu = 0;
    double input_tokens_per_s_per_gpu = 0;
    // Capacity per node of the pool that does the work, at full load
    // (DeepSeek's Day-6 metrics): a decode unit's output tokens/s at `batch`,
    // a prefill unit's input tokens/s incl. cache hits; aggregated: one
    // replica's output and input tokens/s with prefill and decode time-shared.
    double decode_output_tokens_per_s_per_node = 0;
    double prefill_input_tokens_per_s_per_node = 0;

    double power_kw = 0;  // at the wall, incl. PUE
    double cost_per_hour_usd = 0;
    double cost_per_mtok_usd = 0;         // all tokens (input + output)
    double cost_per_mtok_input_usd = 0;   // input tokens' share
    double cost_per_mtok_output_usd = 0;  // output tokens' share
    friend bool operator==(const Plan&, const Plan&) = default;
};

// The total order plans are ranked by: cost per million tokens, then TPOT,
// TTFT, GPUs, and the layout fields, so equal-cost plans come out in the same
// order whatever the thread count.
[[nodiscard]] bool plan_less(const Plan& a, const Plan& b);

// One model evaluation the search made (for `hwplan sweep`).
struct EvaluatedPoint {
    enum class Phase : std::uint8_t { decode, prefill } phase = Phase::decode;
    int system_index = 0;
    DType weights = DType::bf16;
    DType kv_cache = DType::bf16;
    int mtp_depth = 0;
    Overlap overlap = Overlap::dual_micro_batch;
    int nodes = 1, tp = 1, dp = 1, pp = 1, ep = 1, redundant_experts = 0;
    int batch = 0;         // decode
    double context = 0;    // decode: KV length; prefill: prompt tokens
    bool feasible = false;
    std::string reason;
    Seconds tpot = seconds(0);
    Seconds ttft = seconds(0);
    double tokens_per_s_per_user = 0;
    double tokens_per_s_per_gpu = 0;  // output (decode) or computed input (prefill)
    Bytes memory_per_gpu = bytes(0);
    friend bool operator==(const EvaluatedPoint&, const EvaluatedPoint&) = default;
};

struct SearchStats {
    std::uint64_t configurations = 0;     // deployments costed: decode points x prefill choices x pool counts
    std::uint64_t model_evaluations = 0;  // decode_step / prefill / plan_memory calls
    std::uint64_t layouts = 0;            // parallel layouts enumerated
    std::uint64_t layouts_memory_pruned = 0;  // skipped: weights alone do not fit
    std::uint64_t decode_points = 0;      // (layout, batch) decode evaluations
    std::uint64_t plans_meeting_sla = 0;
    double seconds = 0;                   // wall time of the search
    int threads = 1;
};

struct PlanResult {
    bool feasible = false;
    std::string reason;       // which constraint binds when !feasible
    std::string reason_field; // the scenario field it concerns ("sla.tpot")
    std::vector<Plan> plans;  // best plan per distinct layout, ranked by plan_less
    std::vector<Plan> pareto;             // cost per Mtok vs TPOT, SLA-meeting plans
    std::vector<Plan> pareto_throughput;  // output tok/s/GPU vs tok/s/user, SLA-meeting plans
    std::vector<EvaluatedPoint> points;   // every model evaluation (when asked)
    // Derived workload figures the plans were evaluated at (assumptions).
    double decode_context_mean = 0;
    double decode_context_sla = 0;
    double input_tokens_sla = 0;
    SearchStats stats;
};

}  // namespace hwplan::model::planner

template <>
struct fmt::formatter<hwplan::model::planner::Plan> : fmt::formatter<std::string_view> {
    auto format(const hwplan::model::planner::Plan& p, format_context& ctx) const {
        return fmt::format_to(ctx.out(), "{} {} {} GPUs: TPOT {:.2f} ms, TTFT {:.0f} ms, ${:.3f}/Mtok", p.system,
                              hwplan::model::planner::to_string(p.mode), p.gpus, p.tpot.value() * 1e3,
                              p.ttft.value() * 1e3, p.cost_per_mtok_usd);
    }
};

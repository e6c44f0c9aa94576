#pragma once
// A capacity-planning question, as values: which model, on which candidate
// systems, under which workload, SLA, constraints and search options. Parsed
// and validated from scenarios/*.yaml by hwdb/scenario_file.hpp (schema in
// docs/scenarios.md); the planner (planner/search.hpp) only reads it.
//
// Everything is resolved: systems are full model::System values (no
// database needed to plan), the model is a ModelArch. Optional fields mean
// "not given" and have documented defaults.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/engine.hpp"
#include "model/deployment.hpp"
#include "model/dtype.hpp"
#include "model/model_arch.hpp"
#include "model/step_time.hpp"
#include "model/system.hpp"
#include "model/units.hpp"

namespace hwplan::model::planner {

// Length (tokens) of prompts or outputs. `mean` is always the mean; the
// shape decides percentiles (see distribution.hpp).
enum class LengthShape : std::uint8_t {
    fixed,        // every request has `mean` tokens
    exponential,  // memoryless, cv = 1
    lognormal,    // mean and coefficient of variation `cv`
    uniform,      // between `min` and `max` (mean = (min + max) / 2)
};

struct LengthDistribution {
    double mean = 0;
    LengthShape shape = LengthShape::fixed;
    double cv = 0;   // lognormal only
    double min = 0;  // uniform only
    double max = 0;  // uniform only
    friend bool operator==(const LengthDistribution&, const LengthDistribution&) = default;
};

// A system the planner may use, with its prices. Prices not given in the
// scenario come from the hwdb system entry (System::price_usd,
// System::price_per_gpu_hour_usd).
struct SystemCandidate {
    System system;
    double price_per_gpu_hour_usd = 0;  // rental; 0 = unknown
    double node_price_usd = 0;          // capex of one node; 0 = unknown
    friend bool operator==(const SystemCandidate&, const SystemCandidate&) = default;
};

enum class CostBasis : std::uint8_t {
    rental,  // GPU-hours x price per GPU-hour (power and network included in the rental)
    capex,   // (nodes + fabric) amortised over `amortisation_years` + power at the wall
};

struct CostModel {
    CostBasis basis = CostBasis::rental;
    double amortisation_years = 4;   // capex: straight-line over this many years, 24/7
    double usd_per_kwh = 0.10;       // electricity (capex basis; also reported for rental)
    double pue = 1.3;                // power usage effectiveness: wall power / IT power
    friend bool operator==(const CostModel&, const CostModel&) = default;
};

struct WorkloadSpec {
    // Demand: at most one of the two (request rate, or aggregate output
    // tokens/s). Neither: plan the smallest deployment unit and cost it at
    // full load.
    std::optional<double> requests_per_s;
    std::optional<double> output_tokens_per_s;
    LengthDistribution input;   // prompt tokens per request
    LengthDistribution output;  // generated tokens per request
    double prefix_hit_rate = 0;  // share of prompt tokens served from the KV prefix cache
    int prefill_chunk = 8192;    // chunked prefill: tokens per forward pass
    friend bool operator==(const WorkloadSpec&, const WorkloadSpec&) = default;
};

// A latency target: the mean (no percentile) or a percentile in (0, 100).
struct LatencyTarget {
    Seconds value = seconds(0);
    std::optional<double> percentile;
    friend bool operator==(const LatencyTarget&, const LatencyTarget&) = default;
};

struct Sla {
    std::optional<LatencyTarget> ttft;
    std::optional<LatencyTarget> tpot;
    std::optional<double> min_tokens_per_s_per_user;  // the same as TPOT <= 1 / value
    friend bool operator==(const Sla&, const Sla&) = default;
};

struct MtpOption {
    int depth = 0;  // 0: off
    std::vector<double> acceptance;
    friend bool operator==(const MtpOption&, const MtpOption&) = default;
};

struct Constraints {
    std::optional<int> max_gpus;
    std::optional<int> max_nodes;
    std::vector<DType> weights;    // allowed weight precisions (empty: the model's checkpoint dtype)
    std::vector<DType> kv_cache;   // allowed KV-cache precisions (empty: bf16)
    std::vector<MtpOption> mtp;    // options tried (empty: off only)
    std::vector<Overlap> overlap;  // policies tried (empty: dual_micro_batch)
    std::optional<int> max_batch;  // sequences per DP replica
    friend bool operator==(const Constraints&, const Constraints&) = default;
};

struct SearchSpace {
    bool aggregated = true;
    bool disaggregated = true;
    // Prefill nodes per decode node; empty = balanced automatically.
    std::vector<double> pd_ratios;
    std::vector<int> prefill_nodes;  // unit sizes tried for prefill pools (empty: 1..8)
    std::vector<int> decode_nodes;   // unit sizes tried for decode / aggregated pools (empty: 1..16)
    std::vector<int> tp;             // empty: every divisor of the scale-up domain
    std::vector<int> pp;             // empty: {1}
    std::vector<int> ep;             // empty: every valid degree
    std::vector<int> redundant_experts;  // empty: {0}
    int comm_sms = 0;                // SMs reserved for EP communication (DeepSeek: 20 of 132)
    double expert_imbalance = 1.0;   // hot-expert load / mean
    StepMode step_mode = StepMode::realistic;
    friend bool operator==(const SearchSpace&, const SearchSpace&) = default;
};

struct Scenario {
    std::string name;
    std::string source;  // the file it came from
    ModelArch model;
    std::vector<SystemCandidate> systems;
    CostModel cost;
    WorkloadSpec workload;
    Sla sla;
    Constraints constraints;
    SearchSpace search;
    // The serving engine every deployment runs (whose kernels a step has);
    // the file's `engine:` or the database default.
    Engine engine;
    // Field path ("sla.tpot") -> "file:line:col" of its value, so planner
    // results (an SLA no deployment meets) can point at the line.
    std::map<std::string, std::string> locations;
    friend bool operator==(const Scenario&, const Scenario&) = default;

    [[nodiscard]] std::string where(const std::string& field) const {
        auto it = locations.find(field);
        return it != locations.end() ? it->second : field;
    }
};

// Checks what the planner relies on (positive lengths, hit rate in [0, 1],
// percentiles in (0, 100), at least one system and one mode ...). Throws
// hwplan::Error naming the field. The file loader reports the same problems
// with file:line:col first.
void validate(const Scenario& s);

}  // namespace hwplan::model::planner

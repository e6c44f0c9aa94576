#pragma once
// `hwplan validate`: predict every published reference figure with the model
// and report the error. Pure: ids are resolved through a Catalog the caller
// fills (the CLI from the hardware/model database).
//
// Each row kind (the reference's `quantity`) has one evaluator that reads the
// row's conditions, calls the existing model functions and returns the
// prediction in the row's unit:
//   analytic     KV bytes per token, parameter counts, training FLOPs per
//                token, the paper's Table 3 fabric counts and costs
//   paper        rows with `mode: paper` use the paper's sec. 2.3.2 EP bound
//                (paper_ep), everything else the default realistic model
//   realistic    DeepEP dispatch/combine (ep_exchange), DeepGEMM/FlashMLA
//                kernels (KernelCostModel), serving TPOT/ITL/TTFT/throughput
//                (decode_step, prefill, request_latency)
// A row whose quantity has no evaluator, or whose conditions lack an input
// the evaluator needs (a model without an hwplan id, an unstated batch), is
// NOT dropped: it is returned as not modelled with the reason.
//
// Nothing is tuned here: every prediction uses default_efficiencies() (or
// the caller's StepOptions) exactly as `hwplan tpot/ep/gemm` do.
//
// Error of a modelled row (a fraction; x100 for percent):
//   point value          (predicted - published) / published
//   value_range [lo, hi] 0 inside the range, else relative to the nearer end
//   bound: upper         0 when predicted <= published, else as a point value
//   bound: lower         0 when predicted >= published, else as a point value

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/deployment.hpp"
#include "model/engine.hpp"
#include "model/gpu.hpp"
#include "model/model_arch.hpp"
#include "model/step_time.hpp"
#include "model/system.hpp"
#include "model/validation/reference.hpp"
#include "model/workload.hpp"

namespace hwplan::model::validation {

// What a serving row asks for, in the words of the CLI's layout flags (the
// CLI resolves it with the same code as `hwplan tpot`).
struct SetupRequest {
    std::string model;
    std::string system;  // node id ...
    std::string gpu;     // ... or one GPU type (tp x dp x pp GPUs in one box)
    int nodes = 1;
    std::optional<int> tp, dp, pp, ep;
    int redundant_experts = 0;
    std::string weights, kv, activations, dispatch, combine;  // empty: defaults
    int batch = 1;
    int context = 4096;
    int prompt = 0;
};

struct Setup {
    ModelArch model;
    System system;
    Deployment deployment;
    Workload workload;
};

// Id resolution; each function throws hwplan::Error for an unknown id or an
// impossible layout (the row then becomes "not modelled" with that message).
struct Catalog {
    std::function<ModelArch(std::string_view)> model;
    std::function<Gpu(std::string_view)> gpu;
    std::function<System(std::string_view)> system;
    std::function<Setup(const SetupRequest&)> setup;
    // Every system of the database, for rows that name a box by its parts
    // (a hybrid CPU/GPU server: its host CPU and its GPU). May be empty.
    std::function<std::vector<System>()> systems;
    // A serving engine by hwdb id (hwdb/data/engines), for rows that name
    // the engine they measured; may be empty (every row then uses Options').
    std::function<Engine(std::string_view)> engine;
};

// The hwplan engine id a reference row's `engine:` names ("tensorrt-llm",
// "nvidia-nim" -> trtllm, "sglang", "vllm", "gpt-fast (torch.compile)" ->
// gpt-fast); nullopt for rows of kernels, collectives or engines hwplan has
// no file for (ktransformers, llama.cpp, DeepEP, DeepGEMM ...).
[[nodiscard]] std::optional<std::string> serving_engine_of(const Reference& ref);

enum class Method { analytic, paper, realistic };
[[nodiscard]] std::string_view to_string(Method m);

struct RowResult {
    const Reference* ref = nullptr;
    bool modelled = false;
    std::string reason;  // not modelled: why
    Method method = Method::analytic;
    double predicted = 0;  // in ref->unit
    double error = 0;      // effective error (see above), a fraction
    double raw_error = 0;  // (predicted - published) / published, ignoring range/bound
    std::string basis;     // what was evaluated, in a few words (assumptions made)
    // Serving rows: where the time of the evaluated step goes (the decode
    // step, or the prefill for TTFT / input-throughput rows), so a reader
    // sees why a row is off. Sums to that step's time (step_time.hpp).
    std::optional<Breakdown> breakdown;
    std::string breakdown_phase;  // "decode" or "prefill"; empty without a breakdown
};

struct Stats {
    int rows = 0;          // all rows of the group
    int modelled = 0;      // of which predicted
    double median_abs_error = 0;  // over modelled rows, fractions
    double mean_abs_error = 0;
    double max_abs_error = 0;
    double p90_abs_error = 0;  // 90th percentile (linear interpolation between order statistics)
    std::string worst_id;  // row with the largest |error|
};

struct Summary {
    Stats overall;
    std::map<std::string, Stats> by_source;  // file stem
    std::map<std::string, Stats> by_kind;    // measurement, paper_calculation, ...
    std::map<std::string, Stats> by_method;  // analytic, paper, realistic
};

struct Options {
    StepOptions step;  // realistic-mode options (default: spec-sheet efficiencies)
    // The engine of step.engine, named in outputs; rows that name their own
    // engine (serving_engine_of) are predicted with that one.
    std::string engine_id;
    friend bool operator==(const Options&, const Options&) = default;
};

// One row. Never throws for a row that cannot be predicted (not modelled).
[[nodiscard]] RowResult evaluate(const Reference& ref, const Catalog& catalog, const Options& options = {});
[[nodiscard]] std::vector<RowResult> evaluate_all(const std::vector<Reference>& refs, const Catalog& catalog,
                                                  const Options& options = {});

// Effective error of `predicted` against the row (see the header comment).
[[nodiscard]] double effective_error(const Reference& ref, double predicted);

[[nodiscard]] Stats stats(const std::vector<const RowResult*>& rows);
[[nodiscard]] Summary summarize(const std::vector<RowResult>& results);

// Quantities with an evaluator (for --kind help and the docs).
[[nodiscard]] std::vector<std::string> modelled_quantities();

}  // namespace hwplan::model::validation

#pragma once
// The GUI's pure logic, with no Qt: a what-if state (hwdb::WhatIf) ->
// model inputs -> results, sweeps and the numbers the views show.
// ScenarioModel calls it; tests/gui/test_gui_whatif.cpp checks it against the CLI.
//
// Inputs are resolved exactly as `hwplan tpot` resolves its flags
// (cli/layout_options.cpp resolve_layout, cli/cmd_tpot.cpp apply_flags):
// dp defaults to world / (tp x pp), ep to gcd(world / pp, routed + redundant
// experts), weights to the model's checkpoint dtype; the model is then
// evaluated by the same model/ functions (decode_step, prefill, plan_memory),
// so the GUI's TPOT is the CLI's for the same input (tpot_cli_args() gives
// that CLI command; the GUI test runs it and compares). With a calibration
// profile the step is model::calibration::profiled_step(), the function
// `hwplan tpot --profile` calls, so the numbers and the interval match too.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hwdb/what_if_file.hpp"
#include "model/calibration/profile.hpp"
#include "model/deployment.hpp"
#include "model/engine.hpp"
#include "model/memory_plan.hpp"
#include "model/model_arch.hpp"
#include "model/step_time.hpp"
#include "model/system.hpp"
#include "model/topology/cost_model.hpp"
#include "model/workload.hpp"

namespace hwplan::gui {

struct Inputs {
    model::ModelArch model;
    model::System system;  // with the what-if's bandwidth overrides applied
    model::Deployment deployment;
    model::Workload workload;
    model::StepOptions options;
    // The what-if's calibration profile (loaded by the caller; shared, not
    // copied, since every sweep point and result holds the inputs).
    std::shared_ptr<const model::calibration::Profile> profile;
    friend bool operator==(const Inputs&, const Inputs&) = default;
};

// `m`, `s` and `engine` are the what-if's model, system and engine
// (w.engine) from the database. Never throws: a layout that cannot run is
// reported by evaluate() as infeasible. `profile` is the loaded file of
// w.profile (null: none).
[[nodiscard]] Inputs resolve_inputs(const hwdb::WhatIf& w, const model::ModelArch& m, const model::System& s,
                                    const model::Engine& engine,
                                    std::shared_ptr<const model::calibration::Profile> profile = nullptr);

// EP degrees the layout allows for this model and system (1 for a dense model).
[[nodiscard]] std::vector<int> valid_ep_values(const Inputs& in);

struct Evaluation {
    Inputs in;
    std::string problem;  // why the layout cannot run (layout_problem); empty when it can
    model::DecodeStep decode;
    std::optional<model::PrefillStep> prefill;  // when workload.prompt > 0
    // With a profile: the residual-band interval of TPOT and TTFT (seconds)
    // and whether the profile was measured on another GPU than this system's.
    bool profiled = false;
    double tpot_lo = 0, tpot_hi = 0;
    double ttft_lo = 0, ttft_hi = 0;
    bool extrapolated = false;
    std::string profile_gpu;  // the measured GPU's name ("" when the profile has none)
    model::MemoryPlan memory;
    double kv_bytes_per_token = 0;  // all layers, at the KV-cache dtype
    int gpus = 0;
    double cost_per_hour_usd = 0;         // rental (GPU-hours x price); 0 when the system has no price
    double usd_per_m_output_tokens = 0;   // cost_per_hour / output tokens per hour at this point, x 1e6
};

// `fabric_prices`: the fitted Table 3 prices (topology::fit_paper_prices()),
// computed once by the caller.
[[nodiscard]] Evaluation evaluate(const Inputs& in, const model::topology::FabricPrices& fabric_prices);

struct CurvePoint {
    double x = 0;
    bool fits = false;  // false: beyond memory (times computed without the memory check)
    double tpot_ms = 0;
    double tokens_per_s_per_user = 0;
    double tokens_per_s_per_gpu = 0;
};

struct Curve {
    std::vector<CurvePoint> points;  // x ascending; points of a layout that cannot run are left out
    double current_x = 0;
};

enum class SweepAxis { batch, context };

// TPOT and throughput over a geometric grid of batch (1 .. beyond the memory
// limit) or context (256 .. the model's max context), the current value
// included.
[[nodiscard]] Curve sweep(const Inputs& in, SweepAxis axis, int points = 32);

// One number of the views, in display units.
struct Metric {
    std::string key;    // stable id ("tpot_ms"): CSV column, test handle
    std::string label;  // "TPOT"
    std::string unit;   // "ms"
    double value = 0;
    int decimals = 0;
    bool lower_is_better = true;
    bool available = true;  // false: not computed (no prompt, no price, infeasible)
    // With a calibration profile (TPOT, TTFT): the interval [lo, hi].
    bool has_interval = false;
    double lo = 0, hi = 0;
};

[[nodiscard]] std::vector<Metric> metrics(const Evaluation& e);

// "14.760" (fixed decimals, as the CLI's tables print it); "-" when not finite.
[[nodiscard]] std::string format_fixed(double value, int decimals);
// "+0.560/-0.780": an interval around `value` as `hwplan tpot` tables show it.
[[nodiscard]] std::string format_interval(double value, double lo, double hi, int decimals);
// "+2.760 (+18.7 %)"; the percentage is left out when `reference` is 0.
[[nodiscard]] std::string format_delta(double value, double reference, int decimals);

// One line naming the engine a step ran with and what that means for its
// kernels, as `hwplan tpot` notes it: "Engine: vllm (vLLM ...): decode in
// CUDA graphs, flashinfer attention (flash-mla for MLA), fuses norm_residual,
// ...". `kernels_per_step` > 0 is appended ("357 kernels per step").
[[nodiscard]] std::string engine_note(const model::Engine& e, double kernels_per_step = 0);

// The `hwplan tpot` arguments (after "tpot") for the same input, ending in
// --format json (with --engine, and --profile when the what-if has one); nullopt when the
// what-if uses what the CLI cannot express (bandwidth overrides).
[[nodiscard]] std::optional<std::vector<std::string>> tpot_cli_args(const hwdb::WhatIf& w);

}  // namespace hwplan::gui

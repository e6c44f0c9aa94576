#pragma once
// The GUI's single-deployment "what-if" state and its YAML file (schema in
// docs/gui.md, section "Scenario files").
//
// A capacity-planning scenario (scenario_file.hpp, docs/scenarios.md) asks a
// question over many deployments; a what-if file pins ONE deployment at one
// operating point: the model, the system, the layout, batch and context, the
// precisions, overlap, MTP, SMs for communication and link-bandwidth
// overrides, a calibration profile and the serving engine. Its keys are the `hwplan tpot` flags, named as in the scenario
// schema (`mtp_depth`, `mtp_acceptance`, `comm_sms`, `expert_imbalance`,
// `step_mode`). The GUI opens both kinds of file (scenario_kind()).
//
//   what_if:
//     model: deepseek-v3
//     system: h800-node
//     nodes: 18
//     ...
//   pinned:          # optional: scenario A of compare mode, same keys
//     ...
//
// Reading reports every problem at once with file:line:col (hwdb YAML
// reader); model, system and engine ids are checked against the database
// (an unknown engine lists the known ones), a profile
// file is loaded (its own problems are reported too). Writing is
// atomic (write_file_atomically).

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "hwdb/database.hpp"
#include "model/deployment.hpp"
#include "model/dtype.hpp"
#include "model/step_time.hpp"
#include "model/units.hpp"

namespace hwplan::hwdb {

struct WhatIf {
    // A model database id, or a path to a model .yaml / HuggingFace config.json
    // (relative paths in a file are relative to that file).
    std::string model = "deepseek-v3";
    std::string system = "h800-node";
    int nodes = 1;
    int tp = 1;
    int pp = 1;
    std::optional<int> dp;  // not given: fill the GPUs, world / (tp x pp) (as `hwplan tpot`)
    std::optional<int> ep;  // not given: gcd(world / pp, routed + redundant experts) (as `hwplan tpot`)
    int redundant_experts = 0;
    int batch = 1;        // sequences per attention (DP) replica
    int context = 4096;   // tokens in each sequence's KV cache
    int prompt = 0;       // prompt tokens for TTFT (0: no TTFT)
    std::optional<model::DType> weights;  // not given: the model's checkpoint dtype
    model::DType kv_cache = model::DType::bf16;
    model::DType activations = model::DType::bf16;
    model::DType dispatch = model::DType::fp8;
    model::DType combine = model::DType::bf16;
    model::Overlap overlap = model::Overlap::dual_micro_batch;
    int micro_batches = 2;
    int mtp_depth = 0;             // draft tokens per step (0: off)
    double mtp_acceptance = 0.85;  // acceptance rate of every draft (used when mtp_depth > 0)
    int comm_sms = 0;              // SMs reserved for communication kernels
    double expert_imbalance = 1.0;
    // Link-bandwidth overrides, per direction; not given: the system's.
    std::optional<model::BytesPerSecond> scale_up_bandwidth;   // per GPU (NVLink)
    std::optional<model::BytesPerSecond> scale_out_bandwidth;  // per NIC port
    model::StepMode step_mode = model::StepMode::realistic;
    // A calibration profile file (hwplan calibrate fit -o FILE), as
    // `hwplan tpot --profile`; empty: none (spec-sheet model). Relative paths
    // in a file are relative to that file; stored absolute.
    std::string profile;
    // The serving engine whose kernels a step runs: an id of
    // hwdb/data/engines (as `hwplan tpot --engine`).
    std::string engine{default_engine_id};
    friend bool operator==(const WhatIf&, const WhatIf&) = default;
};

struct WhatIfFile {
    WhatIf scenario;               // the current scenario (B in compare mode)
    std::optional<WhatIf> pinned;  // scenario A of compare mode
    friend bool operator==(const WhatIfFile&, const WhatIfFile&) = default;
};

enum class ScenarioKind { what_if, plan };

// A file with a top-level `what_if:` key is a what-if file; anything else is
// taken for a capacity-planning scenario. Throws hwplan::Error for unreadable
// or malformed YAML (with its location).
[[nodiscard]] ScenarioKind scenario_kind(const std::filesystem::path& path);

// `file` names the text in messages; relative model paths are resolved
// against `base_dir` (and stored absolute). Throws hwplan::Error listing every
// problem, each with file:line:col.
[[nodiscard]] WhatIfFile parse_what_if(std::string_view text, const std::string& file, const Database& db,
                                       const std::filesystem::path& base_dir);
[[nodiscard]] WhatIfFile load_what_if(const std::filesystem::path& path, const Database& db);

// The YAML text of a what-if file (keys left at their defaults are written
// too, so the file documents itself; dp/ep/weights/bandwidths only when given).
[[nodiscard]] std::string what_if_yaml(const WhatIfFile& f);
// Writes what_if_yaml() atomically.
void save_what_if(const std::filesystem::path& path, const WhatIfFile& f);

// The `model:` entry of a capacity-planning scenario file as a what-if model
// reference: a database id as written, or a path made absolute against the
// scenario's folder.
[[nodiscard]] std::string scenario_model_reference(const std::filesystem::path& scenario_path);

}  // namespace hwplan::hwdb

#pragma once
// The memory table/JSON of one resolved layout, shared by `memory` and the
// default `report`.

#include "cli/layout_options.hpp"
#include "cli/report.hpp"
#include "model/memory_plan.hpp"

#include <string>
#include <vector>

namespace hwplan::cli {

[[nodiscard]] nlohmann::json memory_json(const model::MemoryPlan& plan);

// The storage of each module class of a quantised checkpoint, one entry per
// class the model has: "routed experts: mxfp4 (4.25 bits/weight)". Empty for
// an unquantised model.
[[nodiscard]] std::vector<std::string> weight_storage_lines(const model::ModelArch& m);
// {"routed_experts": {"format": "mxfp4", "bits_per_weight": 4.25}, ...}, or
// null for an unquantised model.
[[nodiscard]] nlohmann::json weight_storage_json(const model::ModelArch& m);

// Adds a table (and, when r.json is empty, the JSON object) for `l`.
void append_memory_report(Report& r, const ResolvedLayout& l);

}  // namespace hwplan::cli

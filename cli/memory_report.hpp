#pragma once
// The memory table/JSON of one resolved layout, shared by `memory` and the
// default `report`.

#include "cli/layout_options.hpp"
#include "cli/report.hpp"
#include "model/memory_plan.hpp"

namespace hwplan::cli {

[[nodiscard]] nlohmann::json memory_json(const model::MemoryPlan& plan);

// Adds a table (and, when r.json is empty, the JSON object) for `l`.
void append_memory_report(Report& r, const ResolvedLayout& l);

}  // namespace hwplan::cli

#pragma once
// Printing a capacity plan (hwplan plan, hwplan report): the ranked plans,
// the Pareto fronts and the assumptions, as tables and as JSON with the
// contract's keys (plans / pareto, each entry with system, gpus, nodes,
// layout, tpot_ms, ttft_ms, output_tokens_per_s_per_gpu,
// input_tokens_per_s_per_gpu, cost_per_mtok_usd, power_kw ...).

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/report.hpp"
#include "hwdb/database.hpp"
#include "model/planner/plan.hpp"
#include "model/planner/scenario.hpp"

namespace hwplan::cli {

// One plan as a JSON object.
[[nodiscard]] nlohmann::json plan_json(const model::planner::Plan& p);

// "P 7×[4n tp1 ep32] + D 1×[18n tp1 ep144, b128]"
[[nodiscard]] std::string plan_layout_label(const model::planner::Plan& p);

// The assumptions a plan rests on, one sentence each.
[[nodiscard]] std::vector<std::string> plan_assumptions(const model::planner::Scenario& s,
                                                        const model::planner::PlanResult& r);

// Tables (top `top` plans, the best plan in detail, both fronts) and the
// JSON object. `fronts`: include the Pareto tables (the report command
// prints only the plans and the best one's detail).
[[nodiscard]] Report plan_report(const model::planner::Scenario& s, const model::planner::PlanResult& r,
                                 std::size_t top, bool fronts = true);

// Runs the planner; an infeasible result becomes hwplan::Error naming the
// binding constraint and the scenario line of the field it concerns.
[[nodiscard]] model::planner::PlanResult run_plan(const model::planner::Scenario& s, std::size_t top, int threads);

// The capacity-plan section of `hwplan report`: the top plans of the
// scenario at `path` (default: scenarios/deepseek-v3-h800.yaml beside the
// model database) and the best one in detail, appended to `r` (JSON key
// "plan"). A missing or infeasible scenario becomes a note, not an error.
void append_plan_section(Report& r, const hwdb::Database& db, std::filesystem::path path = {});

}  // namespace hwplan::cli

// hwplan plan <scenario.yaml>: the cheapest deployments that meet the SLA,
// the Pareto fronts and the assumptions (model/planner/search.hpp).
#include "cli/commands.hpp"
#include "cli/plan_report.hpp"
#include "hwdb/scenario_file.hpp"

namespace hwplan::cli {

void add_plan_command(CLI::App& app, Context& ctx) {
    struct Options {
        std::string scenario;
        std::size_t top = 10;
        int threads = 0;
    };
    auto o = std::make_shared<Options>();
    auto* sub = app.add_subcommand("plan", "Capacity plan: deployments meeting a scenario's SLA, cheapest first");
    sub->add_option("scenario", o->scenario, "Scenario file (scenarios/*.yaml, see docs/scenarios.md)")->required();
    sub->add_option("--top", o->top, "Plans to print (best per distinct layout)")->check(CLI::Range(1, 100000));
    sub->add_option("--threads", o->threads, "Worker threads (default: all cores; results do not depend on it)")
        ->check(CLI::Range(0, 1024));
    add_format_option(sub, ctx);
    sub->callback([o, &ctx] {
        const model::planner::Scenario s = hwdb::load_scenario(o->scenario, ctx.db());
        const model::planner::PlanResult r = run_plan(s, o->top, o->threads);
        ctx.emit(plan_report(s, r, o->top));
    });
}

}  // namespace hwplan::cli

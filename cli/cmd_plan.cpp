// hwplan plan <scenario.yaml>: the cheapest deployments that meet the SLA,
// the Pareto fronts and the assumptions (model/planner/search.hpp).
#include "cli/bounded_flag.hpp"
#include "cli/search_size.hpp"
#include "cli/commands.hpp"
#include "cli/engine_option.hpp"
#include "cli/plan_report.hpp"
#include "cli/profile_option.hpp"
#include "hwdb/scenario_file.hpp"
#include "model/calibration/apply.hpp"

namespace hwplan::cli {

void add_plan_command(CLI::App& app, Context& ctx) {
    struct Options {
        std::string scenario;
        std::size_t top = 10;
        int threads = 0;
        ProfileOptions profile;
        std::string engine;  // overrides the scenario's `engine:`
        double max_configurations = kDefaultMaxConfigurations;
    };
    auto o = std::make_shared<Options>();
    auto* sub = app.add_subcommand("plan", "Capacity plan: deployments meeting a scenario's SLA, cheapest first");
    sub->add_option("scenario", o->scenario, "Scenario file (scenarios/*.yaml, see docs/scenarios.md)")->required();
    sub->add_option("--top", o->top, "Plans to print (best per distinct layout)")->check(CLI::Range(1, 100000));
    sub->add_option("--threads", o->threads, "Worker threads (default: all cores; results do not depend on it)")
        ->check(CLI::Range(0, 1024));
    add_profile_options(sub, o->profile);
    sub->add_option("--engine", o->engine, "Serving engine for every deployment (overrides the scenario's `engine:`)");
    sub->add_option("--max-configurations", o->max_configurations,
                    "Refuse a search estimated above this many configurations (default 1e9)")
        ->check(number_in(1, 1e15));
    add_format_option(sub, ctx);
    sub->callback([o, &ctx] {
        model::planner::Scenario s = hwdb::load_scenario(o->scenario, ctx.db());
        check_search_size(s, o->max_configurations, o->threads, "--max-configurations", "plan");
        if (!o->engine.empty()) s.engine = resolve_engine(o->engine, ctx, "--engine");
        const auto prof = load_profile_option(o->profile, ctx);
        bool extrapolated = false;
        std::vector<std::string> links;
        if (prof) {
            // The planner takes systems and the default efficiencies only: the
            // profile enters as each candidate's measured links and effective
            // GPU peaks (model/calibration/apply.hpp, apply_effective_peaks).
            const model::Efficiencies defaults = model::default_efficiencies();
            for (auto& c : s.systems) {
                extrapolated = extrapolated || (prof->profile.gpu && model::calibration::extrapolated(
                                                                         prof->profile, c.system.gpu));
                links = model::calibration::apply_links(prof->profile, c.system, defaults);
                model::calibration::apply_effective_peaks(prof->profile, c.system.gpu, defaults);
            }
        }
        const model::planner::PlanResult r = run_plan(s, o->top, o->threads);
        Report rep = plan_report(s, r, o->top);
        if (prof) {
            rep.json["extrapolated"] = extrapolated;
            rep.json["profile"] = profile_json(*prof, extrapolated, links);
            rep.notes.push_back(profile_note(*prof, extrapolated, "each candidate GPU") +
                                " (plan: fitted GEMM throughput and bandwidth as effective peaks, measured links)");
        }
        ctx.emit(rep);
    });
}

}  // namespace hwplan::cli

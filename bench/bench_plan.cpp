// The capacity planner (model/planner/search.hpp) on the shipped scenarios:
// wall time of a full plan search and the rates it sustains. Goals (DESIGN):
// the full DeepSeek-V3 plan (scenarios/deepseek-v3-h800.yaml) in < 1 s and
// >= 1 million configurations per second on the 2-core development machine.
//
// Counters (per second of wall time, UseRealTime):
//   configs/s   deployments costed: each (decode layout, batch) point with
//               every prefill pool and pool count, plus each aggregated point
//   evals/s     model evaluations: decode_step + prefill + plan_memory calls
//   layouts/s   parallel layouts enumerated
//
//   build/<dir>/bench/hwplan_bench --benchmark_filter=Plan
#include <benchmark/benchmark.h>

#include <filesystem>

#include "hwdb/database.hpp"
#include "hwdb/scenario_file.hpp"
#include "model/planner/search.hpp"

namespace {

using namespace hwplan;

const hwdb::Database& database() {
    const std::filesystem::path src = HWPLAN_SOURCE_DIR;
    static const hwdb::Database db =
        hwdb::Database::load({src / "hwdb" / "data", src / "scenarios" / "models", src / "hwdb" / "profiles"});
    return db;
}

model::planner::Scenario scenario(const char* file) {
    return hwdb::load_scenario(std::filesystem::path(HWPLAN_SOURCE_DIR) / "scenarios" / file, database());
}

void run(benchmark::State& state, const char* file) {
    const model::planner::Scenario s = scenario(file);
    model::planner::PlanOptions o;
    o.threads = static_cast<int>(state.range(0));
    double configs = 0, evals = 0, layouts = 0;
    for (auto _ : state) {
        const model::planner::PlanResult r = model::planner::plan(s, o);
        benchmark::DoNotOptimize(r.plans.data());
        configs += static_cast<double>(r.stats.configurations);
        evals += static_cast<double>(r.stats.model_evaluations);
        layouts += static_cast<double>(r.stats.layouts);
    }
    state.counters["configs/s"] = benchmark::Counter(configs, benchmark::Counter::kIsRate);
    state.counters["evals/s"] = benchmark::Counter(evals, benchmark::Counter::kIsRate);
    state.counters["layouts/s"] = benchmark::Counter(layouts, benchmark::Counter::kIsRate);
    state.counters["configs/plan"] = configs / static_cast<double>(state.iterations());
}

void PlanDeepSeekV3H800(benchmark::State& state) { run(state, "deepseek-v3-h800.yaml"); }
void PlanLlama70bDense(benchmark::State& state) { run(state, "llama-3.1-70b-dense.yaml"); }
void PlanSmall(benchmark::State& state) { run(state, "small-llama-8b.yaml"); }

}  // namespace

BENCHMARK(PlanDeepSeekV3H800)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(PlanLlama70bDense)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(PlanSmall)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

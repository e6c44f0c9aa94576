// Responsiveness of hwplan-gui (issue 9: goal under 16 ms, one frame at
// 60 Hz, from a slider edit to updated charts). Built by gui/CMakeLists.txt
// as hwplan_gui_bench when the GUI is enabled; runs offscreen.
//
//   GuiRecompute     ScenarioModel alone: resolve, evaluate, both 32-point
//                    sweeps, the KV bars (what every edit computes).
//   GuiEditToRepaint the whole window: an edit through ScenarioModel::edit
//                    (undo step included), every view refreshed, and the
//                    window repainted synchronously.
//
//   QT_QPA_PLATFORM=offscreen build/<dir>/gui/hwplan_gui_bench
//       --benchmark_repetitions=9 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <QApplication>

#include <optional>

#include "gui/main_window.hpp"
#include "gui/scenario_model.hpp"
#include "hwdb/database.hpp"

namespace {

QApplication& app() {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    static int argc = 1;
    static char name[] = "hwplan_gui_bench";
    static char* argv[] = {name, nullptr};
    static QApplication a(argc, argv);
    return a;
}

const hwplan::hwdb::Database& db() {
    static const auto d = hwplan::hwdb::Database::load(hwplan::hwdb::default_data_paths());
    return d;
}

// DeepSeek-V3 on 18 H800 nodes (EP144), the paper's setting.
hwplan::hwdb::WhatIf scenario() {
    hwplan::hwdb::WhatIf w;
    w.model = "deepseek-v3";
    w.system = "h800-node";
    w.nodes = 18;
    w.batch = 64;
    w.context = 4096;
    return w;
}

void GuiRecompute(benchmark::State& state) {
    app();
    hwplan::gui::ScenarioModel model(db(), scenario());
    auto w = model.current();
    int i = 0;
    for (auto _ : state) {
        w.batch = 32 + (i++ % 2) * 32;  // alternate so every apply recomputes
        model.apply(w);
        benchmark::DoNotOptimize(model.results().evaluation.decode.tpot);
    }
    state.counters["edits/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(GuiRecompute)->Unit(benchmark::kMillisecond);

void GuiEditToRepaint(benchmark::State& state) {
    app();
    hwplan::gui::MainWindow window(db(), scenario());
    window.resize(1560, 980);
    window.show();
    QApplication::processEvents();
    auto* model = window.scenarioModel();
    int i = 0;
    for (auto _ : state) {
        auto w = model->current();
        w.batch = 32 + (i++ % 2) * 32;
        // Distinct fields alternate so undo steps do not merge (as separate drags).
        model->edit(w, "batch", i % 4 < 2 ? hwplan::gui::Field::batch : hwplan::gui::Field::context);
        window.repaint();  // synchronous paint of every chart and table
    }
    state.counters["edits/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(GuiEditToRepaint)->Unit(benchmark::kMillisecond);

}  // namespace

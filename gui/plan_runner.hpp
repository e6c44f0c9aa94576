#pragma once
// Runs the capacity planner (model/planner/search.hpp) off the UI thread,
// with progress and cancel.
//
// model::planner::plan() has no cancel hook, so the search is split by
// candidate system: one plan() per system, run in turn on a QtConcurrent
// worker, with the cancel flag checked between them. Cancelling therefore
// stops within one system's search (progress shows where it is); the parts
// are merged exactly as one search would rank them: plans by plan_less, the
// two Pareto fronts recomputed over the union of the per-system fronts (a
// point on the global front is on its own system's front).
//
// Signals are emitted on the thread that owns the runner (the UI thread).

#include <QFutureWatcher>
#include <QObject>
#include <QTimer>

#include <atomic>
#include <memory>

#include "model/planner/plan.hpp"
#include "model/planner/scenario.hpp"
#include "model/planner/search.hpp"

namespace hwplan::gui {

// Merges per-system plan results (part i searched systems[i] alone, so its
// system_index is 0) into one result over all systems; keeps the best `top`.
[[nodiscard]] model::planner::PlanResult merge_plan_results(std::vector<model::planner::PlanResult> parts,
                                                            const model::planner::Scenario& scenario,
                                                            std::size_t top);

class PlanRunner : public QObject {
    Q_OBJECT
public:
    explicit PlanRunner(QObject* parent = nullptr);
    ~PlanRunner() override;  // cancels and waits for the worker

    [[nodiscard]] bool running() const { return running_; }
    // Starts a search (ignored while one runs). `threads`: 0 = all cores.
    void start(const model::planner::Scenario& scenario, int threads = 0, std::size_t top = 20);
    // Asks the running search to stop; cancelled() follows when it has.
    void cancel();
    // Blocks until the worker is done (tests, screenshots).
    void wait();
    // The result of the last search that ran to the end.
    [[nodiscard]] const model::planner::PlanResult& result() const { return result_; }

signals:
    void progressChanged(double fraction);  // 0 .. 1
    void finished();                        // result() holds the new result
    void cancelled();
    void failed(const QString& message);    // the scenario was invalid

private:
    struct Shared {
        std::atomic<bool> cancel{false};
        std::atomic<int> part{0};  // system being searched
        int parts = 1;
        model::planner::Progress progress;  // of the current part
        std::string error;
    };
    void done();

    std::shared_ptr<Shared> shared_;
    QFutureWatcher<model::planner::PlanResult> watcher_;
    QTimer poll_;
    bool running_ = false;
    model::planner::PlanResult result_;
};

}  // namespace hwplan::gui

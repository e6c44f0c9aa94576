#pragma once
// The planner tab: runs a capacity-planning scenario (scenarios/*.yaml,
// docs/scenarios.md) through the planner off the UI thread (PlanRunner),
// with progress and cancel; shows the plans ranked by cost and the Pareto
// front (cost per million tokens vs TPOT) as a scatter chart. Clicking a
// point, or double-clicking a row, loads that plan's decode deployment into
// the what-if views (one undoable edit).

#include <QWidget>

#include <optional>

#include "gui/plan_runner.hpp"
#include "gui/scenario_model.hpp"

class QChartView;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QScatterSeries;
class QLineSeries;
class QTableWidget;
class QValueAxis;

namespace hwplan::gui {

class PlannerTab : public QWidget {
    Q_OBJECT
public:
    explicit PlannerTab(ScenarioModel* model, QWidget* parent = nullptr);

    // Loads a scenario file (errors go to ScenarioModel::errorOccurred).
    bool openScenario(const QString& path);
    void run();
    void cancel();
    [[nodiscard]] PlanRunner* runner() { return &runner_; }
    [[nodiscard]] QChartView* chartView() const { return chart_view_; }
    [[nodiscard]] QTableWidget* table() const { return table_; }
    // Loads plans()[index] into the what-if state; false if out of range.
    bool loadPlan(std::size_t index);
    [[nodiscard]] const std::vector<model::planner::Plan>& plans() const { return shown_; }

signals:
    void planLoaded();  // a plan became the what-if state

private:
    void showResult();
    void setRunning(bool running);

    ScenarioModel* model_;
    PlanRunner runner_;
    std::optional<model::planner::Scenario> scenario_;
    QString scenario_path_;
    std::string model_ref_;  // the scenario's model, as a what-if reference
    std::vector<model::planner::Plan> shown_;  // table rows / scatter points (plans, then front-only points)

    QLineEdit* path_ = nullptr;
    QPushButton* open_ = nullptr;
    QPushButton* run_ = nullptr;
    QPushButton* cancel_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* status_ = nullptr;
    QTableWidget* table_ = nullptr;
    QChartView* chart_view_ = nullptr;
    QScatterSeries* all_ = nullptr;
    QLineSeries* front_line_ = nullptr;
    QScatterSeries* front_ = nullptr;
    QValueAxis* x_ = nullptr;
    QValueAxis* y_ = nullptr;
};

}  // namespace hwplan::gui

namespace hwplan::gui {

// The what-if state of one plan's decode pool (aggregated: its only pool):
// system, unit size, layout, batch, precisions, MTP, overlap, the
// scenario's engine and search options; the context is the planner's mean decode
// context. `model_ref`: the scenario's model as a what-if reference.
[[nodiscard]] hwdb::WhatIf what_if_from_plan(const model::planner::Plan& p, const model::planner::Scenario& s,
                                             const std::string& model_ref, double decode_context);

}  // namespace hwplan::gui

#pragma once
// The main window: the deployment panel (left dock), the what-if views
// (headline numbers, per-component breakdown, memory, curves vs batch and
// context, KV-per-token comparison, tables), the planner and topology tabs,
// and the file / edit / compare menus. It owns the ScenarioModel; every view
// binds to it and nothing here computes.

#include <QMainWindow>

#include <vector>

#include "gui/comparison_model.hpp"
#include "gui/scenario_model.hpp"

class QChartView;
class QLabel;
class QMenu;
class QTabWidget;
class QTableView;

namespace hwplan::gui {

class DeploymentPanel;
class PlannerTab;
class TopologyTab;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // `db` must outlive the window.
    explicit MainWindow(const hwdb::Database& db, const hwdb::WhatIf& initial = {}, QWidget* parent = nullptr);

    [[nodiscard]] ScenarioModel* scenarioModel() const { return model_; }
    [[nodiscard]] DeploymentPanel* deploymentPanel() const { return panel_; }
    [[nodiscard]] PlannerTab* plannerTab() const { return planner_; }
    [[nodiscard]] TopologyTab* topologyTab() const { return topology_; }
    [[nodiscard]] QTabWidget* tabs() const { return tabs_; }
    [[nodiscard]] ComparisonModel* metricsModel() const { return metrics_; }
    [[nodiscard]] ComparisonModel* breakdownModel() const { return breakdown_; }
    [[nodiscard]] const std::vector<QChartView*>& charts() const { return charts_; }

    // Opens a what-if or capacity-planning scenario file; adds it to the
    // recent files. Errors: ScenarioModel::errorOccurred (and the dialog).
    bool openFile(const QString& path);
    bool saveFile(const QString& path);
    // Writes every chart as <dir>/<chart>.png or .svg ("png" / "svg");
    // returns the files written (an error goes to the error dialog).
    QStringList exportCharts(const QString& dir, const QString& format);
    // Writes metrics.csv and breakdown.csv into `dir`.
    QStringList exportTables(const QString& dir);
    // Errors print to stderr instead of opening a dialog (screenshot mode).
    void setQuietErrors(bool quiet) { quiet_errors_ = quiet; }
    [[nodiscard]] int errorCount() const { return errors_; }

private:
    void buildMenus();
    void buildWhatIfTab();
    void refresh();  // headline numbers and tables
    void updateTitle();
    void addRecent(const QString& path);
    void rebuildRecentMenu();
    void showError(const QString& title, const QString& message);

    ScenarioModel* model_;
    DeploymentPanel* panel_ = nullptr;
    PlannerTab* planner_ = nullptr;
    TopologyTab* topology_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    ComparisonModel* metrics_ = nullptr;
    ComparisonModel* breakdown_ = nullptr;
    std::vector<QChartView*> charts_;
    struct Headline {
        std::string key;
        QLabel* value = nullptr;
        QLabel* compare = nullptr;
        QLabel* interval = nullptr;  // with a calibration profile: "+hi/-lo unit"
    };
    std::vector<Headline> headlines_;
    QLabel* problem_ = nullptr;
    QLabel* calibration_ = nullptr;  // which profile; "extrapolated" when measured on another GPU
    QLabel* engine_ = nullptr;       // which serving engine's kernels the step runs (A's too when it differs)
    QMenu* recent_menu_ = nullptr;
    QAction* unpin_ = nullptr;
    QAction* swap_ = nullptr;
    bool quiet_errors_ = false;
    int errors_ = 0;
};

}  // namespace hwplan::gui

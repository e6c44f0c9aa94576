// The planner and topology tabs, offscreen: a plan run off the UI thread
// gives what the planner gives in one search (the per-system split and merge
// changes nothing), clicking a plan loads it into the what-if views, cancel
// returns promptly without hanging, and the topology tab sizes the fabric of
// the current deployment.
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <optional>

#include "gui/main_window.hpp"
#include "gui/plan_runner.hpp"
#include "gui/planner_tab.hpp"
#include "gui/topology_tab.hpp"
#include "hwdb/database.hpp"
#include "hwdb/scenario_file.hpp"
#include "model/planner/search.hpp"

using hwplan::gui::MainWindow;

namespace {

// The small test scenario on two candidate systems (so the merge is exercised).
const char* const kTwoSystems =
    "name: two systems\n"
    "model: llama-3.1-8b\n"
    "systems: [h100-node, h200-node]\n"
    "workload:\n"
    "  input: {mean: 1000}\n"
    "  output: {mean: 200}\n"
    "sla:\n"
    "  ttft: 500 ms\n"
    "  tpot: 20 ms\n"
    "constraints:\n"
    "  weights: [bf16]\n"
    "  overlap: [none]\n"
    "  max_batch: 256\n"
    "search:\n"
    "  modes: [aggregated, disaggregated]\n"
    "  prefill_nodes: [1]\n"
    "  decode_nodes: [1, 2]\n";

}  // namespace

class TestGuiPlanner : public QObject {
    Q_OBJECT
    std::optional<hwplan::hwdb::Database> db_;
    QTemporaryDir dir_;

    QString scenario_path() {
        const QString path = dir_.filePath("two-systems.yaml");
        QFile f(path);
        if (!f.exists() && f.open(QIODevice::WriteOnly)) f.write(kTwoSystems);
        return path;
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName("hwplan-test");
        QCoreApplication::setApplicationName("hwplan-gui-test");
        db_.emplace(hwplan::hwdb::Database::load(hwplan::hwdb::default_data_paths()));
        QVERIFY(dir_.isValid());
    }

    void run_gives_the_planner_result_and_a_click_loads_a_plan() {
        MainWindow w(*db_);
        w.show();
        QVERIFY(w.openFile(scenario_path()));  // a capacity-planning scenario reaches the planner tab
        auto* tab = w.plannerTab();
        auto* run = tab->findChild<QPushButton*>("runPlanButton");
        QVERIFY(run && run->isEnabled());
        QSignalSpy finished(tab->runner(), &hwplan::gui::PlanRunner::finished);
        QTest::mouseClick(run, Qt::LeftButton);
        QVERIFY(tab->runner()->running());
        QVERIFY(!run->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(!tab->runner()->running(), 300000);
        QCOMPARE(finished.count(), 1);
        QVERIFY(run->isEnabled());

        // The same scenario through one plan() call: same ranked plans, same front.
        const auto scenario = hwplan::hwdb::load_scenario(scenario_path().toStdString(), *db_);
        hwplan::model::planner::PlanOptions o;
        o.top = 20;
        const auto direct = hwplan::model::planner::plan(scenario, o);
        const auto& merged = tab->runner()->result();
        QVERIFY(direct.feasible);
        QCOMPARE(merged.feasible, direct.feasible);
        QCOMPARE(merged.plans.size(), direct.plans.size());
        QVERIFY(merged.plans == direct.plans);
        QVERIFY(merged.pareto == direct.pareto);
        QVERIFY(merged.pareto_throughput == direct.pareto_throughput);
        QCOMPARE(merged.stats.plans_meeting_sla, direct.stats.plans_meeting_sla);

        auto* table = tab->findChild<QTableWidget*>("plansTable");
        QCOMPARE(table->rowCount(), static_cast<int>(tab->plans().size()));
        QVERIFY(table->rowCount() >= static_cast<int>(merged.plans.size()));

        // Load the best plan: its decode deployment becomes the what-if state.
        QVERIFY(tab->loadPlan(0));
        const auto& p = tab->plans().front();
        const auto& cur = w.scenarioModel()->current();
        QCOMPARE(cur.system, p.system);
        QCOMPARE(cur.nodes, p.decode.nodes);
        QCOMPARE(cur.tp, p.decode.tp);
        QCOMPARE(cur.dp.value_or(-1), p.decode.dp);
        QCOMPARE(cur.batch, p.decode.batch);
        QCOMPARE(cur.engine, scenario.engine.id);  // the engine the plan was evaluated with
        QCOMPARE(w.tabs()->currentIndex(), 0);
        QVERIFY(w.scenarioModel()->results().evaluation.problem.empty());
        // One undo step back to where we were.
        w.scenarioModel()->undo_stack()->undo();
        QCOMPARE(w.scenarioModel()->current().batch, hwplan::hwdb::WhatIf{}.batch);
    }

    void cancel_returns_promptly() {
        MainWindow w(*db_);
        QVERIFY(w.openFile(scenario_path()));
        auto* tab = w.plannerTab();
        QSignalSpy cancelled(tab->runner(), &hwplan::gui::PlanRunner::cancelled);
        QSignalSpy finished(tab->runner(), &hwplan::gui::PlanRunner::finished);
        tab->run();
        QVERIFY(tab->runner()->running());
        QElapsedTimer t;
        t.start();
        QTest::mouseClick(tab->findChild<QPushButton*>("cancelPlanButton"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!tab->runner()->running(), 120000);
        qInfo() << "cancel took" << t.elapsed() << "ms";
        QCOMPARE(cancelled.count(), 1);
        QCOMPARE(finished.count(), 0);
        QCOMPARE(tab->findChild<QLabel*>("planStatus")->text(), QStringLiteral("Cancelled."));
        QVERIFY(tab->findChild<QPushButton*>("runPlanButton")->isEnabled());
        // Destroying the window while a search runs cancels and waits (no hang, no crash).
        tab->run();
        QVERIFY(tab->runner()->running());
    }

    void topology_tab_sizes_the_deployment_fabric() {
        MainWindow w(*db_);
        auto* model = w.scenarioModel();
        hwplan::hwdb::WhatIf s = model->current();
        s.model = "deepseek-v3";
        s.system = "h800-node";
        s.nodes = 18;
        QVERIFY(model->edit(s, "nodes", hwplan::gui::Field::nodes));
        auto* table = w.topologyTab()->findChild<QTableWidget*>("fabricTable");
        QCOMPARE(table->rowCount(), 3);
        const auto& sys = db_->system("h800-node");
        const int ports = 18 * sys.nics_per_node * (sys.nic ? sys.nic->ports : 0);
        QCOMPARE(w.topologyTab()->findChild<QSpinBox*>("endpointsSpin")->value(), ports);
        int cheapest = 0;
        for (int r = 0; r < 3; ++r) cheapest += table->item(r, 7)->text() == "cheapest";
        QCOMPARE(cheapest, 1);
        QVERIFY(w.topologyTab()->findChild<QLabel*>("topologySummary")->text().contains("/h"));
    }
};

QTEST_MAIN(TestGuiPlanner)
#include "test_gui_planner.moc"

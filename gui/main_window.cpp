#include "gui/main_window.hpp"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>
#include <QtCharts/QChartView>

#include <iostream>
#include <map>

#include "gui/breakdown_chart.hpp"
#include "gui/curves_chart.hpp"
#include "gui/deployment_panel.hpp"
#include "gui/export.hpp"
#include "gui/kv_compare_chart.hpp"
#include "gui/memory_chart.hpp"
#include "gui/planner_tab.hpp"
#include "gui/topology_tab.hpp"
#include "model/error.hpp"

namespace hwplan::gui {

namespace {

constexpr int kMaxRecent = 8;
const char* const kRecentKey = "recentFiles";

QString qs(const std::string& s) { return QString::fromStdString(s); }

// The headline numbers, by Metric key.
constexpr const char* kHeadlines[] = {"tpot_ms", "tokens_per_s_per_user", "tokens_per_s_per_gpu",
                                      "memory_per_gpu_gib", "ttft_ms", "usd_per_m_output_tokens"};

const Metric* find_metric(const std::vector<Metric>& ms, const std::string& key) {
    for (const auto& m : ms)
        if (m.key == key) return &m;
    return nullptr;
}

std::vector<ComparisonModel::Row> metric_rows(const Results& b, const Results* a) {
    std::vector<ComparisonModel::Row> rows;
    for (const auto& m : b.metrics) {
        ComparisonModel::Row r{m.key, m.label, m.unit, m.decimals, {}, {}};
        if (m.available) r.b = m.value;
        if (a)
            if (const Metric* am = find_metric(a->metrics, m.key); am && am->available) r.a = am->value;
        rows.push_back(std::move(r));
    }
    return rows;
}

std::vector<ComparisonModel::Row> breakdown_rows(const Results& b, const Results* a) {
    std::vector<ComparisonModel::Row> rows;
    const auto& bb = b.evaluation.decode.breakdown;
    double total_b = 0, total_a = 0;
    for (std::size_t i = 0; i < model::component_count; ++i) {
        const double vb = bb.seconds_[i] * 1e6;
        const double va = a ? a->evaluation.decode.breakdown.seconds_[i] * 1e6 : 0;
        total_b += vb;
        total_a += va;
        if (vb == 0 && va == 0) continue;
        const auto c = static_cast<model::Component>(i);
        ComparisonModel::Row r{std::string(model::component_name(c)), std::string(model::component_name(c)), "us",
                               1, vb, {}};
        if (a) r.a = va;
        rows.push_back(std::move(r));
    }
    ComparisonModel::Row t{"step", "decode step (sum)", "us", 1, total_b, {}};
    if (a) t.a = total_a;
    rows.push_back(std::move(t));
    return rows;
}

}  // namespace

MainWindow::MainWindow(const hwdb::Database& db, const hwdb::WhatIf& initial, QWidget* parent)
    : QMainWindow(parent), model_(new ScenarioModel(db, initial, this)) {
    setObjectName("mainWindow");
    metrics_ = new ComparisonModel(this);
    breakdown_ = new ComparisonModel(this);

    panel_ = new DeploymentPanel(model_, this);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(panel_);
    scroll->setWidgetResizable(true);
    scroll->setMinimumWidth(panel_->sizeHint().width() + 24);
    auto* dock = new QDockWidget(tr("Deployment"), this);
    dock->setObjectName("deploymentDock");
    dock->setWidget(scroll);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    addDockWidget(Qt::LeftDockWidgetArea, dock);

    tabs_ = new QTabWidget(this);
    tabs_->setObjectName("viewTabs");
    setCentralWidget(tabs_);
    buildWhatIfTab();
    planner_ = new PlannerTab(model_, this);
    charts_.push_back(planner_->chartView());
    tabs_->addTab(planner_, tr("Planner"));
    topology_ = new TopologyTab(model_, this);
    tabs_->addTab(topology_, tr("Topology"));
    connect(planner_, &PlannerTab::planLoaded, this, [this] { tabs_->setCurrentIndex(0); });

    buildMenus();
    connect(model_, &ScenarioModel::changed, this, &MainWindow::refresh);
    connect(model_, &ScenarioModel::errorOccurred, this, &MainWindow::showError);
    connect(model_, &ScenarioModel::fileChanged, this, &MainWindow::updateTitle);
    connect(model_->undo_stack(), &QUndoStack::cleanChanged, this, &MainWindow::updateTitle);
    refresh();
    updateTitle();
    resize(1560, 980);
}

void MainWindow::buildWhatIfTab() {
    auto* page = new QWidget(this);
    auto* outer = new QVBoxLayout(page);

    // Headline numbers: B's value; in compare mode A and the delta below it.
    auto* head = new QHBoxLayout;
    const auto& ms = model_->results().metrics;
    for (const char* key : kHeadlines) {
        const Metric* m = find_metric(ms, key);
        auto* box = new QVBoxLayout;
        auto* title = new QLabel(m ? qs(m->label) : qs(key), page);
        auto* value = new QLabel(page);
        value->setObjectName(QString::fromLatin1(key) + "Value");
        QFont f = value->font();
        f.setPointSizeF(f.pointSizeF() * 1.6);
        f.setBold(true);
        value->setFont(f);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        auto* compare = new QLabel(page);
        compare->setObjectName(QString::fromLatin1(key) + "Compare");
        auto* interval = new QLabel(page);
        interval->setObjectName(QString::fromLatin1(key) + "Interval");
        interval->setToolTip(tr("10th-90th percentile band of the calibration fits' residuals"));
        interval->setVisible(false);
        box->addWidget(title);
        box->addWidget(value);
        box->addWidget(interval);
        box->addWidget(compare);
        head->addLayout(box);
        head->addSpacing(18);
        headlines_.push_back({key, value, compare, interval});
    }
    head->addStretch(1);
    outer->addLayout(head);
    problem_ = new QLabel(page);
    problem_->setObjectName("problemLabel");
    problem_->setWordWrap(true);
    problem_->setStyleSheet("color: #b00020;");
    outer->addWidget(problem_);
    calibration_ = new QLabel(page);
    calibration_->setObjectName("calibrationLabel");
    calibration_->setWordWrap(true);
    calibration_->setVisible(false);
    outer->addWidget(calibration_);
    engine_ = new QLabel(page);
    engine_->setObjectName("engineLabel");
    engine_->setWordWrap(true);
    engine_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    outer->addWidget(engine_);

    auto* grid = new QGridLayout;
    auto* breakdown = new BreakdownChart(model_, page);
    auto* memory = new MemoryChart(model_, page);
    auto* batch = new CurvesChart(model_, SweepAxis::batch, page);
    auto* context = new CurvesChart(model_, SweepAxis::context, page);
    auto* kv = new KvCompareChart(model_, page);
    charts_ = {breakdown, memory, batch, context, kv};

    auto* tables = new QTabWidget(page);
    tables->setObjectName("tableTabs");
    const auto table = [&](ComparisonModel* m, const QString& name) {
        auto* v = new QTableView(page);
        v->setObjectName(name);
        v->setModel(m);
        v->verticalHeader()->hide();
        v->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
        v->horizontalHeader()->setStretchLastSection(true);
        v->setAlternatingRowColors(true);
        v->setSelectionBehavior(QAbstractItemView::SelectRows);
        return v;
    };
    tables->addTab(table(metrics_, "metricsTable"), tr("Numbers"));
    tables->addTab(table(breakdown_, "breakdownTable"), tr("Breakdown per step"));

    grid->addWidget(breakdown, 0, 0);
    grid->addWidget(memory, 0, 1);
    grid->addWidget(batch, 1, 0);
    grid->addWidget(context, 1, 1);
    grid->addWidget(kv, 2, 0);
    grid->addWidget(tables, 2, 1);
    for (int r = 0; r < 3; ++r) grid->setRowStretch(r, 1);
    grid->setColumnStretch(0, 1);
    grid->setColumnStretch(1, 1);
    outer->addLayout(grid, 1);
    tabs_->addTab(page, tr("What-if"));
}

void MainWindow::buildMenus() {
    auto* file = menuBar()->addMenu(tr("&File"));
    auto* tools = addToolBar(tr("Main"));
    tools->setObjectName("mainToolBar");
    tools->setMovable(false);

    auto* open = file->addAction(tr("&Open scenario…"), this, [this] {
        const QString p = QFileDialog::getOpenFileName(this, tr("Open scenario"), QString(),
                                                       tr("Scenario files (*.yaml *.yml);;All files (*)"));
        if (!p.isEmpty()) openFile(p);
    });
    open->setShortcut(QKeySequence::Open);
    file->addAction(tr("Open HF &config.json…"), panel_, &DeploymentPanel::chooseModelFile);
    recent_menu_ = file->addMenu(tr("Open &recent"));
    rebuildRecentMenu();
    file->addSeparator();
    auto* save_as = file->addAction(tr("Save &as…"), this, [this] {
        const QString p = QFileDialog::getSaveFileName(this, tr("Save what-if scenario"), QString(),
                                                       tr("What-if scenario (*.yaml)"));
        if (!p.isEmpty()) saveFile(p);
    });
    save_as->setShortcut(QKeySequence::SaveAs);
    auto* save = new QAction(tr("&Save"), this);
    save->setShortcut(QKeySequence::Save);
    connect(save, &QAction::triggered, this, [this, save_as] {
        // Never overwrite a capacity-planning scenario with a what-if file.
        const QString f = model_->file_path();
        bool what_if = false;
        try {
            what_if = !f.isEmpty() && hwdb::scenario_kind(f.toStdString()) == hwdb::ScenarioKind::what_if;
        } catch (const Error&) {
        }
        if (what_if)
            saveFile(f);
        else
            save_as->trigger();
    });
    file->insertAction(save_as, save);
    file->addSeparator();
    file->addAction(tr("Export charts as &PNG…"), this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Export charts (PNG) to"));
        if (!d.isEmpty()) statusBar()->showMessage(tr("Wrote %1").arg(exportCharts(d, "png").join(", ")), 8000);
    });
    file->addAction(tr("Export charts as S&VG…"), this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Export charts (SVG) to"));
        if (!d.isEmpty()) statusBar()->showMessage(tr("Wrote %1").arg(exportCharts(d, "svg").join(", ")), 8000);
    });
    file->addAction(tr("Export tables as &CSV…"), this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Export tables (CSV) to"));
        if (!d.isEmpty()) statusBar()->showMessage(tr("Wrote %1").arg(exportTables(d).join(", ")), 8000);
    });
    file->addSeparator();
    auto* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    auto* edit = menuBar()->addMenu(tr("&Edit"));
    auto* undo = model_->undo_stack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    auto* redo = model_->undo_stack()->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    edit->addAction(undo);
    edit->addAction(redo);

    auto* compare = menuBar()->addMenu(tr("&Compare"));
    auto* pin = compare->addAction(tr("&Pin as A"), model_, &ScenarioModel::pin);
    pin->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    pin->setToolTip(tr("Keep the current scenario as A; further edits change B"));
    swap_ = compare->addAction(tr("&Swap A and B"), model_, &ScenarioModel::swap);
    unpin_ = compare->addAction(tr("&Unpin (stop comparing)"), model_, &ScenarioModel::unpin);

    tools->addAction(open);
    tools->addAction(save);
    tools->addSeparator();
    tools->addAction(undo);
    tools->addAction(redo);
    tools->addSeparator();
    tools->addAction(pin);
    tools->addAction(swap_);
    tools->addAction(unpin_);
}

bool MainWindow::openFile(const QString& path) {
    if (!model_->open(path)) return false;
    addRecent(path);
    return true;
}

bool MainWindow::saveFile(const QString& path) {
    if (!model_->save(path)) return false;
    addRecent(path);
    return true;
}

QStringList MainWindow::exportCharts(const QString& dir, const QString& format) {
    QStringList written;
    for (QChartView* v : charts_) {
        const QString path = QDir(dir).filePath(v->objectName() + "." + format);
        const QString err = format == "svg" ? export_chart_svg(v, path) : export_chart_png(v, path);
        if (!err.isEmpty()) {
            showError(tr("Cannot export charts"), err);
            break;
        }
        written << path;
    }
    return written;
}

QStringList MainWindow::exportTables(const QString& dir) {
    QStringList written;
    for (auto [m, name] : {std::pair{metrics_, "metrics.csv"}, std::pair{breakdown_, "breakdown.csv"}}) {
        const QString path = QDir(dir).filePath(name);
        const QString err = export_csv(m, path);
        if (!err.isEmpty()) {
            showError(tr("Cannot export tables"), err);
            break;
        }
        written << path;
    }
    return written;
}

void MainWindow::refresh() {
    const Results& b = model_->results();
    const Results* a = model_->pinned_results();
    for (auto& h : headlines_) {
        const Metric* mb = find_metric(b.metrics, h.key);
        const Metric* ma = a ? find_metric(a->metrics, h.key) : nullptr;
        const auto text = [](const Metric* m) {
            if (!m || !m->available) return QStringLiteral("–");
            return qs(format_fixed(m->value, m->decimals)) + (m->unit.empty() ? QString() : " " + qs(m->unit));
        };
        h.value->setText(text(mb));
        const bool interval = mb && mb->available && mb->has_interval;
        h.interval->setText(interval ? qs(format_interval(mb->value, mb->lo, mb->hi, mb->decimals)) +
                                           (mb->unit.empty() ? QString() : " " + qs(mb->unit))
                                     : QString());
        h.interval->setVisible(interval);
        if (a) {
            QString c = tr("A %1").arg(text(ma));
            if (mb && ma && mb->available && ma->available)
                c += tr("  Δ %1").arg(qs(format_delta(mb->value, ma->value, mb->decimals)));
            h.compare->setText(c);
        } else {
            h.compare->clear();
        }
        h.compare->setVisible(a != nullptr);
    }
    const Evaluation& e = b.evaluation;
    QString problem;
    if (!e.problem.empty())
        problem = tr("Layout cannot run: %1").arg(qs(e.problem));
    else if (!e.decode.feasible && !e.decode.reason.empty())
        problem = tr("Infeasible: %1").arg(qs(e.decode.reason));
    problem_->setText(problem);
    problem_->setVisible(!problem.isEmpty());
    QString calibration;
    if (e.profiled) {
        const std::string& file = model_->current().profile;
        calibration = tr("Calibrated with profile %1").arg(QFileInfo(qs(file)).fileName());
        if (!e.profile_gpu.empty()) calibration += tr(" (measured on %1)").arg(qs(e.profile_gpu));
        calibration += tr("; ± = 10th-90th percentile band of the fit residuals");
        if (e.extrapolated)
            calibration += tr(". EXTRAPOLATED: efficiency curves scaled to %1's peaks").arg(qs(e.in.system.gpu.id));
    }
    calibration_->setText(calibration);
    calibration_->setStyleSheet(e.extrapolated ? "color: #9a6700;" : QString());
    calibration_->setVisible(!calibration.isEmpty());
    // Every number depends on the engine (as `hwplan tpot` notes it), so it is always named.
    const auto& db = model_->database();
    const hwdb::WhatIf& cur = model_->current();
    QString engine = qs(engine_note(db.engine(cur.engine), e.decode.kernels));
    if (cur.step_mode == model::StepMode::paper)
        engine += tr(" (the paper bound counts the EP all-to-all only: the engine does not change TPOT)");
    if (a && model_->pinned()->engine != cur.engine)
        engine += tr("\nA: %1").arg(qs(engine_note(db.engine(model_->pinned()->engine), a->evaluation.decode.kernels)));
    engine_->setText(engine);
    metrics_->setRows(metric_rows(b, a), a != nullptr);
    breakdown_->setRows(breakdown_rows(b, a), a != nullptr);
    unpin_->setEnabled(a != nullptr);
    swap_->setEnabled(a != nullptr);
    statusBar()->showMessage(a ? tr("Comparing: A (pinned) vs B (current edits)") : QString());
}

void MainWindow::updateTitle() {
    const QString f = model_->file_path();
    setWindowTitle(tr("%1[*] — hwplan-gui").arg(f.isEmpty() ? tr("untitled") : QFileInfo(f).fileName()));
    setWindowModified(!model_->undo_stack()->isClean());
}

void MainWindow::addRecent(const QString& path) {
    QSettings settings;
    QStringList files = settings.value(kRecentKey).toStringList();
    const QString abs = QFileInfo(path).absoluteFilePath();
    files.removeAll(abs);
    files.prepend(abs);
    while (files.size() > kMaxRecent) files.removeLast();
    settings.setValue(kRecentKey, files);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    recent_menu_->clear();
    const QStringList files = QSettings().value(kRecentKey).toStringList();
    for (const QString& f : files)
        recent_menu_->addAction(QFileInfo(f).fileName(), this, [this, f] { openFile(f); })->setToolTip(f);
    recent_menu_->setEnabled(!files.isEmpty());
}

void MainWindow::showError(const QString& title, const QString& message) {
    ++errors_;
    if (quiet_errors_) {
        std::cerr << "hwplan-gui: " << title.toStdString() << ": " << message.toStdString() << "\n";
        return;
    }
    // Window-modal but not blocking (open(), not exec()), so a test or a
    // script driving the window is never stuck in a nested event loop.
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box->setObjectName("errorDialog");
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

}  // namespace hwplan::gui

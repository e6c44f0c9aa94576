#include "gui/planner_tab.hpp"

#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>

#include <cmath>
#include <limits>

#include "gui/chart_style.hpp"
#include "hwdb/scenario_file.hpp"
#include "model/error.hpp"

namespace hwplan::gui {

namespace planner = model::planner;

hwdb::WhatIf what_if_from_plan(const planner::Plan& p, const planner::Scenario& s, const std::string& model_ref,
                               double decode_context) {
    hwdb::WhatIf w;
    w.model = model_ref;
    w.system = p.system;
    const planner::PoolLayout& d = p.decode;
    w.nodes = d.nodes;
    w.tp = d.tp;
    w.dp = d.dp;
    w.pp = d.pp;
    w.ep = d.ep;
    w.redundant_experts = d.redundant_experts;
    w.batch = std::max(1, d.batch);
    w.context = std::max(1, static_cast<int>(std::lround(decode_context)));
    w.weights = p.weights;
    w.kv_cache = p.kv_cache;
    w.overlap = d.overlap;
    w.mtp_depth = p.mtp_depth;
    if (p.mtp_depth > 0) w.mtp_acceptance = p.mtp_acceptance;
    w.comm_sms = s.search.comm_sms;
    w.expert_imbalance = s.search.expert_imbalance;
    w.step_mode = s.search.step_mode;
    w.engine = s.engine.id;  // the engine the planner evaluated every plan with
    return w;
}

namespace {

QString layout_text(const planner::PoolLayout& l) {
    return QStringLiteral("%1×(tp%2 dp%3 pp%4 ep%5)").arg(l.units).arg(l.tp).arg(l.dp).arg(l.pp).arg(l.ep);
}

}  // namespace

PlannerTab::PlannerTab(ScenarioModel* model, QWidget* parent) : QWidget(parent), model_(model) {
    auto* outer = new QVBoxLayout(this);
    auto* row = new QHBoxLayout;
    path_ = new QLineEdit(this);
    path_->setObjectName("planScenarioPath");
    path_->setReadOnly(true);
    path_->setPlaceholderText(tr("Open a capacity-planning scenario (scenarios/*.yaml)"));
    open_ = new QPushButton(tr("Open scenario…"), this);
    run_ = new QPushButton(tr("Run plan"), this);
    run_->setObjectName("runPlanButton");
    cancel_ = new QPushButton(tr("Cancel"), this);
    cancel_->setObjectName("cancelPlanButton");
    progress_ = new QProgressBar(this);
    progress_->setObjectName("planProgress");
    progress_->setRange(0, 1000);
    progress_->setTextVisible(false);
    row->addWidget(path_, 3);
    row->addWidget(open_);
    row->addWidget(run_);
    row->addWidget(cancel_);
    row->addWidget(progress_, 1);
    outer->addLayout(row);
    status_ = new QLabel(this);
    status_->setObjectName("planStatus");
    status_->setWordWrap(true);
    outer->addWidget(status_);

    auto* split = new QSplitter(Qt::Horizontal, this);
    auto* chart = make_chart(tr("Plans: cost vs TPOT (click a point to load it)"));
    all_ = new QScatterSeries;
    all_->setName(tr("ranked plans"));
    all_->setMarkerSize(9);
    all_->setColor(palette_color(9));
    all_->setBorderColor(palette_color(9).darker(130));
    front_line_ = new QLineSeries;
    front_line_->setName(tr("Pareto front"));
    QPen pen(palette_color(2));
    pen.setWidthF(1.5);
    front_line_->setPen(pen);
    front_ = new QScatterSeries;
    front_->setName(tr("Pareto-optimal"));
    front_->setMarkerSize(11);
    front_->setColor(palette_color(2));
    front_->setBorderColor(palette_color(2).darker(150));
    x_ = new QValueAxis;
    x_->setTitleText(tr("TPOT ms (SLA statistic)"));
    x_->setLabelFormat("%.1f");
    y_ = new QValueAxis;
    y_->setTitleText(tr("$ per million tokens"));
    y_->setLabelFormat("%.3f");
    chart->addAxis(x_, Qt::AlignBottom);
    chart->addAxis(y_, Qt::AlignLeft);
    for (QXYSeries* s : {static_cast<QXYSeries*>(all_), static_cast<QXYSeries*>(front_line_),
                         static_cast<QXYSeries*>(front_)}) {
        chart->addSeries(s);
        s->attachAxis(x_);
        s->attachAxis(y_);
    }
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart_view_ = new QChartView(chart, split);
    chart_view_->setObjectName("paretoChart");
    style_view(chart_view_);
    table_ = new QTableWidget(split);
    table_->setObjectName("plansTable");
    table_->setColumnCount(10);
    table_->setHorizontalHeaderLabels({tr("#"), tr("front"), tr("system"), tr("mode"), tr("GPUs"), tr("decode layout"),
                                       tr("batch"), tr("TPOT ms"), tr("TTFT ms"), tr("$/Mtok")});
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    split->addWidget(chart_view_);
    split->addWidget(table_);
    split->setSizes({650, 550});  // the table's size hint would take most of the width
    outer->addWidget(split, 1);

    connect(open_, &QPushButton::clicked, this, [this] {
        const QString p = QFileDialog::getOpenFileName(this, tr("Open capacity-planning scenario"), QString(),
                                                       tr("Scenario files (*.yaml *.yml)"));
        if (!p.isEmpty()) openScenario(p);
    });
    connect(run_, &QPushButton::clicked, this, &PlannerTab::run);
    connect(cancel_, &QPushButton::clicked, this, &PlannerTab::cancel);
    connect(&runner_, &PlanRunner::progressChanged, this,
            [this](double f) { progress_->setValue(static_cast<int>(std::lround(f * 1000))); });
    connect(&runner_, &PlanRunner::finished, this, [this] {
        setRunning(false);
        showResult();
    });
    connect(&runner_, &PlanRunner::cancelled, this, [this] {
        setRunning(false);
        progress_->setValue(0);
        status_->setText(tr("Cancelled."));
    });
    connect(&runner_, &PlanRunner::failed, this, [this](const QString& m) {
        setRunning(false);
        status_->setText(m);
        emit model_->errorOccurred(tr("Cannot plan"), m);
    });
    const auto click = [this](const QPointF& p) {
        // The plan whose point is nearest the click, in axis-relative units.
        const double sx = std::max(1e-12, x_->max() - x_->min()), sy = std::max(1e-12, y_->max() - y_->min());
        std::size_t best = shown_.size();
        double best_d = std::numeric_limits<double>::max();
        for (std::size_t i = 0; i < shown_.size(); ++i) {
            const double dx = (shown_[i].tpot.value() * 1e3 - p.x()) / sx;
            const double dy = (shown_[i].cost_per_mtok_usd - p.y()) / sy;
            if (dx * dx + dy * dy < best_d) {
                best_d = dx * dx + dy * dy;
                best = i;
            }
        }
        if (best < shown_.size()) {
            table_->selectRow(static_cast<int>(best));
            loadPlan(best);
        }
    };
    connect(all_, &QScatterSeries::clicked, this, click);
    connect(front_, &QScatterSeries::clicked, this, click);
    connect(table_, &QTableWidget::cellDoubleClicked, this,
            [this](int r, int) { loadPlan(static_cast<std::size_t>(r)); });
    connect(model_, &ScenarioModel::planScenarioOpened, this, &PlannerTab::openScenario);
    setRunning(false);
    run_->setEnabled(false);
}

bool PlannerTab::openScenario(const QString& path) {
    try {
        auto s = hwdb::load_scenario(path.toStdString(), model_->database());
        model_ref_ = hwdb::scenario_model_reference(path.toStdString());
        scenario_ = std::move(s);
    } catch (const Error& e) {
        emit model_->errorOccurred(tr("Cannot open %1").arg(QFileInfo(path).fileName()), QString::fromStdString(e.what()));
        return false;
    }
    scenario_path_ = path;
    path_->setText(path);
    status_->setText(tr("%1: %2 candidate system(s). Run to search.")
                         .arg(QString::fromStdString(scenario_->name.empty() ? scenario_->model.id : scenario_->name))
                         .arg(scenario_->systems.size()));
    shown_.clear();
    table_->setRowCount(0);
    all_->clear();
    front_->clear();
    front_line_->clear();
    run_->setEnabled(!runner_.running());
    return true;
}

void PlannerTab::run() {
    if (!scenario_ || runner_.running()) return;
    setRunning(true);
    status_->setText(tr("Searching…"));
    runner_.start(*scenario_);
}

void PlannerTab::cancel() {
    if (!runner_.running()) return;
    runner_.cancel();
    cancel_->setEnabled(false);
    status_->setText(tr("Cancelling (stops after the current system)…"));
}

void PlannerTab::setRunning(bool running) {
    run_->setEnabled(!running && scenario_.has_value());
    open_->setEnabled(!running);
    cancel_->setEnabled(running);
}

void PlannerTab::showResult() {
    const planner::PlanResult& r = runner_.result();
    shown_ = r.plans;
    std::vector<bool> on_front;
    for (const auto& p : shown_)
        on_front.push_back(std::find(r.pareto.begin(), r.pareto.end(), p) != r.pareto.end());
    for (const auto& p : r.pareto)
        if (std::find(shown_.begin(), shown_.end(), p) == shown_.end()) {
            shown_.push_back(p);
            on_front.push_back(true);
        }
    table_->setRowCount(static_cast<int>(shown_.size()));
    QList<QPointF> all, front;
    double x_hi = 0, y_hi = 0;
    for (std::size_t i = 0; i < shown_.size(); ++i) {
        const auto& p = shown_[i];
        const int row = static_cast<int>(i);
        const auto cell = [&](int c, const QString& t) {
            auto* item = new QTableWidgetItem(t);
            if (c >= 4 && c != 5) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            table_->setItem(row, c, item);
        };
        cell(0, i < r.plans.size() ? QString::number(i + 1) : QStringLiteral("–"));
        cell(1, on_front[i] ? QStringLiteral("●") : QString());
        cell(2, QString::fromStdString(p.system));
        cell(3, QString::fromStdString(std::string(planner::to_string(p.mode))));
        cell(4, QString::number(p.gpus));
        cell(5, layout_text(p.decode) + (p.prefill ? tr(" + prefill ") + layout_text(*p.prefill) : QString()));
        cell(6, QString::number(p.decode.batch));
        cell(7, QString::number(p.tpot.value() * 1e3, 'f', 2));
        cell(8, QString::number(p.ttft.value() * 1e3, 'f', 0));
        cell(9, QString::number(p.cost_per_mtok_usd, 'f', 3));
        const QPointF pt(p.tpot.value() * 1e3, p.cost_per_mtok_usd);
        (on_front[i] ? front : all) << pt;
        x_hi = std::max(x_hi, pt.x());
        y_hi = std::max(y_hi, pt.y());
    }
    QList<QPointF> line;
    for (const auto& p : r.pareto) line << QPointF(p.tpot.value() * 1e3, p.cost_per_mtok_usd);
    all_->replace(all);
    front_->replace(front);
    front_line_->replace(line);
    x_->setRange(0, x_hi > 0 ? x_hi * 1.1 : 1);
    x_->applyNiceNumbers();
    y_->setRange(0, y_hi > 0 ? y_hi * 1.1 : 1);
    y_->applyNiceNumbers();
    status_->setText(r.feasible ? tr("%1 plans meet the SLA (%2 configurations costed in %3 s); showing the best %4 "
                                     "and the Pareto front. Click a point to load it.")
                                      .arg(r.stats.plans_meeting_sla)
                                      .arg(r.stats.configurations)
                                      .arg(r.stats.seconds, 0, 'f', 2)
                                      .arg(r.plans.size())
                                : tr("No deployment meets the SLA: %1").arg(QString::fromStdString(r.reason)));
}

bool PlannerTab::loadPlan(std::size_t index) {
    if (!scenario_ || index >= shown_.size()) return false;
    const auto& p = shown_[index];
    const hwdb::WhatIf w = what_if_from_plan(p, *scenario_, model_ref_, runner_.result().decode_context_mean);
    if (!model_->edit(w, tr("Load plan #%1").arg(index + 1), Field::plan_point)) return false;
    emit planLoaded();
    return true;
}

}  // namespace hwplan::gui

#include "gui/memory_chart.hpp"

#include <QPen>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSet>
#include <QtCharts/QLineSeries>
#include <QtCharts/QStackedBarSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <array>
#include <cmath>

#include "gui/chart_style.hpp"

namespace hwplan::gui {

namespace {

constexpr double kGiB = 1073741824.0;

std::array<double, 5> parts(const model::MemoryPlan& m) {
    return {m.weights.value() / kGiB, m.kv_cache.value() / kGiB, m.activations.value() / kGiB,
            m.comm_buffers.value() / kGiB, m.runtime_reserve.value() / kGiB};
}

}  // namespace

MemoryChart::MemoryChart(ScenarioModel* model, QWidget* parent)
    : QChartView(make_chart(tr("Memory per GPU vs capacity")), parent),
      model_(model),
      series_(new QStackedBarSeries),
      capacity_(new QLineSeries),
      categories_(new QBarCategoryAxis),
      x_(new QValueAxis),
      axis_(new QValueAxis) {
    style_view(this);
    setObjectName("memoryChart");
    const QStringList names = {tr("weights"), tr("KV cache"), tr("activations"), tr("comm. buffers"),
                               tr("runtime reserve")};
    for (int i = 0; i < names.size(); ++i) {
        auto* set = new QBarSet(names[i]);
        set->setColor(palette_color(static_cast<std::size_t>(i) * 2));
        set->setBorderColor(palette_color(static_cast<std::size_t>(i) * 2));
        sets_.push_back(set);
        series_->append(set);
    }
    series_->setBarWidth(0.5);
    capacity_->setName(tr("capacity"));
    QPen pen(Qt::black);
    pen.setWidthF(2);
    pen.setStyle(Qt::DashLine);
    capacity_->setPen(pen);
    chart()->addSeries(series_);
    chart()->addSeries(capacity_);
    chart()->addAxis(categories_, Qt::AlignBottom);
    chart()->addAxis(axis_, Qt::AlignLeft);
    chart()->addAxis(x_, Qt::AlignTop);
    x_->setVisible(false);
    series_->attachAxis(categories_);
    series_->attachAxis(axis_);
    capacity_->attachAxis(x_);
    capacity_->attachAxis(axis_);
    axis_->setTitleText(tr("GiB per GPU"));
    axis_->setLabelFormat("%.0f");
    chart()->legend()->setAlignment(Qt::AlignRight);
    connect(model_, &ScenarioModel::changed, this, &MemoryChart::refresh);
    refresh();
}

void MemoryChart::refresh() {
    std::vector<const Results*> bars;
    if (const Results* a = model_->pinned_results()) bars.push_back(a);
    bars.push_back(&model_->results());
    const int n = static_cast<int>(bars.size());
    QStringList labels;
    if (n == 2) labels << tr("A (pinned)") << tr("B (current)");
    else labels << tr("current");
    if (categories_->categories() != labels) {
        categories_->clear();
        categories_->append(labels);
    }
    double hi = 0;
    QList<QPointF> line;
    for (int c = 0; c < n; ++c) {
        const auto& m = bars[static_cast<std::size_t>(c)]->evaluation.memory;
        const auto p = parts(m);
        for (std::size_t i = 0; i < sets_.size(); ++i) {
            if (shown_ != n) {
                if (c == 0) sets_[i]->remove(0, sets_[i]->count());
                sets_[i]->append(p[i]);
            } else if (sets_[i]->at(c) != p[i]) {
                sets_[i]->replace(c, p[i]);
            }
        }
        const double cap = m.capacity.value() / kGiB;
        hi = std::max({hi, m.total.value() / kGiB, cap});
        // A capacity segment over each bar (A and B may be different GPUs).
        line << QPointF(c - 0.4, cap) << QPointF(c + 0.4, cap);
    }
    shown_ = n;
    capacity_->replace(line);
    x_->setRange(-0.5, n - 0.5);
    axis_->setRange(0, hi > 0 ? hi * 1.08 : 1.0);
    axis_->applyNiceNumbers();
    const auto& cur = model_->results().evaluation.memory;
    chart()->setTitle(cur.fits ? tr("Memory per GPU vs capacity") : tr("Memory per GPU: does not fit"));
}

}  // namespace hwplan::gui

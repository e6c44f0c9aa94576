#include "gui/breakdown_chart.hpp"

#include <QToolTip>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSet>
#include <QtCharts/QHorizontalStackedBarSeries>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QValueAxis>

#include <algorithm>

#include "gui/chart_style.hpp"
#include "model/step_time.hpp"

namespace hwplan::gui {

BreakdownChart::BreakdownChart(ScenarioModel* model, QWidget* parent)
    : QChartView(make_chart(tr("Decode step per GPU: where the time goes")), parent),
      model_(model),
      series_(new QHorizontalStackedBarSeries),
      categories_(new QBarCategoryAxis),
      axis_(new QValueAxis) {
    style_view(this);
    setObjectName("breakdownChart");
    for (std::size_t i = 0; i < model::component_count; ++i) {
        auto* set = new QBarSet(QString::fromStdString(std::string(model::component_name(static_cast<model::Component>(i)))));
        set->setColor(palette_color(i));
        set->setBorderColor(palette_color(i));
        sets_.push_back(set);
        series_->append(set);
        connect(set, &QBarSet::hovered, this, [set](bool on, int index) {
            if (on) QToolTip::showText(QCursor::pos(), QStringLiteral("%1: %2 ms").arg(set->label()).arg(set->at(index), 0, 'f', 3));
        });
    }
    series_->setBarWidth(0.6);
    chart()->addSeries(series_);
    chart()->addAxis(categories_, Qt::AlignLeft);
    chart()->addAxis(axis_, Qt::AlignBottom);
    series_->attachAxis(categories_);
    series_->attachAxis(axis_);
    axis_->setTitleText(tr("ms per step"));
    axis_->setLabelFormat("%.1f");
    categories_->setTruncateLabels(false);
    chart()->legend()->setAlignment(Qt::AlignRight);  // 16 component names (host included) do not fit in a row
    markers_ = chart()->legend()->markers(series_);
    connect(model_, &ScenarioModel::changed, this, &BreakdownChart::refresh);
    refresh();
}

void BreakdownChart::refresh() {
    std::vector<const Results*> bars;  // bottom to top: A, B
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
    double lo = 0, hi = 0;
    std::vector<bool> used(sets_.size(), false);
    for (int c = 0; c < n; ++c) {
        const auto& b = bars[static_cast<std::size_t>(c)]->evaluation.decode.breakdown;
        double pos = 0, neg = 0;
        for (std::size_t i = 0; i < sets_.size(); ++i) {
            const double ms = b.seconds_[i] * 1e3;
            used[i] = used[i] || ms != 0;
            (ms >= 0 ? pos : neg) += ms;
        }
        hi = std::max(hi, pos);
        lo = std::min(lo, neg);
    }
    for (std::size_t i = 0; i < sets_.size(); ++i) {
        QBarSet* set = sets_[i];
        if (shown_ != n) {
            set->remove(0, set->count());
            for (int c = 0; c < n; ++c) set->append(bars[static_cast<std::size_t>(c)]->evaluation.decode.breakdown.seconds_[i] * 1e3);
        } else {
            for (int c = 0; c < n; ++c) {
                const double v = bars[static_cast<std::size_t>(c)]->evaluation.decode.breakdown.seconds_[i] * 1e3;
                if (set->at(c) != v) set->replace(c, v);
            }
        }
        if (i < static_cast<std::size_t>(markers_.size())) markers_[static_cast<qsizetype>(i)]->setVisible(used[i]);
    }
    shown_ = n;
    axis_->setRange(lo * 1.05, hi > 0 ? hi * 1.05 : 1.0);
    axis_->applyNiceNumbers();
}

}  // namespace hwplan::gui

#include "gui/kv_compare_chart.hpp"

#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSet>
#include <QtCharts/QHorizontalBarSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>

#include "gui/chart_style.hpp"

namespace hwplan::gui {

KvCompareChart::KvCompareChart(ScenarioModel* model, QWidget* parent)
    : QChartView(make_chart(tr("KV cache per token (paper Table 1)")), parent),
      model_(model),
      series_(new QHorizontalBarSeries),
      set_(new QBarSet(tr("KB per token"))),
      categories_(new QBarCategoryAxis),
      axis_(new QValueAxis) {
    style_view(this);
    setObjectName("kvCompareChart");
    set_->setColor(palette_color(9));
    set_->setBorderColor(palette_color(9));
    set_->setSelectedColor(palette_color(2));
    series_->append(set_);
    series_->setLabelsVisible(true);
    series_->setLabelsFormat("@value");
    series_->setLabelsPosition(QAbstractBarSeries::LabelsInsideEnd);
    series_->setBarWidth(0.7);
    chart()->addSeries(series_);
    chart()->addAxis(categories_, Qt::AlignLeft);
    chart()->addAxis(axis_, Qt::AlignBottom);
    series_->attachAxis(categories_);
    series_->attachAxis(axis_);
    axis_->setLabelFormat("%.0f");
    categories_->setTruncateLabels(false);  // model names are the point of the chart
    chart()->legend()->hide();
    connect(model_, &ScenarioModel::changed, this, &KvCompareChart::refresh);
    refresh();
}

void KvCompareChart::refresh() {
    const Results& r = model_->results();
    if (r.kv_bars == shown_) return;  // unchanged unless the model or the KV dtype changed
    shown_ = r.kv_bars;
    std::vector<KvBar> bars = r.kv_bars;
    std::stable_sort(bars.begin(), bars.end(),
                     [](const KvBar& a, const KvBar& b) { return a.bytes_per_token > b.bytes_per_token; });
    double reference = 0;
    for (const auto& b : bars)
        if (b.current) reference = b.bytes_per_token;
    QStringList labels;
    set_->remove(0, set_->count());
    set_->deselectAllBars();
    double hi = 0;
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const auto& b = bars[i];
        const double ratio = reference > 0 ? b.bytes_per_token / reference : 0;
        labels << QStringLiteral("%1 (%2x)").arg(QString::fromStdString(b.name)).arg(ratio, 0, 'f', 2);
        set_->append(std::round(b.bytes_per_token / 1e3 * 1000) / 1000);  // KB, 3 decimals as Table 1
        hi = std::max(hi, b.bytes_per_token / 1e3);
        if (b.current) set_->selectBar(static_cast<int>(i));
    }
    categories_->clear();
    categories_->append(labels);
    axis_->setRange(0, hi > 0 ? hi * 1.1 : 1.0);
    axis_->setTitleText(tr("KB per token, %1 KV cache, all layers")
                            .arg(QString::fromStdString(std::string(model::to_string(model_->current().kv_cache)))));
}

}  // namespace hwplan::gui

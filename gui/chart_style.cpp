#include "gui/chart_style.hpp"

#include <QGraphicsLayout>
#include <QPainter>
#include <QtCharts/QLegend>

#include <array>

namespace hwplan::gui {

QChart* make_chart(const QString& title) {
    auto* chart = new QChart;
    chart->setTitle(title);
    QFont f = chart->titleFont();
    f.setBold(true);
    chart->setTitleFont(f);
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setMargins(QMargins(2, 2, 2, 2));
    chart->layout()->setContentsMargins(0, 0, 0, 0);
    chart->setBackgroundRoundness(0);
    QFont lf = chart->legend()->font();
    lf.setPointSizeF(lf.pointSizeF() * 0.85);
    chart->legend()->setFont(lf);
    return chart;
}

void style_view(QChartView* view) {
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumSize(260, 200);
}

QColor palette_color(std::size_t i) {
    // Tableau 10, then six more, one per breakdown component (model::component_count
    // is 16): 10 (lm_head) and 13 (kernel_overhead) were two more teals beside 3
    // (dense_ffn) and could not be told apart in the stacked bar; olive and plum are.
    static constexpr std::array<QRgb, 16> colors = {
        0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f, 0xedc948, 0xb07aa1, 0xff9da7,
        0x9c755f, 0xbab0ac, 0xbcbd22, 0xd37295, 0x8cd17d, 0x6f4e7c, 0x79706e, 0xfabfd2};
    return QColor::fromRgb(colors[i % colors.size()]);
}

}  // namespace hwplan::gui

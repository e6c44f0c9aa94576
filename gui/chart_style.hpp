#pragma once
// Shared look of the charts: no animation (every edit redraws at once), a
// compact margin, and one fixed colour per breakdown component / memory part
// so A and B, and every chart, use the same colours.

#include <QColor>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>

#include <cstddef>

namespace hwplan::gui {

// A chart with the house settings (the caller hands it to a QChartView).
[[nodiscard]] QChart* make_chart(const QString& title);
// The house settings of a chart view.
void style_view(QChartView* view);

// Distinct palette (Tableau 20 order).
[[nodiscard]] QColor palette_color(std::size_t i);

}  // namespace hwplan::gui

#pragma once
// Exporting what the window shows: a chart as PNG (at 2x for print) or SVG
// (vector, through QSvgGenerator), a table model as CSV (full-precision
// numbers from ComparisonModel::RawValueRole when the model provides them),
// and a whole widget as a PNG screenshot. Each returns an error message, or
// an empty string on success.

#include <QString>

class QAbstractItemModel;
class QChartView;
class QWidget;

namespace hwplan::gui {

[[nodiscard]] QString export_chart_png(QChartView* view, const QString& path);
[[nodiscard]] QString export_chart_svg(QChartView* view, const QString& path);
[[nodiscard]] QString export_csv(const QAbstractItemModel* model, const QString& path);
[[nodiscard]] QString export_screenshot(QWidget* widget, const QString& path);

// One CSV field, quoted when it holds a comma, a quote or a line break.
[[nodiscard]] QString csv_field(const QString& s);

}  // namespace hwplan::gui

#pragma once
// TPOT (left axis) and output tokens/s per GPU (right axis) against batch or
// context (log scale), with the current operating point marked. Beyond the
// memory limit the curves continue dashed ("does not fit"). In compare mode
// the pinned scenario's curves are drawn thin and dotted.

#include <QtCharts/QChartView>

#include "gui/scenario_model.hpp"

class QLineSeries;
class QLogValueAxis;
class QScatterSeries;
class QValueAxis;

namespace hwplan::gui {

class CurvesChart : public QChartView {
    Q_OBJECT
public:
    CurvesChart(ScenarioModel* model, SweepAxis axis, QWidget* parent = nullptr);
    void refresh();

private:
    struct Lines {
        QLineSeries* tpot = nullptr;
        QLineSeries* tpot_over = nullptr;  // beyond memory
        QLineSeries* tput = nullptr;
        QLineSeries* tput_over = nullptr;
        QScatterSeries* marks = nullptr;    // current point on both curves
    };
    Lines make_lines(bool pinned);
    void fill(Lines& l, const Curve& c, double& x_lo, double& x_hi, double& y1, double& y2);

    ScenarioModel* model_;
    SweepAxis sweep_;
    QLogValueAxis* x_;
    QValueAxis* tpot_axis_;
    QValueAxis* tput_axis_;
    Lines current_;
    Lines pinned_;
};

}  // namespace hwplan::gui

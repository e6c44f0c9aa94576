#pragma once
// Memory per GPU, stacked (weights, KV cache, activations, communication
// buffers, runtime reserve), against the GPU's capacity (a line over each
// bar). One bar, or A and B in compare mode.

#include <QtCharts/QChartView>

#include <vector>

#include "gui/scenario_model.hpp"

class QBarCategoryAxis;
class QBarSet;
class QLineSeries;
class QStackedBarSeries;
class QValueAxis;

namespace hwplan::gui {

class MemoryChart : public QChartView {
    Q_OBJECT
public:
    explicit MemoryChart(ScenarioModel* model, QWidget* parent = nullptr);
    void refresh();

private:
    ScenarioModel* model_;
    QStackedBarSeries* series_;
    std::vector<QBarSet*> sets_;
    QLineSeries* capacity_;
    QBarCategoryAxis* categories_;
    QValueAxis* x_;  // hidden, for the capacity line
    QValueAxis* axis_;
    int shown_ = 0;
};

}  // namespace hwplan::gui

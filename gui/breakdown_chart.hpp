#pragma once
// Stacked per-step time breakdown (attention, GEMMs, all-reduce, dispatch,
// combine, overlap ...) of the decode step, per GPU: one bar for the current
// scenario, two (A and B) in compare mode. `overlap` is negative (time hidden
// by overlapping) and stacks below zero, so each bar's net length is the step.

#include <QtCharts/QChartView>

#include <vector>

#include "gui/scenario_model.hpp"

class QBarCategoryAxis;
class QBarSet;
class QLegendMarker;
class QHorizontalStackedBarSeries;
class QValueAxis;

namespace hwplan::gui {

class BreakdownChart : public QChartView {
    Q_OBJECT
public:
    explicit BreakdownChart(ScenarioModel* model, QWidget* parent = nullptr);
    void refresh();

private:
    ScenarioModel* model_;
    QHorizontalStackedBarSeries* series_;
    std::vector<QBarSet*> sets_;  // one per model::Component
    QBarCategoryAxis* categories_;
    QValueAxis* axis_;
    QList<QLegendMarker*> markers_;  // in set order
    int shown_ = 0;  // categories currently in the sets
};

}  // namespace hwplan::gui

#pragma once
// KV cache per token across the database's models at the current KV dtype
// (the paper's Table 1 as a bar chart), with each bar's ratio to the current
// model; the current model's bar is highlighted.

#include <QtCharts/QChartView>

#include <vector>

#include "gui/scenario_model.hpp"

class QBarCategoryAxis;
class QBarSet;
class QHorizontalBarSeries;
class QValueAxis;

namespace hwplan::gui {

class KvCompareChart : public QChartView {
    Q_OBJECT
public:
    explicit KvCompareChart(ScenarioModel* model, QWidget* parent = nullptr);
    void refresh();

private:
    ScenarioModel* model_;
    QHorizontalBarSeries* series_;
    QBarSet* set_;
    QBarCategoryAxis* categories_;
    QValueAxis* axis_;
    std::vector<KvBar> shown_;
};

}  // namespace hwplan::gui

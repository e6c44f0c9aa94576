#pragma once
// The topology tab: the scale-out fabric a deployment needs and what it
// costs. For the current what-if (or a typed endpoint count) it sizes a
// two- and three-tier fat tree and a multi-plane fat tree
// (model/topology/cost_model.hpp size_fabric), marks the cheapest, and costs
// the whole deployment (model/planner/cost.hpp deployment_cost) on the
// rental and the capex basis. Recomputed on every edit.

#include <QWidget>

#include "gui/scenario_model.hpp"

class QCheckBox;
class QLabel;
class QSpinBox;
class QTableWidget;

namespace hwplan::gui {

class TopologyTab : public QWidget {
    Q_OBJECT
public:
    explicit TopologyTab(ScenarioModel* model, QWidget* parent = nullptr);
    void refresh();
    [[nodiscard]] QTableWidget* table() const { return table_; }

private:
    ScenarioModel* model_;
    model::topology::FabricPrices fitted_;
    QCheckBox* follow_ = nullptr;
    QSpinBox* endpoints_ = nullptr;
    QSpinBox* radix_ = nullptr;
    QSpinBox* planes_ = nullptr;
    QTableWidget* table_ = nullptr;
    QLabel* summary_ = nullptr;
};

}  // namespace hwplan::gui

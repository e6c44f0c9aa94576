#include "gui/topology_tab.hpp"

#include <QCheckBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include "model/error.hpp"
#include "model/planner/cost.hpp"
#include "model/topology/cost_model.hpp"

namespace hwplan::gui {

namespace topo = model::topology;
namespace planner = model::planner;

namespace {

QString usd(double v) {
    if (v >= 1e6) return QStringLiteral("$%1M").arg(v / 1e6, 0, 'f', 2);
    if (v >= 1e3) return QStringLiteral("$%1k").arg(v / 1e3, 0, 'f', 1);
    return QStringLiteral("$%1").arg(v, 0, 'f', 2);
}

// NIC ports of a deployment: the fabric's endpoints.
int nic_ports(const model::System& s, int nodes) {
    if (!s.nic) return 0;
    return nodes * s.nics_per_node * std::max(1, s.nic->ports);
}

}  // namespace

TopologyTab::TopologyTab(ScenarioModel* model, QWidget* parent)
    : QWidget(parent), model_(model), fitted_(topo::fit_paper_prices().prices) {
    auto* outer = new QVBoxLayout(this);
    auto* form = new QHBoxLayout;
    follow_ = new QCheckBox(tr("Follow the deployment"), this);
    follow_->setObjectName("followDeployment");
    follow_->setChecked(true);
    endpoints_ = new QSpinBox(this);
    endpoints_->setObjectName("endpointsSpin");
    endpoints_->setRange(1, 10'000'000);
    endpoints_->setKeyboardTracking(false);
    radix_ = new QSpinBox(this);
    radix_->setObjectName("radixSpin");
    radix_->setRange(4, 1024);
    radix_->setSingleStep(2);
    radix_->setValue(64);
    radix_->setKeyboardTracking(false);
    planes_ = new QSpinBox(this);
    planes_->setObjectName("planesSpin");
    planes_->setRange(1, 64);
    planes_->setValue(8);
    planes_->setKeyboardTracking(false);
    form->addWidget(follow_);
    form->addWidget(new QLabel(tr("Endpoints (NIC ports)"), this));
    form->addWidget(endpoints_);
    form->addWidget(new QLabel(tr("Switch radix"), this));
    form->addWidget(radix_);
    form->addWidget(new QLabel(tr("Planes (MPFT)"), this));
    form->addWidget(planes_);
    form->addStretch(1);
    outer->addLayout(form);
    table_ = new QTableWidget(this);
    table_->setObjectName("fabricTable");
    table_->setColumnCount(8);
    table_->setHorizontalHeaderLabels({tr("fabric"), tr("feasible"), tr("switches"), tr("switch links"),
                                       tr("endpoint links"), tr("cost"), tr("cost / endpoint"), tr("note")});
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);
    outer->addWidget(table_, 1);
    summary_ = new QLabel(this);
    summary_->setObjectName("topologySummary");
    summary_->setWordWrap(true);
    summary_->setTextFormat(Qt::RichText);
    summary_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    outer->addWidget(summary_, 1);

    connect(follow_, &QCheckBox::toggled, this, [this](bool on) {
        endpoints_->setEnabled(!on);
        refresh();
    });
    for (QSpinBox* s : {endpoints_, radix_, planes_}) connect(s, &QSpinBox::valueChanged, this, &TopologyTab::refresh);
    connect(model_, &ScenarioModel::changed, this, &TopologyTab::refresh);
    endpoints_->setEnabled(false);
    refresh();
}

void TopologyTab::refresh() {
    const Evaluation& e = model_->results().evaluation;
    const model::System& sys = e.in.system;
    const int nodes = e.in.deployment.nodes;
    if (follow_->isChecked()) {
        const QSignalBlocker b1(endpoints_), b2(radix_), b3(planes_);
        endpoints_->setValue(std::max(1, nic_ports(sys, nodes)));
        if (sys.fabric_switch && sys.fabric_switch->ports > 0) radix_->setValue(sys.fabric_switch->ports);
        if (sys.planes > 1) planes_->setValue(sys.planes);
    }
    const auto prices = planner::fabric_prices(sys, fitted_);
    const std::int64_t n = endpoints_->value();
    std::vector<topo::FabricSizing> rows;
    QString error;
    try {
        for (auto k : {topo::FabricKind::fat_tree_2, topo::FabricKind::fat_tree_3,
                       topo::FabricKind::multi_plane_fat_tree_2})
            rows.push_back(topo::size_fabric(k, n, radix_->value(), prices, planes_->value()));
    } catch (const Error& err) {
        error = QString::fromStdString(err.what());
        rows.clear();
    }
    int cheapest = -1;
    for (int i = 0; i < static_cast<int>(rows.size()); ++i)
        if (rows[static_cast<std::size_t>(i)].feasible &&
            (cheapest < 0 || rows[static_cast<std::size_t>(i)].cost_usd < rows[static_cast<std::size_t>(cheapest)].cost_usd))
            cheapest = i;
    table_->setRowCount(static_cast<int>(rows.size()));
    for (int i = 0; i < static_cast<int>(rows.size()); ++i) {
        const auto& r = rows[static_cast<std::size_t>(i)];
        const auto cell = [&](int c, const QString& t) {
            auto* item = new QTableWidgetItem(t);
            if (c >= 2 && c <= 6) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (i == cheapest) {
                QFont f = item->font();
                f.setBold(true);
                item->setFont(f);
            }
            table_->setItem(i, c, item);
        };
        QString name = QString::fromStdString(std::string(topo::to_string(r.kind)));
        if (r.kind == topo::FabricKind::multi_plane_fat_tree_2) name += tr(" (%1 planes)").arg(planes_->value());
        cell(0, name);
        cell(1, r.feasible ? tr("yes") : tr("no"));
        cell(2, r.feasible ? QString::number(r.size.switches) : QString());
        cell(3, r.feasible ? QString::number(r.size.switch_links) : QString());
        cell(4, r.feasible ? QString::number(r.size.endpoint_links) : QString());
        cell(5, r.feasible ? usd(r.cost_usd) : QString());
        cell(6, r.feasible ? usd(r.cost_per_endpoint_usd) : QString());
        cell(7, r.feasible ? (i == cheapest ? tr("cheapest") : QString()) : QString::fromStdString(r.reason));
    }

    // The whole deployment, as the planner costs it.
    QString text;
    if (!error.isEmpty()) text += tr("<p><b>Cannot size:</b> %1</p>").arg(error.toHtmlEscaped());
    text += tr("<p>Prices: %1 (switch price from the system's switch when known, else fitted to the paper's "
               "Table 3).</p>")
                .arg(QString::fromStdString(fmt::format("{}", prices)).toHtmlEscaped());
    planner::SystemCandidate c{sys, sys.price_per_gpu_hour_usd, sys.price_usd};
    const bool fabric = nodes > 1;
    const auto describe = [&](const QString& basis, const planner::CostModel& cm) {
        try {
            const auto d = planner::deployment_cost(c, cm, nodes, fabric, fitted_);
            text += tr("<p><b>%1</b>: %2 nodes, %3 GPUs, %4 NICs; fabric %5 (%6 switches, %7); %8 kW at the "
                       "wall; <b>%9/h</b></p>")
                        .arg(basis)
                        .arg(d.nodes)
                        .arg(d.gpus)
                        .arg(d.nics)
                        .arg(QString::fromStdString(d.fabric).toHtmlEscaped())
                        .arg(d.switches)
                        .arg(usd(d.fabric_cost_usd))
                        .arg(d.power_kw, 0, 'f', 1)
                        .arg(usd(d.cost_per_hour_usd));
        } catch (const Error& err) {
            text += tr("<p><b>%1</b>: %2</p>").arg(basis, QString::fromStdString(err.what()).toHtmlEscaped());
        }
    };
    if (sys.price_per_gpu_hour_usd > 0) describe(tr("Rental"), planner::CostModel{});
    else text += tr("<p><b>Rental</b>: the system has no price per GPU-hour.</p>");
    if (sys.price_usd > 0) {
        planner::CostModel capex;
        capex.basis = planner::CostBasis::capex;
        describe(tr("Capex (4-year straight line + power)"), capex);
    } else {
        text += tr("<p><b>Capex</b>: the system has no node price.</p>");
    }
    if (e.usd_per_m_output_tokens > 0)
        text += tr("<p>At this operating point: <b>%1 per million output tokens</b> (rental).</p>")
                    .arg(usd(e.usd_per_m_output_tokens));
    summary_->setText(text);
}

}  // namespace hwplan::gui

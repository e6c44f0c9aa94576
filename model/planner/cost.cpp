#include "model/planner/cost.hpp"

#include <algorithm>
#include <limits>

#include "model/topology/fabric_links.hpp"
#include "model/topology/latency_model.hpp"
#include "model/topology/topology_spec.hpp"

namespace hwplan::model::planner {

topology::FabricPrices fabric_prices(const System& s, const topology::FabricPrices& fitted) {
    topology::FabricPrices p = fitted;
    if (s.fabric_switch && s.fabric_switch->price_usd > 0) p.switch_usd = s.fabric_switch->price_usd;
    return p;
}

DeploymentCost deployment_cost(const SystemCandidate& c, const CostModel& cost, int nodes, bool fabric,
                               const topology::FabricPrices& fitted) {
    const System& s = c.system;
    DeploymentCost r;
    r.nodes = nodes;
    r.gpus = nodes * s.gpus_per_node;
    r.nics = s.nic ? nodes * s.nics_per_node : 0;
    r.fabric = "none";
    double switch_watts = 0;
    if (fabric && nodes > 0 && s.nic && s.nics_per_node > 0) {
        const std::int64_t endpoints = static_cast<std::int64_t>(nodes) * s.nics_per_node * std::max(1, s.nic->ports);
        const int radix = s.fabric_switch && s.fabric_switch->ports > 0 ? s.fabric_switch->ports : 64;
        const topology::FabricSizing f =
            topology::cheapest_fabric(endpoints, radix, fabric_prices(s, fitted), std::max(1, s.planes));
        if (!f.feasible) {
            r.fabric_feasible = false;
            r.fabric = f.reason;
        } else {
            r.fabric = topology::describe(f.spec);
            r.switches = f.size.switches;
            r.fabric_cost_usd = f.cost_usd;
            if (s.fabric_switch) switch_watts = s.fabric_switch->power_watts;
            if (s.nic->bandwidth.value() > 0) {
                // The paper's latency fit for the NIC's link layer (Ethernet NICs run RoCE).
                const LinkKind link = s.nic->kind == LinkKind::infiniband ? LinkKind::infiniband : LinkKind::roce;
                r.links = topology::fabric_links(f, topology::paper_latency_params(link), s.nic->bandwidth);
            }
        }
    }
    const double it_watts = r.gpus * s.gpu.tdp_watts + nodes * s.node_overhead_watts +
                            static_cast<double>(r.switches) * switch_watts;
    r.power_kw = it_watts * cost.pue / 1e3;
    if (cost.basis == CostBasis::rental) {
        r.cost_per_hour_usd = r.gpus * c.price_per_gpu_hour_usd;
    } else {
        const double capex = nodes * c.node_price_usd + r.fabric_cost_usd;
        r.cost_per_hour_usd = capex / (cost.amortisation_years * kHoursPerYear) + r.power_kw * cost.usd_per_kwh;
    }
    return r;
}

CostTable::CostTable(const SystemCandidate& c, const CostModel& cost, int max_nodes,
                     const topology::FabricPrices& fitted) {
    const auto n = static_cast<std::size_t>(std::max(0, max_nodes)) + 1;
    with_fabric_.reserve(n);
    without_.reserve(n);
    per_hour_fabric_.reserve(n);
    for (int k = 0; k < static_cast<int>(n); ++k) {
        with_fabric_.push_back(deployment_cost(c, cost, k, true, fitted));
        without_.push_back(deployment_cost(c, cost, k, false, fitted));
        per_hour_fabric_.push_back(with_fabric_.back().fabric_feasible
                                       ? with_fabric_.back().cost_per_hour_usd
                                       : std::numeric_limits<double>::infinity());
    }
}

}  // namespace hwplan::model::planner

#pragma once
// Cost and power of a deployment: GPUs, nodes, NICs, the scale-out fabric
// (sized by the topology module for the deployment's NIC ports), power at the
// wall and dollars per hour. See docs/equations.md, "Capacity planning".

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/deployment.hpp"
#include "model/planner/scenario.hpp"
#include "model/topology/cost_model.hpp"

namespace hwplan::model::planner {

struct DeploymentCost {
    int nodes = 0;
    int gpus = 0;
    int nics = 0;
    bool fabric_feasible = true;  // false: no fabric of the switch radix holds the NIC ports
    std::string fabric;           // "none", "MPFT(8 planes × FT2, k=64)", or why infeasible
    std::int64_t switches = 0;
    double fabric_cost_usd = 0;
    double power_kw = 0;           // at the wall: (GPU TDP + node overhead + switches) x PUE
    double cost_per_hour_usd = 0;  // see CostBasis
    // What the sized fabric gives the EP model (hops to the farthest NIC
    // port, all-to-all share); none without a fabric.
    std::optional<FabricLinks> links;
    friend bool operator==(const DeploymentCost&, const DeploymentCost&) = default;
};

// Switch and link prices for a system's fabric: its switch's hwdb price when
// known, else the price fitted to the paper's Table 3; link prices from the fit.
[[nodiscard]] topology::FabricPrices fabric_prices(const System& s, const topology::FabricPrices& fitted);

// Cost of `nodes` nodes of a candidate system. `fabric`: whether the nodes
// are connected by a scale-out fabric (multi-node units, or disaggregated
// pools that move KV caches between nodes); single-node replicas need none.
[[nodiscard]] DeploymentCost deployment_cost(const SystemCandidate& c, const CostModel& cost, int nodes,
                                             bool fabric, const topology::FabricPrices& fitted);

// deployment_cost for 0..max_nodes nodes, with and without a fabric,
// computed once so the search costs a deployment with a table lookup.
class CostTable {
public:
    CostTable() = default;
    CostTable(const SystemCandidate& c, const CostModel& cost, int max_nodes, const topology::FabricPrices& fitted);

    [[nodiscard]] int max_nodes() const { return static_cast<int>(with_fabric_.size()) - 1; }
    // Precondition: 0 <= nodes <= max_nodes().
    [[nodiscard]] const DeploymentCost& at(int nodes, bool fabric) const {
        return fabric ? with_fabric_[static_cast<std::size_t>(nodes)] : without_[static_cast<std::size_t>(nodes)];
    }
    // Dollars per hour; +infinity when the fabric cannot be built.
    [[nodiscard]] double per_hour(int nodes, bool fabric) const {
        return fabric ? per_hour_fabric_[static_cast<std::size_t>(nodes)]
                      : without_[static_cast<std::size_t>(nodes)].cost_per_hour_usd;
    }

private:
    std::vector<DeploymentCost> with_fabric_;
    std::vector<DeploymentCost> without_;
    std::vector<double> per_hour_fabric_;
};

inline constexpr double kHoursPerYear = 8760;

}  // namespace hwplan::model::planner

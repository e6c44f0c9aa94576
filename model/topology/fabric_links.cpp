#include "model/topology/fabric_links.hpp"

#include <algorithm>
#include <type_traits>

#include "model/error.hpp"

namespace hwplan::model::topology {
namespace {

// Dense placement on one fat tree: one leaf, then one pod (3+ tiers), else
// the whole tree.
int fat_tree_hops(const FatTree& t, std::int64_t endpoints) {
    const HopCounts h = hops(TopologySpec{t});
    const LeafPorts lp = leaf_ports(t);
    if (endpoints <= lp.down) return h.same_switch;
    const std::int64_t pod = static_cast<std::int64_t>(lp.down) * (t.radix / 2);
    if (t.tiers >= 3 && h.same_group && endpoints <= pod) return *h.same_group;
    return h.farthest;
}

}  // namespace

int farthest_hops(const TopologySpec& spec, std::int64_t endpoints) {
    if (endpoints < 1) throw Error("must be at least 1", "endpoints");
    return std::visit(
        [&](const auto& t) -> int {
            using T = std::decay_t<decltype(t)>;
            if constexpr (std::is_same_v<T, FatTree>) {
                return fat_tree_hops(t, endpoints);
            } else if constexpr (std::is_same_v<T, MultiPlaneFatTree>) {
                const std::int64_t per_plane = (endpoints + t.planes - 1) / t.planes;
                return fat_tree_hops(FatTree{t.tiers, t.radix, 1.0}, per_plane);
            } else {
                return hops(TopologySpec{t}).farthest;
            }
        },
        spec);
}

FabricLinks fabric_links(const TopologySpec& spec, std::int64_t endpoints, const LatencyParams& latency_params,
                         BytesPerSecond nic_bandwidth) {
    validate(spec);
    validate(latency_params);
    if (!(nic_bandwidth.value() > 0)) throw Error("must be positive", "nic_bandwidth");
    FabricLinks f;
    f.latency = latency(latency_params, farthest_hops(spec, endpoints));
    const double a2a = all_to_all_bandwidth_per_endpoint(spec, nic_bandwidth).value();
    f.bandwidth_share = std::clamp(a2a / nic_bandwidth.value(), 0.0, 1.0);
    if (const auto* mp = std::get_if<MultiPlaneFatTree>(&spec)) f.planes = mp->planes;
    return f;
}

FabricLinks fabric_links(const FabricSizing& sizing, const LatencyParams& latency_params,
                         BytesPerSecond nic_bandwidth) {
    if (!sizing.feasible) throw Error(sizing.reason, "fabric");
    return fabric_links(sizing.spec, sizing.size.endpoints, latency_params, nic_bandwidth);
}

}  // namespace hwplan::model::topology

#include "model/topology/multi_rail_fat_tree.hpp"

#include <string>

#include <fmt/format.h>

#include "model/error.hpp"

namespace hwplan::model::topology {

void validate(const MultiRailFatTree& t) {
    try {
        validate(FatTree{t.tiers, t.radix, 1.0});
    } catch (const Error& e) {
        const std::string field = e.where().substr(e.where().find('.') + 1);
        throw Error(e.message(), "multi_rail_fat_tree." + field);
    }
    const FatTree f{t.tiers, t.radix, 1.0};
    const std::int64_t leaves = capacity(f) / leaf_ports(f).down;
    if (t.rails < 1 || leaves % t.rails != 0)
        throw Error(fmt::format("rails must be >= 1 and divide the {} leaves, got {}", leaves, t.rails),
                    "multi_rail_fat_tree.rails");
}

FatTree fabric(const MultiRailFatTree& t) {
    validate(t);
    return FatTree{t.tiers, t.radix, 1.0};
}

std::int64_t capacity(const MultiRailFatTree& t) { return capacity(fabric(t)); }
TopologySize size(const MultiRailFatTree& t) { return size(fabric(t)); }
TopologySize size_for_endpoints(const MultiRailFatTree& t, std::int64_t endpoints) {
    return size_for_endpoints(fabric(t), endpoints);
}
HopCounts hops(const MultiRailFatTree& t) { return hops(fabric(t)); }
double average_hops(const MultiRailFatTree& t) { return average_hops(fabric(t)); }
BytesPerSecond bisection_bandwidth(const MultiRailFatTree& t, BytesPerSecond link_bandwidth) {
    return bisection_bandwidth(fabric(t), link_bandwidth);
}
BytesPerSecond all_to_all_bandwidth_per_endpoint(const MultiRailFatTree& t,
                                                 BytesPerSecond link_bandwidth) {
    return all_to_all_bandwidth_per_endpoint(fabric(t), link_bandwidth);
}

}  // namespace hwplan::model::topology

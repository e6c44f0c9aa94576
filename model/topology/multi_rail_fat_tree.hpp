#pragma once
// Multi-rail fat tree (MRFT): one fat tree whose leaves are grouped into
// `rails`; NIC i of every node plugs into a leaf of rail i ("rail-optimised").
// Rails are a wiring choice: the switch and link counts are the single fat
// tree's, and every endpoint reaches every other through the fabric (the
// spine tier joins the rails). The paper's MPFT is the MRFT with the spines
// of different rails removed, which is what lets it stay two-tier.

#include <cstdint>

#include "model/topology/fat_tree.hpp"
#include "model/topology/topology_size.hpp"
#include "model/units.hpp"

namespace hwplan::model::topology {

struct MultiRailFatTree {
    int rails = 0;  // NICs per node, >= 1; must divide the leaf count
    int radix = 0;
    int tiers = 2;
    friend bool operator==(const MultiRailFatTree&, const MultiRailFatTree&) = default;
};

void validate(const MultiRailFatTree& t);  // "multi_rail_fat_tree.rails", ...

// The underlying single fat tree (non-blocking).
[[nodiscard]] FatTree fabric(const MultiRailFatTree& t);

[[nodiscard]] std::int64_t capacity(const MultiRailFatTree& t);
[[nodiscard]] TopologySize size(const MultiRailFatTree& t);
[[nodiscard]] TopologySize size_for_endpoints(const MultiRailFatTree& t, std::int64_t endpoints);
[[nodiscard]] HopCounts hops(const MultiRailFatTree& t);
[[nodiscard]] double average_hops(const MultiRailFatTree& t);
[[nodiscard]] BytesPerSecond bisection_bandwidth(const MultiRailFatTree& t,
                                                 BytesPerSecond link_bandwidth);
[[nodiscard]] BytesPerSecond all_to_all_bandwidth_per_endpoint(const MultiRailFatTree& t,
                                                               BytesPerSecond link_bandwidth);

}  // namespace hwplan::model::topology

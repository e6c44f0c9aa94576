#pragma once
// Result types shared by every topology: element counts and hop counts.
//
// Counting conventions (paper Table 3, arXiv 2505.09343):
//  * `switch_links` are switch-to-switch cables only — the paper's "Links" row;
//  * `endpoint_links` (endpoint NIC port -> its leaf/router) are reported
//    separately, because the cost model prices them separately;
//  * hop counts are *switches traversed* between two endpoints (same leaf = 1,
//    cross-leaf in a two-tier fat tree = 3), the unit of the latency model;
//  * `diameter` is the switch-graph diameter in switch-to-switch links,
//    taken over switches that hold endpoints, so farthest hops = diameter + 1.

#include <cstdint>
#include <optional>

namespace hwplan::model::topology {

struct TopologySize {
    std::int64_t endpoints = 0;       // NIC ports (GPUs, one per plane in a multi-plane fabric)
    std::int64_t switches = 0;        // switch ASICs / routers
    std::int64_t switch_links = 0;    // switch-to-switch cables (paper Table 3 "Links")
    std::int64_t endpoint_links = 0;  // endpoint-to-switch cables
    int diameter = 0;                 // in switch-to-switch links
    int ports_per_switch = 0;         // most ports any switch uses (must not exceed its radix)
    friend bool operator==(const TopologySize&, const TopologySize&) = default;
};

// Switches traversed between two endpoints.
struct HopCounts {
    int same_switch = 1;            // both endpoints on one leaf/router
    std::optional<int> same_group;  // same pod (fat tree) / group (dragonfly); none for Slim Fly
    int farthest = 1;               // worst case under the topology's minimal routing
    friend bool operator==(const HopCounts&, const HopCounts&) = default;
};

}  // namespace hwplan::model::topology

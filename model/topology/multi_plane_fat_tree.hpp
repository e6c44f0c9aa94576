#pragma once
// Multi-plane fat tree (MPFT, paper Section 5.1 / Figure 3): `planes`
// independent fat trees; GPU i of every node, with its own NIC, belongs to
// plane i. Counts are `planes ×` one plane's: with 8 planes of FT2 at k = 64,
// 16,384 endpoints, 768 switches, 16,384 links (paper Table 3). Endpoints of
// different planes reach each other only through an intra-node forward
// (NVLink or PCIe) — see multi_plane.hpp for that cost.

#include <cstdint>

#include "model/topology/fat_tree.hpp"
#include "model/topology/topology_size.hpp"
#include "model/units.hpp"

namespace hwplan::model::topology {

struct MultiPlaneFatTree {
    int planes = 0;  // >= 1; the paper's H800 cluster: 8 (one per GPU/NIC pair)
    int radix = 0;
    int tiers = 2;   // tiers of each plane; the paper's MPFT is two-tier
    friend bool operator==(const MultiPlaneFatTree&, const MultiPlaneFatTree&) = default;
};

void validate(const MultiPlaneFatTree& t);  // "multi_plane_fat_tree.planes", ...

// One plane as a fat tree.
[[nodiscard]] FatTree plane(const MultiPlaneFatTree& t);

[[nodiscard]] std::int64_t capacity(const MultiPlaneFatTree& t);
[[nodiscard]] TopologySize size(const MultiPlaneFatTree& t);

// `endpoints` GPUs spread evenly over the planes (ceil(N / planes) per plane,
// each plane sized with size_for_endpoints of its fat tree).
[[nodiscard]] TopologySize size_for_endpoints(const MultiPlaneFatTree& t, std::int64_t endpoints);

// Within one plane (the same as the plane's fat tree). Cross-plane pairs need
// an intra-node forward on top: multi_plane.hpp.
[[nodiscard]] HopCounts hops(const MultiPlaneFatTree& t);
[[nodiscard]] double average_hops(const MultiPlaneFatTree& t);

// planes × one plane's bisection.
[[nodiscard]] BytesPerSecond bisection_bandwidth(const MultiPlaneFatTree& t,
                                                 BytesPerSecond link_bandwidth);

// Ideal case (cross-plane traffic forwarded inside the node for free): every
// plane carries 1/planes of the traffic, uniformly, so each endpoint gets what
// one plane gives it. multi_plane.hpp adds the forwarding limit.
[[nodiscard]] BytesPerSecond all_to_all_bandwidth_per_endpoint(const MultiPlaneFatTree& t,
                                                               BytesPerSecond link_bandwidth);

}  // namespace hwplan::model::topology

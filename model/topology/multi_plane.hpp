#pragma once
// Effects of a multi-plane fabric (paper Section 5.1, Figure 3: "cross-plane
// traffic must use another NIC and PCIe or NVLink for intra-node
// forwarding").
//
// * Cross-plane traffic: GPU i of node A (plane i) reaches GPU j != i of node
//   B through one intra-node forward (on the sending or receiving node, as
//   DeepEP forwards IB traffic over NVLink). It pays the forward's latency on
//   top of the plane's fabric latency, and its bytes cross the forward link.
// * Uniform all-to-all over N = nodes · P GPUs (P planes = GPUs per node):
//   per GPU, NIC bytes x (N-P)/(N-1) (everything leaving the node, each GPU on
//   its own plane) and forward-link bytes x [(P-1) + (N-P)(P-1)/P]/(N-1)
//   (same-node peers plus the cross-plane share), so
//     x = min(B_nic (N-1)/(N-P), B_fwd P (N-1) / ((P-1) N)).
//   Ideal case: the forward link is fast enough (H800: NVLink 160–200 GB/s vs
//   IB 50 GB/s) and x equals the single-plane multi-rail fat tree's.
// * A failed plane takes 1/P of every node's scale-out bandwidth but
//   disconnects nobody: the GPU of the failed plane sends through a peer's NIC
//   via the forward link.

#include <cstdint>

#include "model/nic.hpp"
#include "model/topology/latency_model.hpp"
#include "model/topology/multi_plane_fat_tree.hpp"
#include "model/topology/multi_rail_fat_tree.hpp"
#include "model/units.hpp"

namespace hwplan::model::topology {

// The intra-node hop that moves a message between planes.
struct IntraNodeForward {
    LinkKind kind = LinkKind::nvlink;  // nvlink or pcie
    Seconds latency = seconds(0);      // one GPU-to-GPU forward (NVLink: 3.33 µs, paper table)
    BytesPerSecond bandwidth_per_gpu = bytes_per_second(0);  // per direction
    friend bool operator==(const IntraNodeForward&, const IntraNodeForward&) = default;
};

void validate(const IntraNodeForward& f);  // "forward.latency", "forward.bandwidth_per_gpu"

// NVLink forward from the paper's table (one NVSwitch hop, 3.33 µs) with the
// given per-GPU NVLink bandwidth.
[[nodiscard]] IntraNodeForward paper_nvlink_forward(BytesPerSecond nvlink_bandwidth_per_gpu);

// Share of remote destinations on another plane, uniform traffic: (P-1)/P.
[[nodiscard]] double cross_plane_fraction(const MultiPlaneFatTree& t);

struct MultiPlaneLatency {
    Seconds same_plane_farthest = seconds(0);   // plane's fabric, farthest pair
    Seconds cross_plane_farthest = seconds(0);  // + one intra-node forward
    Seconds cross_plane_extra = seconds(0);     // the forward alone
    Seconds average = seconds(0);  // uniform remote destinations: fabric average + (P-1)/P forward
    friend bool operator==(const MultiPlaneLatency&, const MultiPlaneLatency&) = default;
};
[[nodiscard]] MultiPlaneLatency multi_plane_latency(const MultiPlaneFatTree& t,
                                                    const LatencyParams& fabric,
                                                    const IntraNodeForward& forward);

// Uniform all-to-all rate per GPU (per direction) with forwarding (header note).
[[nodiscard]] BytesPerSecond multi_plane_all_to_all_bandwidth_per_gpu(
    const MultiPlaneFatTree& t, BytesPerSecond nic_bandwidth, const IntraNodeForward& forward);

struct PlaneFailure {
    int planes = 0;
    int failed = 0;
    double bandwidth_fraction = 1;  // (P - f)/P of the node's scale-out bandwidth
    BytesPerSecond node_bandwidth = bytes_per_second(0);  // (P - f) · B_nic
    bool connected = true;          // every GPU still reaches the fabric (f < P)
    friend bool operator==(const PlaneFailure&, const PlaneFailure&) = default;
};
// Throws for failed_planes outside 0..planes ("failed_planes").
[[nodiscard]] PlaneFailure bandwidth_with_failed_planes(const MultiPlaneFatTree& t,
                                                        int failed_planes,
                                                        BytesPerSecond nic_bandwidth);

// MPFT vs a single-plane multi-rail fat tree for the same GPUs and switches
// (paper: "16,384 GPUs in two tiers"). The MRFT needs the fewest tiers whose
// capacity holds the GPUs (FT3 for 16,384 at k = 64), the MPFT stays two-tier
// while each plane holds GPUs/planes. Sizes are the port-count builds for
// exactly `gpus` (size_for_endpoints).
struct MultiPlaneComparison {
    std::int64_t gpus = 0;
    MultiPlaneFatTree mpft;
    MultiRailFatTree mrft;
    TopologySize mpft_size;
    TopologySize mrft_size;
    int mpft_farthest_hops = 0;  // within a plane
    int mrft_farthest_hops = 0;
    Seconds mpft_farthest = seconds(0);               // same plane
    Seconds mpft_cross_plane_farthest = seconds(0);   // + forward
    Seconds mrft_farthest = seconds(0);
    BytesPerSecond mpft_all_to_all_per_gpu = bytes_per_second(0);  // with forwarding limit
    BytesPerSecond mrft_all_to_all_per_gpu = bytes_per_second(0);
    friend bool operator==(const MultiPlaneComparison&, const MultiPlaneComparison&) = default;
};
// Throws if the GPUs do not fit a two-tier MPFT of this radix ("gpus").
[[nodiscard]] MultiPlaneComparison compare_multi_plane_with_multi_rail(
    std::int64_t gpus, int radix, int planes, BytesPerSecond nic_bandwidth,
    const LatencyParams& fabric, const IntraNodeForward& forward);

}  // namespace hwplan::model::topology

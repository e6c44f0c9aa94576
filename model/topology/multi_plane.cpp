#include "model/topology/multi_plane.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "model/error.hpp"
#include "model/topology/detail.hpp"
#include "model/topology/paper_tables.hpp"

namespace hwplan::model::topology {

void validate(const IntraNodeForward& f) {
    if (f.kind != LinkKind::nvlink && f.kind != LinkKind::pcie)
        throw Error("an intra-node forward is NVLink or PCIe", "forward.kind");
    if (!std::isfinite(f.latency.value()) || f.latency.value() < 0)
        throw Error(fmt::format("must be finite and >= 0, got {} s", f.latency.value()),
                    "forward.latency");
    detail::check_bandwidth(f.bandwidth_per_gpu, "forward.bandwidth_per_gpu");
}

IntraNodeForward paper_nvlink_forward(BytesPerSecond nvlink_bandwidth_per_gpu) {
    IntraNodeForward f{LinkKind::nvlink, latency(paper_latency_params(LinkKind::nvlink), 1),
                       nvlink_bandwidth_per_gpu};
    validate(f);
    return f;
}

double cross_plane_fraction(const MultiPlaneFatTree& t) {
    validate(t);
    return static_cast<double>(t.planes - 1) / t.planes;
}

MultiPlaneLatency multi_plane_latency(const MultiPlaneFatTree& t, const LatencyParams& fabric,
                                      const IntraNodeForward& forward) {
    validate(forward);
    const HopCounts h = hops(t);
    MultiPlaneLatency out;
    out.same_plane_farthest = latency(fabric, h.farthest);
    out.cross_plane_extra = forward.latency;
    out.cross_plane_farthest = out.same_plane_farthest + forward.latency;
    out.average = latency(fabric, average_hops(t)) + forward.latency * cross_plane_fraction(t);
    return out;
}

BytesPerSecond multi_plane_all_to_all_bandwidth_per_gpu(const MultiPlaneFatTree& t,
                                                        BytesPerSecond nic_bandwidth,
                                                        const IntraNodeForward& forward) {
    detail::check_bandwidth(nic_bandwidth, "nic_bandwidth");
    validate(forward);
    const double n = static_cast<double>(capacity(t));
    const double p = t.planes;
    // The fabric itself (uniform traffic within each plane).
    const double fabric = all_to_all_bandwidth_per_endpoint(t, nic_bandwidth).value();
    const double nic = n > p ? nic_bandwidth.value() * (n - 1.0) / (n - p)
                             : std::numeric_limits<double>::infinity();
    const double fwd = p > 1 ? forward.bandwidth_per_gpu.value() * p * (n - 1.0) / ((p - 1.0) * n)
                             : std::numeric_limits<double>::infinity();
    return bytes_per_second(std::min({fabric, nic, fwd}));
}

PlaneFailure bandwidth_with_failed_planes(const MultiPlaneFatTree& t, int failed_planes,
                                          BytesPerSecond nic_bandwidth) {
    validate(t);
    detail::check_bandwidth(nic_bandwidth, "nic_bandwidth");
    if (failed_planes < 0 || failed_planes > t.planes)
        throw Error(fmt::format("failed planes must be in 0..{}, got {}", t.planes, failed_planes),
                    "failed_planes");
    PlaneFailure f;
    f.planes = t.planes;
    f.failed = failed_planes;
    f.bandwidth_fraction = static_cast<double>(t.planes - failed_planes) / t.planes;
    f.node_bandwidth = nic_bandwidth * static_cast<double>(t.planes - failed_planes);
    f.connected = failed_planes < t.planes;
    return f;
}

MultiPlaneComparison compare_multi_plane_with_multi_rail(std::int64_t gpus, int radix, int planes,
                                                         BytesPerSecond nic_bandwidth,
                                                         const LatencyParams& fabric,
                                                         const IntraNodeForward& forward) {
    MultiPlaneComparison c;
    c.gpus = gpus;
    c.mpft = MultiPlaneFatTree{planes, radix, 2};
    validate(c.mpft);
    if (gpus < 1 || gpus > capacity(c.mpft))
        throw Error(fmt::format("{} two-tier radix-{} planes hold 1..{} GPUs, got {}", planes, radix,
                                capacity(c.mpft), gpus),
                    "gpus");
    // Fewest tiers of one rail-optimised tree that hold the GPUs.
    int tiers = 1;
    while (capacity(FatTree{tiers, radix, 1.0}) < gpus) ++tiers;  // validate() stops at 5 tiers
    tiers = std::max(tiers, 2);
    c.mrft = MultiRailFatTree{planes, radix, tiers};
    c.mpft_size = size_for_endpoints(c.mpft, gpus);
    c.mrft_size = size_for_endpoints(c.mrft, gpus);
    c.mpft_farthest_hops = hops(c.mpft).farthest;
    c.mrft_farthest_hops = hops(c.mrft).farthest;
    c.mpft_farthest = latency(fabric, c.mpft_farthest_hops);
    c.mpft_cross_plane_farthest = c.mpft_farthest + forward.latency;
    c.mrft_farthest = latency(fabric, c.mrft_farthest_hops);
    c.mpft_all_to_all_per_gpu = multi_plane_all_to_all_bandwidth_per_gpu(c.mpft, nic_bandwidth, forward);
    c.mrft_all_to_all_per_gpu = all_to_all_bandwidth_per_endpoint(c.mrft, nic_bandwidth);
    return c;
}

}  // namespace hwplan::model::topology

#include "model/topology/multi_plane_fat_tree.hpp"

#include <string>

#include <fmt/format.h>

#include "model/error.hpp"

namespace hwplan::model::topology {

namespace {

constexpr int max_planes = 64;

TopologySize times(const TopologySize& one, std::int64_t planes) {
    TopologySize s = one;
    s.endpoints *= planes;
    s.switches *= planes;
    s.switch_links *= planes;
    s.endpoint_links *= planes;
    return s;
}

}  // namespace

void validate(const MultiPlaneFatTree& t) {
    if (t.planes < 1 || t.planes > max_planes)
        throw Error(fmt::format("planes must be 1..{}, got {}", max_planes, t.planes),
                    "multi_plane_fat_tree.planes");
    try {
        validate(FatTree{t.tiers, t.radix, 1.0});
    } catch (const Error& e) {
        // Re-anchor "fat_tree.radix" to this spec's field name.
        const std::string field = e.where().substr(e.where().find('.') + 1);
        throw Error(e.message(), "multi_plane_fat_tree." + field);
    }
}

FatTree plane(const MultiPlaneFatTree& t) {
    validate(t);
    return FatTree{t.tiers, t.radix, 1.0};
}

std::int64_t capacity(const MultiPlaneFatTree& t) { return t.planes * capacity(plane(t)); }

TopologySize size(const MultiPlaneFatTree& t) { return times(size(plane(t)), t.planes); }

TopologySize size_for_endpoints(const MultiPlaneFatTree& t, std::int64_t endpoints) {
    const std::int64_t cap = capacity(t);
    if (endpoints < 1 || endpoints > cap)
        throw Error(fmt::format("{} planes of a {}-tier radix-{} fat tree hold 1..{} endpoints, got {}",
                                t.planes, t.tiers, t.radix, cap, endpoints),
                    "endpoints");
    const std::int64_t per_plane = (endpoints + t.planes - 1) / t.planes;
    TopologySize s = times(size_for_endpoints(plane(t), per_plane), t.planes);
    s.endpoints = endpoints;  // the last node may be partly filled
    s.endpoint_links = endpoints;
    return s;
}

HopCounts hops(const MultiPlaneFatTree& t) { return hops(plane(t)); }

double average_hops(const MultiPlaneFatTree& t) { return average_hops(plane(t)); }

BytesPerSecond bisection_bandwidth(const MultiPlaneFatTree& t, BytesPerSecond link_bandwidth) {
    return bisection_bandwidth(plane(t), link_bandwidth) * static_cast<double>(t.planes);
}

BytesPerSecond all_to_all_bandwidth_per_endpoint(const MultiPlaneFatTree& t,
                                                 BytesPerSecond link_bandwidth) {
    return all_to_all_bandwidth_per_endpoint(plane(t), link_bandwidth);
}

}  // namespace hwplan::model::topology

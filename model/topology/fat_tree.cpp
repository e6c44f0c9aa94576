#include "model/topology/fat_tree.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "model/error.hpp"
#include "model/topology/detail.hpp"

namespace hwplan::model::topology {

namespace {

constexpr int max_tiers = 5;
constexpr int max_radix = 4096;

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// The port-count sizing of an L-tier tree with `leaves` leaves (see header).
TopologySize clos_size(const FatTree& t, std::int64_t leaves, std::int64_t endpoints) {
    const LeafPorts lp = leaf_ports(t);
    const std::int64_t h = t.radix / 2;
    TopologySize s;
    s.endpoints = endpoints;
    s.endpoint_links = endpoints;
    s.ports_per_switch = t.radix;
    if (t.tiers == 1 || leaves == 1) {
        // One switch: nothing above it is needed.
        s.switches = 1;
        s.diameter = 0;
        s.ports_per_switch = static_cast<int>(endpoints);
        return s;
    }
    const std::int64_t uplinks = leaves * lp.up;
    s.switches = leaves + static_cast<std::int64_t>(t.tiers - 2) * ceil_div(uplinks, h) +
                 ceil_div(uplinks, t.radix);
    s.switch_links = static_cast<std::int64_t>(t.tiers - 1) * uplinks;
    s.diameter = 2 * (t.tiers - 1);
    return s;
}

}  // namespace

void validate(const FatTree& t) {
    if (t.tiers < 1 || t.tiers > max_tiers)
        throw Error(fmt::format("tiers must be 1..{}, got {}", max_tiers, t.tiers), "fat_tree.tiers");
    if (t.radix < 2 || t.radix % 2 != 0 || t.radix > max_radix)
        throw Error(fmt::format("radix must be even and in 2..{}, got {}", max_radix, t.radix),
                    "fat_tree.radix");
    if (!std::isfinite(t.oversubscription) || t.oversubscription < 1.0)
        throw Error(fmt::format("oversubscription must be a finite ratio >= 1, got {}",
                                t.oversubscription),
                    "fat_tree.oversubscription");
    if (t.tiers > 1) {
        const double down = t.radix * t.oversubscription / (1.0 + t.oversubscription);
        const double rounded = std::round(down);
        if (std::abs(down - rounded) > 1e-9 || rounded >= t.radix)
            throw Error(fmt::format("oversubscription {} does not split {} leaf ports into whole "
                                    "down:up counts",
                                    t.oversubscription, t.radix),
                        "fat_tree.oversubscription");
    }
}

LeafPorts leaf_ports(const FatTree& t) {
    validate(t);
    if (t.tiers == 1) return {t.radix, 0};
    const int down =
        static_cast<int>(std::lround(t.radix * t.oversubscription / (1.0 + t.oversubscription)));
    return {down, t.radix - down};
}

std::int64_t capacity(const FatTree& t) {
    const LeafPorts lp = leaf_ports(t);
    if (t.tiers == 1) return lp.down;
    return 2 * detail::ipow(t.radix / 2, t.tiers - 1) * lp.down;
}

TopologySize size(const FatTree& t) { return size_for_endpoints(t, capacity(t)); }

TopologySize size_for_endpoints(const FatTree& t, std::int64_t endpoints) {
    const std::int64_t cap = capacity(t);
    if (endpoints < 1 || endpoints > cap)
        throw Error(fmt::format("a {}-tier radix-{} fat tree holds 1..{} endpoints, got {}", t.tiers,
                                t.radix, cap, endpoints),
                    "endpoints");
    const LeafPorts lp = leaf_ports(t);
    return clos_size(t, ceil_div(endpoints, lp.down), endpoints);
}

HopCounts hops(const FatTree& t) {
    validate(t);
    const int farthest = 2 * t.tiers - 1;
    return {1, std::min(3, farthest), farthest};
}

double average_hops(const FatTree& t) {
    const LeafPorts lp = leaf_ports(t);
    const double n = static_cast<double>(capacity(t));
    if (n <= 1) return 1.0;
    // S_j = endpoints under one tier-j subtree: S_0 = 1, S_1 = d, S_j = h^(j-1) d, S_L = N.
    // Pairs whose lowest common tier is j traverse 2j - 1 switches.
    const double h = t.radix / 2.0;
    double sum = 0.0;
    double below = 1.0;
    for (int j = 1; j <= t.tiers; ++j) {
        const double subtree = (j == t.tiers) ? n : std::pow(h, j - 1) * lp.down;
        sum += (2.0 * j - 1.0) * (subtree - below);
        below = subtree;
    }
    return sum / (n - 1.0);
}

BytesPerSecond bisection_bandwidth(const FatTree& t, BytesPerSecond link_bandwidth) {
    detail::check_bandwidth(link_bandwidth);
    const LeafPorts lp = leaf_ports(t);
    const double n = static_cast<double>(capacity(t));
    if (t.tiers == 1) return link_bandwidth * (n / 2.0);  // a non-blocking crossbar
    const double leaves = n / lp.down;
    return link_bandwidth * std::min(n / 2.0, leaves / 2.0 * lp.up);
}

BytesPerSecond all_to_all_bandwidth_per_endpoint(const FatTree& t, BytesPerSecond link_bandwidth) {
    detail::check_bandwidth(link_bandwidth);
    const LeafPorts lp = leaf_ports(t);
    const double n = static_cast<double>(capacity(t));
    if (t.tiers == 1 || n <= lp.down) return link_bandwidth;
    const double uplink_bound = static_cast<double>(lp.up) / lp.down * (n - 1.0) / (n - lp.down);
    return link_bandwidth * std::min(1.0, uplink_bound);
}

}  // namespace hwplan::model::topology

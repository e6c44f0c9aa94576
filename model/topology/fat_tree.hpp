#pragma once
// Fat tree (folded Clos) of radix-k switches with `tiers` levels.
//
// A fully populated L-tier fat tree of radix k (h = k/2) with leaf ports split
// d down : u up (oversubscription r = d/u; r = 1 gives d = u = h) has
//   leaves            2 h^(L-1)
//   endpoints         2 h^(L-1) d
//   upper switches    (2L - 3) h^(L-2) u       (every non-top tier 2 h^(L-2) u, top h^(L-2) u)
//   switch links      2 (L - 1) h^(L-1) u
// With r = 1: FT2 = k^2/2 endpoints, 3k/2 switches, k^2/2 links and FT3 = k^3/4,
// 5k^2/4, k^3/2 — paper Table 3 with k = 64: 2,048/96/2,048 and 65,536/5,120/131,072.
// Oversubscription is applied at the leaf only; the tiers above stay non-blocking.

#include <cstdint>

#include "model/topology/topology_size.hpp"
#include "model/units.hpp"

namespace hwplan::model::topology {

struct FatTree {
    int tiers = 2;                  // 1 (a single switch) .. 5
    int radix = 0;                  // ports per switch, even
    double oversubscription = 1.0;  // leaf down:up port ratio, >= 1; d = k r / (1 + r) must be whole
    friend bool operator==(const FatTree&, const FatTree&) = default;
};

// Throws hwplan::Error naming the bad field ("fat_tree.radix", ...).
void validate(const FatTree& t);

struct LeafPorts {
    int down = 0;  // to endpoints
    int up = 0;    // to the next tier
    friend bool operator==(const LeafPorts&, const LeafPorts&) = default;
};
[[nodiscard]] LeafPorts leaf_ports(const FatTree& t);

// Endpoints of the fully populated tree.
[[nodiscard]] std::int64_t capacity(const FatTree& t);

// The fully populated tree.
[[nodiscard]] TopologySize size(const FatTree& t);

// The smallest tree of this shape (tiers, radix, oversubscription) that holds
// `endpoints`: E = ceil(N / d) leaves; each tier above holds the leaves'
// E·u uplinks on switches with h down ports (top tier: k down ports), i.e. a
// port-count (cheapest) sizing: ceil(E·u/h) switches per middle tier and
// ceil(E·u/k) at the top; (L-1)·E·u switch links. Partial pods are allowed;
// where E·u/h is not whole, some switch pairs get an uneven number of
// parallel links. At N = capacity(t) this equals size(t). Throws if
// N < 1 or N > capacity(t) ("endpoints").
[[nodiscard]] TopologySize size_for_endpoints(const FatTree& t, std::int64_t endpoints);

// same leaf 1, same pod 3 (a two-tier tree is one pod), farthest 2L - 1.
[[nodiscard]] HopCounts hops(const FatTree& t);

// Mean switches traversed from one endpoint to another, uniformly chosen (full tree).
[[nodiscard]] double average_hops(const FatTree& t);

// Bandwidth (per direction) across the worst balanced cut: min(N/2 · B, E/2 · u · B),
// i.e. N/(2r) · B — half the leaves' uplinks.
[[nodiscard]] BytesPerSecond bisection_bandwidth(const FatTree& t, BytesPerSecond link_bandwidth);

// Uniform all-to-all rate each endpoint can sustain (per direction): injection
// B, or the leaf uplinks: d·x·(N-d)/(N-1) <= u·B, i.e. x <= B/r · (N-1)/(N-d).
[[nodiscard]] BytesPerSecond all_to_all_bandwidth_per_endpoint(const FatTree& t,
                                                               BytesPerSecond link_bandwidth);

}  // namespace hwplan::model::topology

#pragma once
// Dragonfly (Kim, Dally, Scott, Abts, "Technology-Driven, Highly-Scalable
// Dragonfly Topology", ISCA 2008): groups of `a` routers, all-to-all inside a
// group; each router has `p` endpoints and `h` global links to other groups.
// At most g = a·h + 1 groups (one global link per group pair).
//
// Counts, with every global port cabled:
//   routers        a·g
//   endpoints      a·p·g
//   local links    g · a(a-1)/2            (intra-group all-to-all)
//   global links   a·h·g / 2               (each global link has two ends)
// Paper Table 3 (k = 64): a = 32, p = h = 16, g = 511 → 261,632 endpoints,
// 16,352 routers, 511·496 + 32·16·511/2 = 253,456 + 130,816 = 384,272 links;
// router radix p + h + a - 1 = 63 <= 64. With 511 < 513 groups each group has
// 512 global ports for 510 peers: 511·510/2 = 130,305 group pairs get one
// link and the 2 spare ports per group add 511 parallel links.

#include <cstdint>

#include "model/topology/topology_size.hpp"
#include "model/units.hpp"

namespace hwplan::model::topology {

struct Dragonfly {
    int a = 0;       // routers per group
    int p = 0;       // endpoints per router
    int h = 0;       // global links per router
    int groups = 0;  // g, 2..a·h+1; 0 = a·h + 1 (the maximum)
    friend bool operator==(const Dragonfly&, const Dragonfly&) = default;
};

void validate(const Dragonfly& t);  // "dragonfly.a", ..., "dragonfly.groups"

[[nodiscard]] int groups(const Dragonfly& t);  // g with the default resolved
[[nodiscard]] std::int64_t local_links(const Dragonfly& t);
[[nodiscard]] std::int64_t global_links(const Dragonfly& t);
[[nodiscard]] TopologySize size(const Dragonfly& t);

// Minimal routing (local, global, local): same router 1, same group 2, farthest 4.
[[nodiscard]] HopCounts hops(const Dragonfly& t);

// Minimal routing, uniform destinations: other groups cost 2 + 2(a-1)/a
// switches on average (the source and destination routers own the pair's
// global link with probability 1/a each).
[[nodiscard]] double average_hops(const Dragonfly& t);

// Groups split in two halves: global links crossing = global_links ·
// ⌊g/2⌋⌈g/2⌉ / (g(g-1)/2) (links spread evenly over group pairs).
[[nodiscard]] BytesPerSecond bisection_bandwidth(const Dragonfly& t, BytesPerSecond link_bandwidth);

// Uniform all-to-all with minimal routing, load spread evenly over parallel links:
//   global: a group pair's (a p)² x/(N-1) over its m = ⌊a h/(g-1)⌋ links -> x <= m B (N-1)/(a p)²
//   local:  link i->j carries i's traffic to j's endpoints, to the h groups j
//           reaches, and traffic arriving at i for j's endpoints:
//           x p (p + 2 a h p)/(N-1) <= B
//   and the injection limit B. (Kim et al.'s balance a = 2p = 2h makes all ≈ B.)
[[nodiscard]] BytesPerSecond all_to_all_bandwidth_per_endpoint(const Dragonfly& t,
                                                               BytesPerSecond link_bandwidth);

}  // namespace hwplan::model::topology

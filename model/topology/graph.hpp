#pragma once
// Explicit switch graphs of small instances, to cross-check the closed-form
// counts and hop numbers (tests build them for k = 4, 8, small q, small
// dragonflies and count nodes, edges and BFS distances). Not meant for
// Table-3-sized fabrics: builders refuse more than 200,000 switches.

#include <cstdint>
#include <vector>

#include "model/topology/dragonfly.hpp"
#include "model/topology/fat_tree.hpp"
#include "model/topology/multi_plane_fat_tree.hpp"
#include "model/topology/slim_fly.hpp"

namespace hwplan::model::topology {

struct SwitchGraph {
    // Undirected switch-to-switch adjacency; a parallel link appears once per cable.
    std::vector<std::vector<int>> adjacency;
    // endpoint_switch[e] = the switch endpoint e plugs into.
    std::vector<int> endpoint_switch;
    // Pod / group / plane of each switch (fat tree pod, dragonfly group,
    // Slim Fly subgraph-and-x block), -1 where none.
    std::vector<int> group;
    friend bool operator==(const SwitchGraph&, const SwitchGraph&) = default;
};

// Fat trees of 1..3 tiers: two-tier leaf–spine (every leaf to every spine),
// three-tier k-ary pods (Al-Fares et al., SIGCOMM 2008), oversubscription at
// the leaf. Throws for tiers > 3 ("fat_tree.tiers").
[[nodiscard]] SwitchGraph build_graph(const FatTree& t);
// Disjoint planes (no path between planes: forwarding is intra-node).
[[nodiscard]] SwitchGraph build_graph(const MultiPlaneFatTree& t);
// MMS graph over GF(q) (Besta & Hoefler SC14, Section 2.2): routers (0,x,y) and
// (1,m,c); (0,x,y)~(0,x,y') iff y-y' ∈ X; (1,m,c)~(1,m,c') iff c-c' ∈ X';
// (0,x,y)~(1,m,c) iff y = m·x + c. Needs q a prime power.
[[nodiscard]] SwitchGraph build_graph(const SlimFly& t);
// Groups all-to-all inside; global port t of group G (router t / h) goes to
// group (G + t + 1) mod g ("consecutive" arrangement); spare ports when
// g < a·h + 1 add parallel links in a circulant pattern, so every global port
// is cabled (dragonfly.hpp).
[[nodiscard]] SwitchGraph build_graph(const Dragonfly& t);

[[nodiscard]] std::int64_t switch_count(const SwitchGraph& g);
[[nodiscard]] std::int64_t link_count(const SwitchGraph& g);
[[nodiscard]] std::int64_t endpoint_count(const SwitchGraph& g);

// BFS distances (in links) from one switch; -1 where unreachable.
[[nodiscard]] std::vector<int> distances_from(const SwitchGraph& g, int source);

// Switches traversed between two endpoints (shortest path), -1 if unreachable.
[[nodiscard]] int endpoint_hops(const SwitchGraph& g, int endpoint_a, int endpoint_b);

// Largest BFS distance between switches that hold endpoints (-1 if disconnected).
[[nodiscard]] int endpoint_diameter(const SwitchGraph& g);

// Mean switches traversed over all ordered pairs of distinct endpoints (BFS).
[[nodiscard]] double average_endpoint_hops(const SwitchGraph& g);

}  // namespace hwplan::model::topology

#pragma once
// Slim Fly: the McKay–Miller–Širáň (MMS) diameter-2 graph as a network
// (Besta & Hoefler, "Slim Fly: A Cost Effective Low-Diameter Network
// Topology", SC14; McKay, Miller, Širáň, JCTB 1998).
//
// For a prime power q = 4w + δ, δ ∈ {-1, 0, 1}, the MMS graph has 2q² routers
// of network radix k' = (3q - δ)/2 and diameter 2; each router takes
// p endpoints, by default p = ⌈k'/2⌉ (Besta & Hoefler's choice for full global
// bandwidth). Counts: routers 2q², endpoints 2q² p, switch links 2q² k'/2.
// Paper Table 3 (k = 64): q = 28 → 1,568 routers, k' = 42, p = 21, 32,928
// endpoints, 32,928 links; router radix k' + p = 63 <= 64.
//
// q = 28 is NOT a prime power, so no MMS graph exists for it: the paper
// applies the size formulas to q = 28 anyway. To reproduce its row a spec may
// set `require_prime_power = false`; the counts are then the formulas'
// (q mod 4 must still not be 2), and graph::build refuses to build it.

#include <cstdint>

#include "model/topology/topology_size.hpp"
#include "model/units.hpp"

namespace hwplan::model::topology {

struct SlimFly {
    int q = 0;
    int endpoints_per_router = 0;     // p; 0 = ⌈k'/2⌉
    bool require_prime_power = true;  // false: formula sizing only (paper's q = 28)
    friend bool operator==(const SlimFly&, const SlimFly&) = default;
};

void validate(const SlimFly& t);  // "slim_fly.q", "slim_fly.endpoints_per_router"

[[nodiscard]] bool is_prime_power(int q);

// δ with q = 4w + δ, δ ∈ {-1, 0, 1}.
[[nodiscard]] int slim_fly_delta(int q);

// k' = (3q - δ)/2: router-to-router ports.
[[nodiscard]] int network_radix(const SlimFly& t);

// p actually used (the default resolved).
[[nodiscard]] int endpoints_per_router(const SlimFly& t);

[[nodiscard]] TopologySize size(const SlimFly& t);

// same router 1, farthest 3 (diameter 2); no groups.
[[nodiscard]] HopCounts hops(const SlimFly& t);

// Uniform destinations: p-1 on the same router (1 switch), p·k' one link away
// (2 switches), the rest p·(2q² - 1 - k') two links away (3 switches).
[[nodiscard]] double average_hops(const SlimFly& t);

// No closed form for the MMS graph's minimum bisection exists; this returns the
// expected cut of a random balanced split of the routers,
// links · B · (R/2)/(R - 1) with R routers — an UPPER bound on the minimum
// bisection. Use all_to_all_bandwidth_per_endpoint for uniform traffic.
[[nodiscard]] BytesPerSecond bisection_bandwidth(const SlimFly& t, BytesPerSecond link_bandwidth);

// Uniform all-to-all under minimal routing, assuming the load spreads evenly
// over the 2·links directed links (the MMS graph is highly symmetric):
// total link load N·x·D̄ <= 2·links·B with D̄ the mean router distance per
// destination endpoint; x = min(B, 2·links·B / (N·D̄)).
[[nodiscard]] BytesPerSecond all_to_all_bandwidth_per_endpoint(const SlimFly& t,
                                                               BytesPerSecond link_bandwidth);

}  // namespace hwplan::model::topology

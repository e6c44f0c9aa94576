#pragma once
// The paper's network tables, typed once so tests, the CLI and the docs never
// re-type them (arXiv 2505.09343, "Insights into DeepSeek-V3", Section 5:
// Table 3 "network topology comparison" and the link-layer latency table).

#include <optional>
#include <string>
#include <vector>

#include "model/nic.hpp"
#include "model/topology/topology_spec.hpp"
#include "model/units.hpp"

namespace hwplan::model::topology {

// One column of paper Table 3 (k = 64 switches throughout).
struct Table3Row {
    std::string label;  // "FT2", "MPFT", "FT3", "SF", "DF" as the paper heads them
    TopologySpec spec;
    // As printed: endpoints, switches, (switch-to-switch) links.
    std::int64_t endpoints = 0;
    std::int64_t switches = 0;
    std::int64_t links = 0;
    double cost_usd = 0;               // "Cost [M$]" × 1e6 (printed rounded to $1M)
    double cost_per_endpoint_usd = 0;  // "Cost/Endpoint [k$]" × 1e3
    friend bool operator==(const Table3Row&, const Table3Row&) = default;
};

// FT2, MPFT (8 planes), FT3, SF (q = 28, formula sizing — see slim_fly.hpp),
// DF (a = 32, p = h = 16, 511 groups), in the paper's order.
[[nodiscard]] std::vector<Table3Row> paper_table3();

// The same five fabrics built from radix-`radix` switches, following the
// paper's choices at k = 64: FT2/MPFT(8 planes)/FT3 of radix k; Slim Fly with
// the largest q whose network ports k' = (3q - delta)/2 plus p = ceil(k'/2)
// endpoints fit in k ports (formula sizing, as the paper's q = 28); Dragonfly
// with a = k/2 routers per group, p = h = k/4, and a*h - 1 groups (the paper's
// 511 at k = 64). Throws hwplan::Error("radix") for odd radix < 4.
struct FabricLineupRow {
    std::string label;
    TopologySpec spec;
    friend bool operator==(const FabricLineupRow&, const FabricLineupRow&) = default;
};
[[nodiscard]] std::vector<FabricLineupRow> table3_lineup(int radix);

// One row of the paper's latency table (small-message, endpoint to endpoint).
struct LatencyTableRow {
    std::string label;  // "RoCE", "InfiniBand", "NVLink"
    LinkKind kind = LinkKind::infiniband;
    Seconds same_leaf = seconds(0);   // one switch hop
    std::optional<Seconds> cross_leaf;  // three switch hops (FT2 leaf-spine-leaf); NVLink: none
    friend bool operator==(const LatencyTableRow&, const LatencyTableRow&) = default;
};

// RoCE 3.6/5.6 µs, InfiniBand 2.8/3.7 µs, NVLink 3.33 µs/—.
[[nodiscard]] std::vector<LatencyTableRow> paper_latency_table();

}  // namespace hwplan::model::topology

#pragma once
// --fabric / --fabric-link / --fabric-radix: the scale-out fabric a
// deployment runs on. The fabric is sized for the deployment's NIC ports
// (model/topology cost_model), reduced to latency and all-to-all share
// (model/topology/fabric_links.hpp) and carried by the Deployment, so the EP
// all-to-all and the collectives pay its hops instead of the NIC's
// one-switch latency.

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "model/deployment.hpp"
#include "model/system.hpp"

namespace hwplan::cli {

struct FabricOptions {
    std::string kind;  // ft2, ft3, mpft, cheapest; empty: no fabric (the NIC's figures)
    std::string link;  // ib or roce; empty: the system NIC's kind
    int radix = 64;
};

void add_fabric_options(CLI::App* sub, FabricOptions& o);

struct FabricChoice {
    model::FabricLinks links;
    std::string label;  // "FT2(k=64) IB, 3 switch hops, 3.70 us, all-to-all 100 %"
};

// Sizes the named fabric for the NIC ports of `d` on `s`. None without
// --fabric. Throws hwplan::Error naming the flag (no NIC, a fabric too small
// for the endpoints, an unknown kind).
[[nodiscard]] std::optional<FabricChoice> resolve_fabric(const FabricOptions& o, const model::System& s,
                                                         const model::Deployment& d);

}  // namespace hwplan::cli

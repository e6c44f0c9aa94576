#include "cli/fabric_options.hpp"
#include "cli/bounded_flag.hpp"

#include <fmt/format.h>

#include "model/error.hpp"
#include "model/topology/topology.hpp"

namespace hwplan::cli {

namespace topo = model::topology;

void add_fabric_options(CLI::App* sub, FabricOptions& o) {
    sub->add_option("--fabric", o.kind,
                    "Scale-out fabric sized for the deployment: ft2, ft3, mpft or cheapest (default: the NIC's "
                    "one-switch figures)");
    sub->add_option("--fabric-link", o.link, "Fabric link layer: ib or roce (default: the system NIC's)");
    sub->add_option("--fabric-radix", o.radix, "Switch radix of --fabric (default 64)")
        ->transform(whole_in(2, 1 << 16));
}

std::optional<FabricChoice> resolve_fabric(const FabricOptions& o, const model::System& s,
                                           const model::Deployment& d) {
    if (o.kind.empty()) {
        if (!o.link.empty()) throw Error("needs --fabric", "--fabric-link");
        return std::nullopt;
    }
    if (!s.nic || s.nics_per_node <= 0 || !(s.nic->bandwidth.value() > 0))
        throw Error(s.id + " has no scale-out NIC to attach to a fabric", "--fabric");
    std::optional<topo::FabricKind> kind;
    if (o.kind == "ft2") kind = topo::FabricKind::fat_tree_2;
    else if (o.kind == "ft3") kind = topo::FabricKind::fat_tree_3;
    else if (o.kind == "mpft") kind = topo::FabricKind::multi_plane_fat_tree_2;
    else if (o.kind != "cheapest")
        throw Error("unknown fabric '" + o.kind + "' (expected ft2, ft3, mpft or cheapest)", "--fabric");
    model::LinkKind link = s.nic->kind == model::LinkKind::infiniband ? model::LinkKind::infiniband
                                                                      : model::LinkKind::roce;
    if (o.link == "ib") link = model::LinkKind::infiniband;
    else if (o.link == "roce") link = model::LinkKind::roce;
    else if (!o.link.empty()) throw Error("expected ib or roce, got '" + o.link + "'", "--fabric-link");

    // One endpoint per NIC port; a multi-plane node puts one per plane.
    const std::int64_t endpoints = static_cast<std::int64_t>(d.nodes) * s.nics_per_node * s.nic->ports;
    const int planes = s.planes > 1 ? s.planes : s.nics_per_node * s.nic->ports;
    const topo::FabricPrices prices = topo::fit_paper_prices().prices;
    topo::FabricSizing sizing;
    try {
        sizing = kind ? topo::size_fabric(*kind, endpoints, o.radix, prices, planes)
                      : topo::cheapest_fabric(endpoints, o.radix, prices, planes);
    } catch (const Error& e) {
        throw e.within("--fabric");
    }
    if (!sizing.feasible) throw Error(sizing.reason, "--fabric");
    FabricChoice c;
    c.links = topo::fabric_links(sizing, topo::paper_latency_params(link), s.nic->bandwidth);
    c.label = fmt::format("{} {}, {} switch hops, {:.2f} us, all-to-all {:.0f} %", topo::describe(sizing.spec),
                          link == model::LinkKind::infiniband ? "IB" : "RoCE",
                          topo::farthest_hops(sizing.spec, sizing.size.endpoints), model::to_us(c.links.latency),
                          100.0 * c.links.bandwidth_share);
    return c;
}

}  // namespace hwplan::cli

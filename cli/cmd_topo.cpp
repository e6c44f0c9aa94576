// hwplan topo: scale-out fabric size, cost, latency (paper Table 3 and the
// latency table), sizing for N endpoints, and multi-plane effects.
#include <fmt/format.h>

#include <cmath>

#include "cli/commands.hpp"
#include "cli/bounded_flag.hpp"
#include "hwdb/unit_parse.hpp"
#include "model/error.hpp"
#include "model/topology/topology.hpp"

namespace hwplan::cli {

namespace topo = model::topology;

namespace {

struct TopoOptions {
    bool table = false;
    bool latency = false;
    bool multi_plane = false;
    int radix = 64;
    int planes = 8;
    std::string fabric;
    long long endpoints = 0;
    std::string link_bandwidth = "400 Gbps";
    std::optional<double> switch_price, switch_link_price, endpoint_link_price;
    int failed_planes = 0;
};

topo::FabricPrices prices_for(const TopoOptions& o, const topo::CostFit& fit) {
    topo::FabricPrices p = fit.prices;
    if (o.switch_price) p.switch_usd = *o.switch_price;
    if (o.switch_link_price) p.switch_link_usd = *o.switch_link_price;
    if (o.endpoint_link_price) p.endpoint_link_usd = *o.endpoint_link_price;
    topo::validate(p);
    return p;
}

nlohmann::json prices_json(const topo::FabricPrices& p) {
    return {{"switch_usd", p.switch_usd}, {"switch_link_usd", p.switch_link_usd},
            {"endpoint_link_usd", p.endpoint_link_usd}};
}

std::string count(std::int64_t v) { return with_commas(v); }

void table_report(Report& r, const TopoOptions& o, const topo::CostFit& fit, const topo::FabricPrices& prices,
                  model::BytesPerSecond link_bw) {
    const auto ib = topo::paper_latency_params(model::LinkKind::infiniband);
    Table t{fmt::format("Network topologies, radix {} (paper Table 3{})", o.radix, o.radix == 64 ? "" : " lineup"),
            {"fabric", "topology", "endpoints", "switches", "links", "endpoint links", "cost M$", "cost/endpoint k$",
             "hops (farthest)", "IB latency us", "all-to-all GB/s/ep"},
            {},
            {}};
    const auto paper = topo::paper_table3();
    nlohmann::json rows = nlohmann::json::array();
    const auto lineup = topo::table3_lineup(o.radix);
    for (std::size_t i = 0; i < lineup.size(); ++i) {
        const auto& row = lineup[i];
        const topo::TopologySize s = topo::size(row.spec);
        const double cost = topo::fabric_cost_usd(s, prices);
        const double per_ep = topo::cost_per_endpoint_usd(s, prices);
        const auto h = topo::hops(row.spec);
        const auto lat = topo::path_latencies(row.spec, ib);
        const double a2a = model::to_gbps(topo::all_to_all_bandwidth_per_endpoint(row.spec, link_bw));
        t.rows.push_back({row.label, topo::describe(row.spec), count(s.endpoints), count(s.switches),
                          count(s.switch_links), count(s.endpoint_links), fixed(cost / 1e6, 1),
                          fixed(per_ep / 1e3, 2), std::to_string(h.farthest), fixed(model::to_us(lat.farthest), 2),
                          fixed(a2a, 1)});
        nlohmann::json j = {{"fabric", row.label},
                            {"topology", topo::describe(row.spec)},
                            {"endpoints", s.endpoints},
                            {"switches", s.switches},
                            {"links", s.switch_links},
                            {"endpoint_links", s.endpoint_links},
                            {"diameter", s.diameter},
                            {"cost_musd", cost / 1e6},
                            {"cost_per_endpoint_kusd", per_ep / 1e3},
                            {"latency_us", model::to_us(lat.farthest)},
                            {"all_to_all_gbps_per_endpoint", a2a}};
        if (o.radix == 64 && i < paper.size()) {
            j["paper_cost_musd"] = paper[i].cost_usd / 1e6;
            j["cost_residual"] = cost / paper[i].cost_usd - 1;
        }
        rows.push_back(std::move(j));
    }
    t.notes.push_back(fmt::format("prices: {}", prices));
    t.notes.push_back("links = switch-to-switch links (as the paper counts them); endpoint links listed apart");
    t.notes.push_back(fmt::format("latency: farthest endpoints over InfiniBand ({})", ib));
    r.tables.push_back(std::move(t));

    Table f{"Price fit to paper Table 3 (non-negative least squares, relative residuals)",
            {"fabric", "paper M$", "fitted M$", "residual"},
            {},
            {}};
    nlohmann::json fit_rows = nlohmann::json::array();
    for (const auto& row : fit.rows) {
        f.rows.push_back({row.label, fixed(row.observed_usd / 1e6, 0), fixed(row.fitted_usd / 1e6, 2),
                          fmt::format("{:+.2f}%", 100 * row.relative_residual)});
        fit_rows.push_back({{"fabric", row.label},
                            {"paper_cost_musd", row.observed_usd / 1e6},
                            {"fitted_cost_musd", row.fitted_usd / 1e6},
                            {"relative_residual", row.relative_residual}});
    }
    f.notes.push_back(fmt::format("fitted prices: {}; max |residual| {:.2f}%, rms {:.2f}%", fit.prices,
                                  100 * fit.max_abs_relative_residual, 100 * fit.rms_relative_residual));
    r.tables.push_back(std::move(f));
    r.json["radix"] = o.radix;
    r.json["rows"] = rows;
    r.json["prices"] = prices_json(prices);
    r.json["price_fit"] = {{"rows", fit_rows},
                           {"max_abs_relative_residual", fit.max_abs_relative_residual},
                           {"rms_relative_residual", fit.rms_relative_residual}};
}

void latency_report(Report& r) {
    Table t{"Latency model: endpoint + hops x switch latency, fitted to the paper's table",
            {"link layer", "endpoint us", "per switch us", "same leaf us", "cross leaf us", "paper same/cross us"},
            {},
            {}};
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& row : topo::paper_latency_table()) {
        const auto p = topo::paper_latency_params(row.kind);
        const double same = model::to_us(topo::latency(p, 1));
        nlohmann::json j = {{"link", row.label},
                            {"endpoint_us", model::to_us(p.endpoint_overhead)},
                            {"switch_us", model::to_us(p.switch_latency)},
                            {"same_leaf_us", same},
                            {"paper_same_leaf_us", model::to_us(row.same_leaf)}};
        std::string cross = "-", paper = fixed(model::to_us(row.same_leaf), 2) + " / -";
        if (row.cross_leaf) {
            const double c = model::to_us(topo::latency(p, 3));
            cross = fixed(c, 2);
            paper = fixed(model::to_us(row.same_leaf), 2) + " / " + fixed(model::to_us(*row.cross_leaf), 2);
            j["cross_leaf_us"] = c;
            j["paper_cross_leaf_us"] = model::to_us(*row.cross_leaf);
        }
        t.rows.push_back({row.label, fixed(model::to_us(p.endpoint_overhead), 2), fixed(model::to_us(p.switch_latency), 2),
                          fixed(same, 2), cross, paper});
        rows.push_back(std::move(j));
    }
    t.notes.push_back("same leaf = 1 switch, cross leaf = 3 switches (two-tier fat-tree); NVLink: one NVSwitch hop,");
    t.notes.push_back("its endpoint/switch split is not identifiable from one point (switch latency assumed 0)");
    r.tables.push_back(std::move(t));
    r.json["latency"] = rows;
}

void sizing_report(Report& r, const TopoOptions& o, const topo::FabricPrices& prices) {
    if (o.endpoints < 1) throw Error("must be at least 1 with --fabric", "--endpoints");
    std::optional<topo::FabricKind> kind;
    if (o.fabric == "ft2") kind = topo::FabricKind::fat_tree_2;
    else if (o.fabric == "ft3") kind = topo::FabricKind::fat_tree_3;
    else if (o.fabric == "mpft") kind = topo::FabricKind::multi_plane_fat_tree_2;
    else if (o.fabric != "cheapest")
        throw Error("unknown fabric '" + o.fabric + "' (expected ft2, ft3, mpft or cheapest)", "--fabric");
    const topo::FabricSizing s = kind ? topo::size_fabric(*kind, o.endpoints, o.radix, prices, o.planes)
                                      : topo::cheapest_fabric(o.endpoints, o.radix, prices, o.planes);
    if (!s.feasible) throw Error(s.reason, "--endpoints");
    const auto lat = topo::path_latencies(s.spec, topo::paper_latency_params(model::LinkKind::infiniband));
    r.json = {{"fabric", std::string(topo::to_string(s.kind))},
              {"topology", topo::describe(s.spec)},
              {"endpoints", s.size.endpoints},
              {"requested_endpoints", o.endpoints},
              {"switches", s.size.switches},
              {"links", s.size.switch_links},
              {"endpoint_links", s.size.endpoint_links},
              {"cost_musd", s.cost_usd / 1e6},
              {"cost_per_endpoint_kusd", s.cost_per_endpoint_usd / 1e3},
              {"latency_us", model::to_us(lat.farthest)},
              {"prices", prices_json(prices)}};
    Table t{fmt::format("Fabric for {} endpoints ({}, radix {})", count(o.endpoints), topo::to_string(s.kind), o.radix),
            {"quantity", "value"},
            {},
            {}};
    t.rows = {{"built as part of", topo::describe(s.spec)},
              {"endpoints (ports)", count(s.size.endpoints)},
              {"switches", count(s.size.switches)},
              {"switch-to-switch links", count(s.size.switch_links)},
              {"endpoint links", count(s.size.endpoint_links)},
              {"cost", fmt::format("${:.2f}M", s.cost_usd / 1e6)},
              {"cost per endpoint", fmt::format("${:.2f}k", s.cost_per_endpoint_usd / 1e3)},
              {"farthest IB latency", fmt::format("{:.2f} us", model::to_us(lat.farthest))}};
    t.notes.push_back(fmt::format("prices: {}", prices));
    r.tables.push_back(std::move(t));
}

void multi_plane_report(Report& r, const TopoOptions& o, model::BytesPerSecond link_bw) {
    const long long gpus = o.endpoints > 0 ? o.endpoints : 16384;
    const auto ib = topo::paper_latency_params(model::LinkKind::infiniband);
    // H800 node: NVLink 200 GB/s per direction per GPU (paper: 400 GB/s bidirectional).
    const auto fwd = topo::paper_nvlink_forward(model::gigabytes_per_second(200));
    topo::MultiPlaneComparison c;
    try {
        c = topo::compare_multi_plane_with_multi_rail(gpus, o.radix, o.planes, link_bw, ib, fwd);
    } catch (const Error& e) {
        throw Error(e.message(), "--endpoints");
    }
    Table t{fmt::format("Multi-plane (MPFT, {} planes) vs single-plane multi-rail (MRFT) for {} GPUs, radix {}",
                        o.planes, count(gpus), o.radix),
            {"", "MPFT", "MRFT"},
            {},
            {}};
    t.rows = {{"topology", topo::describe(c.mpft), topo::describe(c.mrft)},
              {"switches", count(c.mpft_size.switches), count(c.mrft_size.switches)},
              {"switch links", count(c.mpft_size.switch_links), count(c.mrft_size.switch_links)},
              {"farthest hops", std::to_string(c.mpft_farthest_hops), std::to_string(c.mrft_farthest_hops)},
              {"farthest latency us", fixed(model::to_us(c.mpft_farthest), 2), fixed(model::to_us(c.mrft_farthest), 2)},
              {"cross-plane farthest us", fixed(model::to_us(c.mpft_cross_plane_farthest), 2), "-"},
              {"all-to-all GB/s per GPU", fixed(model::to_gbps(c.mpft_all_to_all_per_gpu), 1),
               fixed(model::to_gbps(c.mrft_all_to_all_per_gpu), 1)}};
    const auto failure = topo::bandwidth_with_failed_planes(c.mpft, o.failed_planes, link_bw);
    t.notes.push_back(fmt::format("{} failed plane(s): node scale-out bandwidth x{:.3f} ({:.0f} GB/s), {}",
                                  o.failed_planes, failure.bandwidth_fraction, model::to_gbps(failure.node_bandwidth),
                                  failure.connected ? "still connected" : "disconnected"));
    r.tables.push_back(std::move(t));
    r.json["multi_plane"] = {{"gpus", gpus},
                             {"mpft_switches", c.mpft_size.switches},
                             {"mrft_switches", c.mrft_size.switches},
                             {"mpft_latency_us", model::to_us(c.mpft_farthest)},
                             {"mpft_cross_plane_latency_us", model::to_us(c.mpft_cross_plane_farthest)},
                             {"mrft_latency_us", model::to_us(c.mrft_farthest)},
                             {"mpft_all_to_all_gbps_per_gpu", model::to_gbps(c.mpft_all_to_all_per_gpu)},
                             {"mrft_all_to_all_gbps_per_gpu", model::to_gbps(c.mrft_all_to_all_per_gpu)},
                             {"failed_planes", o.failed_planes},
                             {"bandwidth_fraction", failure.bandwidth_fraction}};
}

}  // namespace

void add_topo_command(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<TopoOptions>();
    auto* sub = app.add_subcommand("topo", "Scale-out fabrics: Table 3, latency model, sizing, multi-plane");
    sub->add_flag("--table", o->table, "Print paper Table 3 (for --radix) with the price fit");
    sub->add_flag("--latency", o->latency, "Print the latency model fitted to the paper's table");
    sub->add_flag("--multi-plane", o->multi_plane, "Compare MPFT with single-plane MRFT (--endpoints GPUs)");
    sub->add_option("--radix", o->radix, "Switch radix (ports), default 64")->transform(whole_in(2, 1 << 16));
    sub->add_option("--planes", o->planes, "Planes of a multi-plane fabric, default 8")->transform(whole_in(1, 1024));
    sub->add_option("--fabric", o->fabric, "Size a fabric: ft2, ft3, mpft or cheapest (with --endpoints)");
    sub->add_option("--endpoints", o->endpoints, "Endpoints (GPUs/NICs) to connect")
        ->transform(whole_in(0, 1LL << 40));
    sub->add_option("--link-bandwidth", o->link_bandwidth, "Link rate per direction, default '400 Gbps'");
    sub->add_option("--switch-price", o->switch_price, "USD per switch (default: fitted to Table 3)");
    sub->add_option("--switch-link-price", o->switch_link_price, "USD per switch-to-switch link with optics");
    sub->add_option("--endpoint-link-price", o->endpoint_link_price, "USD per endpoint link");
    sub->add_option("--failed-planes", o->failed_planes, "Planes down, for --multi-plane")
        ->transform(whole_in(0, 1024));
    add_format_option(sub, ctx);
    sub->callback([o, &ctx] {
        try {
            (void)topo::table3_lineup(o->radix);
        } catch (const Error& e) {
            throw Error(e.message(), "--radix");
        }
        const auto link_bw = hwdb::parse_bandwidth(o->link_bandwidth, "--link-bandwidth");
        if (link_bw.value() <= 0) throw Error("must be positive", "--link-bandwidth");
        if (o->failed_planes > o->planes) throw Error("exceeds --planes", "--failed-planes");
        const topo::CostFit fit = topo::fit_paper_prices();
        topo::FabricPrices prices;
        try {
            prices = prices_for(*o, fit);
        } catch (const Error& e) {
            throw Error(e.message(), "--switch-price");
        }
        Report r;
        const bool any = o->table || o->latency || o->multi_plane || !o->fabric.empty();
        if (!o->fabric.empty()) sizing_report(r, *o, prices);
        if (o->table || !any) table_report(r, *o, fit, prices, link_bw);
        if (o->latency || !any) latency_report(r);
        if (o->multi_plane) multi_plane_report(r, *o, link_bw);
        ctx.emit(r);
    });
}

}  // namespace hwplan::cli

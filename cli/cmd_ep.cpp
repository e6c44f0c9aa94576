// hwplan ep: the EP all-to-all (MoE dispatch + combine).
//   hwplan ep [--paper]                 the paper's sec. 2.3.2 example (hidden "7K",
//                                       32 tokens, 9 experts, 50 GB/s), with the real
//                                       hidden 7168 and GB200 NVL72 (900 GB/s) beside it
//   hwplan ep --paper --model M --system S ...   the same formula with the model's
//                                       and system's numbers
//   hwplan ep --model M --system S ...  the realistic all-to-all (wire formats with
//                                       scales, NVLink/RDMA split, node-limited routing,
//                                       link efficiencies) -- communication alone;
//                                       `hwplan tpot` gives the whole step.
#include <fmt/format.h>

#include <optional>

#include "cli/bounded_flag.hpp"
#include "cli/commands.hpp"
#include "cli/layout_options.hpp"
#include "cli/profile_option.hpp"
#include "hwdb/unit_parse.hpp"
#include "model/ep_comm.hpp"
#include "model/calibration/apply.hpp"
#include "model/error.hpp"
#include "model/layout.hpp"
#include "model/mtp.hpp"

namespace hwplan::cli {

namespace {

struct EpOptions {
    bool paper = false;
    std::string model, system;
    int nodes = 1;
    std::optional<int> ep;
    int redundant_experts = 0;
    std::string tokens = "32";
    std::optional<std::string> bandwidth;
    std::optional<double> hidden;
    std::optional<double> experts_per_token;
    std::optional<int> layers;
    int micro_batches = 2;
    std::string dispatch = "fp8", combine = "bf16";
    int logfmt_bits = 0;
    int mtp = 0;
    std::vector<double> mtp_acceptance;
    std::string algorithm = "auto";
    FabricOptions fabric;
    bool no_node_limit = false;
    bool shared_via_ep = false;
    double imbalance = 1.0;
    ProfileOptions profile;
};

model::DType dtype_flag(const std::string& v, const char* flag) {
    if (auto t = model::dtype_from_string(v)) return *t;
    throw Error("unknown dtype '" + v + "' (expected fp32, bf16, fp16, fp8, int8, fp4 or int4)", flag);
}

model::MultiTokenPrediction mtp_from(const EpOptions& o) {
    model::MultiTokenPrediction mtp;
    mtp.depth = o.mtp > 0 ? o.mtp : (o.mtp_acceptance.empty() ? 0 : 1);
    mtp.acceptance = o.mtp_acceptance;
    if (mtp.depth > 0 && mtp.acceptance.empty())
        throw Error("--mtp " + std::to_string(mtp.depth) + " needs an acceptance rate", "--mtp-acceptance");
    for (double a : mtp.acceptance)
        if (!(a >= 0 && a <= 1)) throw Error("acceptance rates must be between 0 and 1", "--mtp-acceptance");
    return mtp;
}

nlohmann::json paper_json(const model::PaperEpInputs& in, const model::PaperEp& p) {
    return {{"comm_us", model::to_us(p.comm)},
            {"dispatch_us", model::to_us(p.dispatch)},
            {"combine_us", model::to_us(p.combine)},
            {"layer_us", model::to_us(p.layer)},
            {"step_ms", model::to_ms(p.step)},
            {"tokens_per_s", p.tokens_per_s},
            {"tokens_per_step", p.tokens_per_step},
            {"hidden", in.hidden},
            {"bandwidth_gbps", model::to_gbps(in.bandwidth)}};
}

std::vector<std::string> paper_row(const std::string& label, const model::PaperEpInputs& in, const model::PaperEp& p) {
    return {label,
            fixed(in.hidden, 0),
            fixed(model::to_gbps(in.bandwidth), 0),
            fixed(model::to_us(p.comm), 2),
            fixed(model::to_us(p.layer), 2),
            fixed(model::to_ms(p.step), 2),
            fixed(p.tokens_per_s, 1)};
}

model::PaperEp checked_paper_ep(const model::PaperEpInputs& in) {
    try {
        return model::paper_ep(in);
    } catch (const Error& e) {
        const std::string& w = e.where();
        throw Error(e.message(), w == "bandwidth"       ? "--bandwidth"
                                 : w == "tokens"        ? "--tokens"
                                 : w == "hidden"        ? "--hidden"
                                 : w == "layers"        ? "--layers"
                                 : w == "micro_batches" ? "--micro-batches"
                                                        : "--" + w);
    }
}

void paper_report(const EpOptions& o, Context& ctx) {
    model::PaperEpInputs in;
    std::string subject = "the paper's example";
    if (!o.model.empty()) {
        LayoutOptions lo;
        lo.model = o.model;
        lo.system = o.system;
        lo.nodes = o.nodes;
        lo.ep = o.ep;
        lo.redundant_experts = o.redundant_experts;
        lo.dispatch = o.dispatch;
        lo.combine = o.combine;
        if (o.system.empty()) throw Error("--paper with --model needs --system (for the bandwidth)", "--system");
        const ResolvedLayout l = resolve_layout(lo, ctx.db());
        if (!l.model.is_moe()) throw Error(l.model.id + " is a dense model; EP needs experts", "--model");
        in = model::paper_ep_inputs(l.model, l.system, l.deployment, 32);
        subject = l.model.id + " on " + std::to_string(l.deployment.nodes) + "x " + l.system.id;
    } else {
        in.dispatch_bytes = model::bytes_per_element(dtype_flag(o.dispatch, "--dispatch"));
        in.combine_bytes = model::bytes_per_element(dtype_flag(o.combine, "--combine"));
    }
    if (o.logfmt_bits > 0) in.dispatch_bytes = o.logfmt_bits / 8.0;
    in.tokens = hwdb::parse_count(o.tokens, "--tokens");
    if (o.bandwidth) in.bandwidth = hwdb::parse_bandwidth(*o.bandwidth, "--bandwidth");
    if (o.hidden) in.hidden = *o.hidden;
    if (o.experts_per_token) in.experts_per_token = *o.experts_per_token;
    if (o.layers) in.layers = *o.layers;
    in.micro_batches = o.micro_batches;
    in.mtp = mtp_from(o);
    const model::PaperEp p = checked_paper_ep(in);

    Report r;
    r.json = paper_json(in, p);
    r.json["mode"] = "paper";
    r.json["subject"] = subject;
    r.json["inputs"] = {{"dispatch_bytes", in.dispatch_bytes},
                        {"combine_bytes", in.combine_bytes},
                        {"tokens", in.tokens},
                        {"experts_per_token", in.experts_per_token},
                        {"hidden", in.hidden},
                        {"bandwidth_gbps", model::to_gbps(in.bandwidth)},
                        {"layers", in.layers},
                        {"micro_batches", in.micro_batches}};
    Table t{"EP all-to-all, paper mode (sec. 2.3.2), " + subject + ": t = (" + fixed(in.dispatch_bytes, 3) + " B + " +
                fixed(in.combine_bytes, 3) + " B) x " + fixed(in.tokens, 0) + " tokens x " +
                fixed(in.experts_per_token, 0) + " experts x hidden / BW",
            {"case", "hidden", "BW GB/s", "comm us", "layer us", "step ms", "tokens/s"},
            {},
            {}};
    model::PaperEpInputs base = in;
    base.mtp = {};
    const model::PaperEp p0 = model::paper_ep(base);
    const bool paper_defaults = o.model.empty() && !o.hidden && !o.bandwidth && !o.experts_per_token &&
                                in.tokens == 32 && in.dispatch_bytes == 1 && in.combine_bytes == 2;
    t.rows.push_back(paper_row(paper_defaults ? "paper: hidden 7K, 400G CX7" : "as given", base, p0));
    nlohmann::json variants = nlohmann::json::array();
    if (in.hidden != 7168) {
        model::PaperEpInputs v = base;
        v.hidden = 7168;
        const auto pv = model::paper_ep(v);
        t.rows.push_back(paper_row("DeepSeek-V3's real hidden 7168", v, pv));
        auto j = paper_json(v, pv);
        j["name"] = "hidden_7168";
        variants.push_back(j);
    }
    if (model::to_gbps(in.bandwidth) != 900) {
        model::PaperEpInputs v = base;
        v.bandwidth = model::gigabytes_per_second(900);
        const auto pv = model::paper_ep(v);
        t.rows.push_back(paper_row("GB200 NVL72 (900 GB/s per GPU)", v, pv));
        auto j = paper_json(v, pv);
        j["name"] = "gb200_nvl72_900gbps";
        variants.push_back(j);
    }
    r.json["variants"] = variants;
    t.notes.push_back(
        "layer = " + std::to_string(in.micro_batches) +
        " micro-batches x comm (computation fully hidden under communication); step = " + std::to_string(in.layers) +
        " layers x layer; tokens/s = 1 / step per user (paper: ~67 and ~1200).");
    if (in.mtp.depth > 0) {
        const double speedup = p.tokens_per_s / p0.tokens_per_s;
        r.json["tokens_per_s_without_mtp"] = p0.tokens_per_s;
        r.json["mtp_speedup"] = speedup;
        t.rows.push_back(
            {"with MTP (" + std::to_string(in.mtp.depth) + " draft, " + fixed(p.tokens_per_step, 2) + " tokens/step)",
             fixed(in.hidden, 0), fixed(model::to_gbps(in.bandwidth), 0), fixed(model::to_us(p.comm), 2),
             fixed(model::to_us(p.layer), 2), fixed(model::to_ms(p.step), 2), fixed(p.tokens_per_s, 1)});
        t.notes.push_back("MTP: the step keeps its " + fixed(in.tokens, 0) +
                          " tokens per GPU and each sequence advances " + fixed(p.tokens_per_step, 2) +
                          " tokens per step: " + fixed(speedup, 2) +
                          "x tokens/s (paper: ~1.8x at 80-90 % acceptance).");
    }
    r.tables.push_back(std::move(t));
    ctx.emit(r);
}

void realistic_report(const EpOptions& o, Context& ctx) {
    if (o.system.empty()) throw Error("give --system <node id> (or --paper for the paper's example)", "--system");
    LayoutOptions lo;
    lo.model = o.model;
    lo.system = o.system;
    lo.nodes = o.nodes;
    lo.ep = o.ep;
    lo.redundant_experts = o.redundant_experts;
    lo.dispatch = o.dispatch;
    lo.combine = o.combine;
    lo.fabric = o.fabric;
    ResolvedLayout l = resolve_layout(lo, ctx.db());
    if (!l.model.is_moe()) throw Error(l.model.id + " is a dense model; EP needs experts", "--model");
    model::Deployment& d = l.deployment;
    d.precision.dispatch_logfmt_bits = o.logfmt_bits;
    d.node_limited_routing = !o.no_node_limit;
    d.micro_batches = o.micro_batches;
    if (!(o.imbalance >= 1.0)) throw Error("must be at least 1", "--expert-imbalance");
    const double tokens = hwdb::parse_count(o.tokens, "--tokens");
    if (!(tokens > 0)) throw Error("must be positive", "--tokens");
    model::Efficiencies eff = model::default_efficiencies();
    // A calibration profile's measured links replace the database's NVLink /
    // NIC figures (model/calibration/apply.hpp); sides lo/hi give the interval.
    const std::optional<LoadedProfile> prof = load_profile_option(o.profile, ctx);
    const model::System db_system = l.system;
    std::vector<std::string> applied;
    if (prof) {
        applied = model::calibration::apply_links(prof->profile, l.system, eff);
        if (applied.empty())
            throw Error("the profile has no intra_host / inter_host link fits that apply to " + l.system.id +
                            " (fit hwplan-probe-net output into it)",
                        "--profile");
    }
    const auto links_for = [&](const model::System& sys) {
        model::EpLinks lk = model::ep_links(sys, d, eff);
        if (o.bandwidth) {
            const auto bw = hwdb::parse_bandwidth(*o.bandwidth, "--bandwidth");
            if (!(bw.value() > 0)) throw Error("must be a positive bandwidth", "--bandwidth");
            lk.rdma = bw * eff.rdma;  // --bandwidth overrides the scale-out line rate per GPU
        }
        return lk;
    };
    model::EpLinks links = links_for(l.system);
    model::EpAlgorithm alg = model::EpAlgorithm::direct;
    if (o.algorithm == "forwarding")
        alg = model::EpAlgorithm::forwarding;
    else if (o.algorithm != "auto" && o.algorithm != "direct")
        throw Error("expected auto, forwarding or direct, got '" + o.algorithm + "'", "--algorithm");
    const model::EpGroup g = model::ep_group(l.model, l.system, d, o.shared_via_ep);
    if (g.ep > 1 && g.domains() > 1 && !(links.rdma.value() > 0))
        throw Error(l.system.id + " has no scale-out bandwidth for an EP group over " + std::to_string(g.domains()) +
                        " domains; give --bandwidth",
                    "--system");
    const model::Bytes dmsg = model::bytes(l.model.hidden * model::dispatch_bytes_per_element(d.precision, true));
    const model::Bytes cmsg = model::bytes(l.model.hidden * model::combine_bytes_per_element(d.precision));
    const auto x = model::ep_exchange(g, links, tokens, dmsg, cmsg, alg, o.imbalance);
    model::EpGroup free_g = g;
    free_g.node_limited = false;
    const auto xf = model::ep_exchange(free_g, links, tokens, dmsg, cmsg, alg, o.imbalance);
    const auto other = model::ep_exchange(
        g, links, tokens, dmsg, cmsg,
        alg == model::EpAlgorithm::direct ? model::EpAlgorithm::forwarding : model::EpAlgorithm::direct, o.imbalance);

    const double comm = x.time().value();
    double comm_lo = comm, comm_hi = comm;
    if (prof) {
        for (const auto side : {model::calibration::Side::lo, model::calibration::Side::hi}) {
            model::System sys = db_system;
            (void)model::calibration::apply_links(prof->profile, sys, eff, side);
            const double c = model::ep_exchange(g, links_for(sys), tokens, dmsg, cmsg, alg, o.imbalance).time().value();
            (side == model::calibration::Side::lo ? comm_lo : comm_hi) = c;
        }
    }
    const double layer = comm * o.micro_batches;
    const double step = layer * l.model.layers;
    Report r;
    r.json = {{"mode", "realistic"},
              {"model", l.model.id},
              {"system", l.system.id},
              {"nodes", d.nodes},
              {"ep", d.ep},
              {"domains", g.domains()},
              {"tokens", tokens},
              {"algorithm", model::to_string(alg)},
              {"node_limited_routing", g.node_limited},
              {"comm_us", comm * 1e6},
              {"dispatch_us", model::to_us(x.dispatch.time)},
              {"combine_us", model::to_us(x.combine.time)},
              {"layer_us", layer * 1e6},
              {"step_ms", step * 1e3},
              {"tokens_per_s", 1.0 / step},
              {"dispatch_nvlink_bytes", x.dispatch.nvlink.value()},
              {"dispatch_rdma_bytes", x.dispatch.rdma.value()},
              {"combine_nvlink_bytes", x.combine.nvlink.value()},
              {"combine_rdma_bytes", x.combine.rdma.value()},
              {"remote_domains_per_token", x.fanout.remote_domains},
              {"domains_per_token", x.fanout.domains_hit},
              {"unrestricted_remote_domains_per_token", xf.fanout.remote_domains},
              {"unrestricted_rdma_bytes", xf.dispatch.rdma.value() + xf.combine.rdma.value()},
              {"rdma_gbps", model::to_gbps(links.rdma)},
              {"rdma_latency_us", model::to_us(links.rdma_latency)},
              {"nvlink_gbps", model::to_gbps(links.nvlink)}};
    if (prof) {
        r.json["comm_us_lo"] = comm_lo * 1e6;
        r.json["comm_us_hi"] = comm_hi * 1e6;
        r.json["extrapolated"] = false;  // links are measured figures, not scaled curves
        r.json["profile"] = profile_json(*prof, false, applied);
        const model::EpLinks db_links = links_for(db_system);
        r.json["database_rdma_gbps"] = model::to_gbps(db_links.rdma);
        r.json["database_nvlink_gbps"] = model::to_gbps(db_links.nvlink);
    }
    const auto mb = [](model::Bytes b) { return fixed(b.value() / 1e6, 3); };
    Table t{"EP all-to-all, realistic: " + l.model.id + " on " + std::to_string(d.nodes) + "x " + l.system.id + ", EP" +
                std::to_string(d.ep) + " over " + std::to_string(g.domains()) + " scale-up domain(s), " +
                fixed(tokens, 0) + " tokens per GPU",
            {"pass", "algorithm", "NVLink MB", "RDMA MB", "time us"},
            {},
            {}};
    t.rows.push_back({"dispatch", std::string(model::to_string(alg)), mb(x.dispatch.nvlink), mb(x.dispatch.rdma),
                      fixed(model::to_us(x.dispatch.time), 2)});
    t.rows.push_back({"combine", std::string(model::to_string(alg)), mb(x.combine.nvlink), mb(x.combine.rdma),
                      fixed(model::to_us(x.combine.time), 2)});
    t.rows.push_back({"dispatch",
                      std::string(model::to_string(alg == model::EpAlgorithm::direct ? model::EpAlgorithm::forwarding
                                                                                     : model::EpAlgorithm::direct)),
                      mb(other.dispatch.nvlink), mb(other.dispatch.rdma), fixed(model::to_us(other.dispatch.time), 2)});
    t.rows.push_back({"combine",
                      std::string(model::to_string(alg == model::EpAlgorithm::direct ? model::EpAlgorithm::forwarding
                                                                                     : model::EpAlgorithm::direct)),
                      mb(other.combine.nvlink), mb(other.combine.rdma), fixed(model::to_us(other.combine.time), 2)});
    t.notes.push_back("comm " + fixed(comm * 1e6, 2) + " us; communication-bound layer (" +
                      std::to_string(o.micro_batches) + " micro-batches) " + fixed(layer * 1e6, 2) + " us; " +
                      std::to_string(l.model.layers) + " layers " + fixed(step * 1e3, 2) +
                      " ms (communication only; `hwplan tpot` gives the whole step).");
    t.notes.push_back("Remote domains reached per token: " + fixed(x.fanout.remote_domains, 2) +
                      (g.node_limited
                           ? " with node-limited routing, " + fixed(xf.fanout.remote_domains, 2) + " unrestricted"
                           : " (unrestricted routing)") +
                      "; links at " + fixed(model::to_gbps(links.rdma), 1) + " GB/s RDMA, " +
                      fixed(model::to_gbps(links.nvlink), 1) + " GB/s NVLink per GPU (achieved).");
    if (prof) {
        std::string which;
        for (const auto& a : applied) which += (which.empty() ? "" : ", ") + a;
        t.notes.push_back("comm " + with_interval(comm * 1e6, comm_lo * 1e6, comm_hi * 1e6, 2) +
                          " us with the links measured in profile " + prof->source + " (" + which +
                          "; +/- = 10th-90th percentile band of the link fits)");
    }
    if (!l.fabric_label.empty()) t.notes.push_back("Scale-out fabric: " + l.fabric_label);
    r.tables.push_back(std::move(t));
    ctx.emit(r);
}

}  // namespace

void add_ep_command(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<EpOptions>();
    auto* sub = app.add_subcommand("ep", "EP all-to-all (dispatch + combine) time: paper mode and realistic");
    sub->add_flag("--paper", o->paper, "The paper's formula (default without --model)");
    sub->add_option("--model", o->model, "MoE model id or path (realistic mode unless --paper)");
    sub->add_option("--system", o->system, "System (node) id");
    sub->add_option("--nodes", o->nodes, "Nodes")->transform(whole_in(1, kMaxNodesFlag));
    sub->add_option("--ep", o->ep, "Expert-parallel size (default: all GPUs)")->transform(whole_in(1, kMaxParallelFlag));
    sub->add_option("--redundant-experts", o->redundant_experts, "Extra expert replicas (EPLB)")
        ->transform(whole_in(0, kMaxParallelFlag));
    sub->add_option("--tokens", o->tokens, "Tokens per GPU per micro-batch (default 32)");
    sub->add_option("--bandwidth", o->bandwidth, "Per-GPU link bandwidth, e.g. 50GB/s or '400 Gbps'");
    sub->add_option("--hidden", o->hidden, "Hidden size (paper: 7000; DeepSeek-V3: 7168)")->check(CLI::PositiveNumber);
    sub->add_option("--experts-per-token", o->experts_per_token, "Experts per token (paper: 8 routed + 1 shared)")
        ->check(CLI::PositiveNumber);
    sub->add_option("--layers", o->layers, "Layers per step (paper: 61)")->transform(whole_in(1, 100000));
    sub->add_option("--micro-batches", o->micro_batches, "Micro-batches per layer (paper: 2)")
        ->transform(whole_in(1, 1024));
    sub->add_option("--dispatch", o->dispatch, "Dispatch wire dtype (default fp8)");
    sub->add_option("--combine", o->combine, "Combine wire dtype (default bf16)");
    sub->add_option("--logfmt-bits", o->logfmt_bits, "LogFMT-n dispatch: n bits per element")->check(CLI::Range(1, 16));
    sub->add_option("--mtp", o->mtp, "MTP draft tokens per step")->transform(whole_in(0, 16));
    sub->add_option("--mtp-acceptance", o->mtp_acceptance, "MTP acceptance rate(s), e.g. 0.85")->delimiter(',');
    sub->add_option("--algorithm", o->algorithm, "Realistic: auto (= direct), forwarding or direct");
    add_fabric_options(sub, o->fabric);
    sub->add_flag("--no-node-limited-routing", o->no_node_limit, "Realistic: route over all experts");
    sub->add_flag("--shared-via-ep", o->shared_via_ep, "Realistic: shared experts reached through the all-to-all");
    sub->add_option("--expert-imbalance", o->imbalance, "Hot-expert load / mean (>= 1)");
    add_profile_options(sub, o->profile);
    add_format_option(sub, ctx);
    sub->callback([o, &ctx] {
        if ((o->paper || o->model.empty()) && (!o->profile.file.empty() || !o->profile.from.empty()))
            throw Error("paper mode is the paper's formula; a profile applies to the realistic mode "
                        "(--model M --system S)",
                        "--profile");
        if (o->paper || o->model.empty())
            paper_report(*o, ctx);
        else
            realistic_report(*o, ctx);
    });
}

}  // namespace hwplan::cli

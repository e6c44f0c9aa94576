// hwplan tpot: decode step time (TPOT), throughput, TTFT and the per-component
// breakdown of a deployment; --sweep over batch or context; --offload for a
// KTransformers-style hybrid CPU/GPU box.
#include <fmt/format.h>

#include <cmath>

#include "cli/commands.hpp"
#include "cli/engine_option.hpp"
#include "cli/layout_options.hpp"
#include "cli/step_flags.hpp"
#include "cli/profile_option.hpp"
#include "hwdb/unit_parse.hpp"
#include "model/calibration/apply.hpp"
#include "model/calibration/profiled_step.hpp"
#include "model/error.hpp"
#include "model/layout.hpp"
#include "model/mtp.hpp"
#include "model/offload.hpp"
#include "model/step_time.hpp"

namespace hwplan::cli {

namespace {

struct TpotOptions {
    LayoutOptions layout;
    bool paper = false;
    StepFlags step;
    double imbalance = 1.0;
    std::string metric = "itl";
    std::string output = "0";
    std::string prefill_chunk = "8k";
    double prefix_hit = 0;
    std::string algorithm = "auto";
    bool shared_via_ep = false;
    bool no_node_limit = false;
    int logfmt_bits = 0;
    std::string sweep;
    bool offload = false;
    std::string cpu_experts = "int4";
    ProfileOptions profile;
    EngineOption engine;
};

struct Evaluated {
    model::DecodeStep decode;
    std::optional<model::PrefillStep> prefill;
    std::optional<model::RequestLatency> request;
    model::Seconds tpot = model::seconds(0);  // by the chosen metric
    const model::Engine* engine = nullptr;    // the engine whose kernels ran
    // With a calibration profile: the interval from the fits' residual bands.
    bool profiled = false;
    double tpot_lo = 0, tpot_hi = 0;  // seconds
    double ttft_lo = 0, ttft_hi = 0;
};

model::EpAlgorithm algorithm_flag(const std::string& v) {
    if (v == "auto") return model::EpAlgorithm::automatic;
    if (v == "forwarding") return model::EpAlgorithm::forwarding;
    if (v == "direct") return model::EpAlgorithm::direct;
    throw Error("expected auto, forwarding or direct, got '" + v + "'", "--algorithm");
}

int whole(const std::string& text, const char* flag) {
    const double v = hwdb::parse_count(text, flag);
    if (v > 1e9 || v != std::floor(v)) throw Error("expected a whole number up to 1e9, got '" + text + "'", flag);
    return static_cast<int>(v);
}

// Applies the tpot-specific flags to a resolved layout; names the flag on error.
void apply_flags(const TpotOptions& o, ResolvedLayout& l, model::StepOptions& so) {
    model::Deployment& d = l.deployment;
    if (!(o.imbalance >= 1.0) || !std::isfinite(o.imbalance))
        throw Error("must be a finite number >= 1, got " + fmt::format("{}", o.imbalance), "--expert-imbalance");
    d.expert_imbalance = o.imbalance;
    d.node_limited_routing = !o.no_node_limit;
    d.precision.dispatch_logfmt_bits = o.logfmt_bits;
    apply_step_flags(o.step, l.model, l.system, d);
    l.workload.output = whole(o.output, "--output");
    l.workload.prefill_chunk = whole(o.prefill_chunk, "--prefill-chunk");
    if (l.workload.prefill_chunk < 1) throw Error("must be at least 1", "--prefill-chunk");
    // Exclusive at 1, as the scenario file's prefix_hit_rate: a hit rate of 1
    // would make TTFT zero (no prompt token left to compute).
    if (!(o.prefix_hit >= 0 && o.prefix_hit < 1))
        throw Error("must be between 0 and 1 (exclusive), got " + hwdb::compact(o.prefix_hit), "--prefix-hit");
    l.workload.prefix_hit_rate = o.prefix_hit;
    so.mode = o.paper ? model::StepMode::paper : model::StepMode::realistic;
    so.ep_algorithm = algorithm_flag(o.algorithm);
    so.shared_experts_via_ep = o.shared_via_ep;
}

Evaluated evaluate(const ResolvedLayout& l, const model::StepOptions& so, model::TpotMetric metric) {
    Evaluated e;
    e.decode = model::decode_step(l.model, l.system, l.deployment, l.workload, so);
    e.tpot = e.decode.tpot;
    if (l.workload.prompt > 0) e.prefill = model::prefill(l.model, l.system, l.deployment, l.workload, so);
    if (metric != model::TpotMetric::itl) {
        e.request = model::request_latency(l.model, l.system, l.deployment, l.workload, so);
        e.tpot = e.request->tpot(metric);
    }
    return e;
}

namespace cal = model::calibration;

Evaluated evaluate(const ResolvedLayout& l, const model::StepOptions& so, model::TpotMetric metric,
                   const std::optional<LoadedProfile>& p) {
    if (!p) return evaluate(l, so, metric);
    if (metric != model::TpotMetric::itl)
        throw Error("with a calibration profile only the itl metric is supported (the request-latency "
                    "integration uses the spec-sheet model)",
                    "--metric");
    // Shared with the GUI (model/calibration/profiled_step.hpp) so both give the same numbers.
    cal::ProfiledStep r = cal::profiled_step(p->profile, l.model, l.system, l.deployment, l.workload, so);
    Evaluated e;
    e.decode = std::move(r.decode);
    e.tpot = e.decode.tpot;
    e.prefill = std::move(r.prefill);
    e.profiled = true;
    e.tpot_lo = r.tpot_lo.value();
    e.tpot_hi = r.tpot_hi.value();
    if (e.prefill) {
        e.ttft_lo = r.ttft_lo.value();
        e.ttft_hi = r.ttft_hi.value();
    }
    return e;
}

nlohmann::json breakdown_json(const model::Breakdown& b) {
    nlohmann::json a = nlohmann::json::array();
    for (std::size_t i = 0; i < model::component_count; ++i) {
        const auto c = static_cast<model::Component>(i);
        if (b[c].value() != 0) a.push_back({{"component", model::component_name(c)}, {"us", model::to_us(b[c])}});
    }
    return a;
}

nlohmann::json result_json(const ResolvedLayout& l, const Evaluated& e, model::TpotMetric metric) {
    const auto& d = l.deployment;
    const auto& r = e.decode;
    nlohmann::json j = {
        {"model", l.model.id},
        {"system", l.system.id},
        {"nodes", d.nodes},
        {"gpus", model::world_size(l.system, d)},
        {"layout",
         {{"tp", d.tp}, {"dp", d.dp}, {"pp", d.pp}, {"ep", d.ep}, {"redundant_experts", d.redundant_experts}}},
        {"mode", model::to_string(r.mode)},
        {"metric", model::to_string(metric)},
        {"batch", l.workload.batch},
        {"context", l.workload.context},
        {"feasible", r.feasible},
        {"reason", r.reason},
        {"tpot_ms", model::to_ms(e.tpot)},
        {"itl_ms", model::to_ms(r.tpot)},
        {"step_ms", model::to_ms(r.step)},
        {"tokens_per_step", r.tokens_per_step},
        {"tokens_per_s_per_user", r.tokens_per_s_per_user},
        {"tokens_per_s_per_gpu", r.tokens_per_s_per_gpu},
        {"micro_batches", r.micro_batches},
        {"moe_layer_us", model::to_us(r.moe_layer)},
        {"dense_layer_us", model::to_us(r.dense_layer)},
        {"memory_per_gpu_bytes", r.memory_per_gpu.value()},
        {"kernels_per_step", r.kernels},
        {"breakdown", breakdown_json(r.breakdown)}};
    if (e.engine) j["engine"] = engine_json(*e.engine);
    if (l.model.is_moe() && d.ep > 1 && r.mode == model::StepMode::realistic)
        j["ep"] = {{"algorithm", model::to_string(r.ep_algorithm)},
                   {"tokens_per_gpu", r.tokens_per_gpu},
                   {"dispatch_us", model::to_us(r.ep.dispatch.time)},
                   {"combine_us", model::to_us(r.ep.combine.time)},
                   {"dispatch_nvlink_bytes", r.ep.dispatch.nvlink.value()},
                   {"dispatch_rdma_bytes", r.ep.dispatch.rdma.value()},
                   {"active_experts_per_gpu", r.active_experts_per_gpu},
                   {"tokens_per_expert", r.tokens_per_expert}};
    if (j.contains("ep") && r.ep_algorithm == model::EpAlgorithm::forwarding)
        j["ep"]["remote_domains_per_token"] = r.ep.fanout.remote_domains;
    if (e.prefill) {
        j["ttft_ms"] = model::to_ms(e.prefill->ttft);
        j["prefill"] = {{"feasible", e.prefill->feasible},
                        {"reason", e.prefill->reason},
                        {"computed_tokens", e.prefill->computed_tokens},
                        {"chunks", e.prefill->chunks},
                        {"input_tokens_per_s_per_gpu", e.prefill->input_tokens_per_s_per_gpu},
                        {"breakdown", breakdown_json(e.prefill->breakdown)}};
    }
    if (d.fabric)
        j["fabric"] = {{"label", l.fabric_label},
                       {"latency_us", model::to_us(d.fabric->latency)},
                       {"all_to_all_share", d.fabric->bandwidth_share}};
    if (e.profiled) {
        j["tpot_ms_lo"] = e.tpot_lo * 1e3;
        j["tpot_ms_hi"] = e.tpot_hi * 1e3;
        if (e.prefill) {
            j["ttft_ms_lo"] = e.ttft_lo * 1e3;
            j["ttft_ms_hi"] = e.ttft_hi * 1e3;
        }
    }
    if (e.request) {
        j["e2e_ms"] = model::to_ms(e.request->e2e);
        j["output"] = l.workload.output;
    }
    return j;
}

// The profile's label in the output (JSON `profile`, `extrapolated`; a note).
void label_profile(const std::optional<LoadedProfile>& p, const ResolvedLayout& l, nlohmann::json& j,
                   std::vector<std::string>& notes) {
    if (!p) return;
    const bool extra = cal::extrapolated(p->profile, l.system.gpu);
    model::System probe = l.system;
    const auto links = cal::apply_links(p->profile, probe, model::default_efficiencies());
    j["extrapolated"] = extra;
    j["profile"] = profile_json(*p, extra, links);
    std::string measured;
    for (const auto& x : links) measured += (measured.empty() ? "; measured links: " : ", ") + x;
    notes.push_back(profile_note(*p, extra, l.system.gpu.id) + measured);
}

void single_report(const TpotOptions& o, const ResolvedLayout& l, const Evaluated& e, model::TpotMetric metric,
                   const std::optional<LoadedProfile>& prof, Context& ctx) {
    Report rep;
    rep.json = result_json(l, e, metric);
    const auto& r = e.decode;
    const auto& d = l.deployment;
    Table t{"Decode step: " + l.model.id + " on " + std::to_string(d.nodes) + "x " + l.system.id + " (" +
                layout_label(d) + ", batch " + std::to_string(l.workload.batch) + "/replica, context " +
                std::to_string(l.workload.context) + ", " + std::string(model::to_string(r.mode)) + " mode)",
            {"component", "ms/step", "share"},
            {},
            {}};
    const double step = r.step.value();
    for (std::size_t i = 0; i < model::component_count; ++i) {
        const auto c = static_cast<model::Component>(i);
        const double v = r.breakdown[c].value();
        if (v == 0) continue;
        t.rows.push_back({std::string(model::component_name(c)), fixed(v * 1e3, 3),
                          step > 0 ? fixed(100 * v / step, 1) + " %" : "-"});
    }
    t.rows.push_back({"step", fixed(step * 1e3, 3), "100.0 %"});
    t.notes.push_back(
        fmt::format("TPOT ({}) {} ms; {:.2f} tokens/step; {:.1f} tok/s per user; {:.0f} tok/s per GPU; "
                    "{} micro-batch(es)",
                    model::to_string(metric),
                    e.profiled ? with_interval(model::to_ms(e.tpot), e.tpot_lo * 1e3, e.tpot_hi * 1e3, 3)
                               : fixed(model::to_ms(e.tpot), 3),
                    r.tokens_per_step, r.tokens_per_s_per_user,
                    r.tokens_per_s_per_gpu, r.micro_batches));
    if (e.prefill)
        t.notes.push_back(e.prefill->feasible
                              ? fmt::format("TTFT {:.2f} ms for a {}-token prompt ({} chunk(s))",
                                            model::to_ms(e.prefill->ttft), l.workload.prompt, e.prefill->chunks)
                              : "TTFT: " + e.prefill->reason);
    if (!r.feasible) t.notes.push_back("INFEASIBLE: " + r.reason);
    if (!l.fabric_label.empty()) t.notes.push_back("Scale-out fabric: " + l.fabric_label);
    if (e.engine && r.mode == model::StepMode::realistic)
        t.notes.push_back(engine_note(*e.engine) + fmt::format(" ({:.0f} kernels per step)", r.kernels));
    if (r.mode == model::StepMode::paper)
        t.notes.push_back(
            "paper mode: layer = micro-batches x (b_d + b_c) x tokens x experts x hidden / BW, "
            "computation hidden (sec. 2.3.2)");
    (void)o;
    label_profile(prof, l, rep.json, t.notes);
    rep.tables.push_back(std::move(t));
    ctx.emit(rep);
}

void sweep_report(const TpotOptions& o, ResolvedLayout l, const model::StepOptions& so, model::TpotMetric metric,
                  const std::optional<LoadedProfile>& prof, const model::Engine& engine, Context& ctx) {
    const auto eq = o.sweep.find('=');
    const std::string key = eq == std::string::npos ? "" : o.sweep.substr(0, eq);
    if (key != "batch" && key != "context")
        throw Error("expected batch=1,8,32 or context=1k,4k,..., got '" + o.sweep + "'", "--sweep");
    std::vector<int> values;
    std::string rest = o.sweep.substr(eq + 1);
    std::size_t pos = 0;
    while (pos <= rest.size()) {
        const std::size_t comma = rest.find(',', pos);
        const std::string item = rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        const int v = whole(item, "--sweep");
        if (key == "batch" && v < 1) throw Error("batch values must be at least 1, got " + item, "--sweep");
        values.push_back(v);
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    Report rep;
    rep.json = nlohmann::json::array();
    Table t{"TPOT sweep over " + key + ": " + l.model.id + " on " + std::to_string(l.deployment.nodes) + "x " +
                l.system.id + " (" + layout_label(l.deployment) + ")",
            {key, "TPOT ms", "tok/s/user", "tok/s/GPU", "TTFT ms", "feasible"},
            {},
            {}};
    for (int v : values) {
        if (key == "batch")
            l.workload.batch = v;
        else
            l.workload.context = v;
        Evaluated e = evaluate(l, so, metric, prof);
        e.engine = &engine;
        rep.json.push_back(result_json(l, e, metric));
        if (prof) {
            std::vector<std::string> ignored;
            label_profile(prof, l, rep.json.back(), ignored);
        }
        t.rows.push_back({std::to_string(v),
                          e.profiled ? with_interval(model::to_ms(e.tpot), e.tpot_lo * 1e3, e.tpot_hi * 1e3, 3)
                                     : fixed(model::to_ms(e.tpot), 3), fixed(e.decode.tokens_per_s_per_user, 1),
                          fixed(e.decode.tokens_per_s_per_gpu, 0),
                          e.prefill ? fixed(model::to_ms(e.prefill->ttft), 2) : "-",
                          e.decode.feasible ? "yes" : "no: " + e.decode.reason});
    }
    t.notes.push_back("TPOT metric: " + std::string(model::to_string(metric)));
    t.notes.push_back(engine_note(engine));
    if (prof) {
        nlohmann::json ignored;
        label_profile(prof, l, ignored, t.notes);
    }
    rep.tables.push_back(std::move(t));
    ctx.emit(rep);
}

void offload_report(const TpotOptions& o, Context& ctx) {
    const auto& db = ctx.db();
    model::ModelArch m;
    try {
        m = db.model(o.layout.model);
    } catch (const Error& e) {
        throw e.within("--model");
    }
    if (o.layout.system.empty()) throw Error("--offload needs --system <box with a host CPU>", "--system");
    model::System s;
    try {
        s = db.system(o.layout.system);
    } catch (const Error& e) {
        throw e.within("--system");
    }
    model::OffloadOptions oo;
    if (auto t = model::dtype_from_string(o.cpu_experts))
        oo.cpu_experts = *t;
    else
        throw Error("unknown dtype '" + o.cpu_experts + "'", "--cpu-experts");
    if (!o.layout.weights.empty()) {
        if (auto t = model::dtype_from_string(o.layout.weights))
            oo.gpu_weights = *t;
        else
            throw Error("unknown dtype '" + o.layout.weights + "'", "--weights");
    }
    if (!o.layout.kv.empty()) {
        if (auto t = model::dtype_from_string(o.layout.kv))
            oo.kv_cache = *t;
        else
            throw Error("unknown dtype '" + o.layout.kv + "'", "--kv");
    }
    model::Workload w;
    w.batch = o.layout.batch;
    w.context = whole(o.layout.context, "--context");
    const model::Efficiencies eff = model::default_efficiencies();
    const model::OffloadStep r = model::offload_decode(m, s, w, oo, eff);
    if (r.step.value() <= 0) throw Error(r.reason, "--system");
    Report rep;
    rep.json = {{"model", m.id},
                {"system", s.id},
                {"mode", "hybrid-offload"},
                {"batch", w.batch},
                {"context", w.context},
                {"feasible", r.feasible},
                {"reason", r.reason},
                {"tpot_ms", model::to_ms(r.tpot)},
                {"step_ms", model::to_ms(r.step)},
                {"tokens_per_s_per_user", r.tokens_per_s_per_user},
                {"tokens_per_s_per_gpu", r.tokens_per_s},
                {"bound", r.bound},
                {"gpu_ms", model::to_ms(r.gpu_time)},
                {"cpu_ms", model::to_ms(r.cpu_time)},
                {"gpu_memory_bytes", r.gpu_memory.value()},
                {"host_weight_bytes", r.host_weight_bytes.value()},
                {"cpu_bytes_per_step", r.cpu_bytes_per_step.value()},
                {"assumptions",
                 {{"cpu_experts", model::to_string(oo.cpu_experts)},
                  {"gpu_weights", model::to_string(oo.gpu_weights)},
                  {"cpu_memory_efficiency", eff.cpu_memory},
                  {"cpu_bandwidth_gbps", model::to_gbps(r.cpu_bandwidth)},
                  {"hbm_efficiency", eff.hbm}}},
                {"breakdown", breakdown_json(r.breakdown)}};
    Table t{"Hybrid CPU/GPU decode (KTransformers-style): " + m.id + " on " + s.id + ", batch " +
                std::to_string(w.batch) + ", context " + std::to_string(w.context),
            {"component", "ms/step"},
            {},
            {}};
    for (std::size_t i = 0; i < model::component_count; ++i) {
        const auto c = static_cast<model::Component>(i);
        if (r.breakdown[c].value() != 0)
            t.rows.push_back({std::string(model::component_name(c)), fixed(model::to_ms(r.breakdown[c]), 3)});
    }
    t.rows.push_back({"step", fixed(model::to_ms(r.step), 3)});
    t.notes.push_back(
        fmt::format("{:.1f} tok/s per user ({}-bound); routed experts {} on the CPU at {:.0f} GB/s "
                    "({:.0f} % of {} theoretical), everything else {} on the {}",
                    r.tokens_per_s_per_user, r.bound, model::to_string(oo.cpu_experts), model::to_gbps(r.cpu_bandwidth),
                    eff.cpu_memory * 100, s.host->id, model::to_string(oo.gpu_weights), s.gpu.id));
    t.notes.push_back(
        "routed_experts = CPU; dispatch/combine = PCIe hand-offs; overlap = shared experts hidden "
        "under the CPU");
    if (!r.feasible) t.notes.push_back("DOES NOT FIT: " + r.reason);
    rep.tables.push_back(std::move(t));
    ctx.emit(rep);
}

}  // namespace

void add_tpot_command(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<TpotOptions>();
    auto* sub = app.add_subcommand("tpot", "Decode step time (TPOT), throughput, TTFT and breakdown");
    add_layout_options(sub, o->layout);
    sub->add_flag("--paper", o->paper, "The paper's bound (EP communication only, computation hidden)");
    add_step_flags(sub, o->step);
    sub->add_option("--expert-imbalance", o->imbalance, "Hot-expert load / mean load (>= 1, default 1)");
    sub->add_option("--metric", o->metric, "itl (default), e2e-minus-ttft or e2e-per-token");
    sub->add_option("--output", o->output, "Output tokens per request (for the e2e metrics)");
    sub->add_option("--prefill-chunk", o->prefill_chunk, "Chunked-prefill tokens per forward (default 8k)");
    sub->add_option("--prefix-hit", o->prefix_hit, "Share of prompt tokens served by the prefix cache (0..1)");
    sub->add_option("--algorithm", o->algorithm, "EP all-to-all: auto, forwarding or direct");
    sub->add_flag("--shared-via-ep", o->shared_via_ep, "Shared experts reached through the all-to-all");
    sub->add_flag("--no-node-limited-routing", o->no_node_limit, "Ignore the model's group-limited routing");
    sub->add_option("--logfmt-bits", o->logfmt_bits, "LogFMT-n dispatch wire format (n bits)")
        ->check(CLI::Range(1, 16));
    sub->add_option("--sweep", o->sweep, "batch=1,8,32,... or context=1k,4k,... (prints a table; JSON array)");
    sub->add_flag("--offload", o->offload, "Hybrid CPU/GPU: routed experts on the host CPU (KTransformers-style)");
    sub->add_option("--cpu-experts", o->cpu_experts, "With --offload: expert weight dtype in host DRAM (default int4)");
    add_profile_options(sub, o->profile);
    add_engine_option(sub, o->engine);
    add_format_option(sub, ctx);
    sub->callback([o, &ctx] {
        const auto metric = model::tpot_metric_from_string(o->metric);
        if (!metric) throw Error("expected itl, e2e-minus-ttft or e2e-per-token, got '" + o->metric + "'", "--metric");
        if (o->offload) {
            if (!o->profile.file.empty() || !o->profile.from.empty())
                throw Error("--offload does not take a calibration profile yet", "--profile");
            offload_report(*o, ctx);
            return;
        }
        ResolvedLayout l = resolve_layout(o->layout, ctx.db());
        model::StepOptions so;
        apply_flags(*o, l, so);
        const model::Engine& engine = resolve_engine(o->engine, ctx);
        so.engine = engine.traits;
        const std::optional<LoadedProfile> prof = load_profile_option(o->profile, ctx);
        if (*metric != model::TpotMetric::itl) {
            if (l.workload.output < 1) throw Error("the " + o->metric + " metric needs --output <tokens>", "--output");
            if (l.workload.prompt < 1) throw Error("the " + o->metric + " metric needs --prompt <tokens>", "--prompt");
        }
        if (!o->sweep.empty()) {
            sweep_report(*o, l, so, *metric, prof, engine, ctx);
            return;
        }
        Evaluated e = evaluate(l, so, *metric, prof);
        e.engine = &engine;
        single_report(*o, l, e, *metric, prof, ctx);
    });
}

}  // namespace hwplan::cli

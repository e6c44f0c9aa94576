// hwplan serve: a request rate (or a trace) on a deployment -> utilisation,
// TTFT / TPOT / end-to-end percentiles and the fleet the rate needs, from
// the analytic serving model (model/serving/serving.hpp) or, with
// --simulate, its discrete-event simulation; or a fixed number of
// concurrent clients (--concurrency: what `vllm bench serve
// --max-concurrency` / genai-perf report, model/serving/closed_loop.hpp).
// docs/serving.md.
#include <fmt/format.h>

#include <cmath>

#include "cli/engine_option.hpp"
#include "cli/commands.hpp"
#include "cli/layout_options.hpp"
#include "cli/step_flags.hpp"
#include "cli/bounded_flag.hpp"
#include "hwdb/trace_file.hpp"
#include "hwdb/unit_parse.hpp"
#include "model/error.hpp"
#include "model/kv_cache.hpp"
#include "model/layout.hpp"
#include "model/memory_plan.hpp"
#include "model/serving/closed_loop.hpp"
#include "model/serving/kv_tiers.hpp"
#include "model/serving/serving.hpp"
#include "model/serving/simulation.hpp"

namespace hwplan::cli {

namespace {

namespace sv = model::serving;

struct ServeOptions {
    LayoutOptions layout;
    std::string rate;
    std::string concurrency;
    std::string input = "2k", output = "500";
    std::string input_dist = "fixed", output_dist = "fixed";
    double headroom = 0.2;
    std::string units = "auto";
    std::string trace;
    bool simulate = false;
    bool whole_run = false;
    int requests = 20000;
    long long max_requests = 10'000'000;  // ~1 KB per simulated request: a bound well under 16 GB
    std::uint64_t seed = 1;
    double kv_hit_rate = 0;
    std::string prefill_chunk = "8k";
    int max_batch = 0;
    bool disaggregated = false;
    int prefill_nodes = 0;
    std::string prefill_units = "auto";
    StepFlags step;
    std::string dram, dram_bandwidth, ssd, ssd_bandwidth, reuse_window = "300 s";
    EngineOption engine;
};

double count(const std::string& text, const char* flag) { return hwdb::parse_count(text, flag); }

model::planner::LengthDistribution dist_flag(const std::string& mean_text, const std::string& shape,
                                             const char* mean_flag, const char* shape_flag) {
    model::planner::LengthDistribution d;
    d.mean = count(mean_text, mean_flag);
    if (!(d.mean >= 0)) throw Error("must not be negative", mean_flag);
    if (shape == "fixed") d.shape = model::planner::LengthShape::fixed;
    else if (shape == "exponential") d.shape = model::planner::LengthShape::exponential;
    else if (shape.rfind("lognormal", 0) == 0) {
        d.shape = model::planner::LengthShape::lognormal;
        const auto colon = shape.find(':');
        d.cv = colon == std::string::npos ? 1.0 : std::atof(shape.c_str() + colon + 1);
        if (!(d.cv > 0)) throw Error("expected lognormal:<cv> with cv > 0, got '" + shape + "'", shape_flag);
    } else {
        throw Error("expected fixed, exponential or lognormal[:cv], got '" + shape + "'", shape_flag);
    }
    return d;
}

nlohmann::json pct_json(const sv::Percentiles& p) {
    return {{"mean", p.mean * 1e3}, {"p50", p.p50 * 1e3}, {"p90", p.p90 * 1e3}, {"p99", p.p99 * 1e3}};
}

// The simulation holds every request in memory and takes time in
// proportion: a bound with a flag to raise it, not a bad_alloc a minute later.
void check_requests(const ServeOptions& o) {
    if (o.requests < 100) throw Error("at least 100 requests", "--requests");
    if (o.requests > o.max_requests)
        throw Error(std::to_string(o.requests) + " requests is more than the bound of " +
                        std::to_string(o.max_requests) + " (raise it with --max-requests)",
                    "--requests");
}

void put_percentiles(nlohmann::json& j, const sv::Percentiles& ttft, const sv::Percentiles& tpot,
                     const sv::Percentiles& e2e) {
    j["ttft_ms_mean"] = ttft.mean * 1e3;
    j["ttft_ms_p50"] = ttft.p50 * 1e3;
    j["ttft_ms_p90"] = ttft.p90 * 1e3;
    j["ttft_ms_p99"] = ttft.p99 * 1e3;
    j["tpot_ms_mean"] = tpot.mean * 1e3;
    j["tpot_ms_p50"] = tpot.p50 * 1e3;
    j["tpot_ms_p90"] = tpot.p90 * 1e3;
    j["tpot_ms_p99"] = tpot.p99 * 1e3;
    j["e2e_ms_mean"] = e2e.mean * 1e3;
    j["e2e_ms_p50"] = e2e.p50 * 1e3;
    j["e2e_ms_p90"] = e2e.p90 * 1e3;
    j["e2e_ms_p99"] = e2e.p99 * 1e3;
}

void put_closed(nlohmann::json& j, const sv::Percentiles& ttft, const sv::Percentiles& itl,
                const sv::Percentiles& tpot, const sv::Percentiles& e2e) {
    put_percentiles(j, ttft, tpot, e2e);
    j["itl_ms_mean"] = itl.mean * 1e3;
    j["itl_ms_p50"] = itl.p50 * 1e3;
    j["itl_ms_p90"] = itl.p90 * 1e3;
    j["itl_ms_p99"] = itl.p99 * 1e3;
}

// --concurrency: the closed-loop benchmark on `units` deployment units.
void run_closed_loop(const ServeOptions& o, Context& ctx, const ResolvedLayout& l, const sv::StepTimes& st,
                     int clients, const sv::Lengths& in_l, const sv::Lengths& out_l,
                     const model::planner::LengthDistribution& in_d,
                     const model::planner::LengthDistribution& out_d) {
    const model::Deployment& d = l.deployment;
    int units = 1;
    if (o.units != "auto") {
        const double u = count(o.units, "--units");
        if (!(u >= 1 && u <= 1e6 && u == std::floor(u))) throw Error("expected auto or a whole number >= 1", "--units");
        units = static_cast<int>(u);
    }
    sv::ClosedLoopResult a;
    try {
        a = sv::closed_loop(st, sv::ClosedLoopLoad{clients, units, in_l, out_l});
    } catch (const Error& e) {
        throw e.within("--concurrency");
    }
    nlohmann::json j = {{"model", l.model.id},
                        {"system", l.system.id},
                        {"mode", std::string(sv::to_string(st.mode))},
                        {"benchmark", "closed_loop"},
                        {"layout", layout_label(d)},
                        {"concurrency", clients},
                        {"units", units},
                        {"nodes_per_unit", d.nodes},
                        {"nodes", units * d.nodes},
                        {"replicas", a.replicas},
                        {"clients_per_replica", a.clients_per_replica},
                        {"max_batch", st.max_batch},
                        {"batch_limit", st.batch_limit},
                        {"kv_limited", a.kv_limited},
                        {"mean_decode_batch", a.mean_decode_batch},
                        {"mean_prefilling", a.mean_prefilling},
                        {"prefill_share", a.prefill_share},
                        {"prefill_step_share", a.prefill_step_share},
                        {"admission_wait_ms", a.admission_wait * 1e3},
                        {"prefill_wait_ms", a.prefill_wait * 1e3},
                        {"input_tokens_mean", in_l.mean()},
                        {"output_tokens_mean", out_l.mean()},
                        {"prefill_chunk", st.chunk},
                        {"kv_hit_rate", st.hit_rate},
                        {"requests_per_s", a.requests_per_s},
                        {"output_tokens_per_s", a.output_tokens_per_s},
                        {"input_tokens_per_s", a.input_tokens_per_s}};
    std::string source = "analytic";
    std::size_t simulated = 0;
    if (o.simulate) {
        check_requests(o);
        sv::SimulationOptions so;
        so.seed = o.seed;
        so.whole_run = o.whole_run;
        const sv::SimulationResult s =
            sv::simulate_closed_loop(st, clients, in_d, out_d, static_cast<std::size_t>(o.requests), units, so);
        put_closed(j, s.ttft, s.itl, s.tpot, s.e2e);
        j["requests_per_s"] = s.requests_per_s;
        j["output_tokens_per_s"] = s.output_tokens_per_s;
        j["input_tokens_per_s"] = s.input_tokens_per_s;
        j["simulated_requests"] = s.requests;
        j["mean_decode_batch_simulated"] = s.mean_decode_batch;
        j["analytic"] = {{"ttft_ms", pct_json(a.ttft)},
                         {"itl_ms", pct_json(a.itl)},
                         {"tpot_ms", pct_json(a.tpot)},
                         {"e2e_ms", pct_json(a.e2e)},
                         {"requests_per_s", a.requests_per_s},
                         {"output_tokens_per_s", a.output_tokens_per_s},
                         {"input_tokens_per_s", a.input_tokens_per_s}};
        source = "simulation";
        simulated = s.requests;
    } else {
        put_closed(j, a.ttft, a.itl, a.tpot, a.e2e);
    }
    j["whole_run"] = o.whole_run;
    j["source"] = source;

    Report rep;
    rep.json = j;
    rep.json["engine"] = engine_json(resolve_engine(o.engine, ctx));
    Table t{fmt::format("Serving {} at concurrency {} (closed loop, no think time): {} x ({} nodes of {}, {}), {}",
                        l.model.id, clients, units, d.nodes, l.system.id, layout_label(d), sv::to_string(st.mode)),
            {"latency (" + source + ")", "mean ms", "p50 ms", "p90 ms", "p99 ms"},
            {},
            {}};
    const auto row = [&](const char* name, const char* key) {
        t.rows.push_back({name, fixed(j[std::string(key) + "_mean"].get<double>(), 2),
                          fixed(j[std::string(key) + "_p50"].get<double>(), 2),
                          fixed(j[std::string(key) + "_p90"].get<double>(), 2),
                          fixed(j[std::string(key) + "_p99"].get<double>(), 2)});
    };
    row("TTFT", "ttft_ms");
    row("ITL", "itl_ms");
    row("TPOT", "tpot_ms");
    row("end to end", "e2e_ms");
    t.notes.push_back(fmt::format("throughput {:.4g} requests/s, {:.4g} output tokens/s, {:.4g} input tokens/s",
                                  j["requests_per_s"].get<double>(), j["output_tokens_per_s"].get<double>(),
                                  j["input_tokens_per_s"].get<double>()));
    t.notes.push_back(fmt::format("{:.3g} clients per replica over {} replica(s); decode batch {:.1f} of {} ({}); "
                                  "{:.2f} prompts prefilling",
                                  a.clients_per_replica, a.replicas, a.mean_decode_batch, st.max_batch,
                                  st.batch_limit, a.mean_prefilling));
    t.notes.push_back(fmt::format("waits: admission {:.1f} ms{}, behind other prompts {:.1f} ms; {:.0f} % of the "
                                  "steps a decoder sees carry prompt tokens",
                                  a.admission_wait * 1e3, a.kv_limited ? " (more clients than KV slots)" : "",
                                  a.prefill_wait * 1e3, 100 * a.prefill_step_share));
    t.notes.push_back(o.whole_run ? fmt::format("whole run: all clients start together, {} requests, first wave and "
                                                "drain included (vllm bench serve)",
                                                o.requests)
                                  : "steady state: the first wave of requests (all clients starting together) is not "
                                    "counted");
    if (o.simulate)
        t.notes.push_back(fmt::format("simulated {} requests (seed {}); analytic mean TTFT {:.2f} ms, ITL {:.2f} ms, "
                                      "{:.4g} requests/s",
                                      simulated, o.seed, a.ttft.mean * 1e3, a.itl.mean * 1e3, a.requests_per_s));
    t.notes.push_back(engine_note(resolve_engine(o.engine, ctx)));
    rep.tables.push_back(std::move(t));
    ctx.emit(rep);
}

void run(const ServeOptions& o, Context& ctx) {
    ResolvedLayout l = resolve_layout(o.layout, ctx.db());
    model::Deployment& d = l.deployment;
    apply_step_flags(o.step, l.model, l.system, d);
    if (!(o.headroom >= 0 && o.headroom < 1)) throw Error("must be in [0, 1)", "--headroom");
    if (!(o.kv_hit_rate >= 0 && o.kv_hit_rate <= 1)) throw Error("must be between 0 and 1", "--kv-hit-rate");

    // Demand: a Poisson rate with length distributions, or a trace.
    std::vector<sv::Request> trace;
    double rate = 0;
    int clients = 0;
    sv::Lengths in_l, out_l;
    model::planner::LengthDistribution in_d, out_d;
    if (!o.concurrency.empty()) {
        if (!o.rate.empty()) throw Error("give --rate or --concurrency, not both", "--concurrency");
        if (!o.trace.empty()) throw Error("a trace sets its own arrivals; drop --trace", "--concurrency");
        if (o.disaggregated) throw Error("closed-loop serving is modelled for aggregated deployments only", "--concurrency");
        const double c = count(o.concurrency, "--concurrency");
        if (!(c >= 1 && c <= 1e7 && c == std::floor(c)))
            throw Error("expected a whole number of clients >= 1, got '" + o.concurrency + "'", "--concurrency");
        clients = static_cast<int>(c);
        if (o.whole_run && !o.simulate) throw Error("applies with --simulate", "--whole-run");
        in_d = dist_flag(o.input, o.input_dist, "--input", "--input-dist");
        out_d = dist_flag(o.output, o.output_dist, "--output", "--output-dist");
        if (out_d.mean < 1) throw Error("must be at least 1 token", "--output");
        in_l = sv::lengths_of(in_d, 0);
        out_l = sv::lengths_of(out_d, 1);
        rate = 1;  // unused: closed loop
    } else if (!o.trace.empty()) {
        trace = hwdb::read_trace(o.trace);
        const double span = trace.back().arrival - trace.front().arrival;
        if (trace.size() < 2 || !(span > 0))
            throw Error("a trace needs at least two requests at different times", o.trace);
        rate = o.rate.empty() ? (trace.size() - 1) / span : hwdb::parse_per_second(o.rate, "--rate");
        if (!o.rate.empty()) {
            // Replay at the asked rate: scale the arrival times.
            const double f = ((trace.size() - 1) / span) / rate;
            for (auto& r : trace) r.arrival = (r.arrival - trace.front().arrival) * f;
        }
        std::vector<double> a, b;
        for (const auto& r : trace) a.push_back(r.input), b.push_back(r.output);
        in_l = sv::lengths_of_samples(a);
        out_l = sv::lengths_of_samples(b);
    } else {
        if (o.rate.empty())
            throw Error("give --rate <requests/s> (e.g. 300/s), --concurrency <clients> or --trace <file.csv>",
                        "--rate");
        rate = hwdb::parse_per_second(o.rate, "--rate");
        in_d = dist_flag(o.input, o.input_dist, "--input", "--input-dist");
        out_d = dist_flag(o.output, o.output_dist, "--output", "--output-dist");
        if (out_d.mean < 1) throw Error("must be at least 1 token", "--output");
        in_l = sv::lengths_of(in_d, 0);
        out_l = sv::lengths_of(out_d, 1);
    }
    if (o.whole_run && clients == 0) throw Error("applies with --concurrency", "--whole-run");
    if (!(rate > 0)) throw Error("must be a positive rate", "--rate");

    sv::ServingInputs si;
    si.model = l.model;
    si.system = l.system;
    si.decode = d;
    si.step.mode = model::StepMode::realistic;
    si.step.engine = resolve_engine(o.engine, ctx).traits;
    const double chunk = count(o.prefill_chunk, "--prefill-chunk");
    if (!(chunk >= 1 && chunk <= 1e7)) throw Error("must be between 1 and 1e7 tokens", "--prefill-chunk");
    si.chunk = static_cast<int>(chunk);
    si.max_batch = o.max_batch;
    si.kv_hit_rate = o.kv_hit_rate;
    si.input = in_l;
    si.output = out_l;
    int prefill_node_count = 0;
    if (o.disaggregated) {
        LayoutOptions pl = o.layout;
        pl.nodes = o.prefill_nodes > 0 ? o.prefill_nodes : o.layout.nodes;
        pl.dp.reset();
        pl.ep.reset();
        ResolvedLayout p = resolve_layout(pl, ctx.db());
        p.deployment.overlap = d.overlap;
        p.deployment.micro_batches = d.micro_batches;
        p.deployment.comm_sms = d.comm_sms;
        si.prefill = p.deployment;
        prefill_node_count = p.deployment.nodes;
    } else if (o.prefill_nodes > 0) {
        throw Error("applies with --disaggregated", "--prefill-nodes");
    }

    // Step times with free hits first (KV tiers need the HBM occupancy).
    sv::StepTimes st;
    const auto build = [&] {
        try {
            st = sv::build_step_times(si);
        } catch (const Error& e) {
            throw e.within("--system");
        }
    };
    if (si.prefill) {
        si.prefill_units = 1;
        if (o.prefill_units != "auto") {
            si.prefill_units = static_cast<int>(count(o.prefill_units, "--prefill-units"));
            if (si.prefill_units < 1) throw Error("must be at least 1", "--prefill-units");
        }
    }
    build();
    if (clients > 0) {
        // Prefix hits, if any, are loaded for free (HBM): the tier plan
        // sizes tiers for a request rate, which a closed loop does not fix.
        run_closed_loop(o, ctx, l, st, clients, in_l, out_l, in_d, out_d);
        return;
    }
    if (si.prefill && o.prefill_units == "auto") {
        // Enough prefill units that prefill is not the bottleneck before decode.
        const double ep = [&] {
            double s = 0;
            for (double x : in_l.points) s += st.prefill_seconds(x);
            return s / static_cast<double>(in_l.points.size());
        }();
        const double dec = (out_l.mean() - 1) > 0 ? st.decode_replicas * st.max_batch /
                                                         ((out_l.mean() - 1) * st.decode_seconds(st.max_batch))
                                                   : 1e300;
        const double per_unit = si.prefill->dp / ep;
        si.prefill_units = std::max(1, static_cast<int>(std::ceil(dec / per_unit - 1e-9)));
        if (si.prefill_units > 4096) si.prefill_units = 4096;
        build();
    }
    const int unit_nodes = d.nodes + (si.prefill ? si.prefill_units * prefill_node_count : 0);

    // KV tiers for prefix reuse.
    nlohmann::json tiers_json;
    std::optional<sv::KvTierPlan> tier_plan;
    if (o.kv_hit_rate > 0) {
        const sv::Capacity cap0 = sv::capacity(st, in_l, out_l);
        const int units0 = sv::units_needed(cap0, rate, o.headroom);
        double occupancy = 0.5;
        try {
            occupancy = sv::analyze(st, sv::Load{rate / units0, in_l, out_l}).kv_occupancy;
        } catch (const Error&) {
        }
        model::Workload w;
        w.batch = st.max_batch;
        w.context = std::max(1, static_cast<int>(std::lround(st.decode_context)));
        const model::MemoryPlan mp = model::plan_memory(l.model, l.system, d, w);
        const double gpus_per_node = l.system.gpus_per_node;
        const double hbm_free = std::max(0.0, 1 - occupancy) * mp.kv_cache.value() * gpus_per_node;
        sv::KvTier hbm{"hbm", model::bytes(hbm_free), model::bytes_per_second(0)};
        sv::KvTier dram{"dram", model::bytes(0), model::bytes_per_second(0)};
        if (l.system.host) {
            dram.capacity = model::bytes(l.system.host->memory_capacity.value() / 2);  // half the host DRAM
            dram.bandwidth = model::bytes_per_second(std::min(l.system.gpu.pcie_bandwidth.value(),
                                                              l.system.host->memory_bandwidth.value() /
                                                                  gpus_per_node));
        }
        if (!o.dram.empty()) dram.capacity = hwdb::parse_bytes(o.dram, "--dram");
        if (!o.dram_bandwidth.empty()) dram.bandwidth = hwdb::parse_bandwidth(o.dram_bandwidth, "--dram-bandwidth");
        sv::KvTier ssd{"ssd", model::bytes(0), model::bytes_per_second(0)};
        if (!o.ssd.empty()) ssd.capacity = hwdb::parse_bytes(o.ssd, "--ssd");
        if (!o.ssd_bandwidth.empty()) ssd.bandwidth = hwdb::parse_bandwidth(o.ssd_bandwidth, "--ssd-bandwidth");
        if (ssd.capacity.value() > 0 && !(ssd.bandwidth.value() > 0))
            throw Error("--ssd needs --ssd-bandwidth (per GPU, e.g. 6 GB/s)", "--ssd-bandwidth");
        if (dram.capacity.value() > 0 && !(dram.bandwidth.value() > 0))
            throw Error("--dram needs --dram-bandwidth (per GPU)", "--dram-bandwidth");
        sv::KvReuse reuse;
        reuse.target_hit_rate = o.kv_hit_rate;
        reuse.requests_per_s = rate / units0 / unit_nodes;
        reuse.mean_prompt = in_l.mean();
        reuse.reuse_window = hwdb::parse_duration(o.reuse_window, "--kv-reuse-window");
        reuse.kv_bytes_per_token = model::kv_bytes_per_token(l.model, d.precision.kv_cache);
        double share = 1.0 / d.pp;
        if (const auto* g = std::get_if<model::Gqa>(&l.model.attention))
            share *= model::layout_shape(l.model, l.system, d).kv_heads_per_gpu / g->kv_heads;
        reuse.kv_bytes_per_token_per_gpu = reuse.kv_bytes_per_token * share;
        tier_plan = sv::plan_kv_tiers({hbm, dram, ssd}, reuse);
        si.kv_hit_rate = tier_plan->achieved_hit_rate;
        si.kv_load = tier_plan->load;
        build();
        tiers_json = {{"target_hit_rate", tier_plan->target_hit_rate},
                      {"achieved_hit_rate", tier_plan->achieved_hit_rate},
                      {"working_set_bytes_per_node", tier_plan->working_set.value()},
                      {"resident_sessions_per_node", tier_plan->resident_sessions},
                      {"load_us_per_hit_token", tier_plan->load.seconds_per_hit_token * 1e6},
                      {"tiers", nlohmann::json::array()}};
        for (const auto& t : tier_plan->tiers)
            tiers_json["tiers"].push_back({{"tier", t.name},
                                           {"provisioned_bytes_per_node", t.provisioned.value()},
                                           {"hit_share", t.hit_share},
                                           {"load_us_per_token", t.seconds_per_token * 1e6}});
    }

    const sv::Capacity cap = sv::capacity(st, in_l, out_l);
    int needed_units = 0;
    try {
        needed_units = sv::units_needed(cap, rate, o.headroom);
    } catch (const Error& e) {
        throw e.within("--rate");
    }
    int units = needed_units;
    if (o.units != "auto") {
        const double u = count(o.units, "--units");
        if (!(u >= 1 && u <= 1e6 && u == std::floor(u))) throw Error("expected auto or a whole number >= 1", "--units");
        units = static_cast<int>(u);
    }
    const double per_unit = rate / units;
    sv::ServingResult a;
    try {
        a = sv::analyze(st, sv::Load{per_unit, in_l, out_l});
    } catch (const Error& e) {
        throw Error(fmt::format("{}; {} unit(s) of {} node(s) given, {:.0f} % headroom needs {} node(s)",
                                e.message(), units, unit_nodes, o.headroom * 100, needed_units * unit_nodes),
                    "--rate");
    }

    nlohmann::json j = {{"model", l.model.id},
                        {"system", l.system.id},
                        {"mode", std::string(sv::to_string(st.mode))},
                        {"layout", layout_label(d)},
                        {"rate_per_s", rate},
                        {"rate_per_unit_per_s", per_unit},
                        {"units", units},
                        {"nodes_per_unit", unit_nodes},
                        {"nodes", units * unit_nodes},
                        {"nodes_needed", needed_units * unit_nodes},
                        {"headroom", o.headroom},
                        {"capacity_per_unit_per_s", cap.rate},
                        {"bottleneck", cap.bottleneck},
                        {"utilization", a.utilization},
                        {"max_batch", st.max_batch},
                        {"batch_limit", st.batch_limit},
                        {"mean_decode_batch", a.mean_decode_batch},
                        {"prefill_share", a.prefill_share},
                        {"prefill_utilization", a.prefill_utilization},
                        {"kv_occupancy", a.kv_occupancy},
                        {"admission_wait_probability", a.admission_wait_probability},
                        {"input_tokens_mean", in_l.mean()},
                        {"output_tokens_mean", out_l.mean()},
                        {"prefill_chunk", st.chunk},
                        {"kv_hit_rate", st.hit_rate}};
    if (si.prefill) j["prefill_units_per_unit"] = si.prefill_units;
    if (!tiers_json.is_null()) j["kv_tiers"] = tiers_json;
    std::string source = "analytic";
    std::size_t simulated = 0;
    if (o.simulate) {
        check_requests(o);
        std::vector<sv::Request> reqs = trace;
        int sim_units = units;
        if (reqs.empty()) {
            reqs = sv::poisson_requests(per_unit, in_d, out_d, static_cast<std::size_t>(o.requests), o.seed);
            sim_units = 1;
        }
        sv::SimulationOptions so;
        so.seed = o.seed;
        const sv::SimulationResult s = sv::simulate(st, reqs, sim_units, so);
        put_percentiles(j, s.ttft, s.tpot, s.e2e);
        j["simulated_requests"] = s.requests;
        j["analytic"] = {{"ttft_ms", pct_json(a.ttft)}, {"tpot_ms", pct_json(a.tpot)}, {"e2e_ms", pct_json(a.e2e)}};
        j["mean_decode_batch_simulated"] = s.mean_decode_batch;
        source = "simulation";
        simulated = s.requests;
    } else {
        put_percentiles(j, a.ttft, a.tpot, a.e2e);
    }
    j["source"] = source;

    Report rep;
    rep.json = j;
    rep.json["engine"] = engine_json(resolve_engine(o.engine, ctx));
    Table t{fmt::format("Serving {} at {:.4g} requests/s: {} x ({} nodes of {}, {}{}), {}", l.model.id, rate, units,
                        unit_nodes, l.system.id, layout_label(d),
                        si.prefill ? fmt::format(" + {} prefill unit(s)", si.prefill_units) : "",
                        sv::to_string(st.mode)),
            {"latency (" + source + ")", "mean ms", "p50 ms", "p90 ms", "p99 ms"},
            {},
            {}};
    const auto row = [&](const char* name, const char* key) {
        t.rows.push_back({name, fixed(j[std::string(key) + "_mean"].get<double>(), 2),
                          fixed(j[std::string(key) + "_p50"].get<double>(), 2),
                          fixed(j[std::string(key) + "_p90"].get<double>(), 2),
                          fixed(j[std::string(key) + "_p99"].get<double>(), 2)});
    };
    row("TTFT", "ttft_ms");
    row("TPOT", "tpot_ms");
    row("end to end", "e2e_ms");
    t.notes.push_back(fmt::format("utilisation {:.1f} % of {:.4g} requests/s per unit; bottleneck: {}",
                                  100 * a.utilization, cap.rate, cap.bottleneck));
    t.notes.push_back(fmt::format("nodes needed at {:.0f} % headroom: {} ({} unit(s) of {} node(s))",
                                  100 * o.headroom, needed_units * unit_nodes, needed_units, unit_nodes));
    t.notes.push_back(fmt::format("decode batch {:.1f} of {} per replica ({}); KV occupancy {:.0f} %; prefill "
                                  "server busy {:.0f} %",
                                  a.mean_decode_batch, st.max_batch, st.batch_limit, 100 * a.kv_occupancy,
                                  100 * a.prefill_utilization));
    if (tier_plan) {
        std::string s = fmt::format("KV hit rate {:.1f} % (target {:.1f} %), working set {:.1f} GB/node:",
                                    100 * tier_plan->achieved_hit_rate, 100 * tier_plan->target_hit_rate,
                                    tier_plan->working_set.value() / 1e9);
        for (const auto& tr : tier_plan->tiers)
            s += fmt::format(" {} {:.1f} GB ({:.0f} % of hits)", tr.name, tr.provisioned.value() / 1e9,
                             100 * tr.hit_share);
        t.notes.push_back(s);
    }
    if (o.simulate)
        t.notes.push_back(fmt::format("simulated {} requests (seed {}); analytic p50/p99 TTFT {:.2f}/{:.2f} ms, TPOT "
                                      "{:.2f}/{:.2f} ms",
                                      simulated, o.seed, a.ttft.p50 * 1e3, a.ttft.p99 * 1e3, a.tpot.p50 * 1e3,
                                      a.tpot.p99 * 1e3));
    t.notes.push_back(engine_note(resolve_engine(o.engine, ctx)));
    rep.tables.push_back(std::move(t));
    ctx.emit(rep);
}

}  // namespace

void add_serve_command(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<ServeOptions>();
    auto* sub = app.add_subcommand("serve", "Serving at a request rate or a concurrency: TTFT/ITL/TPOT percentiles, utilisation, nodes");
    add_layout_options(sub, o->layout, false);
    sub->add_option("--rate", o->rate, "Requests per second for the whole fleet, e.g. 300/s (a trace: replay rate)");
    sub->add_option("--concurrency", o->concurrency,
                    "Closed loop: concurrent clients over the fleet, each sending its next request when the last "
                    "ends (vllm bench serve --max-concurrency, genai-perf --concurrency); instead of --rate");
    sub->add_option("--input", o->input, "Mean prompt tokens, e.g. 2k (default 2k)");
    sub->add_option("--output", o->output, "Mean output tokens, e.g. 500 (default 500)");
    sub->add_option("--input-dist", o->input_dist, "fixed (default), exponential or lognormal[:cv]");
    sub->add_option("--output-dist", o->output_dist, "fixed (default), exponential or lognormal[:cv]");
    sub->add_option("--headroom", o->headroom, "Capacity kept free when sizing the fleet (default 0.2)");
    sub->add_option("--units", o->units, "Deployment units serving the rate: auto (sized with headroom) or N");
    sub->add_option("--trace", o->trace, "CSV trace: arrival_s,input_tokens,output_tokens");
    sub->add_flag("--simulate", o->simulate, "Discrete-event simulation instead of the analytic model");
    sub->add_flag("--whole-run", o->whole_run,
                  "With --concurrency --simulate: the tool's whole run as vllm bench serve measures it (all clients "
                  "start together, exactly --requests requests, first wave and drain included)");
    sub->add_option("--requests", o->requests, "Requests simulated for a Poisson rate (default 20000)")
        ->transform(whole_in(1, 1LL << 31));
    sub->add_option("--max-requests", o->max_requests, "Bound on --requests (default 1e7: memory and time grow with it)")
        ->transform(whole_in(1, 1LL << 31));
    sub->add_option("--seed", o->seed, "Simulation seed (default 1)")->transform(whole_in(0, 1LL << 53));
    sub->add_option("--kv-hit-rate", o->kv_hit_rate, "Share of prompt tokens reused from the KV cache (0..1)");
    sub->add_option("--kv-reuse-window", o->reuse_window, "How long reused prefixes must stay cached (300 s)");
    sub->add_option("--dram", o->dram, "Host DRAM for the KV cache per node (default half the host's)");
    sub->add_option("--dram-bandwidth", o->dram_bandwidth, "Host DRAM -> GPU per GPU (default min(PCIe, DRAM/GPUs))");
    sub->add_option("--ssd", o->ssd, "SSD for the KV cache per node (default none)");
    sub->add_option("--ssd-bandwidth", o->ssd_bandwidth, "SSD -> GPU per GPU");
    sub->add_option("--prefill-chunk", o->prefill_chunk, "Prompt tokens per step (chunked prefill, default 8k)");
    sub->add_option("--max-batch", o->max_batch, "Sequences per replica (default: what HBM holds)")
        ->check(CLI::PositiveNumber);
    sub->add_flag("--disaggregated", o->disaggregated, "Prefill on separate nodes (same layout flags)");
    sub->add_option("--prefill-nodes", o->prefill_nodes, "Nodes per prefill unit (default --nodes)")
        ->check(CLI::PositiveNumber);
    sub->add_option("--prefill-units", o->prefill_units, "Prefill units per decode unit: auto (balanced) or N");
    add_step_flags(sub, o->step);
    add_engine_option(sub, o->engine);
    add_format_option(sub, ctx);
    sub->callback([o, &ctx] { run(*o, ctx); });
}

}  // namespace hwplan::cli

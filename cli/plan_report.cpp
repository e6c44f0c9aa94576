#include "cli/plan_report.hpp"
#include "cli/search_size.hpp"

#include "cli/engine_option.hpp"

#include <fmt/format.h>

#include "hwdb/scenario_file.hpp"
#include "model/error.hpp"
#include "model/planner/search.hpp"

namespace hwplan::cli {

namespace mp = model::planner;

namespace {

std::string overlap_name(model::Overlap o) {
    switch (o) {
        case model::Overlap::none: return "none";
        case model::Overlap::dual_micro_batch: return "dual-micro-batch";
        case model::Overlap::paper_ideal: return "paper-ideal";
    }
    return "?";
}

nlohmann::json pool_json(const mp::PoolLayout& l) {
    return {{"units", l.units},
            {"nodes_per_unit", l.nodes},
            {"gpus_per_unit", l.gpus},
            {"nodes", l.units * l.nodes},
            {"gpus", l.units * l.gpus},
            {"tp", l.tp},
            {"dp", l.dp},
            {"pp", l.pp},
            {"ep", l.ep},
            {"redundant_experts", l.redundant_experts},
            {"overlap", overlap_name(l.overlap)},
            {"batch", l.batch},
            {"memory_per_gpu_bytes", l.memory_per_gpu.value()},
            {"utilisation", l.utilisation}};
}

std::string pool_label(const mp::PoolLayout& l, bool decode, int mtp) {
    std::string s = fmt::format("{}×[{}n tp{}", l.units, l.nodes, l.tp);
    if (l.pp > 1) s += fmt::format(" pp{}", l.pp);
    if (l.ep > 1) s += fmt::format(" ep{}", l.ep);
    if (l.redundant_experts > 0) s += fmt::format("+{}", l.redundant_experts);
    if (decode) s += fmt::format(" b{}", l.batch);
    if (decode && mtp > 0) s += " mtp";
    if (l.overlap == model::Overlap::none) s += " no-overlap";
    return s + "]";
}

std::string ms(model::Seconds t, int decimals = 1) { return fixed(t.value() * 1e3, decimals); }

std::string usd(double v) { return v >= 100 ? fixed(v, 0) : v >= 1 ? fixed(v, 2) : fixed(v, 3); }

std::string percentile_label(const std::optional<mp::LatencyTarget>& t) {
    if (!t) return "mean";
    return t->percentile ? fmt::format("p{:g}", *t->percentile) : "mean";
}

}  // namespace

std::string plan_layout_label(const mp::Plan& p) {
    std::string s;
    if (p.prefill) s = "P " + pool_label(*p.prefill, false, 0) + " + D ";
    s += pool_label(p.decode, true, p.mtp_depth);
    s += fmt::format(" {}/{}", model::to_string(p.weights), model::to_string(p.kv_cache));
    return s;
}

nlohmann::json plan_json(const mp::Plan& p) {
    nlohmann::json layout = {{"tp", p.decode.tp},
                             {"dp", p.decode.dp},
                             {"pp", p.decode.pp},
                             {"ep", p.decode.ep},
                             {"batch", p.decode.batch},
                             {"redundant_experts", p.decode.redundant_experts},
                             {"overlap", overlap_name(p.decode.overlap)},
                             {"decode", pool_json(p.decode)},
                             {"prefill", p.prefill ? pool_json(*p.prefill) : nlohmann::json(nullptr)},
                             {"prefill_nodes", p.prefill ? p.prefill->units * p.prefill->nodes : 0},
                             {"decode_nodes", p.decode.units * p.decode.nodes},
                             {"label", plan_layout_label(p)}};
    return {{"system", p.system},
            {"mode", std::string(mp::to_string(p.mode))},
            {"gpus", p.gpus},
            {"nodes", p.nodes},
            {"nics", p.nics},
            {"switches", p.switches},
            {"fabric", p.fabric},
            {"fabric_cost_usd", p.fabric_cost_usd},
            {"layout", layout},
            {"weights", std::string(model::to_string(p.weights))},
            {"kv_cache", std::string(model::to_string(p.kv_cache))},
            {"mtp_depth", p.mtp_depth},
            {"mtp_acceptance", p.mtp_acceptance},
            {"tpot_ms", p.tpot.value() * 1e3},
            {"ttft_ms", p.ttft.value() * 1e3},
            {"tpot_mean_ms", p.tpot_mean.value() * 1e3},
            {"ttft_mean_ms", p.ttft_mean.value() * 1e3},
            {"kv_transfer_ms", p.kv_transfer.value() * 1e3},
            {"tokens_per_s_per_user", p.tokens_per_s_per_user},
            {"requests_per_s", p.requests_per_s},
            {"output_tokens_per_s", p.output_tokens_per_s},
            {"input_tokens_per_s", p.input_tokens_per_s},
            {"output_tokens_per_s_per_gpu", p.output_tokens_per_s_per_gpu},
            {"input_tokens_per_s_per_gpu", p.input_tokens_per_s_per_gpu},
            {"output_tokens_per_s_per_node", p.output_tokens_per_s / p.nodes},
            {"input_tokens_per_s_per_node", p.input_tokens_per_s / p.nodes},
            {"decode_output_tokens_per_s_per_node", p.decode_output_tokens_per_s_per_node},
            {"prefill_input_tokens_per_s_per_node", p.prefill_input_tokens_per_s_per_node},
            {"power_kw", p.power_kw},
            {"cost_per_hour_usd", p.cost_per_hour_usd},
            {"cost_per_mtok_usd", p.cost_per_mtok_usd},
            {"cost_per_mtok_input_usd", p.cost_per_mtok_input_usd},
            {"cost_per_mtok_output_usd", p.cost_per_mtok_output_usd}};
}

std::vector<std::string> plan_assumptions(const mp::Scenario& s, const mp::PlanResult& r) {
    std::vector<std::string> a;
    const auto& w = s.workload;
    const auto len = [](const mp::LengthDistribution& d) {
        switch (d.shape) {
            case mp::LengthShape::fixed: return fmt::format("{:g} tokens", d.mean);
            case mp::LengthShape::exponential: return fmt::format("mean {:g} tokens, exponential", d.mean);
            case mp::LengthShape::lognormal: return fmt::format("mean {:g} tokens, lognormal cv {:g}", d.mean, d.cv);
            case mp::LengthShape::uniform: return fmt::format("uniform {:g}-{:g} tokens", d.min, d.max);
        }
        return std::string();
    };
    a.push_back(fmt::format("Model {} ({}); candidates: {}.", s.model.id, s.model.name, [&] {
        std::string out;
        for (const auto& c : s.systems) out += (out.empty() ? "" : ", ") + c.system.id;
        return out;
    }()));
    a.push_back(fmt::format("Workload: input {}, output {}, prefix-cache hit rate {:.1f} % (hits skip prefill compute "
                            "but count as input tokens), prefill chunk {} tokens; {}.",
                            len(w.input), len(w.output), w.prefix_hit_rate * 100, w.prefill_chunk,
                            w.requests_per_s        ? fmt::format("demand {:g} requests/s", *w.requests_per_s)
                            : w.output_tokens_per_s ? fmt::format("demand {:g} output tokens/s", *w.output_tokens_per_s)
                                                    : std::string("no demand given: pool counts (up to 8 "
                                                                  "decode units) chosen for the best prefill/decode "
                                                                  "balance, costed at full load")));
    std::string sla;
    if (s.sla.tpot) sla += fmt::format("TPOT <= {:g} ms ({})", s.sla.tpot->value.value() * 1e3, percentile_label(s.sla.tpot));
    if (s.sla.min_tokens_per_s_per_user)
        sla += fmt::format("{}>= {:g} tokens/s per user", sla.empty() ? "" : ", ", *s.sla.min_tokens_per_s_per_user);
    if (s.sla.ttft) sla += fmt::format("{}TTFT <= {:g} ms ({})", sla.empty() ? "" : ", ", s.sla.ttft->value.value() * 1e3,
                                       percentile_label(s.sla.ttft));
    a.push_back("SLA: " + sla + ".");
    a.push_back(fmt::format("TPOT = decode step / tokens per step at the KV length per output token: mean {:.0f} "
                            "tokens (E[in] + E[out^2]/(2 E[out])){}; the whole batch is assumed at that length.",
                            r.decode_context_mean,
                            r.decode_context_sla != r.decode_context_mean
                                ? fmt::format(", {:.0f} at the TPOT percentile", r.decode_context_sla)
                                : std::string()));
    a.push_back(fmt::format("TTFT = prefill at full load (every DP replica prefills a chunk at once){}, no queueing; "
                            "disaggregated adds the KV transfer (KV bytes / per-GPU NIC bandwidth x RDMA efficiency + "
                            "latency), aggregated adds one decode step per prefill chunk (chunked prefill).",
                            s.sla.ttft && s.sla.ttft->percentile
                                ? fmt::format(" at the p{:g} prompt ({:.0f} tokens)", *s.sla.ttft->percentile,
                                              r.input_tokens_sla)
                                : std::string(" averaged over the prompt distribution")));
    a.push_back("Aggregated: GPU time is shared, a share f = R/R_prefill prefills, TPOT is stretched to TPOT/(1 - f); "
                "disaggregated: pools sized so prefill feeds decode (requests/s = min of the two pools).");
    const auto& c = s.cost;
    a.push_back(c.basis == mp::CostBasis::rental
                    ? fmt::format("Cost: rental, GPUs x price per GPU-hour ({}); power and network are included in "
                                  "the rental (power is reported, not charged).",
                                  [&] {
                                      std::string out;
                                      for (const auto& x : s.systems)
                                          out += (out.empty() ? "" : ", ") +
                                                 fmt::format("{} ${:g}", x.system.id, x.price_per_gpu_hour_usd);
                                      return out;
                                  }())
                    : fmt::format("Cost: capex (nodes + fabric) over {:g} years, 24/7, plus power at ${:g}/kWh.",
                                  c.amortisation_years, c.usd_per_kwh));
    a.push_back(fmt::format("Power at the wall = (GPU TDP x GPUs + node overhead x nodes + switch power x switches) x "
                            "PUE {:g}.",
                            c.pue));
    a.push_back("Cost per million tokens counts input (incl. cache hits) and output tokens; the input/output split "
                "charges the prefill pool to input and the decode pool to output (disaggregated), or splits GPU time "
                "by the prefill share f (aggregated).");
    a.push_back("Fabric: the cheapest of FT2 / MPFT / FT3 of the system's switch radix for all NIC ports, switch "
                "price from hwdb (or the fit to paper Table 3), link prices from the Table 3 fit; single-node "
                "aggregated replicas need none.");
    a.push_back(fmt::format("Step model: {} mode, spec-sheet efficiencies (no calibration profile); comm SMs {}, "
                            "expert imbalance {:g}.",
                            model::to_string(s.search.step_mode), s.search.comm_sms, s.search.expert_imbalance));
    if (!s.engine.id.empty()) a.push_back(engine_note(s.engine) + " (scenario `engine:`).");
    return a;
}

Report plan_report(const mp::Scenario& s, const mp::PlanResult& r, std::size_t top, bool fronts) {
    Report rep;
    nlohmann::json plans = nlohmann::json::array();
    Table t{fmt::format("Capacity plan: {} — top {} deployments meeting the SLA", s.name,
                        std::min(top, r.plans.size())),
            {"#", "system", "mode", "GPUs", "nodes", "layout", "TPOT ms", "TTFT ms", "tok/s/user", "out tok/s/GPU",
             "in tok/s/GPU", "$/Mtok", "$/Mtok in", "$/Mtok out", "kW"},
            {},
            {}};
    const std::string tpot_stat = percentile_label(s.sla.tpot), ttft_stat = percentile_label(s.sla.ttft);
    t.columns[6] = "TPOT ms " + tpot_stat;
    t.columns[7] = "TTFT ms " + ttft_stat;
    for (std::size_t i = 0; i < r.plans.size() && i < top; ++i) {
        const mp::Plan& p = r.plans[i];
        nlohmann::json j = plan_json(p);
        j["rank"] = i + 1;
        plans.push_back(std::move(j));
        t.rows.push_back({std::to_string(i + 1), p.system, std::string(mp::to_string(p.mode)), std::to_string(p.gpus),
                          std::to_string(p.nodes), plan_layout_label(p), ms(p.tpot), ms(p.ttft, 0),
                          fixed(p.tokens_per_s_per_user, 1), fixed(p.output_tokens_per_s_per_gpu, 0),
                          fixed(p.input_tokens_per_s_per_gpu, 0), usd(p.cost_per_mtok_usd),
                          usd(p.cost_per_mtok_input_usd), usd(p.cost_per_mtok_output_usd), fixed(p.power_kw, 1)});
    }
    rep.tables.push_back(std::move(t));

    if (!r.plans.empty()) {
        const mp::Plan& b = r.plans.front();
        Table d{"Best plan in detail", {"quantity", "value"}, {}, {}};
        const auto row = [&](std::string k, std::string v) { d.rows.push_back({std::move(k), std::move(v)}); };
        row("system", b.system + " (" + std::string(mp::to_string(b.mode)) + ")");
        if (b.prefill)
            row("prefill pool", fmt::format("{} unit(s) x {} nodes: tp{} dp{}{} ep{}{} ({:.0f} % utilised)", b.prefill->units,
                                            b.prefill->nodes, b.prefill->tp, b.prefill->dp,
                                            b.prefill->pp > 1 ? fmt::format(" pp{}", b.prefill->pp) : std::string(),
                                            b.prefill->ep,
                                            b.prefill->redundant_experts
                                                ? fmt::format(" +{} redundant experts", b.prefill->redundant_experts)
                                                : std::string(),
                                            b.prefill->utilisation * 100));
        row(b.prefill ? "decode pool" : "replicas",
            fmt::format("{} unit(s) x {} nodes: tp{} dp{}{} ep{}{}, batch {} per DP replica{} ({:.0f} % utilised)",
                        b.decode.units, b.decode.nodes, b.decode.tp, b.decode.dp,
                        b.decode.pp > 1 ? fmt::format(" pp{}", b.decode.pp) : std::string(), b.decode.ep,
                        b.decode.redundant_experts ? fmt::format(" +{} redundant experts", b.decode.redundant_experts)
                                                   : std::string(),
                        b.decode.batch,
                        b.mtp_depth ? fmt::format(", MTP depth {} at {:.0f} % acceptance", b.mtp_depth,
                                                  b.mtp_acceptance * 100)
                                    : std::string(),
                        b.decode.utilisation * 100));
        if (b.prefill)
            row("P/D nodes", fmt::format("{} : {}", b.prefill->units * b.prefill->nodes, b.decode.units * b.decode.nodes));
        row("GPUs / nodes / NICs", fmt::format("{} / {} / {}", b.gpus, b.nodes, b.nics));
        row("fabric", fmt::format("{}: {} switches, ${:.2f}M", b.fabric, b.switches, b.fabric_cost_usd / 1e6));
        if (tpot_stat == "mean") row("TPOT mean", ms(b.tpot, 2) + " ms");
        else row("TPOT " + tpot_stat + " / mean", ms(b.tpot, 2) + " / " + ms(b.tpot_mean, 2) + " ms");
        const std::string kv = b.prefill ? " (incl. KV transfer " + ms(b.kv_transfer, 2) + " ms)" : "";
        if (ttft_stat == "mean") row("TTFT mean", ms(b.ttft, 0) + " ms" + kv);
        else row("TTFT " + ttft_stat + " / mean", ms(b.ttft, 0) + " / " + ms(b.ttft_mean, 0) + " ms" + kv);
        row("tokens/s per user", fixed(b.tokens_per_s_per_user, 1));
        row("requests/s", fixed(b.requests_per_s, 1));
        row("output tokens/s (per GPU, per node)",
            fmt::format("{:.0f} ({:.0f}, {:.0f})", b.output_tokens_per_s, b.output_tokens_per_s_per_gpu,
                        b.output_tokens_per_s / b.nodes));
        row("input tokens/s incl. cache hits (per GPU, per node)",
            fmt::format("{:.0f} ({:.0f}, {:.0f})", b.input_tokens_per_s, b.input_tokens_per_s_per_gpu,
                        b.input_tokens_per_s / b.nodes));
        row(b.prefill ? "per decode node at full load: output tokens/s" : "per node at full load: output tokens/s",
            fixed(b.decode_output_tokens_per_s_per_node, 0));
        row(b.prefill ? "per prefill node at full load: input tokens/s incl. cache hits"
                      : "per node at full load: input tokens/s incl. cache hits",
            fixed(b.prefill_input_tokens_per_s_per_node, 0));
        row("power at the wall", fixed(b.power_kw, 1) + " kW");
        row("cost", fmt::format("${:.0f} per hour", b.cost_per_hour_usd));
        row("cost per million tokens (all / input / output)",
            fmt::format("${} / ${} / ${}", usd(b.cost_per_mtok_usd), usd(b.cost_per_mtok_input_usd),
                        usd(b.cost_per_mtok_output_usd)));
        rep.tables.push_back(std::move(d));
    }

    nlohmann::json pareto = nlohmann::json::array(), pareto_thr = nlohmann::json::array();
    for (const auto& p : r.pareto) pareto.push_back(plan_json(p));
    for (const auto& p : r.pareto_throughput) pareto_thr.push_back(plan_json(p));
    if (fronts) {
        Table f{"Pareto front: cost per million tokens vs TPOT (SLA-meeting plans)",
                {"$/Mtok", "TPOT ms " + tpot_stat, "TTFT ms", "tok/s/user", "out tok/s/GPU", "system", "mode", "GPUs", "layout"},
                {},
                {}};
        for (const auto& p : r.pareto)
            f.rows.push_back({usd(p.cost_per_mtok_usd), ms(p.tpot), ms(p.ttft, 0), fixed(p.tokens_per_s_per_user, 1),
                              fixed(p.output_tokens_per_s_per_gpu, 0), p.system, std::string(mp::to_string(p.mode)),
                              std::to_string(p.gpus), plan_layout_label(p)});
        rep.tables.push_back(std::move(f));
        Table g{"Pareto front: output tokens/s per GPU vs tokens/s per user (SLA-meeting plans)",
                {"out tok/s/GPU", "tok/s/user", "$/Mtok", "TPOT ms " + tpot_stat, "system", "mode", "GPUs", "layout"},
                {},
                {}};
        for (const auto& p : r.pareto_throughput)
            g.rows.push_back({fixed(p.output_tokens_per_s_per_gpu, 0), fixed(p.tokens_per_s_per_user, 1),
                              usd(p.cost_per_mtok_usd), ms(p.tpot), p.system, std::string(mp::to_string(p.mode)),
                              std::to_string(p.gpus), plan_layout_label(p)});
        rep.tables.push_back(std::move(g));
    }

    const std::vector<std::string> assumptions = plan_assumptions(s, r);
    rep.tables.back().notes.push_back("Assumptions:");
    for (const auto& a : assumptions) rep.tables.back().notes.push_back("- " + a);
    const auto& st = r.stats;
    rep.tables.back().notes.push_back(fmt::format(
        "Search: {} configurations costed, {} model evaluations, {} layouts ({} pruned by memory), {:.3f} s on {} "
        "thread(s).",
        st.configurations, st.model_evaluations, st.layouts, st.layouts_memory_pruned, st.seconds, st.threads));

    rep.json["scenario"] = s.name;
    rep.json["source"] = s.source;
    rep.json["model"] = s.model.id;
    rep.json["feasible"] = r.feasible;
    rep.json["plans"] = std::move(plans);
    if (!s.engine.id.empty()) rep.json["engine"] = engine_json(s.engine);
    rep.json["pareto"] = std::move(pareto);
    rep.json["pareto_throughput"] = std::move(pareto_thr);
    rep.json["assumptions"] = {
        {"notes", assumptions},
        {"decode_context_mean_tokens", r.decode_context_mean},
        {"decode_context_sla_tokens", r.decode_context_sla},
        {"input_tokens_at_ttft_statistic", r.input_tokens_sla},
        {"tpot_statistic", tpot_stat},
        {"ttft_statistic", ttft_stat},
        {"cost_basis", s.cost.basis == mp::CostBasis::rental ? "rental" : "capex"},
        {"pue", s.cost.pue},
        {"usd_per_kwh", s.cost.usd_per_kwh},
        {"amortisation_years", s.cost.amortisation_years},
        {"prefix_hit_rate", s.workload.prefix_hit_rate},
        {"step_mode", std::string(model::to_string(s.search.step_mode))}};
    rep.json["search"] = {{"configurations", st.configurations},
                          {"model_evaluations", st.model_evaluations},
                          {"layouts", st.layouts},
                          {"layouts_memory_pruned", st.layouts_memory_pruned},
                          {"decode_points", st.decode_points},
                          {"plans_meeting_sla", st.plans_meeting_sla},
                          {"seconds", st.seconds},
                          {"threads", st.threads}};
    return rep;
}

mp::PlanResult run_plan(const mp::Scenario& s, std::size_t top, int threads) {
    mp::PlanOptions o;
    o.top = top;
    o.threads = threads;
    mp::PlanResult r = mp::plan(s, o);
    if (!r.feasible) {
        // A field absent from the file has no file:line; its name once, not twice.
        const std::string where = s.where(r.reason_field);
        throw Error(where == r.reason_field ? r.reason : r.reason_field + ": " + r.reason, where);
    }
    return r;
}

void append_plan_section(Report& r, const hwdb::Database& db, std::filesystem::path path) {
    if (path.empty()) path = db.paths().models.parent_path() / "deepseek-v3-h800.yaml";
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        r.notes.push_back("Capacity plan: scenario " + path.string() + " not found (run `hwplan plan <scenario.yaml>`).");
        return;
    }
    try {
        const mp::Scenario s = hwdb::load_scenario(path, db);
        check_search_size(s, kDefaultMaxConfigurations, 0, "plan --max-configurations", "report");
        const mp::PlanResult res = run_plan(s, 5, 0);
        Report part = plan_report(s, res, 5, false);
        part.tables.back().notes.push_back("Pareto fronts and CSV: hwplan plan " + path.string() +
                                           " [--format json|csv]; comparison with DeepSeek's published figures: "
                                           "docs/validation.md.");
        for (auto& t : part.tables) r.tables.push_back(std::move(t));
        r.json["plan"] = std::move(part.json);
    } catch (const Error& e) {
        r.notes.push_back(std::string("Capacity plan: ") + e.what());
        r.json["plan"] = {{"error", e.what()}};
    }
}

}  // namespace hwplan::cli

// The deployment search (see search.hpp and docs/equations.md, "Capacity
// planning"). It drives decode_step / prefill / plan_memory and the topology
// cost model; it never repeats their formulas.
#include "model/planner/search.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <functional>
#include <limits>
#include <thread>
#include <tuple>

#include <fmt/format.h>

#include "model/error.hpp"
#include "model/kv_cache.hpp"
#include "model/layout.hpp"
#include "model/memory_plan.hpp"
#include "model/planner/cost.hpp"
#include "model/planner/distribution.hpp"
#include "model/planner/pareto.hpp"
#include "model/step_time.hpp"
#include "model/topology/cost_model.hpp"

namespace hwplan::model::planner {

std::string_view to_string(ServingMode m) {
    return m == ServingMode::aggregated ? "aggregated" : "disaggregated";
}

namespace {

auto layout_key(const PoolLayout& l) {
    return std::make_tuple(l.units, l.nodes, l.tp, l.dp, l.pp, l.ep, l.redundant_experts, static_cast<int>(l.overlap),
                           l.batch);
}

}  // namespace

bool plan_less(const Plan& a, const Plan& b) {
    const auto key = [](const Plan& p) {
        return std::make_tuple(p.cost_per_mtok_usd, p.tpot.value(), p.ttft.value(), p.gpus, p.system_index,
                               static_cast<int>(p.mode), static_cast<int>(p.weights), static_cast<int>(p.kv_cache),
                               p.mtp_depth, p.mtp_acceptance);
    };
    const auto ka = key(a), kb = key(b);
    if (ka != kb) return ka < kb;
    if (layout_key(a.decode) != layout_key(b.decode)) return layout_key(a.decode) < layout_key(b.decode);
    if (a.prefill.has_value() != b.prefill.has_value()) return !a.prefill.has_value();
    if (a.prefill && layout_key(*a.prefill) != layout_key(*b.prefill))
        return layout_key(*a.prefill) < layout_key(*b.prefill);
    return false;
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kDefaultNodeCap = 4096;  // planning limit when the scenario sets none

// ------------------------------------------------------------------ setup

struct Setup {
    const Scenario* sc = nullptr;
    StepOptions step;
    std::vector<double> input_points;  // quadrature of the prompt length
    double input_mean = 0;
    double output_mean = 0;
    double input_sla = 0;  // prompt at the TTFT statistic
    bool ttft_percentile = false;
    int ctx_mean = 0;  // decode KV length, mean per output token
    int ctx_sla = 0;   // ... at the TPOT statistic
    std::optional<double> demand;  // requests/s
    double tpot_bound_sla = kInf;   // on TPOT at ctx_sla
    double tpot_bound_mean = kInf;  // on TPOT at ctx_mean (tokens/s per user)
    double ttft_bound = kInf;
    int max_nodes = kDefaultNodeCap;
    long long max_gpus = std::numeric_limits<long long>::max();
    std::vector<CostTable> costs;  // per system
    std::vector<DType> weights;
    std::vector<DType> kvs;
    std::vector<MtpOption> mtps;
    std::vector<Overlap> overlaps;
    std::vector<int> prefill_nodes;
    std::vector<int> decode_nodes;
    int batch_cap = 1 << 16;
};

// Replicas needed to carry `demand` at `per_unit` each, in 64-bit: at least
// one (a demand of 1e-9 requests/s still needs a replica, never a free plan of
// 0 GPUs), and saturated far past any node cap instead of an undefined
// double -> int conversion (1e12 requests/s used to overflow and crash). NaN
// and infinity saturate too; the caller's node/GPU limit check then makes it
// "more than the constraints allow".
constexpr long long kTooManyUnits = 1LL << 40;
long long units_for(double demand, double per_unit) {
    const double u = std::ceil(demand / per_unit - 1e-9);
    if (!(u < static_cast<double>(kTooManyUnits))) return kTooManyUnits;
    return std::max(1LL, static_cast<long long>(u));
}

std::vector<int> range(int lo, int hi) {
    std::vector<int> v;
    for (int i = lo; i <= hi; ++i) v.push_back(i);
    return v;
}

Setup make_setup(const Scenario& sc) {
    Setup su;
    su.sc = &sc;
    su.step.mode = sc.search.step_mode;
    su.step.engine = sc.engine.traits;
    su.step.check_memory = false;  // memory is checked once per layout (plan_memory) below
    const WorkloadSpec& w = sc.workload;
    su.input_points = quadrature_points(w.input, 8);
    su.input_mean = w.input.mean;
    su.output_mean = w.output.mean;
    su.ttft_percentile = sc.sla.ttft && sc.sla.ttft->percentile;
    su.input_sla = su.ttft_percentile ? quantile(w.input, *sc.sla.ttft->percentile / 100) : w.input.mean;
    const double cm = mean_decode_context(w.input, w.output);
    su.ctx_mean = static_cast<int>(std::lround(cm));
    su.ctx_sla = su.ctx_mean;
    if (sc.sla.tpot && sc.sla.tpot->percentile)
        su.ctx_sla = static_cast<int>(std::lround(decode_context_quantile(w.input, w.output, *sc.sla.tpot->percentile / 100)));
    if (w.requests_per_s) su.demand = *w.requests_per_s;
    if (w.output_tokens_per_s) su.demand = *w.output_tokens_per_s / w.output.mean;
    if (sc.sla.tpot) {
        (sc.sla.tpot->percentile ? su.tpot_bound_sla : su.tpot_bound_mean) = sc.sla.tpot->value.value();
        if (!sc.sla.tpot->percentile) su.tpot_bound_sla = su.tpot_bound_mean;
    }
    if (sc.sla.min_tokens_per_s_per_user) {
        su.tpot_bound_mean = std::min(su.tpot_bound_mean, 1.0 / *sc.sla.min_tokens_per_s_per_user);
        if (!(sc.sla.tpot && sc.sla.tpot->percentile)) su.tpot_bound_sla = su.tpot_bound_mean;
    }
    if (sc.sla.ttft) su.ttft_bound = sc.sla.ttft->value.value();
    const Constraints& c = sc.constraints;
    if (c.max_gpus) su.max_gpus = *c.max_gpus;
    int node_cap = c.max_nodes ? *c.max_nodes : kDefaultNodeCap;
    if (c.max_gpus) {
        int min_gpn = std::numeric_limits<int>::max();
        for (const auto& s : sc.systems) min_gpn = std::min(min_gpn, std::max(1, s.system.gpus_per_node));
        node_cap = std::min<long long>(node_cap, *c.max_gpus / min_gpn);
    }
    su.max_nodes = std::max(0, node_cap);
    su.weights = c.weights.empty() ? std::vector<DType>{sc.model.weights_dtype} : c.weights;
    su.kvs = c.kv_cache.empty() ? std::vector<DType>{DType::bf16} : c.kv_cache;
    su.mtps = c.mtp.empty() ? std::vector<MtpOption>{MtpOption{}} : c.mtp;
    su.overlaps = c.overlap.empty() ? std::vector<Overlap>{Overlap::dual_micro_batch} : c.overlap;
    if (c.max_batch) su.batch_cap = *c.max_batch;
    const auto capped = [&](std::vector<int> v, int dflt) {
        if (v.empty()) v = range(1, dflt);
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
        std::erase_if(v, [&](int n) { return n < 1 || n > su.max_nodes; });
        return v;
    };
    su.prefill_nodes = capped(sc.search.prefill_nodes, 8);
    su.decode_nodes = capped(sc.search.decode_nodes, 16);
    const topology::FabricPrices fitted = topology::fit_paper_prices().prices;
    for (const auto& cand : sc.systems) su.costs.emplace_back(cand, sc.cost, su.max_nodes, fitted);
    return su;
}

// ------------------------------------------------------------------ layouts

struct Shape {
    int tp = 1, dp = 1, pp = 1, ep = 1, redundant = 0;
};

std::vector<int> divisors(int n) {
    std::vector<int> v;
    for (int d = 1; d <= n; ++d)
        if (n % d == 0) v.push_back(d);
    return v;
}

bool allowed(const std::vector<int>& list, int v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
}

// Every TP x DP x PP x EP layout of `nodes` nodes (see deployment.hpp for
// the convention) the scenario allows, before the model's own check.
std::vector<Shape> shapes(const Setup& su, const System& s, int nodes) {
    const SearchSpace& sp = su.sc->search;
    const ModelArch& m = su.sc->model;
    const int world = nodes * s.gpus_per_node;
    std::vector<Shape> out;
    const std::vector<int> pps = sp.pp.empty() ? std::vector<int>{1} : sp.pp;
    const auto* moe = std::get_if<Moe>(&m.ffn);
    const std::vector<int> reds =
        !moe ? std::vector<int>{0} : (sp.redundant_experts.empty() ? std::vector<int>{0} : sp.redundant_experts);
    for (int tp : divisors(std::max(1, s.scale_up_domain))) {
        if (!allowed(sp.tp, tp) || world % tp != 0) continue;
        for (int pp : pps) {
            if (pp < 1 || world % (tp * pp) != 0) continue;
            const int dp = world / (tp * pp);
            const int stage = world / pp;
            if (!moe) {
                out.push_back(Shape{tp, dp, pp, 1, 0});
                continue;
            }
            for (int red : reds) {
                for (int ep : divisors(stage)) {
                    if (!allowed(sp.ep, ep) || (moe->routed_experts + red) % ep != 0) continue;
                    if (red > 0 && ep == 1) continue;  // a redundant replica needs another GPU to live on
                    out.push_back(Shape{tp, dp, pp, ep, red});
                }
            }
        }
    }
    return out;
}

// `fabric`: the scale-out fabric a multi-node unit's EP group runs on.
Deployment make_deployment(const Setup& su, int nodes, const Shape& sh, DType w, DType kv, Overlap ov,
                           const MtpOption* mtp, const std::optional<FabricLinks>& fabric) {
    Deployment d;
    d.nodes = nodes;
    d.tp = sh.tp;
    d.dp = sh.dp;
    d.pp = sh.pp;
    d.ep = sh.ep;
    d.redundant_experts = sh.redundant;
    d.precision.weights = w;
    d.precision.kv_cache = kv;
    d.overlap = ov;
    d.micro_batches = ov == Overlap::dual_micro_batch ? 2 : 1;
    d.comm_sms = su.sc->search.comm_sms;
    d.expert_imbalance = su.sc->search.expert_imbalance;
    if (nodes > 1) d.fabric = fabric;
    if (mtp && mtp->depth > 0) {
        d.mtp.depth = mtp->depth;
        d.mtp.acceptance = mtp->acceptance;
    }
    return d;
}

PoolLayout pool_layout(const Deployment& d, const System& s, int batch) {
    PoolLayout l;
    l.nodes = d.nodes;
    l.gpus = d.nodes * s.gpus_per_node;
    l.tp = d.tp;
    l.dp = d.dp;
    l.pp = d.pp;
    l.ep = d.ep;
    l.redundant_experts = d.redundant_experts;
    l.overlap = d.overlap;
    l.batch = batch;
    return l;
}

std::string describe(const System& s, const Deployment& d, int batch, std::string_view mode) {
    std::string out = fmt::format("{}, {} node{}, tp{} dp{}", s.id, d.nodes, d.nodes == 1 ? "" : "s", d.tp, d.dp);
    if (d.pp > 1) out += fmt::format(" pp{}", d.pp);
    if (d.ep > 1) out += fmt::format(" ep{}", d.ep);
    if (batch > 0) out += fmt::format(", batch {}", batch);
    out += fmt::format(", {}/{}", to_string(d.precision.weights), to_string(d.precision.kv_cache));
    if (d.mtp.depth > 0) out += fmt::format(", MTP {}", d.mtp.depth);
    if (!mode.empty()) out += fmt::format(", {}", mode);
    return out;
}

// ------------------------------------------------------------------ diagnostics

struct Best {
    double value = kInf;
    std::string where;
    void offer(double v, const std::function<std::string()>& describe_it) {
        if (v < value) {
            value = v;
            where = describe_it();
        }
    }
    void merge(const Best& o) {
        if (o.value < value) *this = o;
    }
};

struct Diag {
    Best tpot_sla;   // lowest TPOT at the SLA statistic (memory-feasible points)
    Best tpot_mean;  // lowest mean TPOT
    Best ttft;       // lowest TTFT at the SLA statistic
    bool tpot_met = false;
    bool ttft_met = false;
    Best gpus_needed;  // smallest SLA-meeting deployment that broke max_gpus / max_nodes
    std::string memory_reason;
    std::string fabric_reason;
    std::string layout_reason;
    bool any_fits = false;
    void merge(const Diag& o) {
        tpot_sla.merge(o.tpot_sla);
        tpot_mean.merge(o.tpot_mean);
        ttft.merge(o.ttft);
        gpus_needed.merge(o.gpus_needed);
        tpot_met = tpot_met || o.tpot_met;
        ttft_met = ttft_met || o.ttft_met;
        any_fits = any_fits || o.any_fits;
        if (memory_reason.empty()) memory_reason = o.memory_reason;
        if (fabric_reason.empty()) fabric_reason = o.fabric_reason;
        if (layout_reason.empty()) layout_reason = o.layout_reason;
    }
};

// ------------------------------------------------------------------ prefill

struct PrefillEval {
    bool ok = false;
    bool out_of_memory = false;  // the reason is plan_memory's
    std::string reason;
    double ttft_sla = 0;  // seconds, prefill only (no KV transfer, no decode interleaving)
    double ttft_mean = 0;
    double chunks_sla = 0;
    double chunks_mean = 0;
    double requests_per_s_per_gpu = 0;  // at full load
    Bytes memory = bytes(0);
};

struct Counters {
    std::uint64_t evaluations = 0;
    std::uint64_t configurations = 0;
    std::uint64_t layouts = 0;
    std::uint64_t pruned = 0;
    std::uint64_t decode_points = 0;
    std::uint64_t sla_plans = 0;
};

Workload prefill_workload(const Setup& su, double prompt) {
    Workload w;
    w.batch = 1;
    w.prompt = std::max(1, static_cast<int>(std::lround(prompt)));
    w.context = w.prompt;
    w.prefix_hit_rate = su.sc->workload.prefix_hit_rate;
    w.prefill_chunk = su.sc->workload.prefill_chunk;
    return w;
}

PrefillEval eval_prefill(const Setup& su, const SystemCandidate& cand, const Deployment& d, int system_index,
                         Counters& n, std::vector<EvaluatedPoint>* rec, bool check_memory) {
    PrefillEval e;
    const ModelArch& m = su.sc->model;
    const System& s = cand.system;
    const auto record = [&](const Workload& w, const PrefillStep& r, const MemoryPlan* mp) {
        if (!rec) return;
        EvaluatedPoint p;
        p.phase = EvaluatedPoint::Phase::prefill;
        p.system_index = system_index;
        p.weights = d.precision.weights;
        p.kv_cache = d.precision.kv_cache;
        p.overlap = d.overlap;
        p.nodes = d.nodes, p.tp = d.tp, p.dp = d.dp, p.pp = d.pp, p.ep = d.ep;
        p.redundant_experts = d.redundant_experts;
        p.context = w.prompt;
        p.feasible = r.feasible && (!mp || mp->fits);
        p.reason = !r.feasible ? r.reason : (mp && !mp->fits ? mp->reason : std::string());
        p.ttft = r.ttft;
        p.tokens_per_s_per_gpu = r.input_tokens_per_s_per_gpu;
        if (mp) p.memory_per_gpu = mp->total;
        rec->push_back(std::move(p));
    };
    double largest = su.input_sla;
    for (double x : su.input_points) largest = std::max(largest, x);
    if (check_memory) {
        const Workload w = prefill_workload(su, largest);
        const MemoryPlan mp = plan_memory(m, s, d, w);
        ++n.evaluations;
        e.memory = mp.total;
        if (!mp.fits) {
            e.reason = mp.reason;
            e.out_of_memory = true;
            if (rec) {
                PrefillStep none;
                none.feasible = true;
                record(w, none, &mp);
            }
            return e;
        }
    }
    double gpu_seconds = 0;  // GPU-seconds per request, averaged over the prompt distribution
    for (double x : su.input_points) {
        const Workload w = prefill_workload(su, x);
        const PrefillStep r = prefill(m, s, d, w, su.step);
        ++n.evaluations;
        record(w, r, nullptr);
        if (!r.feasible) {
            e.reason = r.reason;
            return e;
        }
        if (r.computed_tokens > 0 && r.input_tokens_per_s_per_gpu > 0)
            gpu_seconds += r.computed_tokens / r.input_tokens_per_s_per_gpu;
        e.ttft_mean += r.ttft.value();
        e.chunks_mean += r.chunks;
    }
    const double k = static_cast<double>(su.input_points.size());
    gpu_seconds /= k;
    e.ttft_mean /= k;
    e.chunks_mean /= k;
    e.requests_per_s_per_gpu = gpu_seconds > 0 ? 1.0 / gpu_seconds : kInf;
    e.ttft_sla = e.ttft_mean;
    e.chunks_sla = e.chunks_mean;
    if (su.ttft_percentile) {
        const Workload w = prefill_workload(su, su.input_sla);
        const PrefillStep r = prefill(m, s, d, w, su.step);
        ++n.evaluations;
        record(w, r, nullptr);
        if (!r.feasible) {
            e.reason = r.reason;
            return e;
        }
        e.ttft_sla = r.ttft.value();
        e.chunks_sla = r.chunks;
    }
    e.ok = true;
    return e;
}

// KV cache of one prompt, prefill pool -> decode pool, over the scale-out
// NICs: each GPU of the prefill replica sends its share (GQA heads split by
// TP, layers by PP; the MLA latent is held whole by every TP rank, one sends).
double kv_transfer_seconds(const Setup& su, const System& s, const Deployment& d, double prompt) {
    const ModelArch& m = su.sc->model;
    double share = 1.0 / d.pp;
    if (const auto* g = std::get_if<Gqa>(&m.attention)) {
        const LayoutShape l = layout_shape(m, s, d);
        share *= l.kv_heads_per_gpu / g->kv_heads;
    }
    const double bytes_per_gpu = kv_bytes_per_sequence(m, d.precision.kv_cache, prompt).value() * share;
    const double bw = s.scale_out_bandwidth_per_gpu().value() * su.step.efficiencies.rdma;
    if (!(bw > 0)) return kInf;
    const double lat = s.nic && s.nic->latency.value() > 0 ? s.nic->latency.value()
                                                             : su.step.efficiencies.rdma_latency.value();
    return bytes_per_gpu / bw + lat;
}

struct PrefillCand {
    PoolLayout layout;
    double ttft_sla = 0;  // incl. KV transfer
    double ttft_mean = 0;
    double kv_sla = 0;
    double requests_per_s = 0;  // one unit at full load
};

struct PrefillItem {
    int group = 0;
    int nodes = 1;
    Overlap overlap = Overlap::dual_micro_batch;
};

struct PrefillResult {
    std::vector<PrefillCand> cands;  // memory-feasible and TTFT-meeting
    Diag diag;
    Counters n;
    std::vector<EvaluatedPoint> points;
};

struct Group {
    int system = 0;
    DType weights = DType::bf16;
    DType kv = DType::bf16;
};

PrefillResult run_prefill_item(const Setup& su, const Group& g, const PrefillItem& it, bool record) {
    PrefillResult out;
    const SystemCandidate& cand = su.sc->systems[static_cast<std::size_t>(g.system)];
    const System& s = cand.system;
    if (static_cast<long long>(it.nodes) * s.gpus_per_node > su.max_gpus) return out;
    const CostTable& table = su.costs[static_cast<std::size_t>(g.system)];
    const std::optional<FabricLinks>& unit_fabric = table.at(std::min(it.nodes, table.max_nodes()), true).links;
    for (const Shape& sh : shapes(su, s, it.nodes)) {
        const Deployment d = make_deployment(su, it.nodes, sh, g.weights, g.kv, it.overlap, nullptr, unit_fabric);
        ++out.n.layouts;
        if (auto problem = layout_problem(su.sc->model, s, d)) {
            if (out.diag.layout_reason.empty()) out.diag.layout_reason = *problem;
            continue;
        }
        const PrefillEval e = eval_prefill(su, cand, d, g.system, out.n, record ? &out.points : nullptr, true);
        if (!e.ok) {
            if (e.out_of_memory) {
                ++out.n.pruned;
                if (out.diag.memory_reason.empty()) out.diag.memory_reason = e.reason;
            } else if (out.diag.layout_reason.empty()) {
                out.diag.layout_reason = e.reason;
            }
            continue;
        }
        out.diag.any_fits = true;
        PrefillCand c;
        c.layout = pool_layout(d, s, 0);
        c.layout.memory_per_gpu = e.memory;
        c.kv_sla = kv_transfer_seconds(su, s, d, su.input_sla);
        c.ttft_sla = e.ttft_sla + c.kv_sla;
        c.ttft_mean = e.ttft_mean + kv_transfer_seconds(su, s, d, su.input_mean);
        c.requests_per_s = e.requests_per_s_per_gpu * c.layout.gpus;
        out.diag.ttft.offer(c.ttft_sla, [&] { return describe(s, d, 0, "prefill pool"); });
        if (!(c.ttft_sla <= su.ttft_bound)) continue;
        out.diag.ttft_met = true;
        out.cands.push_back(c);
    }
    return out;
}

// Drops prefill candidates another of the same unit size beats in both
// throughput and TTFT (exact: any pool built from the dropped one is matched
// by the same number of units of the other at no more cost).
std::vector<PrefillCand> prune_prefill(std::vector<PrefillCand> v) {
    std::sort(v.begin(), v.end(), [](const PrefillCand& a, const PrefillCand& b) {
        if (a.layout.nodes != b.layout.nodes) return a.layout.nodes < b.layout.nodes;
        if (a.requests_per_s != b.requests_per_s) return a.requests_per_s > b.requests_per_s;
        if (a.ttft_sla != b.ttft_sla) return a.ttft_sla < b.ttft_sla;
        return layout_key(a.layout) < layout_key(b.layout);
    });
    std::vector<PrefillCand> out;
    for (const PrefillCand& c : v) {
        bool dominated = false;
        for (const PrefillCand& k : out)
            if (k.layout.nodes == c.layout.nodes && k.requests_per_s >= c.requests_per_s && k.ttft_sla <= c.ttft_sla) {
                dominated = true;
                break;
            }
        if (!dominated) out.push_back(c);
    }
    return out;
}

// ------------------------------------------------------------------ decode

struct DecodeItem {
    int group = 0;
    int mtp = 0;
    Overlap overlap = Overlap::dual_micro_batch;
    int nodes = 1;
};

struct DecodePoint {
    int batch = 0;
    double tpot_sla = 0;
    double tpot_mean = 0;
    double step_sla = 0;
    double step_mean = 0;
    double tps_gpu = 0;  // output tokens/s per GPU at the mean context
};

struct ItemResult {
    std::vector<Plan> best;     // best plan per (layout, mode), locally ranked and cut to `top`
    std::vector<Plan> fronts;   // local Pareto fronts of SLA-meeting plans
    Diag diag;
    Counters n;
    std::vector<EvaluatedPoint> points;
};

// Fills the throughput, cost and power figures of a plan from its pools.
void finish_plan(const Setup& su, Plan& p, double requests_per_s, double prefill_share_of_cost) {
    const CostTable& table = su.costs[static_cast<std::size_t>(p.system_index)];
    const bool fabric = p.mode == ServingMode::disaggregated || p.decode.nodes > 1;
    const DeploymentCost& dc = table.at(p.nodes, fabric);
    p.requests_per_s = requests_per_s;
    p.output_tokens_per_s = requests_per_s * su.output_mean;
    p.input_tokens_per_s = requests_per_s * su.input_mean;
    p.output_tokens_per_s_per_gpu = p.output_tokens_per_s / p.gpus;
    p.input_tokens_per_s_per_gpu = p.input_tokens_per_s / p.gpus;
    p.power_kw = dc.power_kw;
    p.cost_per_hour_usd = dc.cost_per_hour_usd;
    const double tokens_per_hour = (p.output_tokens_per_s + p.input_tokens_per_s) * 3600;
    p.cost_per_mtok_usd = p.cost_per_hour_usd / tokens_per_hour * 1e6;
    p.cost_per_mtok_input_usd = p.cost_per_hour_usd * prefill_share_of_cost / (p.input_tokens_per_s * 3600) * 1e6;
    p.cost_per_mtok_output_usd =
        p.cost_per_hour_usd * (1 - prefill_share_of_cost) / (p.output_tokens_per_s * 3600) * 1e6;
    p.nics = dc.nics;
    p.switches = dc.switches;
    p.fabric_cost_usd = dc.fabric_cost_usd;
}

void keep_fronts(std::vector<Plan>& plans) {
    // Union of the two fronts, in plan_less order, without duplicates.
    const auto tie = [&](std::size_t a, std::size_t b) { return plan_less(plans[a], plans[b]); };
    auto f1 = pareto_front(
        plans.size(), [&](std::size_t i) { return plans[i].cost_per_mtok_usd; },
        [&](std::size_t i) { return plans[i].tpot.value(); }, tie);
    auto f2 = pareto_front(
        plans.size(), [&](std::size_t i) { return -plans[i].output_tokens_per_s_per_gpu; },
        [&](std::size_t i) { return -plans[i].tokens_per_s_per_user; }, tie);
    std::vector<std::size_t> keep = f1;
    keep.insert(keep.end(), f2.begin(), f2.end());
    std::sort(keep.begin(), keep.end());
    keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
    std::vector<Plan> out;
    out.reserve(keep.size());
    for (std::size_t i : keep) out.push_back(std::move(plans[i]));
    plans = std::move(out);
}

class DecodeRunner {
public:
    DecodeRunner(const Setup& su, const std::vector<Group>& groups, const std::vector<std::vector<PrefillCand>>& prefill,
                 std::size_t top, bool record)
        : su_(su), groups_(groups), prefill_(prefill), top_(top), record_(record) {}

    ItemResult run(const DecodeItem& it) const;

private:
    const Setup& su_;
    const std::vector<Group>& groups_;
    const std::vector<std::vector<PrefillCand>>& prefill_;
    std::size_t top_;
    bool record_;
};

ItemResult DecodeRunner::run(const DecodeItem& it) const {
    ItemResult out;
    const Setup& su = su_;
    const Group& g = groups_[static_cast<std::size_t>(it.group)];
    const SystemCandidate& cand = su.sc->systems[static_cast<std::size_t>(g.system)];
    const System& s = cand.system;
    const ModelArch& m = su.sc->model;
    const MtpOption& mtp = su.mtps[static_cast<std::size_t>(it.mtp)];
    const SearchSpace& sp = su.sc->search;
    const CostTable& table = su.costs[static_cast<std::size_t>(g.system)];
    const long long unit_gpus = static_cast<long long>(it.nodes) * s.gpus_per_node;
    if (unit_gpus > su.max_gpus) return out;
    const std::optional<FabricLinks>& unit_fabric = table.at(std::min(it.nodes, table.max_nodes()), true).links;
    const std::vector<PrefillCand>& pre = prefill_[static_cast<std::size_t>(it.group)];
    const double tokens_per_request = su.input_mean + su.output_mean;
    std::vector<Plan> sla_plans;

    for (const Shape& sh : shapes(su, s, it.nodes)) {
        const Deployment d = make_deployment(su, it.nodes, sh, g.weights, g.kv, it.overlap, &mtp, unit_fabric);
        ++out.n.layouts;
        if (auto problem = layout_problem(m, s, d)) {
            if (out.diag.layout_reason.empty()) out.diag.layout_reason = *problem;
            continue;
        }
        // Memory: one plan_memory call bounds the batch (KV and buffers are
        // linear in it); a layout whose weights do not fit stops here.
        Workload w;
        w.batch = 1;
        w.context = su.ctx_mean;
        const MemoryPlan mem1 = plan_memory(m, s, d, w);
        ++out.n.evaluations;
        int cap = std::min(mem1.max_batch, su.batch_cap);
        if (!mem1.fits || cap < 1) {
            ++out.n.pruned;
            if (out.diag.memory_reason.empty()) out.diag.memory_reason = mem1.reason.empty() ? "no room for KV" : mem1.reason;
            if (record_) {
                EvaluatedPoint p;
                p.system_index = g.system, p.weights = g.weights, p.kv_cache = g.kv, p.mtp_depth = d.mtp.depth;
                p.overlap = d.overlap, p.nodes = d.nodes, p.tp = d.tp, p.dp = d.dp, p.pp = d.pp, p.ep = d.ep;
                p.redundant_experts = d.redundant_experts, p.batch = 1, p.context = su.ctx_mean;
                p.reason = mem1.reason.empty() ? "no room for KV" : mem1.reason;
                p.memory_per_gpu = mem1.total;
                out.points.push_back(std::move(p));
            }
            continue;
        }
        out.diag.any_fits = true;

        // Decode evaluations, memoised by batch.
        std::vector<DecodePoint> memo;
        std::string network_reason;
        const auto eval_one = [&](int batch, int context) -> std::optional<DecodeStep> {
            Workload dw;
            dw.batch = batch;
            dw.context = context;
            DecodeStep r = decode_step(m, s, d, dw, su.step);
            ++out.n.evaluations;
            if (record_) {
                EvaluatedPoint p;
                p.system_index = g.system, p.weights = g.weights, p.kv_cache = g.kv, p.mtp_depth = d.mtp.depth;
                p.overlap = d.overlap, p.nodes = d.nodes, p.tp = d.tp, p.dp = d.dp, p.pp = d.pp, p.ep = d.ep;
                p.redundant_experts = d.redundant_experts, p.batch = batch, p.context = context;
                p.feasible = r.feasible, p.reason = r.reason, p.tpot = r.tpot;
                p.tokens_per_s_per_user = r.tokens_per_s_per_user, p.tokens_per_s_per_gpu = r.tokens_per_s_per_gpu;
                p.memory_per_gpu = mem1.total + (mem1.kv_cache + mem1.activations + mem1.comm_buffers) * (batch - 1.0);
                out.points.push_back(std::move(p));
            }
            if (!r.feasible) {
                network_reason = r.reason;
                return std::nullopt;
            }
            return r;
        };
        const auto point = [&](int batch) -> const DecodePoint* {
            auto pos = std::lower_bound(memo.begin(), memo.end(), batch,
                                        [](const DecodePoint& p, int b) { return p.batch < b; });
            if (pos != memo.end() && pos->batch == batch) return &*pos;
            const auto mean = eval_one(batch, su.ctx_mean);
            if (!mean) return nullptr;
            DecodePoint p;
            p.batch = batch;
            p.tpot_mean = mean->tpot.value();
            p.tps_gpu = mean->tokens_per_s_per_gpu;
            p.tpot_sla = p.tpot_mean;
            p.step_sla = mean->step.value();
            p.step_mean = p.step_sla;
            if (su.ctx_sla != su.ctx_mean) {
                const auto at = eval_one(batch, su.ctx_sla);
                if (!at) return nullptr;
                p.tpot_sla = at->tpot.value();
                p.step_sla = at->step.value();
            }
            ++out.n.decode_points;
            return &*memo.insert(pos, p);
        };

        if (!point(1)) {
            if (out.diag.layout_reason.empty()) out.diag.layout_reason = network_reason;
            continue;
        }

        // Aggregated: prefill of this very layout, time-shared with decode.
        std::optional<PrefillEval> agg;
        int agg_cap = 0;
        Workload aw;  // aggregated GPUs also hold a prefill chunk's activations
        aw.context = su.ctx_mean;
        aw.prompt = std::max(1, static_cast<int>(std::lround(su.input_sla)));
        aw.prefill_chunk = su.sc->workload.prefill_chunk;
        if (sp.aggregated) {
            PrefillEval e = eval_prefill(su, cand, d, g.system, out.n, record_ ? &out.points : nullptr, false);
            if (e.ok) {
                // Shrink the batch until decode and a prefill chunk fit together.
                const auto fits = [&](int b) {
                    aw.batch = b;
                    ++out.n.evaluations;
                    return plan_memory(m, s, d, aw).fits;
                };
                int lo = 0, hi = cap + 1;  // fits(lo) (lo = 0: none), !fits(hi)
                if (fits(cap)) lo = cap;
                else {
                    while (hi - lo > 1) {
                        const int mid = lo + (hi - lo) / 2;
                        (fits(mid) ? lo : hi) = mid;
                    }
                }
                if (lo >= 1) {
                    agg = e;
                    agg_cap = lo;
                }
            }
        }
        const double gpus_d = d.nodes * s.gpus_per_node;

        struct AggFigures {
            double tpot_sla, tpot_mean, ttft_sla, ttft_mean, share, rps;
        };
        const auto agg_figures = [&](const DecodePoint& p) {
            const double rd = p.tps_gpu * gpus_d / su.output_mean;
            const double rp = agg->requests_per_s_per_gpu * gpus_d;
            const double rps = 1.0 / (1.0 / rd + 1.0 / rp);
            const double f = rps / rp;  // share of GPU time spent prefilling
            AggFigures a;
            a.tpot_sla = p.tpot_sla / (1 - f);
            a.tpot_mean = p.tpot_mean / (1 - f);
            a.ttft_sla = agg->ttft_sla + agg->chunks_sla * p.step_sla;
            a.ttft_mean = agg->ttft_mean + agg->chunks_mean * p.step_mean;
            a.share = f;
            a.rps = rps;
            return a;
        };
        const auto disagg_ok = [&](const DecodePoint& p) {
            return p.tpot_sla <= su.tpot_bound_sla && p.tpot_mean <= su.tpot_bound_mean;
        };
        const auto agg_ok = [&](const DecodePoint& p) {
            if (!agg || p.batch > agg_cap) return false;
            const AggFigures a = agg_figures(p);
            return a.tpot_sla <= su.tpot_bound_sla && a.tpot_mean <= su.tpot_bound_mean && a.ttft_sla <= su.ttft_bound;
        };

        // Batch grid, then bisection to the largest batch meeting the SLA.
        std::vector<int> grid;
        for (int b = 1; b < cap; b *= 2) grid.push_back(b);
        grid.push_back(cap);
        for (int b : grid) (void)point(b);
        const auto largest_ok = [&](const auto& ok, int limit) {
            int lo = 0, hi = 0;
            for (int b : grid) {
                if (b > limit) {
                    hi = b;
                    break;
                }
                const DecodePoint* p = point(b);
                if (p && ok(*p)) lo = b;
                else {
                    hi = b;
                    break;
                }
            }
            if (lo == 0) return;
            if (hi == 0) hi = std::min(cap, limit) + 1;
            hi = std::min(hi, limit + 1);
            while (hi - lo > 1) {
                const int mid = lo + (hi - lo) / 2;
                const DecodePoint* p = point(mid);
                ((p && ok(*p)) ? lo : hi) = mid;
            }
        };
        if (sp.disaggregated && !pre.empty()) largest_ok(disagg_ok, cap);
        if (agg) largest_ok(agg_ok, agg_cap);

        // Diagnostics at the smallest batch (lowest latency).
        {
            const DecodePoint& p1 = memo.front();
            const auto desc = [&](std::string_view mode) { return [&, mode] { return describe(s, d, 1, mode); }; };
            if (sp.disaggregated) {
                out.diag.tpot_sla.offer(p1.tpot_sla, desc("disaggregated decode"));
                out.diag.tpot_mean.offer(p1.tpot_mean, desc("disaggregated decode"));
                if (disagg_ok(p1)) out.diag.tpot_met = true;
            }
            if (agg) {
                const AggFigures a = agg_figures(p1);
                out.diag.tpot_sla.offer(a.tpot_sla, desc("aggregated"));
                out.diag.tpot_mean.offer(a.tpot_mean, desc("aggregated"));
                out.diag.ttft.offer(a.ttft_sla, desc("aggregated"));
                if (a.tpot_sla <= su.tpot_bound_sla && a.tpot_mean <= su.tpot_bound_mean) out.diag.tpot_met = true;
                if (a.ttft_sla <= su.ttft_bound) out.diag.ttft_met = true;
            }
        }

        // Plans from every evaluated batch that meets the SLA.
        std::optional<Plan> best_agg, best_dis;
        const auto base_plan = [&](ServingMode mode, const DecodePoint& p) {
            Plan pl;
            pl.system_index = g.system;
            pl.mode = mode;
            pl.weights = g.weights;
            pl.kv_cache = g.kv;
            pl.mtp_depth = d.mtp.depth;
            pl.mtp_acceptance = d.mtp.depth > 0 && !d.mtp.acceptance.empty() ? d.mtp.acceptance.front() : 0;
            pl.decode = pool_layout(d, s, p.batch);
            pl.decode.memory_per_gpu =
                mem1.total + (mem1.kv_cache + mem1.activations + mem1.comm_buffers) * (p.batch - 1.0);
            return pl;
        };
        const auto within_limits = [&](long long nodes, long long gpus, const std::function<std::string()>& desc) {
            if (nodes <= su.max_nodes && gpus <= su.max_gpus) return true;
            out.diag.gpus_needed.offer(static_cast<double>(gpus), desc);
            return false;
        };
        const auto offer = [&](std::optional<Plan>& best, Plan&& pl) {
            ++out.n.sla_plans;
            if (!best || plan_less(pl, *best)) best = pl;
            sla_plans.push_back(std::move(pl));
        };

        for (const DecodePoint& p : memo) {
            // ---- aggregated: `units` copies of this layout.
            if (agg && agg_ok(p)) {
                const AggFigures a = agg_figures(p);
                ++out.n.configurations;
                const long long units = su.demand ? units_for(*su.demand, a.rps) : 1;
                const long long nodes = units * d.nodes;
                const long long gpus = units * unit_gpus;
                const bool fabric = d.nodes > 1;
                const bool in_limits =
                    within_limits(nodes, gpus, [&] { return describe(s, d, p.batch, "aggregated"); });
                // Past here nodes <= max_nodes (an int), so the narrowing below is exact.
                if (in_limits && std::isfinite(table.per_hour(static_cast<int>(nodes), fabric))) {
                    Plan pl = base_plan(ServingMode::aggregated, p);
                    aw.batch = p.batch;
                    pl.decode.memory_per_gpu = plan_memory(m, s, d, aw).total;
                    ++out.n.evaluations;
                    pl.decode.units = static_cast<int>(units);
                    pl.gpus = static_cast<int>(gpus);
                    pl.nodes = static_cast<int>(nodes);
                    const double rps = su.demand ? *su.demand : a.rps;
                    pl.decode.utilisation = rps / (units * a.rps);
                    pl.tpot = seconds(a.tpot_sla);
                    pl.tpot_mean = seconds(a.tpot_mean);
                    pl.ttft = seconds(a.ttft_sla);
                    pl.ttft_mean = seconds(a.ttft_mean);
                    pl.tokens_per_s_per_user = 1.0 / a.tpot_mean;
                    pl.decode_output_tokens_per_s_per_node = a.rps * su.output_mean / d.nodes;
                    pl.prefill_input_tokens_per_s_per_node = a.rps * su.input_mean / d.nodes;
                    finish_plan(su, pl, rps, a.share);
                    offer(best_agg, std::move(pl));
                } else if (in_limits && out.diag.fabric_reason.empty()) {
                    out.diag.fabric_reason = table.at(static_cast<int>(nodes), fabric).fabric;
                }
            }
            // ---- disaggregated: this decode point with every prefill pool.
            if (sp.disaggregated && !pre.empty() && disagg_ok(p)) {
                const double rd = p.tps_gpu * gpus_d / su.output_mean;  // requests/s of one decode unit
                struct Choice {
                    double cpt = kInf;
                    double ttft = 0;
                    long long gpus = 0;
                    std::size_t pi = 0;
                    long long nd = 0, np = 0;
                    double rps = 0;
                } bestc;
                const auto consider = [&](std::size_t pi, long long nd, long long np) {
                    ++out.n.configurations;
                    const PrefillCand& pc = pre[pi];
                    const long long nodes = np * pc.layout.nodes + nd * d.nodes;
                    const long long gpus = nodes * s.gpus_per_node;
                    const double rps = su.demand ? *su.demand : std::min(np * pc.requests_per_s, nd * rd);
                    if (nodes > su.max_nodes || gpus > su.max_gpus) {
                        out.diag.gpus_needed.offer(static_cast<double>(gpus), [&] {
                            return fmt::format("{} prefill x {} + {} decode x {}", np, describe(s, d, 0, ""), nd,
                                               describe(s, d, p.batch, "disaggregated"));
                        });
                        return;
                    }
                    const double cost = table.per_hour(static_cast<int>(nodes), true);
                    if (!std::isfinite(cost)) {
                        if (out.diag.fabric_reason.empty())
                            out.diag.fabric_reason = table.at(static_cast<int>(nodes), true).fabric;
                        return;
                    }
                    const double cpt = cost / (rps * tokens_per_request * 3600) * 1e6;
                    const auto key = std::make_tuple(cpt, pc.ttft_sla, gpus, pi, nd, np);
                    const auto bkey = std::make_tuple(bestc.cpt, bestc.ttft, bestc.gpus, bestc.pi, bestc.nd, bestc.np);
                    if (key < bkey) bestc = Choice{cpt, pc.ttft_sla, gpus, pi, nd, np, rps};
                };
                for (std::size_t pi = 0; pi < pre.size(); ++pi) {
                    const PrefillCand& pc = pre[pi];
                    if (su.demand) {
                        const long long nd = units_for(*su.demand, rd);
                        long long np = units_for(*su.demand, pc.requests_per_s);
                        for (double r : sp.pd_ratios)
                            np = std::max(np, units_for(r * static_cast<double>(nd) * d.nodes, pc.layout.nodes));
                        consider(pi, nd, np);
                        continue;
                    }
                    for (int nd = 1; nd <= 8; ++nd) {
                        if (nd * d.nodes > su.max_nodes) break;
                        if (sp.pd_ratios.empty()) {
                            const double x = nd * rd / pc.requests_per_s;
                            // Saturated like units_for (a decode unit far faster than a prefill unit).
                            const double xs = std::min(x, static_cast<double>(kTooManyUnits));
                            const long long fl = static_cast<long long>(std::floor(xs + 1e-9));
                            const long long ce = static_cast<long long>(std::ceil(xs - 1e-9));
                            if (fl >= 1) consider(pi, nd, fl);
                            if (ce != fl) consider(pi, nd, std::max(1LL, ce));
                        } else {
                            for (double r : sp.pd_ratios)
                                consider(pi, nd, units_for(r * nd * d.nodes, pc.layout.nodes));
                        }
                    }
                }
                if (std::isfinite(bestc.cpt)) {
                    const PrefillCand& pc = pre[bestc.pi];
                    Plan pl = base_plan(ServingMode::disaggregated, p);
                    pl.decode.units = static_cast<int>(bestc.nd);  // within max_nodes: consider() checked
                    pl.prefill = pc.layout;
                    pl.prefill->units = static_cast<int>(bestc.np);
                    pl.prefill->utilisation = bestc.rps / (bestc.np * pc.requests_per_s);
                    pl.decode.utilisation = bestc.rps / (bestc.nd * rd);
                    pl.nodes = static_cast<int>(bestc.np * pc.layout.nodes + bestc.nd * d.nodes);
                    pl.gpus = static_cast<int>(bestc.gpus);
                    pl.tpot = seconds(p.tpot_sla);
                    pl.tpot_mean = seconds(p.tpot_mean);
                    pl.ttft = seconds(pc.ttft_sla);
                    pl.ttft_mean = seconds(pc.ttft_mean);
                    pl.kv_transfer = seconds(pc.kv_sla);
                    pl.tokens_per_s_per_user = 1.0 / p.tpot_mean;
                    pl.decode_output_tokens_per_s_per_node = rd * su.output_mean / d.nodes;
                    pl.prefill_input_tokens_per_s_per_node = pc.requests_per_s * su.input_mean / pc.layout.nodes;
                    const double prefill_nodes = bestc.np * pc.layout.nodes;
                    finish_plan(su, pl, bestc.rps, prefill_nodes / pl.nodes);
                    offer(best_dis, std::move(pl));
                }
            }
        }
        if (best_agg) out.best.push_back(*best_agg);
        if (best_dis) out.best.push_back(*best_dis);
    }
    std::sort(out.best.begin(), out.best.end(), plan_less);
    if (out.best.size() > top_) out.best.resize(top_);
    keep_fronts(sla_plans);
    out.fronts = std::move(sla_plans);
    return out;
}

}  // namespace
}  // namespace hwplan::model::planner

namespace hwplan::model::planner {

namespace {

template <class F>
void parallel_for(std::size_t n, int threads, Progress* progress, F f) {
    std::atomic<std::size_t> next{0};
    std::vector<std::exception_ptr> errors(n);
    const auto worker = [&] {
        for (;;) {
            const std::size_t i = next.fetch_add(1);
            if (i >= n) break;
            try {
                f(i);
            } catch (...) {
                errors[i] = std::current_exception();
            }
            if (progress) progress->done.fetch_add(1);
        }
    };
    const int extra = std::max(0, std::min<int>(threads, static_cast<int>(n)) - 1);
    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(extra));
    for (int t = 0; t < extra; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);  // the first failing item, whatever the thread count
}

std::string fmt_ms(double s) { return fmt::format("{:.3g} ms", s * 1e3); }

std::string target_text(const char* what, const LatencyTarget& t) {
    return fmt::format("{} {}{}", what, fmt_ms(t.value.value()),
                       t.percentile ? fmt::format(" (p{:g})", *t.percentile) : std::string(" (mean)"));
}

void explain_infeasible(const Scenario& sc, const Setup& su, const Diag& diag, PlanResult& r) {
    std::string systems;
    for (const auto& c : sc.systems) systems += (systems.empty() ? "" : ", ") + c.system.id;
    if (!diag.any_fits) {
        r.reason = fmt::format("no layout of {} fits in GPU memory on {} with up to {} nodes per unit{}", sc.model.id,
                               systems, std::max(su.decode_nodes.empty() ? 0 : su.decode_nodes.back(),
                                                 su.prefill_nodes.empty() ? 0 : su.prefill_nodes.back()),
                               diag.memory_reason.empty() ? std::string()
                                                          : " (largest tried: " + diag.memory_reason + ")");
        if (!diag.layout_reason.empty() && diag.memory_reason.empty()) r.reason += ": " + diag.layout_reason;
        r.reason_field = "systems";
        return;
    }
    const bool ttft_given = sc.sla.ttft.has_value();
    const std::string ttft_state =
        !ttft_given ? std::string("no TTFT target")
                    : (diag.ttft_met ? std::string("TTFT met")
                                     : fmt::format("TTFT not met either (best {})", fmt_ms(diag.ttft.value)));
    if (!diag.tpot_met) {
        if (diag.tpot_sla.value > su.tpot_bound_sla && sc.sla.tpot) {
            r.reason = fmt::format("no deployment reaches {}: best is {} ({}); {}", target_text("TPOT", *sc.sla.tpot),
                                   fmt_ms(diag.tpot_sla.value), diag.tpot_sla.where, ttft_state);
            r.reason_field = "sla.tpot";
        } else {
            r.reason = fmt::format("no deployment reaches {:g} tokens/s per user: best is {:.3g} ({}); {}",
                                   1.0 / su.tpot_bound_mean, 1.0 / diag.tpot_mean.value, diag.tpot_mean.where,
                                   ttft_state);
            r.reason_field = sc.sla.min_tokens_per_s_per_user ? "sla.min_tokens_per_s_per_user" : "sla.tpot";
        }
        return;
    }
    if (!diag.ttft_met) {
        if (ttft_given)
            r.reason = fmt::format("no deployment reaches {}: best is {} ({}); TPOT met",
                                   target_text("TTFT", *sc.sla.ttft), fmt_ms(diag.ttft.value), diag.ttft.where);
        else
            r.reason = "no prefill layout fits in memory" +
                       (diag.memory_reason.empty() ? std::string() : " (" + diag.memory_reason + ")");
        r.reason_field = "sla.ttft";
        return;
    }
    if (std::isfinite(diag.gpus_needed.value)) {
        r.reason = fmt::format(
            "the SLA and demand need at least {:.0f} GPUs ({}), more than the constraints allow (max_gpus {}, "
            "max_nodes {})",
            diag.gpus_needed.value, diag.gpus_needed.where,
            sc.constraints.max_gpus ? std::to_string(*sc.constraints.max_gpus) : std::string("none"),
            sc.constraints.max_nodes ? std::to_string(*sc.constraints.max_nodes) : std::to_string(su.max_nodes));
        r.reason_field = sc.constraints.max_gpus ? "constraints.max_gpus" : "constraints.max_nodes";
        return;
    }
    if (!diag.fabric_reason.empty()) {
        r.reason = "no scale-out fabric can connect the deployment: " + diag.fabric_reason;
        r.reason_field = "systems";
        return;
    }
    r.reason = fmt::format("TPOT and TTFT are each reachable but not by the same deployment (best TPOT {} on {}; "
                           "best TTFT {} on {})",
                           fmt_ms(diag.tpot_sla.value), diag.tpot_sla.where, fmt_ms(diag.ttft.value), diag.ttft.where);
    r.reason_field = "sla.ttft";
}

std::string fabric_text(const Setup& su, const Plan& p) {
    const CostTable& t = su.costs[static_cast<std::size_t>(p.system_index)];
    const bool fabric = p.mode == ServingMode::disaggregated || p.decode.nodes > 1;
    return t.at(p.nodes, fabric).fabric;
}

}  // namespace

PlanResult plan(const Scenario& sc, const PlanOptions& o) {
    validate(sc);
    const auto t0 = std::chrono::steady_clock::now();
    const Setup su = make_setup(sc);
    PlanResult res;
    res.decode_context_mean = su.ctx_mean;
    res.decode_context_sla = su.ctx_sla;
    res.input_tokens_sla = su.input_sla;
    const int threads = o.threads > 0 ? o.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    res.stats.threads = threads;

    std::vector<Group> groups;
    for (int i = 0; i < static_cast<int>(sc.systems.size()); ++i)
        for (DType w : su.weights)
            for (DType kv : su.kvs) groups.push_back(Group{i, w, kv});

    std::vector<std::pair<int, PrefillItem>> pitems;
    if (sc.search.disaggregated)
        for (int gi = 0; gi < static_cast<int>(groups.size()); ++gi)
            for (int nodes : su.prefill_nodes)
                for (Overlap ov : su.overlaps) pitems.push_back({gi, PrefillItem{gi, nodes, ov}});
    std::vector<DecodeItem> ditems;
    for (int gi = 0; gi < static_cast<int>(groups.size()); ++gi)
        for (int mi = 0; mi < static_cast<int>(su.mtps.size()); ++mi)
            for (Overlap ov : su.overlaps)
                for (int nodes : su.decode_nodes) ditems.push_back(DecodeItem{gi, mi, ov, nodes});
    if (o.progress) {
        o.progress->done.store(0);
        o.progress->total.store(pitems.size() + ditems.size());
    }

    Diag diag;
    Counters n;
    const auto add = [&](const Counters& c) {
        n.evaluations += c.evaluations;
        n.configurations += c.configurations;
        n.layouts += c.layouts;
        n.pruned += c.pruned;
        n.decode_points += c.decode_points;
        n.sla_plans += c.sla_plans;
    };

    // Phase 1: prefill pools (disaggregated), per group.
    std::vector<PrefillResult> presults(pitems.size());
    parallel_for(pitems.size(), threads, o.progress, [&](std::size_t i) {
        presults[i] = run_prefill_item(su, groups[static_cast<std::size_t>(pitems[i].first)], pitems[i].second,
                                       o.record_points);
    });
    std::vector<std::vector<PrefillCand>> prefill(groups.size());
    for (std::size_t i = 0; i < pitems.size(); ++i) {
        auto& v = prefill[static_cast<std::size_t>(pitems[i].first)];
        v.insert(v.end(), presults[i].cands.begin(), presults[i].cands.end());
        diag.merge(presults[i].diag);
        add(presults[i].n);
        if (o.record_points)
            res.points.insert(res.points.end(), std::make_move_iterator(presults[i].points.begin()),
                              std::make_move_iterator(presults[i].points.end()));
    }
    presults.clear();
    for (auto& v : prefill) v = prune_prefill(std::move(v));

    // Phase 2: decode / aggregated units, composed with the prefill pools.
    const DecodeRunner runner(su, groups, prefill, std::max<std::size_t>(o.top, 1), o.record_points);
    std::vector<ItemResult> dresults(ditems.size());
    parallel_for(ditems.size(), threads, o.progress, [&](std::size_t i) { dresults[i] = runner.run(ditems[i]); });

    std::vector<Plan> best, fronts;
    for (auto& r : dresults) {
        diag.merge(r.diag);
        add(r.n);
        best.insert(best.end(), std::make_move_iterator(r.best.begin()), std::make_move_iterator(r.best.end()));
        fronts.insert(fronts.end(), std::make_move_iterator(r.fronts.begin()), std::make_move_iterator(r.fronts.end()));
        if (o.record_points)
            res.points.insert(res.points.end(), std::make_move_iterator(r.points.begin()),
                              std::make_move_iterator(r.points.end()));
    }
    dresults.clear();

    std::sort(best.begin(), best.end(), plan_less);
    if (best.size() > o.top) best.resize(o.top);
    const auto tie = [&](std::size_t a, std::size_t b) { return plan_less(fronts[a], fronts[b]); };
    for (std::size_t i : pareto_front(
             fronts.size(), [&](std::size_t i) { return fronts[i].cost_per_mtok_usd; },
             [&](std::size_t i) { return fronts[i].tpot.value(); }, tie))
        res.pareto.push_back(fronts[i]);
    for (std::size_t i : pareto_front(
             fronts.size(), [&](std::size_t i) { return -fronts[i].output_tokens_per_s_per_gpu; },
             [&](std::size_t i) { return -fronts[i].tokens_per_s_per_user; }, tie))
        res.pareto_throughput.push_back(fronts[i]);
    res.plans = std::move(best);
    for (auto* list : {&res.plans, &res.pareto, &res.pareto_throughput})
        for (Plan& p : *list) {
            p.system = sc.systems[static_cast<std::size_t>(p.system_index)].system.id;
            p.fabric = fabric_text(su, p);
        }

    res.feasible = !res.plans.empty();
    if (!res.feasible) explain_infeasible(sc, su, diag, res);

    res.stats.configurations = n.configurations;
    res.stats.model_evaluations = n.evaluations;
    res.stats.layouts = n.layouts;
    res.stats.layouts_memory_pruned = n.pruned;
    res.stats.decode_points = n.decode_points;
    res.stats.plans_meeting_sla = n.sla_plans;
    res.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return res;
}

}  // namespace hwplan::model::planner

#include "model/validation/validation.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "model/dtype.hpp"
#include "model/ep_comm.hpp"
#include "model/error.hpp"
#include "model/flops_per_token.hpp"
#include "model/kernel_costs.hpp"
#include "model/kv_cache.hpp"
#include "model/layout.hpp"
#include "model/memory_plan.hpp"
#include "model/mtp.hpp"
#include "model/param_count.hpp"
#include "model/serving/closed_loop.hpp"
#include "model/topology/cost_model.hpp"
#include "model/topology/paper_tables.hpp"
#include "model/validation/row_evaluators.hpp"

namespace hwplan::model::validation {

std::string_view to_string(ReferenceKind k) {
    switch (k) {
        case ReferenceKind::measurement: return "measurement";
        case ReferenceKind::deployment_report: return "deployment_report";
        case ReferenceKind::paper_calculation: return "paper_calculation";
        case ReferenceKind::specification: return "specification";
    }
    return "measurement";
}

std::string_view to_string(BoundKind b) {
    switch (b) {
        case BoundKind::none: return "none";
        case BoundKind::upper: return "upper";
        case BoundKind::lower: return "lower";
    }
    return "none";
}

std::string_view to_string(Method m) {
    switch (m) {
        case Method::analytic: return "analytic";
        case Method::paper: return "paper";
        case Method::realistic: return "realistic";
    }
    return "analytic";
}

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string expected_unit(std::string_view q) {
    // "tokens_per_s" as a whole word ("output_tokens_per_sample_mean" is not a rate).
    for (std::size_t at = q.find("tokens_per_s"); at != std::string_view::npos; at = q.find("tokens_per_s", at + 1)) {
        const std::size_t next = at + std::string_view("tokens_per_s").size();
        if (next == q.size() || q[next] == '_') return "tokens/s";
    }
    static const std::pair<std::string_view, std::string_view> suffixes[] = {
        {"_us", "us"},       {"_ms", "ms"},         {"_ns", "ns"},   {"_gbps", "GB/s"}, {"_tbps", "TB/s"},
        {"_tflops", "TFLOP/s"}, {"_kb", "KB (1000 B)"}, {"_pct", "%"}, {"_musd", "M$"},   {"_kusd", "k$"},
        {"_speedup", "x"},   {"_s", "s"}};
    for (const auto& [suffix, unit] : suffixes)
        if (ends_with(q, suffix)) return std::string(unit);
    return {};
}

const std::vector<std::string>& known_units() {
    static const std::vector<std::string> units{
        "us", "ms", "ns", "s", "days", "tokens/s", "GB/s", "TB/s", "TFLOP/s", "TFLOP/s per GPU", "GFLOP/token",
        "FLOP", "KB (1000 B)", "%", "x", "M$", "k$", "USD", "USD/day", "USD/GPU-hour", "USD per 1M input tokens",
        "USD per 1M output tokens", "count", "nodes", "GPUs", "SMs", "ranks", "tokens", "requests",
        "B parameters", "B tokens", "B tokens/day", "T tokens", "H800 GPU-hours", "H100-80GB GPU-hours"};
    return units;
}

namespace {

// ------------------------------------------------------------------ helpers

// Thrown by an evaluator when the row cannot be predicted; becomes
// "not modelled" with the message.
struct NotModelled {
    std::string reason;
};

[[noreturn]] void not_modelled(std::string reason) { throw NotModelled{std::move(reason)}; }

struct Prediction {
    double value = 0;
    Method method = Method::analytic;
    std::string basis;
};

// The steps a serving evaluator ran, for RowResult::breakdown.
struct StepRecord {
    std::optional<Breakdown> decode, prefill;
};

double need_number(const Reference& r, std::string_view key) {
    if (auto v = r.number(key)) return *v;
    const Condition* c = r.condition(key);
    if (c && c->type == Condition::Type::null) not_modelled(fmt::format("conditions.{} not stated in the source", key));
    if (c) not_modelled(fmt::format("conditions.{} is not a number ('{}')", key, c->text));
    not_modelled(fmt::format("needs conditions.{}", key));
}

std::string need_text(const Reference& r, std::string_view key) {
    if (auto v = r.text(key)) return *v;
    not_modelled(fmt::format("needs conditions.{}", key));
}

int whole(double v, std::string_view key) {
    if (!(v >= 1) || v > 1e9 || v != std::floor(v))
        not_modelled(fmt::format("conditions.{} = {} is not a positive whole number", key, v));
    return static_cast<int>(v);
}

std::optional<int> optional_whole(const Reference& r, std::string_view key) {
    if (auto v = r.number(key)) return whole(*v, key);
    return std::nullopt;
}

ModelArch resolve_model(const Catalog& c, const std::string& id) {
    try {
        return c.model(id);
    } catch (const Error& e) {
        not_modelled("model: " + e.message());
    }
}

System resolve_system(const Catalog& c, const std::string& id) {
    try {
        return c.system(id);
    } catch (const Error& e) {
        not_modelled("hardware: " + e.message());
    }
}

Gpu resolve_gpu(const Catalog& c, const std::string& id) {
    try {
        return c.gpu(id);
    } catch (const Error& e) {
        not_modelled("gpu: " + e.message());
    }
}

// Reference dtype spellings ("fp8_e4m3", "nvfp4", "fp8 (656 B per token
// with scales)") -> hwplan dtype names; empty when absent.
std::string dtype_word(const Reference& r, std::string_view key) {
    auto t = r.text(key);
    if (!t) return {};
    std::string s = *t;
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (s.rfind("nvfp4", 0) == 0 || s.rfind("mxfp4", 0) == 0 || s.rfind("fp4", 0) == 0) return "fp4";
    if (s.rfind("fp8", 0) == 0) return "fp8";
    for (const char* w : {"bf16", "fp16", "fp32", "int8", "int4"})
        if (s.rfind(w, 0) == 0) return w;
    not_modelled(fmt::format("conditions.{} '{}' is not a dtype hwplan models", key, *t));
}

DType need_dtype(const Reference& r, std::string_view key, DType fallback) {
    const std::string w = dtype_word(r, key);
    if (w.empty()) return fallback;
    return *dtype_from_string(w);
}

// ------------------------------------------------------------------ analytic

Prediction kv_per_token(const Reference& r, const Catalog& c) {
    const ModelArch m = resolve_model(c, need_text(r, "model"));
    const DType kv = need_dtype(r, "kv_dtype", DType::bf16);
    return {kv_bytes_per_token(m, kv).value() / 1000.0, Method::analytic,
            fmt::format("kv_bytes_per_token({}, {})", m.id, to_string(kv))};
}

Prediction kv_ratio(const Reference& r, const Catalog& c) {
    const ModelArch m = resolve_model(c, need_text(r, "model"));
    const ModelArch base = resolve_model(c, need_text(r, "baseline_model"));
    const DType kv = need_dtype(r, "kv_dtype", DType::bf16);
    return {kv_bytes_per_token(m, kv).value() / kv_bytes_per_token(base, kv).value(), Method::analytic,
            fmt::format("KV/token {} / {}", m.id, base.id)};
}

Prediction params(const Reference& r, const Catalog& c, bool active) {
    const ModelArch m = resolve_model(c, need_text(r, "model"));
    const ParamCount p = count_params(m);
    return {(active ? p.active : p.total) / 1e9, Method::analytic,
            fmt::format("count_params({}).{}", m.id, active ? "active" : "total")};
}

Prediction train_flops(const Reference& r, const Catalog& c) {
    const ModelArch m = resolve_model(c, need_text(r, "model"));
    // The paper does not state the sequence length of Table 2; hwplan's
    // convention (DESIGN.md) is 4096 with causal attention. Said in `basis`.
    double seq = 4096;
    std::string assumed = " (seq_len not stated: 4096 assumed, DESIGN.md)";
    if (auto s = r.number("seq_len")) {
        seq = *s;
        assumed.clear();
    }
    return {train_flops_per_token(m, seq).value() / 1e9, Method::analytic,
            fmt::format("train_flops_per_token({}, {}){}", m.id, seq, assumed)};
}

// The paper's Table 3 fabrics: the lineup is rebuilt from the radix and the
// counts come from the topology formulas, not from the printed table.
Prediction table3(const Reference& r, std::string_view what) {
    const std::string topo = need_text(r, "topology");
    const int radix = r.number("radix") ? whole(*r.number("radix"), "radix")
                                        : whole(need_number(r, "switch_radix"), "switch_radix");
    const int tiers = optional_whole(r, "tiers").value_or(0);
    std::string label;
    if (topo == "fat_tree") label = tiers == 3 ? "FT3" : tiers == 2 ? "FT2" : "";
    else if (topo == "mpft") label = "MPFT";
    else if (topo == "slim_fly") label = "SF";
    else if (topo == "dragonfly") label = "DF";
    if (label.empty()) not_modelled(fmt::format("topology '{}' (tiers {}) is not in hwplan's fabric lineup", topo, tiers));
    std::vector<topology::FabricLineupRow> lineup;
    try {
        lineup = topology::table3_lineup(radix);
    } catch (const Error& e) {
        not_modelled("radix: " + e.message());
    }
    auto it = std::find_if(lineup.begin(), lineup.end(), [&](const auto& row) { return row.label == label; });
    if (it == lineup.end()) not_modelled("no " + label + " fabric at radix " + std::to_string(radix));
    if (auto planes = r.number("planes")) {
        if (label == "MPFT" && *planes != 8)
            not_modelled("hwplan's MPFT lineup has 8 planes, the row " + fmt::format("{}", *planes));
    }
    const topology::TopologySize s = topology::size(it->spec);
    const std::string spec = topology::describe(it->spec);
    if (what == "endpoints" || what == "max_endpoints")
        return {static_cast<double>(s.endpoints), Method::analytic, spec + " endpoints"};
    if (what == "switches") return {static_cast<double>(s.switches), Method::analytic, spec + " switches"};
    if (what == "switch_links") return {static_cast<double>(s.switch_links), Method::analytic, spec + " switch links"};
    // Costs: the per-element prices are fitted to Table 3 itself (the paper
    // gives none), so these rows check the fit, not an independent model.
    const topology::FabricPrices prices = topology::fit_paper_prices().prices;
    if (what == "network_cost_musd")
        return {topology::fabric_cost_usd(s, prices) / 1e6, Method::analytic,
                spec + " cost, prices fitted to Table 3 (not independent)"};
    return {topology::cost_per_endpoint_usd(s, prices) / 1e3, Method::analytic,
            spec + " cost/endpoint, prices fitted to Table 3 (not independent)"};
}

// ------------------------------------------------------------------ paper mode

// The paper's sec. 2.3.2 bound from the row's own inputs: tokens per GPU,
// experts per token, hidden ("7K" = 7000), wire dtypes, link bandwidth.
PaperEp paper_mode(const Reference& r, const Catalog& c, std::string* basis) {
    const ModelArch m = resolve_model(c, need_text(r, "model"));
    PaperEpInputs in;
    in.tokens = need_number(r, "tokens_per_gpu");
    in.experts_per_token = need_number(r, "experts_per_token");
    in.hidden = need_number(r, "hidden");
    in.bandwidth = gigabytes_per_second(need_number(r, "bandwidth_gbps"));
    in.dispatch_bytes = bytes_per_element(need_dtype(r, "dispatch_dtype", DType::fp8));
    in.combine_bytes = bytes_per_element(need_dtype(r, "combine_dtype", DType::bf16));
    in.layers = optional_whole(r, "layers").value_or(m.layers);
    in.micro_batches = 2;
    *basis = fmt::format("paper_ep: ({} B + {} B) x {} tokens x {} x {} / {} GB/s, {} layers, {} micro-batches",
                         in.dispatch_bytes, in.combine_bytes, in.tokens, in.experts_per_token, in.hidden,
                         to_gbps(in.bandwidth), in.layers, in.micro_batches);
    try {
        return paper_ep(in);
    } catch (const Error& e) {
        not_modelled("paper_ep: " + std::string(e.what()));
    }
}

Prediction paper_row(const Reference& r, const Catalog& c) {
    std::string basis;
    const PaperEp p = paper_mode(r, c, &basis);
    const std::string& q = r.quantity;
    if (q == "ep_comm_time_us") return {to_us(p.comm), Method::paper, basis};
    if (q == "layer_time_us") return {to_us(p.layer), Method::paper, basis};
    if (q == "tpot_ms") return {to_ms(p.step), Method::paper, basis};
    if (q == "output_tokens_per_s_per_user") return {p.tokens_per_s, Method::paper, basis};
    not_modelled("no paper-mode evaluator for " + q);
}

// MTP speed-up of the per-user speed at the row's acceptance (midpoint of a
// published range): the paper's model, tokens per step grow, step unchanged.
Prediction mtp_speedup(const Reference& r) {
    const int depth = whole(need_number(r, "mtp_depth"), "mtp_depth");
    const Condition* a = r.condition("mtp_acceptance_pct");
    double pct = 0;
    if (a && a->type == Condition::Type::number) pct = a->number;
    else if (a && a->type == Condition::Type::list && a->numbers.size() == 2) pct = (a->numbers[0] + a->numbers[1]) / 2;
    else not_modelled("needs conditions.mtp_acceptance_pct");
    MultiTokenPrediction mtp{depth, {pct / 100}};
    return {expected_tokens_per_step(mtp), Method::paper,
            fmt::format("expected_tokens_per_step(depth {}, acceptance {} %), step time unchanged", depth, pct)};
}

// ------------------------------------------------------------------ EP kernels

// DeepEP's benchmark: `tokens_per_gpu` tokens of `hidden` per GPU, top-k over
// 256 experts (DeepEP's test setting), on the row's system and node count.
Prediction deepep(const Reference& r, const Catalog& c, const Options& o) {
    const std::string engine = r.text("engine").value_or("");
    EpAlgorithm algorithm;
    if (engine.find("low-latency") != std::string::npos) algorithm = EpAlgorithm::direct;
    else if (engine.find("normal") != std::string::npos) algorithm = EpAlgorithm::forwarding;
    else not_modelled("engine '" + engine + "': only DeepEP V1 normal / low-latency kernels are modelled");
    const System s = resolve_system(c, need_text(r, "hardware"));
    const int ep = whole(need_number(r, "ep"), "ep");
    const int nodes = whole(need_number(r, "nodes"), "nodes");
    if (ep > nodes * s.gpus_per_node) not_modelled("ep larger than the GPUs of the nodes");
    EpGroup g;
    g.ep = ep;
    g.domain_ranks = std::min(ep, s.scale_up_domain);
    g.routed_experts = optional_whole(r, "routed_experts").value_or(256);
    g.top_k = whole(need_number(r, "top_k"), "top_k");
    g.hidden = need_number(r, "hidden");
    // Normal kernels' test limits a token to topk_groups nodes (groups = nodes);
    // the low-latency test routes freely.
    if (auto tg = r.number("topk_groups"); tg && algorithm == EpAlgorithm::forwarding && nodes > *tg) {
        g.node_limited = true;
        g.groups = nodes;
        g.topk_groups = whole(*tg, "topk_groups");
    }
    Precisions p;
    p.dispatch = need_dtype(r, "dispatch_dtype", DType::fp8);
    p.combine = need_dtype(r, "combine_dtype", DType::bf16);
    const Bytes dmsg = bytes(dispatch_bytes_per_element(p) * g.hidden);
    const Bytes cmsg = bytes(combine_bytes_per_element(p) * g.hidden);
    const EpLinks links = ep_links(s, o.step.efficiencies);
    const double tokens = need_number(r, "tokens_per_gpu");
    const EpExchange x = ep_exchange(g, links, tokens, dmsg, cmsg, algorithm);
    const std::string basis = fmt::format("ep_exchange({}, ep {}, {} node(s), {} tokens/GPU, top-{} of {})",
                                          to_string(algorithm), ep, nodes, tokens, g.top_k, g.routed_experts);
    const std::string& q = r.quantity;
    const bool dispatch = q.find("dispatch") != std::string::npos;
    const EpPass& pass = dispatch ? x.dispatch : x.combine;
    if (ends_with(q, "_latency_us")) return {to_us(pass.time), Method::realistic, basis};
    const double t = pass.time.value();
    if (!(t > 0)) not_modelled("zero transfer time");
    if (q.find("_rdma_bw_") != std::string::npos)
        // DeepEP's low-latency bandwidth: every (token, expert) message's
        // bytes over the kernel time (the kernels send them all over RDMA).
        return {tokens * g.messages_per_token() * (dispatch ? dmsg : cmsg).value() / t / 1e9, Method::realistic,
                basis + "; tokens x top-k x message bytes / time"};
    // Normal kernels: DeepEP reports the bottleneck link's bytes / time.
    const bool nvlink = nodes == 1;
    return {(nvlink ? pass.nvlink.value() : pass.rdma.value()) / t / 1e9, Method::realistic,
            basis + (nvlink ? "; NVLink bytes / time" : "; RDMA bytes / time")};
}

// ------------------------------------------------------------------ kernels

Prediction gemm(const Reference& r, const Catalog& c, const Options& o) {
    const std::string kernel = r.text("kernel").value_or("");
    if (kernel.find("gemm") == std::string::npos) not_modelled("not a GEMM row");
    const Gpu gpu = resolve_gpu(c, need_text(r, "gpu"));
    const DType w = need_dtype(r, "b_dtype", DType::bf16);
    double groups = 1, m = 0;
    if (r.number("m_per_group")) {
        groups = need_number(r, "groups");
        m = need_number(r, "m_per_group") * groups;
    } else {
        if (!r.number("m")) not_modelled("peak figure without a GEMM shape (m, n, k)");
        m = need_number(r, "m");
    }
    const GemmShape shape{m, need_number(r, "n"), need_number(r, "k"), w, groups};
    const auto k = KernelCostModel::for_gpu(gpu, o.step.efficiencies, 0);
    const KernelCost cost = k.gemm(shape);
    // Kernel benchmarks (DeepGEMM's bench_kineto, CUTLASS profiler) time
    // the kernel itself: its pipeline fill counts, the launch and the gap to
    // the next kernel in a step (KernelCost::overhead) do not.
    const double t = cost.time.value();
    if (!(t > 0)) not_modelled(gpu.id + " has no peak for " + std::string(to_string(w)));
    const std::string basis = fmt::format("KernelCostModel::gemm(m {}, n {}, k {}, groups {}, {}), kernel time",
                                          m, shape.n, shape.k, groups, to_string(w));
    if (r.quantity == "gemm_tflops") return {cost.flops.value() / t / 1e12, Method::realistic, basis};
    return {cost.bytes.value() / t / 1e9, Method::realistic, basis};
}

// ------------------------------------------------------------------ links

// Link bandwidths of the row's system from hwdb, nominal or times the
// default efficiency. The defaults eta_nvlink = eta_rdma = 0.80 were taken
// from the paper's "160 of 200" / "~40 of 50 GB/s": those rows check the
// defaults against their own source (said in `basis`).
Prediction link_bandwidth(const Reference& r, const Catalog& c, const Options& o) {
    const System s = resolve_system(c, need_text(r, "hardware"));
    const std::string& q = r.quantity;
    const double up = to_gbps(s.scale_up_bandwidth_per_gpu());
    const double out = to_gbps(s.scale_out_bandwidth_per_gpu());
    const Efficiencies& e = o.step.efficiencies;
    if (q == "nvlink_bw_unidir_per_gpu_gbps") return {up, Method::analytic, s.id + " scale-up per GPU per direction"};
    if (q == "nvlink_bw_bidir_per_gpu_gbps") return {2 * up, Method::analytic, s.id + " scale-up per GPU, both directions"};
    if (q == "nic_bw_per_gpu_gbps") {
        if (!(out > 0)) not_modelled(s.id + " has no scale-out NIC");
        return {out, Method::analytic, s.id + " scale-out per GPU"};
    }
    if (q == "nvlink_bw_achieved_per_gpu_gbps")
        return {up * e.nvlink, Method::realistic,
                fmt::format("{} scale-up x eta_nvlink {} (default taken from this figure; not independent)", s.id,
                            e.nvlink)};
    if (!(out > 0)) not_modelled(s.id + " has no scale-out NIC");
    return {out * e.rdma, Method::realistic,
            fmt::format("{} scale-out x eta_rdma {} (default taken from this figure; not independent)", s.id, e.rdma)};
}

// FlashMLA decode: the KV read runs at HBM x eta_attention_memory, whose
// default is FlashMLA's own 3000 GB/s on H800 (not independent).
Prediction attention_read(const Reference& r, const Catalog& c, const Options& o) {
    const Gpu gpu = resolve_gpu(c, need_text(r, "gpu"));
    if (r.text("kernel").value_or("").find("dense") == std::string::npos)
        not_modelled("sparse attention kernels are not modelled");
    return {to_gbps(gpu.memory_bandwidth) * o.step.efficiencies.attention_memory, Method::realistic,
            fmt::format("{} HBM x eta_attention_memory {} (default taken from this figure; not independent)", gpu.id,
                        o.step.efficiencies.attention_memory)};
}

// ------------------------------------------------------------------ serving

int positive_tokens(double v, std::string_view key) { return whole(v, key); }

struct Serving {
    Setup setup;
    int gpus = 1;           // GPUs of the deployment
    int gpus_per_node = 1;  // of the row's hardware, for per-node figures
    int input = 0, output = 0;
    bool batch_stated = true;
    std::string basis;
    StepRecord* record = nullptr;  // where run_decode / run_prefill leave their breakdowns
};

Serving serving_setup(const Reference& r, const Catalog& c, const Options& o) {
    Serving sv;
    SetupRequest q;
    q.model = need_text(r, "model");
    const std::string hardware = need_text(r, "hardware");
    const System sys = resolve_system(c, hardware);
    sv.gpus_per_node = sys.gpus_per_node;
    q.tp = optional_whole(r, "tp");
    q.pp = optional_whole(r, "pp");
    q.ep = optional_whole(r, "ep");
    if (auto dp = r.number("dp")) q.dp = whole(*dp, "dp");
    if (r.text("attention").value_or("") == "dp_attention" || r.text("attention_dp").value_or("") == "true")
        q.tp = q.tp.value_or(1);
    int gpus = 0;
    if (auto n = r.number("gpus")) gpus = whole(*n, "gpus");
    else if (auto nodes = r.number("nodes")) gpus = whole(*nodes, "nodes") * sys.gpus_per_node;
    else if (q.tp || q.ep) gpus = std::max(q.tp.value_or(1) * q.pp.value_or(1), q.ep.value_or(1));
    else not_modelled("needs conditions.gpus or nodes (how many GPUs)");
    if (gpus % sys.gpus_per_node == 0) {
        q.system = hardware;
        q.nodes = gpus / sys.gpus_per_node;
    } else {
        // Fewer GPUs than a node: one box of that many GPUs (`--gpu`).
        q.gpu = sys.gpu.id;
        const int tp = q.tp.value_or(1), pp = q.pp.value_or(1);
        if (gpus % (tp * pp) != 0) not_modelled(fmt::format("{} GPUs do not divide into tp {} x pp {}", gpus, tp, pp));
        q.dp = gpus / (tp * pp);
    }
    sv.gpus = gpus;
    q.weights = dtype_word(r, "weight_dtype");
    q.kv = dtype_word(r, "kv_dtype");
    q.dispatch = dtype_word(r, "dispatch_dtype");
    q.combine = dtype_word(r, "combine_dtype");
    if (auto red = r.number("redundant_experts")) q.redundant_experts = static_cast<int>(*red);
    if (auto in = r.number("input_len")) sv.input = positive_tokens(*in, "input_len");
    if (auto out = r.number("output_len")) sv.output = positive_tokens(*out, "output_len");
    q.prompt = sv.input;
    // Decode context: the stated KV length, else the mean over the generation.
    if (auto ctx = r.number("context_len")) q.context = positive_tokens(*ctx, "context_len");
    else if (sv.input > 0) q.context = sv.input + sv.output / 2;
    const int tp = q.tp.value_or(1), pp = q.pp.value_or(1);
    const int dp = q.dp.value_or(std::max(1, gpus / (tp * pp)));
    if (auto b = r.number("batch_per_gpu")) q.batch = whole(*b, "batch_per_gpu") * tp;
    else if (auto b2 = r.number("batch_per_dp")) q.batch = whole(*b2, "batch_per_dp");
    else if (auto cc = r.number("concurrency")) q.batch = std::max(1, whole(*cc, "concurrency") / dp);
    else if (auto bt = r.number("batch")) q.batch = std::max(1, whole(*bt, "batch") / dp);
    else sv.batch_stated = false;
    try {
        sv.setup = c.setup(q);
    } catch (const Error& e) {
        not_modelled("layout: " + std::string(e.what()));
    }
    Deployment& d = sv.setup.deployment;
    if (auto depth = r.number("mtp_depth"); depth && *depth > 0) {
        const Condition* a = r.condition("mtp_acceptance_pct");
        double pct = 0;
        if (a && a->type == Condition::Type::number) pct = a->number;
        else if (a && a->type == Condition::Type::list && a->numbers.size() == 2)
            pct = (a->numbers[0] + a->numbers[1]) / 2;
        else not_modelled("MTP without a stated acceptance rate");
        d.mtp = {whole(*depth, "mtp_depth"), {pct / 100}};
    }
    if (auto sms = r.number("sms_for_communication")) d.comm_sms = static_cast<int>(*sms);
    if (auto ov = r.text("overlap")) {
        if (*ov == "none") d.overlap = Overlap::none;
        else if (*ov == "perfect") d.overlap = Overlap::paper_ideal;
    }
    if (auto hit = r.number("cache_hit_rate_pct")) sv.setup.workload.prefix_hit_rate = *hit / 100;
    if (auto chunk = r.number("tokens_per_gpu"); chunk && r.text("phase").value_or("") == "prefill")
        sv.setup.workload.prefill_chunk = whole(*chunk, "tokens_per_gpu");
    (void)o;
    sv.basis = fmt::format("{} on {} GPU(s) of {} (tp{} dp{} ep{} pp{}), batch {}/replica, context {}",
                           sv.setup.model.id, sv.gpus, hardware, d.tp, d.dp, d.ep, d.pp, sv.setup.workload.batch,
                           sv.setup.workload.context);
    return sv;
}

// The largest batch whose KV cache fits (plan_memory), capped at 4096
// sequences: a max-throughput benchmark that does not state its batch.
void memory_limited_batch(Serving& sv) {
    Workload w = sv.setup.workload;
    w.batch = 1;
    const MemoryPlan plan = plan_memory(sv.setup.model, sv.setup.system, sv.setup.deployment, w);
    if (plan.max_batch < 1) not_modelled("batch not stated and not even one sequence fits: " + plan.reason);
    sv.setup.workload.batch = std::min(plan.max_batch, 4096);
    sv.basis += fmt::format(" (batch not stated: KV-limited max {} capped at 4096)", plan.max_batch);
}

DecodeStep run_decode(const Serving& sv, const Options& o) {
    const Setup& s = sv.setup;
    DecodeStep st = decode_step(s.model, s.system, s.deployment, s.workload, o.step);
    if (!st.feasible) not_modelled("decode infeasible: " + st.reason);
    if (sv.record) sv.record->decode = st.breakdown;
    return st;
}

PrefillStep run_prefill(const Serving& sv, const Options& o, int prompt) {
    Workload w = sv.setup.workload;
    w.prompt = prompt;
    PrefillStep st = prefill(sv.setup.model, sv.setup.system, sv.setup.deployment, w, o.step);
    if (!st.feasible) not_modelled("prefill infeasible: " + st.reason);
    if (sv.record) sv.record->prefill = st.breakdown;
    return st;
}

// A fixed-concurrency benchmark row (NIM / genai-perf `--concurrency`, vllm
// bench serve `--max-concurrency`): C clients with the stated prompt and
// output lengths on the row's deployment, predicted by the closed-loop model
// (model/serving/closed_loop.hpp: queueing behind other prefills, chunked
// prefill stretching the decoders' steps, KV-slot admission), mean figures as
// the tools report them. Chunk: `hwplan serve`'s default, 8192 tokens
// (TensorRT-LLM's default max_num_tokens per iteration; the NIM rows do not
// state theirs); KV slots: what HBM holds. Other rows fall through (nullopt).
std::optional<Prediction> closed_loop_row(const Reference& r, const Serving& sv, const Options& o) {
    const auto cc = r.number("concurrency");
    const std::string& q = r.quantity;
    const bool known = q == "ttft_ms" || q == "ttft_s" || q == "itl_ms" || q == "tpot_ms" ||
                       q == "output_tokens_per_s_total" || q == "output_tokens_per_s_per_user" ||
                       q == "input_tokens_per_s";
    if (!cc || !known || sv.input <= 0 || sv.output <= 0) return std::nullopt;
    model::serving::ServingInputs in;
    in.model = sv.setup.model;
    in.system = sv.setup.system;
    in.decode = sv.setup.deployment;
    in.step = o.step;
    in.kv_hit_rate = sv.setup.workload.prefix_hit_rate;
    in.input.points = {static_cast<double>(sv.input)};
    in.output.points = {static_cast<double>(sv.output)};
    model::serving::StepTimes st;
    try {
        st = model::serving::build_step_times(in);
    } catch (const Error& e) {
        not_modelled("closed loop: " + std::string(e.what()));
    }
    const int clients = whole(*cc, "concurrency");
    const model::serving::ClosedLoopResult a = model::serving::closed_loop(st, {clients, 1, in.input, in.output});
    const std::string basis =
        fmt::format("{} on {} GPU(s) (tp{} dp{} ep{} pp{}), closed loop: {} clients, {}/{} tokens, chunk {}, "
                    "KV slots {} per replica ({}), decode batch {:.1f}, {:.2f} prompts prefilling{}",
                    sv.setup.model.id, sv.gpus, sv.setup.deployment.tp, sv.setup.deployment.dp,
                    sv.setup.deployment.ep, sv.setup.deployment.pp, clients, sv.input, sv.output, st.chunk,
                    st.max_batch, st.batch_limit, a.mean_decode_batch, a.mean_prefilling,
                    a.kv_limited ? fmt::format(", admission wait {:.0f} ms", a.admission_wait * 1e3) : "");
    if (q == "ttft_ms") return Prediction{a.ttft.mean * 1e3, Method::realistic, basis + ", mean TTFT"};
    if (q == "ttft_s") return Prediction{a.ttft.mean, Method::realistic, basis + ", mean TTFT"};
    if (q == "itl_ms") return Prediction{a.itl.mean * 1e3, Method::realistic, basis + ", mean ITL"};
    if (q == "tpot_ms") return Prediction{a.tpot.mean * 1e3, Method::realistic, basis + ", mean TPOT"};
    if (q == "output_tokens_per_s_per_user")
        return Prediction{a.tpot.mean > 0 ? 1 / a.tpot.mean : 0, Method::realistic, basis + ", 1 / mean TPOT"};
    if (q == "input_tokens_per_s") return Prediction{a.input_tokens_per_s, Method::realistic, basis};
    return Prediction{a.output_tokens_per_s, Method::realistic, basis + ", output tokens/s of all clients"};
}

// The row's options with the engine it names, when hwplan has that engine.
Options with_row_engine(const Reference& r, const Catalog& c, const Options& base, std::string* used) {
    Options o = base;
    *used = base.engine_id;
    const std::optional<std::string> id = serving_engine_of(r);
    if (!id || !c.engine) return o;
    try {
        o.step.engine = c.engine(*id).traits;
        *used = *id;
    } catch (const Error& e) {
        not_modelled("engine: " + e.message());
    }
    return o;
}

Prediction serving(const Reference& r, const Catalog& c, const Options& base, StepRecord* record) {
    std::string engine;
    const Options o = with_row_engine(r, c, base, &engine);
    Serving sv = serving_setup(r, c, o);
    sv.record = record;
    if (!engine.empty()) sv.basis = "engine " + engine + ": " + sv.basis;
    if (auto p = closed_loop_row(r, sv, o)) return *p;
    const std::string& q = r.quantity;
    const bool prefill_row = q.rfind("input_tokens_per_s", 0) == 0 || q.rfind("ttft", 0) == 0;
    if (prefill_row) {
        if (sv.input <= 0) not_modelled("needs conditions.input_len (prompt length)");
        if (!sv.batch_stated) sv.setup.workload.batch = 1;
        const PrefillStep p = run_prefill(sv, o, sv.input);
        const std::string basis = sv.basis + fmt::format(", prefill of {} tokens", sv.input);
        if (q == "ttft_ms") return {to_ms(p.ttft), Method::realistic, basis};
        if (q == "ttft_ns") return {p.ttft.value() * 1e9, Method::realistic, basis};
        if (q == "ttft_s") return {p.ttft.value(), Method::realistic, basis};
        const double per_gpu = p.input_tokens_per_s_per_gpu;
        if (q == "input_tokens_per_s_per_gpu") return {per_gpu, Method::realistic, basis};
        if (q == "input_tokens_per_s_per_node") return {per_gpu * sv.gpus_per_node, Method::realistic, basis};
        return {per_gpu * sv.gpus, Method::realistic, basis + ", all GPUs"};
    }
    const bool total = q == "output_tokens_per_s_total";
    if (!sv.batch_stated) {
        if (!total || sv.input <= 0 || sv.output <= 0)
            not_modelled("batch / concurrency not stated");
        memory_limited_batch(sv);
    }
    const DecodeStep st = run_decode(sv, o);
    if (q == "itl_ms" || q == "tpot_ms") return {to_ms(st.tpot), Method::realistic, sv.basis + ", decode ITL"};
    if (q == "tpot_ns") return {st.tpot.value() * 1e9, Method::realistic, sv.basis + ", decode ITL"};
    if (q == "output_tokens_per_s_per_user") return {st.tokens_per_s_per_user, Method::realistic, sv.basis};
    if (q == "achieved_hbm_bw_gbps" || q == "achieved_hbm_bw_per_gpu_gbps") {
        // gpt-fast's "memory bandwidth": weight bytes x tokens/s, per GPU
        // (its TP rows are the model's bytes / tp x tokens/s: 16.06 GB / 2 x
        // 150.48 tok/s = 1208.8 GB/s).
        const double weight_bytes = count_params(sv.setup.model).total *
                                    weight_bytes_per_element(sv.setup.deployment.precision.weights) /
                                    sv.setup.deployment.tp;
        return {weight_bytes * st.tokens_per_s_per_user / 1e9, Method::realistic,
                sv.basis + ", weight bytes per GPU x predicted tokens/s (gpt-fast's definition)"};
    }
    if (q == "output_tokens_per_s_per_gpu") return {st.tokens_per_s_per_gpu, Method::realistic, sv.basis};
    if (q == "output_tokens_per_s_per_node")
        return {st.tokens_per_s_per_gpu * sv.gpus_per_node, Method::realistic, sv.basis};
    // Whole-system output throughput. With prompt and output lengths the
    // prefill time counts: a request costs input / R_in + output / R_out
    // GPU-seconds per GPU (R: per-GPU rates; prefill at an 8k-token forward,
    // short prompts being packed by in-flight batching).
    const double r_out = st.tokens_per_s_per_gpu;
    if (sv.input > 0 && sv.output > 0) {
        const int chunk = std::max(sv.input, sv.setup.workload.prefill_chunk);
        const PrefillStep p = run_prefill(sv, o, chunk);
        const double r_in = p.input_tokens_per_s_per_gpu;
        if (!(r_in > 0) || !(r_out > 0)) not_modelled("zero prefill or decode rate");
        const double per_gpu = sv.output / (sv.input / r_in + sv.output / r_out);
        return {per_gpu * sv.gpus, Method::realistic,
                sv.basis + fmt::format(", output/(ISL/R_in + OSL/R_out), R_in at {}-token prefill", chunk)};
    }
    return {r_out * sv.gpus, Method::realistic, sv.basis + ", decode only"};
}

bool serving_quantity(std::string_view q) {
    static const char* names[] = {"itl_ms",
                                  "tpot_ms",
                                  "tpot_ns",
                                  "ttft_ms",
                                  "ttft_ns",
                                  "ttft_s",
                                  "output_tokens_per_s_per_user",
                                  "achieved_hbm_bw_gbps",
                                  "achieved_hbm_bw_per_gpu_gbps",
                                  "output_tokens_per_s_per_gpu",
                                  "output_tokens_per_s_per_node",
                                  "output_tokens_per_s_total",
                                  "input_tokens_per_s",
                                  "input_tokens_per_s_per_gpu",
                                  "input_tokens_per_s_per_node"};
    return std::find(std::begin(names), std::end(names), q) != std::end(names);
}

// An evaluator of model/validation/*_rows.cpp: its prediction, or not modelled.
Prediction from_rows(rows::Outcome out) {
    if (!out.modelled) not_modelled(std::move(out.reason));
    return {out.value, out.method, std::move(out.basis)};
}

Prediction predict(const Reference& r, const Catalog& c, const Options& o, StepRecord* record) {
    const std::string& q = r.quantity;
    if (r.text("mode").value_or("") == "paper") return paper_row(r, c);
    if (q == "kv_cache_per_token_kb") return kv_per_token(r, c);
    if (q == "kv_cache_ratio_vs_deepseek_v3") return kv_ratio(r, c);
    if (q == "params_total_b") return params(r, c, false);
    if (q == "params_active_b") return params(r, c, true);
    if (q == "train_gflop_per_token") return train_flops(r, c);
    if (q == "endpoints" || q == "switches" || q == "switch_links" || q == "network_cost_musd" ||
        q == "network_cost_per_endpoint_kusd" || (q == "max_endpoints" && r.condition("topology")))
        return table3(r, q);
    if (q == "mtp_tps_speedup") return mtp_speedup(r);
    if (q.rfind("ep_dispatch_", 0) == 0 || q.rfind("ep_combine_", 0) == 0) {
        if (q == "ep_dispatch_time_per_layer_ms") not_modelled("per-layer dispatch time inside a profiled step");
        return deepep(r, c, o);
    }
    if (q == "gemm_tflops" || q == "gemm_mem_bw_gbps") return gemm(r, c, o);
    if (q == "nvlink_bw_unidir_per_gpu_gbps" || q == "nvlink_bw_bidir_per_gpu_gbps" || q == "nic_bw_per_gpu_gbps" ||
        q == "nvlink_bw_achieved_per_gpu_gbps" || q == "nic_bw_effective_per_gpu_gbps" ||
        q == "ep_all_to_all_bw_per_gpu_gbps")
        return link_bandwidth(r, c, o);
    if (q == "attention_kv_read_bw_gbps") return attention_read(r, c, o);
    if (r.condition("mlperf_version") && r.condition("scenario"))
        if (auto m = rows::mlperf_row(r, c, o)) return from_rows(std::move(*m));
    if (serving_quantity(q)) {
        if (r.condition("offload") ||
            (r.condition("system_cost_usd") && r.text("engine").value_or("") == "ktransformers"))
            return from_rows(rows::offload_row(r, c, o));
        return serving(r, c, o, record);
    }
    if (auto a = rows::analytic_row(r, c, o)) return from_rows(std::move(*a));
    if (auto why = rows::outside_the_model(r)) not_modelled(std::move(*why));
    not_modelled("no evaluator for quantity '" + q + "'");
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// q-quantile with linear interpolation between order statistics (numpy's
// default): position q * (n - 1) in the sorted list.
double percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const double pos = q * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

}  // namespace

std::optional<std::string> serving_engine_of(const Reference& ref) {
    auto t = ref.text("engine");
    if (!t) return std::nullopt;
    std::string s = *t;
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const auto has = [&](std::string_view w) { return s.find(w) != std::string::npos; };
    // NIM for LLMs serves its optimised profiles with TensorRT-LLM.
    if (has("tensorrt") || has("trt-llm") || has("nvidia-nim")) return "trtllm";
    if (has("sglang")) return "sglang";
    if (has("vllm")) return "vllm";
    if (has("gpt-fast")) return "gpt-fast";
    return std::nullopt;
}

double effective_error(const Reference& ref, double predicted) {
    const auto rel = [](double p, double v) { return v != 0 ? (p - v) / v : (p == 0 ? 0.0 : INFINITY); };
    if (ref.range) {
        const auto [lo, hi] = *ref.range;
        if (predicted >= lo && predicted <= hi) return 0;
        return predicted < lo ? rel(predicted, lo) : rel(predicted, hi);
    }
    if (ref.bound == BoundKind::upper && predicted <= ref.value) return 0;
    if (ref.bound == BoundKind::lower && predicted >= ref.value) return 0;
    return rel(predicted, ref.value);
}

RowResult evaluate(const Reference& ref, const Catalog& catalog, const Options& options) {
    RowResult r;
    r.ref = &ref;
    try {
        StepRecord record;
        const Prediction p = predict(ref, catalog, options, &record);
        if (!std::isfinite(p.value)) {
            r.reason = "prediction is not finite";
            return r;
        }
        r.modelled = true;
        r.method = p.method;
        r.basis = p.basis;
        r.predicted = p.value;
        r.error = effective_error(ref, p.value);
        r.raw_error = ref.value != 0 ? (p.value - ref.value) / ref.value : 0;
        // Total-throughput rows run both steps; decode is the one they are about.
        if (record.decode) {
            r.breakdown = record.decode;
            r.breakdown_phase = "decode";
        } else if (record.prefill) {
            r.breakdown = record.prefill;
            r.breakdown_phase = "prefill";
        }
    } catch (const NotModelled& n) {
        r.modelled = false;
        r.reason = n.reason;
    } catch (const Error& e) {
        r.modelled = false;
        r.reason = e.what();
    }
    return r;
}

std::vector<RowResult> evaluate_all(const std::vector<Reference>& refs, const Catalog& catalog,
                                    const Options& options) {
    std::vector<RowResult> out;
    out.reserve(refs.size());
    for (const Reference& r : refs) out.push_back(evaluate(r, catalog, options));
    return out;
}

Stats stats(const std::vector<const RowResult*>& rows) {
    Stats s;
    std::vector<double> errors;
    for (const RowResult* r : rows) {
        ++s.rows;
        if (!r->modelled) continue;
        ++s.modelled;
        const double e = std::fabs(r->error);
        errors.push_back(e);
        if (s.worst_id.empty() || e > s.max_abs_error) {
            s.max_abs_error = e;
            s.worst_id = r->ref->id;
        }
    }
    if (!errors.empty()) {
        s.median_abs_error = median(errors);
        s.p90_abs_error = percentile(errors, 0.9);
        s.mean_abs_error = std::accumulate(errors.begin(), errors.end(), 0.0) / static_cast<double>(errors.size());
    }
    return s;
}

Summary summarize(const std::vector<RowResult>& results) {
    Summary s;
    std::vector<const RowResult*> all;
    std::map<std::string, std::vector<const RowResult*>> by_source, by_kind, by_method;
    for (const RowResult& r : results) {
        all.push_back(&r);
        by_source[r.ref->source].push_back(&r);
        by_kind[std::string(to_string(r.ref->kind))].push_back(&r);
        if (r.modelled) by_method[std::string(to_string(r.method))].push_back(&r);
    }
    s.overall = stats(all);
    for (const auto& [k, v] : by_source) s.by_source[k] = stats(v);
    for (const auto& [k, v] : by_kind) s.by_kind[k] = stats(v);
    for (const auto& [k, v] : by_method) s.by_method[k] = stats(v);
    return s;
}

std::vector<std::string> modelled_quantities() {
    return {"kv_cache_per_token_kb",
            "kv_cache_ratio_vs_deepseek_v3",
            "params_total_b",
            "params_active_b",
            "train_gflop_per_token",
            "endpoints",
            "max_endpoints",
            "switches",
            "switch_links",
            "network_cost_musd",
            "network_cost_per_endpoint_kusd",
            "ep_comm_time_us",
            "layer_time_us",
            "mtp_tps_speedup",
            "ep_dispatch_latency_us",
            "ep_combine_latency_us",
            "ep_dispatch_rdma_bw_gbps",
            "ep_combine_rdma_bw_gbps",
            "ep_dispatch_bottleneck_bw_gbps",
            "ep_combine_bottleneck_bw_gbps",
            "gemm_tflops",
            "gemm_mem_bw_gbps",
            "nvlink_bw_unidir_per_gpu_gbps",
            "nvlink_bw_bidir_per_gpu_gbps",
            "nvlink_bw_achieved_per_gpu_gbps",
            "nic_bw_per_gpu_gbps",
            "nic_bw_effective_per_gpu_gbps",
            "attention_kv_read_bw_gbps",
            "itl_ms",
            "tpot_ms",
            "tpot_ns",
            "ttft_ms",
            "ttft_ns",
            "ttft_s",
            "output_tokens_per_s_per_user",
            "achieved_hbm_bw_gbps",
            "achieved_hbm_bw_per_gpu_gbps",
            "output_tokens_per_s_per_gpu",
            "output_tokens_per_s_per_node",
            "output_tokens_per_s_total",
            "input_tokens_per_s",
            "input_tokens_per_s_per_gpu",
            "input_tokens_per_s_per_node"};
}

}  // namespace hwplan::model::validation

#include "model/ep_comm.hpp"

#include <algorithm>
#include <cmath>

#include "model/error.hpp"
#include "model/mtp.hpp"

namespace hwplan::model {

double dispatch_bytes_per_element(const Precisions& p, bool scales) {
    if (p.dispatch_logfmt_bits > 0) {
        const double payload = p.dispatch_logfmt_bits / 8.0;
        return payload + (scales ? 8.0 / 128.0 : 0.0);
    }
    const double payload = bytes_per_element(p.dispatch);
    return payload + (scales && payload < 2.0 ? 4.0 / 128.0 : 0.0);
}

double combine_bytes_per_element(const Precisions& p) { return bytes_per_element(p.combine); }

// ---------------------------------------------------------------- paper mode

PaperEp paper_ep(const PaperEpInputs& in) {
    if (!(in.bandwidth.value() > 0) || !std::isfinite(in.bandwidth.value()))
        throw Error("must be a positive bandwidth", "bandwidth");
    // !(x > 0) also refuses NaN; inf would come out as an infinite step.
    if (!(in.tokens > 0) || !std::isfinite(in.tokens)) throw Error("must be a positive finite number", "tokens");
    if (!(in.hidden > 0) || !std::isfinite(in.hidden)) throw Error("must be a positive finite number", "hidden");
    if (!(in.experts_per_token > 0) || !std::isfinite(in.experts_per_token))
        throw Error("must be a positive finite number", "experts_per_token");
    if (in.layers < 1) throw Error("must be at least 1", "layers");
    if (in.micro_batches < 1) throw Error("must be at least 1", "micro_batches");
    if (in.dispatch_bytes < 0 || in.combine_bytes < 0) throw Error("must not be negative", "wire bytes");
    PaperEp r;
    const double elements = in.tokens * in.experts_per_token * in.hidden;
    r.dispatch = bytes(in.dispatch_bytes * elements) / in.bandwidth;
    r.combine = bytes(in.combine_bytes * elements) / in.bandwidth;
    r.comm = r.dispatch + r.combine;
    r.layer = r.comm * static_cast<double>(in.micro_batches);
    r.step = r.layer * static_cast<double>(in.layers);
    // Finite inputs can still overflow (1e200 tokens x 1e200 hidden).
    if (!std::isfinite(r.step.value())) throw Error("traffic too large to represent", "tokens");
    r.tokens_per_step = expected_tokens_per_step(in.mtp);
    r.tokens_per_s = r.tokens_per_step / r.step.value();
    return r;
}

PaperEpInputs paper_ep_inputs(const ModelArch& m, const System& s, const Deployment& d, double tokens) {
    PaperEpInputs in;
    in.dispatch_bytes = dispatch_bytes_per_element(d.precision, false);
    in.combine_bytes = combine_bytes_per_element(d.precision);
    in.tokens = tokens;
    if (const auto* e = std::get_if<Moe>(&m.ffn)) in.experts_per_token = e->top_k + e->shared_experts;
    in.hidden = m.hidden;
    const EpGroup g = ep_group(m, s, d);
    in.bandwidth = g.domains() > 1 ? s.scale_out_bandwidth_per_gpu() : s.scale_up_bandwidth_per_gpu();
    in.layers = m.layers;
    in.micro_batches = std::max(1, d.micro_batches);
    in.mtp = d.mtp;
    return in;
}

// ---------------------------------------------------------------- routing

double expected_distinct_uniform(double n, double k) {
    if (n <= 0 || k <= 0) return 0;
    return n * (1.0 - std::pow(1.0 - 1.0 / n, k));
}

EpGroup ep_group(const ModelArch& m, const System& s, const Deployment& d, bool shared_via_ep) {
    EpGroup g;
    g.hidden = m.hidden;
    g.ep = std::max(1, d.ep);
    const auto* e = std::get_if<Moe>(&m.ffn);
    if (!e) return g;
    // Each EP rank is expert_tp GPUs wide; ranks are packed into scale-up
    // domains (DeepEP's rank order: local ranks of a node first).
    const int stage_gpus = std::max(1, s.gpus_per_node * std::max(1, d.nodes) / std::max(1, d.pp));
    const int expert_tp = std::max(1, stage_gpus / g.ep);
    const int domain_gpus = std::max(1, std::min(s.scale_up_domain, stage_gpus));
    g.domain_ranks = std::clamp(domain_gpus / expert_tp, 1, g.ep);
    g.routed_experts = std::max(1, e->routed_experts);
    g.top_k = std::clamp(e->top_k, 1, g.routed_experts);
    g.shared_dispatched = shared_via_ep ? e->shared_experts : 0;
    g.groups = std::max(1, e->groups);
    g.topk_groups = std::clamp(e->topk_groups, 1, g.groups);
    g.node_limited = d.node_limited_routing && g.groups > 1 && g.topk_groups < g.groups;
    return g;
}

namespace {

// C(a, k) / C(b, k) for real a <= b: the chance that k distinct draws from b
// items all avoid a given b - a of them. 0 when fewer than k items remain.
double avoid_ratio(double a, double b, int k) {
    double num = 1.0, den = 1.0;
    for (int i = 0; i < k; ++i) {
        if (a - i <= 0) return 0.0;
        num *= a - i;
        den *= b - i;
    }
    return num / den;
}

// Binomial coefficient for small non-negative integers.
double choose(int n, int k) {
    if (k < 0 || k > n) return 0.0;
    double r = 1.0;
    for (int i = 1; i <= k; ++i) r = r * (n - k + i) / i;
    return r;
}

}  // namespace

double miss_probability(const EpGroup& g, double unit_experts) {
    const double E = g.routed_experts;
    const int k = g.top_k;
    const double u = std::clamp(unit_experts, 0.0, E);
    if (!g.node_limited) return avoid_ratio(E - u, E, k);
    // Group-limited: topk_groups = M of groups = G, each of size s = E / G;
    // the k experts are drawn among the M·s experts of the chosen groups.
    const int G = g.groups;
    const int M = g.topk_groups;
    const double s = E / G;
    const double pool = M * s;
    if (u < s) {
        // The unit holds u experts of one group: missed if that group is not
        // chosen, or chosen but none of its u experts is drawn.
        const double chosen = static_cast<double>(M) / G;
        return (1.0 - chosen) + chosen * avoid_ratio(pool - u, pool, k);
    }
    // The unit holds q whole groups: j of them chosen (hypergeometric), then
    // none of the k draws lands in those j groups.
    const int q = std::clamp(static_cast<int>(std::lround(u / s)), 1, G);
    const double all = choose(G, M);
    double p = 0;
    for (int j = 0; j <= std::min(q, M); ++j) {
        const double pj = choose(q, j) * choose(G - q, M - j) / all;
        if (pj > 0) p += pj * avoid_ratio(pool - j * s, pool, k);
    }
    return p;
}

RoutingFanout routing_fanout(const EpGroup& g) {
    RoutingFanout f;
    const double E = g.routed_experts;
    const int D = g.domains();
    const double hit_domain = 1.0 - miss_probability(g, E / D);
    const double hit_gpu = 1.0 - miss_probability(g, E / g.ep);
    f.domains_hit = D * hit_domain;
    f.remote_domains = (D - 1) * hit_domain;
    f.gpus_hit = g.ep * hit_gpu;
    f.remote_gpus = (g.ep - 1) * hit_gpu;
    return f;
}

// ---------------------------------------------------------------- realistic

std::string_view to_string(EpAlgorithm a) {
    switch (a) {
        case EpAlgorithm::automatic:
            return "auto";
        case EpAlgorithm::forwarding:
            return "forwarding";
        case EpAlgorithm::direct:
            return "direct";
    }
    return "?";
}

EpLinks ep_links(const System& s, const Efficiencies& e) {
    EpLinks l;
    l.nvlink = s.scale_up_bandwidth_per_gpu() * e.nvlink;
    l.rdma = s.scale_out_bandwidth_per_gpu() * e.rdma;
    l.nvlink_latency = s.scale_up_latency.value() > 0 ? s.scale_up_latency : e.nvlink_latency;
    l.rdma_latency = s.nic && s.nic->latency.value() > 0 ? s.nic->latency : e.rdma_latency;
    l.planes = std::max(1, s.planes);
    return l;
}

EpLinks ep_links(const System& s, const Deployment& d, const Efficiencies& e) {
    EpLinks l = ep_links(s, e);
    if (!d.fabric) return l;
    const FabricLinks& f = *d.fabric;
    if (f.latency.value() > 0) l.rdma_latency = f.latency;
    l.rdma = l.rdma * std::clamp(f.bandwidth_share, 0.0, 1.0);
    if (f.planes > 0) l.planes = f.planes;
    return l;
}

EpExchange ep_exchange(const EpGroup& g, const EpLinks& links, double tokens, Bytes dispatch_message,
                       Bytes combine_message, EpAlgorithm algorithm, double imbalance) {
    return ep_exchange(g, routing_fanout(g), links, tokens, dispatch_message, combine_message, algorithm, imbalance);
}

EpExchange ep_exchange(const EpGroup& g, const RoutingFanout& fanout, const EpLinks& links, double tokens,
                       Bytes dispatch_message, Bytes combine_message, EpAlgorithm algorithm, double imbalance) {
    EpExchange x;
    if (g.ep <= 1 || tokens <= 0) return x;
    x.fanout = fanout;
    const double ep = g.ep;
    const double S = std::min(g.domain_ranks, g.ep);
    const double D = g.domains();
    const double hot = std::max(1.0, imbalance);
    const double nvl_rate = links.nvlink.value();
    const double rdma_rate = links.rdma.value();

    // Messages (token copies) one GPU sends over each link, per token.
    double nvl_msgs = 0, rdma_msgs = 0;
    if (algorithm == EpAlgorithm::forwarding) {
        // Once per remote domain over RDMA; over NVLink to every distinct
        // target GPU other than the one already holding the copy (the source
        // in its own domain, the same-index landing GPU in a remote one):
        // (1 - miss_gpu) · (ep - D) in expectation (see docs/equations.md).
        const double hit_gpu = x.fanout.gpus_hit / ep;
        rdma_msgs = x.fanout.remote_domains;
        nvl_msgs = hit_gpu * (ep - D);
    } else {
        // One message per (token, expert); own GPU free.
        const double per_token = g.messages_per_token();
        nvl_msgs = per_token * (S - 1) / ep;
        rdma_msgs = per_token * (ep - S) / ep;
        // Multi-plane fabric: a message between GPUs of different planes is
        // forwarded over NVLink in the destination node (paper sec. 5).
        if (links.planes > 1) nvl_msgs += rdma_msgs * (links.planes - 1.0) / links.planes;
    }

    const auto pass = [&](Bytes message) {
        EpPass p;
        p.nvlink = message * (tokens * nvl_msgs);
        p.rdma = message * (tokens * rdma_msgs);
        double t = 0;
        if (p.rdma.value() > 0) {
            t = std::max(t, rdma_rate > 0 ? hot * p.rdma.value() / rdma_rate : INFINITY);
            t += links.rdma_latency.value();
        }
        if (p.nvlink.value() > 0) {
            const double t_nvl = nvl_rate > 0 ? hot * p.nvlink.value() / nvl_rate : INFINITY;
            // NVLink and RDMA run concurrently; the forwarding hop adds its latency.
            t = p.rdma.value() > 0 ? std::max(t, t_nvl + links.rdma_latency.value()) + links.nvlink_latency.value()
                                   : t_nvl + links.nvlink_latency.value();
        }
        p.time = seconds(t);
        return p;
    };
    x.dispatch = pass(dispatch_message);
    x.combine = pass(combine_message);
    return x;
}

}  // namespace hwplan::model

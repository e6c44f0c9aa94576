#include "model/layer_costs.hpp"

#include <algorithm>
#include <cmath>

namespace hwplan::model::detail {

namespace {

// Appends a kernel's cost: roofline time to `what`, fixed cost to
// kernel_overhead; both count as computation (not overlappable).
void add(LayerCost& out, Component what, const KernelCost& kc) {
    out.parts.add(what, kc.time);
    out.parts.add(Component::kernel_overhead, kc.overhead);
    out.compute += kc.total().value();
    out.kernels += kc.kernels;
}

// Appends communication that is not overlapped with the EP all-to-all
// (all-reduces, gathers) together with its kernel's fixed cost.
void add_serial_comm(const StepContext& c, LayerCost& out, Component what, double t) {
    if (t <= 0) return;
    const double ovh = c.k->eff.kernel_overhead.value();
    out.parts.add(what, seconds(t));
    out.parts.add(Component::kernel_overhead, seconds(ovh));
    out.compute += t + ovh;
    out.kernels += 1;
}

// One GEMM kernel in a resolved format (KernelCostModel::gemm_seconds, the
// same model as KernelCostModel::gemm) plus its fixed cost. In a step the
// per-kernel cost (Efficiencies::kernel_overhead: graph node launch,
// dependency wait, a short kernel's ramp and tail) already holds the ramp
// and tail that an isolated GEMM's time carries as its pipeline fill
// (GemmEfficiency::pipeline_latency), so the fill is counted once, there.
void add_gemm(const StepContext& c, LayerCost& out, Component what, const KernelCostModel::GemmFormat& f, double m,
              double n, double k, double groups = 1) {
    if (m <= 0 || n <= 0 || k <= 0 || groups <= 0) return;
    const double t = c.k->gemm_seconds(f, m, n, k, groups) - f.latency_s;
    out.parts.seconds_[static_cast<std::size_t>(what)] += t;
    out.parts.seconds_[static_cast<std::size_t>(Component::kernel_overhead)] += c.kernel_overhead;
    out.compute += t + c.kernel_overhead;
    out.kernels += 1;
}

// An element-wise op run as the engine's plain ops (EngineTraits::unfused):
// op.kernels kernels per tensor, op.bytes_per_element bytes per element at
// BF16, scaled to the element size `elem_bytes`.
void add_unfused(const StepContext& c, LayerCost& out, Component what, const OpCost& op, double elements,
                 int tensors, double elem_bytes) {
    if (elements <= 0) return;
    add(out, what, c.k->elementwise(bytes(op.bytes_per_element * elements * elem_bytes / 2.0), op.kernels * tensors));
}

// A linear layer's GEMM (weights in the deployment's format). An engine that
// does not fuse activation quantisation runs it as kernels of its own before
// every W8A8 GEMM.
void add_linear(const StepContext& c, LayerCost& out, Component what, double m, double n, double k,
                double groups = 1) {
    if (c.quantize_inputs) add_unfused(c, out, what, c.engine->unfused.quantize, m * k, 1, c.act_bytes);
    add_gemm(c, out, what, c.linear_format, m, n, k, groups);
}

// The input norm of a block and the residual add before it: one fused
// kernel reading x and the residual and writing both, or the plain add and
// RMSNorm ops.
void add_norm_residual(const StepContext& c, LayerCost& out, double tokens, double width) {
    if (c.engine->fuses.norm_residual) {
        add(out, Component::elementwise, c.k->elementwise(bytes(4 * tokens * width * c.act_bytes), 1));
        return;
    }
    add_unfused(c, out, Component::elementwise, c.engine->unfused.residual_add, tokens * width, 1, c.act_bytes);
    add_unfused(c, out, Component::elementwise, c.engine->unfused.rms_norm, tokens * width, 1, c.act_bytes);
}

// A norm without a residual (MLA's latent norms): one kernel reading and
// writing the vector, or the plain RMSNorm ops.
void add_norm(const StepContext& c, LayerCost& out, double tokens, double width) {
    if (c.engine->fuses.norm_residual) {
        add(out, Component::elementwise, c.k->elementwise(bytes(2 * tokens * width * c.act_bytes), 1));
        return;
    }
    add_unfused(c, out, Component::elementwise, c.engine->unfused.rms_norm, tokens * width, 1, c.act_bytes);
}

// SiLU(gate) * up of `tokens` rows: one kernel reading both halves and
// writing the product, or silu and mul as plain ops.
void add_silu_mul(const StepContext& c, LayerCost& out, Component what, double tokens, double intermediate) {
    if (c.engine->fuses.silu_mul) {
        add(out, what, c.k->elementwise(bytes(3 * tokens * intermediate * c.act_bytes), 1));
        return;
    }
    add_unfused(c, out, what, c.engine->unfused.silu_mul, tokens * intermediate, 1, c.act_bytes);
}

// A SwiGLU MLP of `tokens` rows and `intermediate` columns (per GPU):
// gate and up as one GEMM or two (EngineFusions::gate_up_gemm), SiLU * mul,
// down; the activation's kernels go to `activation`.
void add_swiglu(const StepContext& c, LayerCost& out, Component what, Component activation, double tokens,
                double intermediate) {
    const double h = c.m->hidden;
    if (c.engine->fuses.gate_up_gemm) {
        add_linear(c, out, what, tokens, 2 * intermediate, h);
    } else {
        add_linear(c, out, what, tokens, intermediate, h);
        add_linear(c, out, what, tokens, intermediate, h);
    }
    add_silu_mul(c, out, activation, tokens, intermediate);
    add_linear(c, out, what, tokens, h, intermediate);
}

// RoPE on `rotated` query + key elements and the KV-cache write of `cached`
// elements in `cache_tensors` tensors (K and V, or MLA's one latent).
void add_rope_and_cache(const StepContext& c, LayerCost& out, double rotated, double cached, int cache_tensors) {
    const EngineTraits& e = *c.engine;
    const double ab = c.act_bytes;
    if (e.fuses.rope) {
        // In place on q and k; with rope_kv_write the same kernel stores the cache.
        const double cache_bytes = cached * (ab + c.kv_bytes);
        if (e.fuses.rope_kv_write) {
            add(out, Component::elementwise, c.k->elementwise(bytes(2 * rotated * ab + cache_bytes), 1));
            return;
        }
        add(out, Component::elementwise, c.k->elementwise(bytes(2 * rotated * ab), 1));
        add(out, Component::elementwise, c.k->elementwise(bytes(cache_bytes), 1));
        return;
    }
    add_unfused(c, out, Component::elementwise, e.unfused.rope, rotated, 2, ab);
    add_unfused(c, out, Component::elementwise, e.unfused.kv_write, cached, cache_tensors, c.kv_bytes);
}

// How a decode attention kernel covers the SMs (attention_kernel.hpp):
// `groups` CTAs per sequence before the context is split.
struct DecodeAttentionGrid {
    double fill = 1;    // share of the HBM bandwidth the grid can draw: min(1, CTAs / SMs)
    double splits = 1;  // context chunks per (sequence, group)
    int kernels = 1;    // + the merge of the partial softmaxes when split
};

DecodeAttentionGrid decode_attention_grid(const StepContext& c, double sequences, double groups, double kv_tokens) {
    DecodeAttentionGrid g;
    const double sms = c.k->sms;
    if (!(sms > 0) || !(sequences > 0)) return g;
    const double ctas = sequences * groups;
    if (c.attention.split_kv && ctas < sms) {
        // A continuous split count: real kernels split into whole chunks,
        // which makes the time a sawtooth in the context (one more token can
        // add a chunk and a CTA); the model keeps its monotone envelope.
        g.splits = std::max(1.0, std::min(sms / ctas, kv_tokens / c.attention.min_chunk_tokens));
        if (g.splits > 1) g.kernels = 2;
    }
    g.fill = std::min(1.0, ctas * g.splits / sms);
    return g;
}

// Prefill attention's share of the family's plateau at `keys` keys per query.
double prefill_attention_share(const StepContext& c, double keys) {
    const AttentionKernelTraits& a = c.attention;
    return keys > 0 ? a.prefill_relative * keys / (keys + a.prefill_half_keys) : a.prefill_relative;
}

}  // namespace

double sampling_imbalance(double mean_pairs, int ranks) {
    if (ranks < 2 || !(mean_pairs > 0)) return 1.0;
    return 1.0 + std::sqrt(2.0 * std::log(static_cast<double>(ranks)) / mean_pairs);
}

StepContext make_context(const ModelArch& m, const System& s, const Deployment& d, const KernelCostModel& k,
                         const StepOptions& o, Phase phase) {
    StepContext c;
    c.m = &m;
    c.s = &s;
    c.d = &d;
    c.k = &k;
    c.o = &o;
    c.mla = std::get_if<Mla>(&m.attention);
    c.gqa = std::get_if<Gqa>(&m.attention);
    c.moe = std::get_if<Moe>(&m.ffn);
    c.layout = layout_shape(m, s, d);
    c.act_bytes = bytes_per_element(d.precision.activations);
    c.kv_bytes = bytes_per_element(d.precision.kv_cache);
    c.weights = d.precision.weights;
    c.head_weights = bytes_per_element(d.precision.weights) < 2 ? DType::bf16 : d.precision.weights;
    c.stage_gpus = static_cast<double>(c.layout.world) / d.pp;
    c.ep = ep_group(m, s, d, o.shared_experts_via_ep);
    // The routing fan-out matters to the forwarding all-to-all only (direct
    // sends one message per expert); skip it when no phase can use it.
    if (c.moe && d.ep > 1 && o.ep_algorithm != EpAlgorithm::direct &&
        (o.ep_algorithm == EpAlgorithm::forwarding || phase == Phase::prefill))
        c.fanout = routing_fanout(c.ep);
    if (c.moe) {
        const double shared = o.shared_experts_via_ep ? c.moe->shared_experts : 0;
        c.pairs_per_token = c.moe->top_k + shared;
        const double physical = c.moe->routed_experts + d.redundant_experts + shared;
        const double p = std::min(1.0, c.pairs_per_token / physical * std::max(1.0, d.expert_imbalance));
        c.log_miss_expert = p < 1.0 ? std::log1p(-p) : -INFINITY;
    }
    c.links = ep_links(s, d, k.eff);
    c.dispatch_message = bytes(m.hidden * dispatch_bytes_per_element(d.precision, true));
    c.combine_message = bytes(m.hidden * combine_bytes_per_element(d.precision));
    c.linear_format = k.gemm_format(c.weights);
    c.bf16_format = k.gemm_format(DType::bf16);
    c.head_format = k.gemm_format(c.head_weights);
    c.kernel_overhead = k.eff.kernel_overhead.value();
    c.engine = &o.engine;
    c.attention = attention_kernel_traits(c.mla ? o.engine.mla_attention : o.engine.attention);
    c.quantize_inputs = !o.engine.fuses.quantize && (c.linear_format.math == DType::fp8 || c.linear_format.math == DType::int8);
    return c;
}

double all_reduce_seconds(const StepContext& c, double bytes, int n) {
    if (n <= 1 || bytes <= 0) return 0;
    const bool in_domain = n <= c.s->scale_up_domain;
    const double rate = in_domain ? c.links.nvlink.value() : c.links.rdma.value();
    const double alpha = in_domain ? c.links.nvlink_latency.value() : c.links.rdma_latency.value();
    if (rate <= 0) return INFINITY;
    const double one_shot = (n - 1) * bytes / rate + alpha;
    const double two_shot = 2.0 * (n - 1) / n * bytes / rate + 2 * alpha;
    return std::min(one_shot, two_shot);
}

double stage_transfer_seconds(const StepContext& c, double bytes) {
    if (c.d->pp <= 1 || bytes <= 0) return 0;
    // Stages are laid out node by node: a stage boundary crosses the
    // scale-up domain when a stage fills at least one domain.
    const bool cross = c.stage_gpus >= c.s->scale_up_domain && c.d->nodes > 1;
    const double rate = cross ? c.links.rdma.value() : c.links.nvlink.value();
    const double lat = cross ? c.links.rdma_latency.value() : c.links.nvlink_latency.value();
    return rate > 0 ? bytes / rate + lat : INFINITY;
}

std::optional<std::string> network_problem(const StepContext& c) {
    const System& s = *c.s;
    const Deployment& d = *c.d;
    const auto str = [](auto v) { return std::to_string(v); };
    if (c.moe && d.ep > 1 && c.ep.domains() > 1 && !(c.links.rdma.value() > 0))
        return "the EP group of " + str(d.ep) + " ranks spans " + str(c.ep.domains()) + " scale-up domains but " +
               s.id + " has no scale-out bandwidth (NIC)";
    const int biggest_group = std::max(d.tp, c.moe ? static_cast<int>(c.layout.expert_tp) : 1);
    if (biggest_group > 1 && biggest_group <= s.scale_up_domain && !(c.links.nvlink.value() > 0))
        return "tensor parallelism over " + str(biggest_group) + " GPUs needs a scale-up link, but " + s.id +
               " has no scale-up (NVLink) bandwidth";
    if (biggest_group > s.scale_up_domain && !(c.links.rdma.value() > 0))
        return "tensor parallelism over " + str(biggest_group) + " GPUs crosses scale-up domains but " + s.id +
               " has no scale-out bandwidth (NIC)";
    if (d.pp > 1 && std::isinf(stage_transfer_seconds(c, 1.0)))
        return "pipeline stages need a link between them, but " + s.id + " has none";
    return std::nullopt;
}

void attention_block(const StepContext& c, const AttentionInput& in, LayerCost& out) {
    const double M = in.tokens;
    if (M <= 0) return;
    const KernelCostModel& k = *c.k;
    const double h = c.m->hidden;
    const double ab = c.act_bytes;
    const double heads = c.layout.q_heads_per_gpu;
    const bool decode = in.phase == Phase::decode;
    const EngineFusions& fuses = c.engine->fuses;
    // Prefill efficiency of the engine's attention kernel at this many keys
    // per query; decode's share of HBM bandwidth from how it fills the SMs.
    const double compute_share = decode ? c.attention.prefill_relative : prefill_attention_share(c, in.attended);
    add_norm_residual(c, out, M, h);
    if (const Mla* a = c.mla) {
        const double lat = a->kv_lora_rank + a->qk_rope_head_dim;  // the cached latent width (576)
        // Down-projections (q_a and kv_a fused, replicated on every TP rank),
        // query up-projection split by heads.
        if (a->q_lora_rank > 0) {
            add_linear(c, out, Component::attention_projections, M, a->q_lora_rank + lat, h);
            add_norm(c, out, M, a->q_lora_rank);
            add_linear(c, out, Component::attention_projections, M,
                       heads * (a->qk_nope_head_dim + a->qk_rope_head_dim), a->q_lora_rank);
        } else {
            add_linear(c, out, Component::attention_projections, M,
                       heads * (a->qk_nope_head_dim + a->qk_rope_head_dim) + lat, h);
        }
        add_norm(c, out, M, a->kv_lora_rank);
        add_rope_and_cache(c, out, M * (heads + 1) * a->qk_rope_head_dim, M * lat, 1);
        if (decode) {
            // Absorbed form (DeepSeek-V2 sec. 2.1.2): W_UK folded into the
            // query, W_UV applied after attention, one small GEMM per head;
            // attention runs MQA-style over the 576-wide latent for all heads.
            add_gemm(c, out, Component::attention_projections, c.linear_format, M * heads, a->kv_lora_rank,
                     a->qk_nope_head_dim, heads);
            add_gemm(c, out, Component::attention_projections, c.linear_format, M * heads, a->v_head_dim,
                     a->kv_lora_rank, heads);
            const double work = 2 * M * in.attended * heads * (lat + a->kv_lora_rank);
            // One latent head: a split-KV kernel serves heads_per_cta query
            // heads of a sequence per CTA (all of them when 0); SDPA one head.
            const double per_cta = c.attention.heads_per_cta > 0 ? c.attention.heads_per_cta : heads;
            const DecodeAttentionGrid grid = decode_attention_grid(
                c, in.sequences, c.attention.split_kv ? std::ceil(heads / per_cta) : heads, in.kv_tokens);
            // Every split reads the queries and writes a partial output.
            const double traffic = in.sequences * in.kv_tokens * lat * c.kv_bytes +
                                   grid.splits * M * heads * (lat + a->kv_lora_rank) * ab;
            add(out, Component::attention_core,
                k.attention(flops(work), bytes(traffic), grid.kernels, compute_share, grid.fill));
        } else {
            // Prefill, MHA form: decompress K_nope and V of every attended
            // token with kv_b, then causal attention with d_qk = nope + rope.
            const double rows = in.sequences * in.kv_tokens;
            add_linear(c, out, Component::attention_projections, rows,
                       heads * (a->qk_nope_head_dim + a->v_head_dim), a->kv_lora_rank);
            const double qk = a->qk_nope_head_dim + a->qk_rope_head_dim;
            const double work = 2 * M * in.attended * heads * (qk + a->v_head_dim);
            const double traffic = rows * heads * (qk + a->v_head_dim) * ab + M * heads * (qk + a->v_head_dim) * ab;
            add(out, Component::attention_core, k.attention(flops(work), bytes(traffic), 1, compute_share, 1.0));
        }
        add_linear(c, out, Component::attention_projections, M, h, heads * a->v_head_dim);
    } else if (const Gqa* g = c.gqa) {
        const double kvh = c.layout.kv_heads_per_gpu;
        const double hd = g->head_dim;
        if (fuses.qkv_gemm) {
            add_linear(c, out, Component::attention_projections, M, (heads + 2 * kvh) * hd, h);
        } else {
            add_linear(c, out, Component::attention_projections, M, heads * hd, h);
            add_linear(c, out, Component::attention_projections, M, kvh * hd, h);
            add_linear(c, out, Component::attention_projections, M, kvh * hd, h);
        }
        add_rope_and_cache(c, out, M * (heads + kvh) * hd, M * 2 * kvh * hd, 2);
        const double work = 2 * M * in.attended * heads * 2 * hd;
        // Split-KV kernels give a CTA one KV head and its query group;
        // PyTorch SDPA one CTA per query head (no split).
        DecodeAttentionGrid grid;
        if (decode) grid = decode_attention_grid(c, in.sequences, c.attention.split_kv ? kvh : heads, in.kv_tokens);
        const double traffic =
            in.sequences * in.kv_tokens * 2 * kvh * hd * c.kv_bytes + grid.splits * 2 * M * heads * hd * ab;
        add(out, Component::attention_core,
            k.attention(flops(work), bytes(traffic), grid.kernels, compute_share, grid.fill));
        add_linear(c, out, Component::attention_projections, M, h, heads * hd);
    }
    add_serial_comm(c, out, Component::all_reduce, all_reduce_seconds(c, M * h * ab, c.d->tp));
}

void dense_ffn_block(const StepContext& c, double tokens, double intermediate, LayerCost& out) {
    const double M = tokens;
    if (M <= 0 || intermediate <= 0) return;
    const double h = c.m->hidden;
    const double ab = c.act_bytes;
    const double inter = intermediate / c.d->tp;
    add_norm_residual(c, out, M, h);
    add_swiglu(c, out, Component::dense_ffn, Component::elementwise, M, inter);
    add_serial_comm(c, out, Component::all_reduce, all_reduce_seconds(c, M * h * ab, c.d->tp));
}

MoeStats moe_block(const StepContext& c, double tokens, EpAlgorithm algorithm, LayerCost& out) {
    MoeStats st;
    const Moe* e = c.moe;
    const double M = tokens;
    if (!e || M <= 0) return st;
    const KernelCostModel& k = *c.k;
    const Deployment& d = *c.d;
    const double h = c.m->hidden;
    const double ab = c.act_bytes;
    const double tp = d.tp;
    const double t_gpu = M / tp;  // each TP rank routes and sends its share
    st.tokens_per_gpu = t_gpu;
    // The hottest EP rank sets the pace. Two causes: systematic routing skew
    // (Deployment::expert_imbalance, what EPLB reduces), and the finite
    // sample of one step: with mu (token, expert) pairs per rank on average,
    // the most loaded of N ranks receives about mu + sqrt(2 mu ln N) (Gaussian
    // approximation to the maximum of N Poisson(mu) loads), which matters at
    // small batches and large EP however well the experts are balanced.
    const double mean_pairs = t_gpu * c.pairs_per_token * c.layout.expert_tp;
    const double imbalance = std::max(1.0, d.expert_imbalance) * sampling_imbalance(mean_pairs, d.ep);

    // Input add-RMSNorm on the replica's tokens; activation quantisation
    // before dispatch and the weighted sum after combine on this GPU's share.
    add_norm_residual(c, out, M, h);
    add(out, Component::elementwise, k.elementwise(bytes(3 * t_gpu * h * ab), 1));

    // Router: gate GEMM in BF16 (kept in high precision) + top-k.
    add_gemm(c, out, Component::router, c.bf16_format, t_gpu, e->routed_experts, h);
    add(out, Component::router, k.elementwise(bytes(t_gpu * e->routed_experts * 4.0), 1));

    // Shared experts, computed locally, split over the TP ranks.
    const bool shared_local = e->shared_experts > 0 && !c.o->shared_experts_via_ep;
    if (shared_local) {
        const double inter = static_cast<double>(e->shared_experts) * e->expert_intermediate / tp;
        add_swiglu(c, out, Component::shared_experts, Component::shared_experts, M, inter);
    }

    // Routed experts on the hottest GPU. Each EP rank holds n_loc physical
    // experts, each split expert_tp ways; it receives expert_tp · t_gpu · k
    // (token, expert) pairs on average, `imbalance` times that at the hottest.
    const double etp = c.layout.expert_tp;
    const double n_loc = c.layout.experts_per_gpu;
    const double pairs = t_gpu * c.pairs_per_token * etp * imbalance;
    // Distinct experts touched: each of the stage's tokens picks a given
    // physical expert with probability p = pairs_per_token / physical
    // (times the imbalance for the hot rank): n_loc (1 - (1 - p)^tokens).
    const double stage_tokens = t_gpu * c.stage_gpus;
    // exp(x) < 1e-18 below x = -40: every expert is touched.
    const double x = stage_tokens * c.log_miss_expert;
    double active = std::min({n_loc * (x < -40 ? 1.0 : 1.0 - std::exp(x)), n_loc, pairs});
    active = std::max(active, std::min({1.0, n_loc, pairs}));  // at least one expert when any pair arrives
    st.active_experts = active;
    st.tokens_per_expert = active > 0 ? pairs / active : 0;
    if (pairs > 0 && active > 0) {
        const double inter = e->expert_intermediate / etp;
        // Grouped expert GEMMs always hold gate and up as one matrix (w13).
        add_linear(c, out, Component::routed_experts, pairs, 2 * inter, h, active);
        add_silu_mul(c, out, Component::routed_experts, pairs, inter);
        add_linear(c, out, Component::routed_experts, pairs, h, inter, active);
    }

    // EP all-to-all (overlappable with the other micro-batch's computation).
    if (d.ep > 1) {
        st.ep =
            ep_exchange(c.ep, c.fanout, c.links, t_gpu, c.dispatch_message, c.combine_message, algorithm, imbalance);
        const double ovh = k.eff.kernel_overhead.value();
        out.parts.add(Component::dispatch, st.ep.dispatch.time);
        out.parts.add(Component::combine, st.ep.combine.time);
        out.parts.add(Component::kernel_overhead, seconds(2 * ovh));
        out.comm += st.ep.time().value() + 2 * ovh;
        out.kernels += 2;
    }

    // One reduction: across the expert-TP group (all-gather + reduce-scatter
    // of the group's tokens, ≈ an all-reduce), else across the attention TP
    // ranks for the shared experts' partial sums.
    if (etp > 1)
        add_serial_comm(c, out, Component::all_reduce,
                        all_reduce_seconds(c, etp * t_gpu * h * ab, static_cast<int>(std::lround(etp))));
    else if (tp > 1 && shared_local)
        add_serial_comm(c, out, Component::all_reduce, all_reduce_seconds(c, M * h * ab, d.tp));
    return st;
}

void lm_head_block(const StepContext& c, double tokens, LayerCost& out) {
    const double M = tokens;
    if (M <= 0) return;
    const KernelCostModel& k = *c.k;
    const double h = c.m->hidden;
    const double v = static_cast<double>(c.m->vocab) / c.d->tp;
    // Embedding lookup and the final norm (with the last residual add).
    add(out, Component::elementwise, k.elementwise(bytes(M * h * c.act_bytes), 1));
    add_norm_residual(c, out, M, h);
    add_gemm(c, out, Component::lm_head, c.head_format, M, v, h);
    // Sampling: softmax / top-k / top-p over FP32 logits.
    add(out, Component::lm_head, k.elementwise(bytes(2 * M * v * 4.0), 2));
    // TP: logits gathered to one rank (BF16), as vLLM/SGLang do.
    if (c.d->tp > 1) {
        const double n = c.d->tp;
        const double rate = c.links.nvlink.value();
        const double t = rate > 0 ? (n - 1) * M * v * 2.0 / rate + c.links.nvlink_latency.value() : INFINITY;
        add_serial_comm(c, out, Component::lm_head, t);
    }
}

namespace {

void accumulate(LayerCost& into, const LayerCost& part) {
    into.parts += part.parts;
    into.kernels += part.kernels;
    into.compute += part.compute;
    into.comm += part.comm;
}

}  // namespace

MoeLayer moe_layer(const StepContext& c, const AttentionInput& in, EpAlgorithm algorithm) {
    MoeLayer r;
    attention_block(c, in, r.cost);
    r.stats = moe_block(c, in.tokens, algorithm, r.moe_block_at[0]);
    r.moe_block_tokens[0] = in.tokens;
    accumulate(r.cost, r.moe_block_at[0]);
    const double serial = r.cost.compute + r.cost.comm;
    r.time = serial;
    const Deployment& d = *c.d;
    switch (d.overlap) {
        case Overlap::none:
            return r;
        case Overlap::paper_ideal: {
            // Perfect overlap without splitting (no weight re-reads): the
            // bound behind the paper's "layer = 2 x comm".
            r.time = std::max(r.cost.compute, r.cost.comm);
            r.cost.parts.add(Component::overlap, seconds(r.time - serial));
            return r;
        }
        case Overlap::dual_micro_batch:
            break;
    }
    const int mb = d.micro_batches;
    if (mb < 2 || in.tokens < mb) return r;
    AttentionInput part = in;
    part.tokens = in.tokens / mb;
    if (in.phase == Phase::decode) part.sequences = in.sequences / mb;
    MoeLayer split;
    attention_block(c, part, split.cost);
    split.stats = moe_block(c, part.tokens, algorithm, split.moe_block_at[1]);
    split.moe_block_tokens[1] = part.tokens;
    accumulate(split.cost, split.moe_block_at[1]);
    split.moe_block_at[0] = r.moe_block_at[0];
    split.moe_block_tokens[0] = r.moe_block_tokens[0];
    r.moe_block_at[1] = split.moe_block_at[1];
    r.moe_block_tokens[1] = split.moe_block_tokens[1];
    // Steady state across layers: each micro-batch's computation runs while
    // the other's dispatch/combine is in flight (DeepSeek's two-micro-batch
    // decode schedule): layer = mb · max(compute_mb, comm_mb).
    const double ideal = mb * std::max(split.cost.compute, split.cost.comm);
    const double split_serial = mb * (split.cost.compute + split.cost.comm);
    // Only part of the ideally hideable time is hidden (Efficiencies::overlap).
    const double overlapped = split_serial - c.k->eff.overlap * (split_serial - ideal);
    if (overlapped >= serial) return r;
    split.cost.parts *= mb;
    split.cost.compute *= mb;
    split.cost.comm *= mb;
    split.cost.kernels *= mb;
    split.cost.parts.add(Component::overlap, seconds(overlapped - split.cost.compute - split.cost.comm));
    split.time = overlapped;
    split.micro_batches = mb;
    return split;
}

}  // namespace hwplan::model::detail

#include "model/memory_plan.hpp"

#include <algorithm>
#include <cmath>

#include "model/kv_cache.hpp"
#include "model/layout.hpp"
#include "model/param_count.hpp"

namespace hwplan::model {

namespace {

// Block-scaled low-precision weights carry one FP32 scale per 128x128 block
// (DeepSeek-V3 FP8 checkpoint) -- 4 / 16384 bytes per weight.
double weight_bytes(DType t) {
    const double scale_overhead = bytes_per_element(t) < 2 ? 4.0 / (128 * 128) : 0.0;
    return bytes_per_element(t) + scale_overhead;
}

// Embedding, output head and norms stay in BF16 when the linear layers are
// quantised (common practice: DeepSeek-V3 FP8 and most FP8/INT4 checkpoints).
double high_precision_bytes(DType weights) { return std::max(2.0, bytes_per_element(weights)); }

}  // namespace

WeightBytes weight_bytes_per_class(const ModelArch& m, DType weights) {
    WeightBytes b;
    if (m.quantization && weights == m.weights_dtype) {
        // The checkpoint as it is stored: each class's bits per weight,
        // group / block scales included (hwdb reads them from quantization_config).
        const auto& q = *m.quantization;
        b.attention = q.attention.bits_per_weight / 8;
        b.dense_ffn = q.dense_ffn.bits_per_weight / 8;
        b.routed_experts = q.routed_experts.bits_per_weight / 8;
        b.shared_experts = q.shared_experts.bits_per_weight / 8;
        b.router = q.router.bits_per_weight / 8;
        b.embedding = q.embedding.bits_per_weight / 8;
        b.lm_head = q.lm_head.bits_per_weight / 8;
        b.norms = 2;
        return b;
    }
    const double linear = weight_bytes(weights);
    const double high = high_precision_bytes(weights);
    b.attention = b.dense_ffn = b.routed_experts = b.shared_experts = linear;
    b.router = b.embedding = b.lm_head = b.norms = high;
    return b;
}

Bytes runtime_reserve_per_gpu() {
    // CUDA context (~0.5 GiB), cuBLAS/cuBLASLt workspaces, NCCL channels and
    // allocator fragmentation: 2 GiB is what vLLM/SGLang leave outside their
    // KV pool on an 80 GB GPU in practice (gpu_memory_utilization ~0.9-0.95).
    return gibibytes(2);
}

MemoryPlan plan_memory(const ModelArch& m, const System& s, const Deployment& d, const Workload& w) {
    MemoryPlan plan;
    plan.capacity = s.gpu.memory_capacity;
    if (auto problem = layout_problem(m, s, d)) {
        plan.reason = *problem;
        return plan;
    }
    const LayoutShape l = layout_shape(m, s, d);
    const ParamCount p = count_params(m);
    const double stage_share = static_cast<double>(l.layers_per_stage) / m.layers;
    const WeightBytes wb = weight_bytes_per_class(m, d.precision.weights);

    // Weights of the most loaded stage (the last one: it holds the output head,
    // and with pp == 1 also the embedding).
    double weight_bytes_total = 0;
    weight_bytes_total += p.attention / d.tp * stage_share * wb.attention;
    weight_bytes_total += p.dense_ffn / d.tp *
                          (m.dense_layers() ? static_cast<double>(l.dense_layers_per_stage) / std::max(1, m.dense_layers())
                                            : 0.0) *
                          wb.dense_ffn;
    if (m.is_moe()) {
        const double moe_share =
            m.moe_layers() ? static_cast<double>(l.moe_layers_per_stage) / m.moe_layers() : 0.0;
        const double per_layer_routed = p.per_routed_expert * l.experts_per_gpu / l.expert_tp;
        weight_bytes_total += per_layer_routed * m.moe_layers() * moe_share * wb.routed_experts;
        // shared experts: TP-split, replicated over DP
        weight_bytes_total += p.shared_experts / d.tp * moe_share * wb.shared_experts;
    }
    if (d.mtp.depth > 0 && m.mtp_depth > 0) {
        // An MTP module is one more transformer block: its routed experts are
        // spread like every MoE layer's, the rest is TP-split like attention.
        const double modules = static_cast<double>(d.mtp.depth) / m.mtp_depth;
        const double routed = m.is_moe() ? p.per_routed_expert * std::get<Moe>(m.ffn).routed_experts * m.mtp_depth : 0.0;
        weight_bytes_total += (p.mtp - routed) * modules / d.tp * wb.attention;
        if (m.is_moe())
            weight_bytes_total += p.per_routed_expert * l.experts_per_gpu / l.expert_tp * d.mtp.depth * wb.routed_experts;
    }
    weight_bytes_total += p.lm_head / d.tp * wb.lm_head;
    if (d.pp == 1 || m.tied_embeddings) weight_bytes_total += p.embedding / d.tp * wb.embedding;
    weight_bytes_total += (p.norms * wb.norms + p.router * wb.router) * stage_share;
    plan.weights = bytes(weight_bytes_total);

    // KV: every sequence of this DP replica, for this stage's layers.
    const double batch = std::max(0, w.batch);
    double kv_per_seq = kv_bytes_per_sequence(m, d.precision.kv_cache, w.context).value() * stage_share;
    if (const auto* g = std::get_if<Gqa>(&m.attention)) kv_per_seq *= l.kv_heads_per_gpu / g->kv_heads;
    // MLA's latent is shared by all heads, so TP ranks each hold all of it.
    plan.kv_cache = bytes(kv_per_seq * batch);

    // Activations of one decode step (tokens = batch x (1 + MTP drafts)), or of
    // one prefill chunk when a prompt is asked for: the widest live tensors
    // (FFN intermediate, QKV, logits in FP32), double-buffered.
    const double act_b = bytes_per_element(d.precision.activations);
    const double tokens = std::max(batch * (1 + d.mtp.depth), w.prompt > 0 ? std::min<double>(w.prompt, w.prefill_chunk) : 0.0);
    double widest = 4.0 * m.hidden;
    if (const auto* dn = std::get_if<Dense>(&m.ffn)) widest = std::max(widest, 2.0 * dn->intermediate / d.tp);
    if (const auto* e = std::get_if<Moe>(&m.ffn))
        widest = std::max({widest, 2.0 * e->dense_intermediate / d.tp,
                           2.0 * e->expert_intermediate * e->top_k / l.expert_tp});
    const double act_per_token = 2 * widest * act_b + m.vocab / d.tp * 4.0;
    plan.activations = bytes(tokens * act_per_token);

    // EP buffers, after DeepEP's low-latency mode (get_low_latency_rdma_size_hint):
    // each GPU can receive up to `tokens` tokens from every rank for each of
    // its local experts -- i.e. routed_experts x tokens messages -- for dispatch
    // (FP8 + scales) and combine (BF16), double-buffered.
    double comm_per_seq = 0;
    if (const auto* e = std::get_if<Moe>(&m.ffn); e && d.ep > 1) {
        const double dispatch_msg = m.hidden * bytes_per_element(d.precision.dispatch) + m.hidden / 128.0 * 4 + 16;
        const double combine_msg = m.hidden * bytes_per_element(d.precision.combine);
        comm_per_seq = 2.0 * e->routed_experts * (1 + d.mtp.depth) * (dispatch_msg + combine_msg);
        plan.comm_buffers = bytes(batch * comm_per_seq);
    }
    plan.runtime_reserve = runtime_reserve_per_gpu();
    plan.total = plan.weights + plan.kv_cache + plan.activations + plan.comm_buffers + plan.runtime_reserve;
    plan.fits = plan.total <= plan.capacity;

    // Largest batch whose KV and batch-proportional buffers still fit. A
    // prefill chunk's activations are one block, not per sequence (counting
    // the block beside the decode step's activations is conservative by at
    // most that block).
    const double prefill_block = w.prompt > 0 ? std::min<double>(w.prompt, w.prefill_chunk) * act_per_token : 0.0;
    const Bytes fixed_part = plan.weights + plan.runtime_reserve + bytes(prefill_block);
    const double per_seq = kv_per_seq + (1 + d.mtp.depth) * act_per_token + comm_per_seq;
    const double room = (plan.capacity - fixed_part).value();
    plan.max_batch = room > 0 && per_seq > 0 ? static_cast<int>(std::min(1e9, std::floor(room / per_seq))) : 0;
    if (!plan.fits) {
        const auto gb = [](Bytes b) { return std::to_string(static_cast<long long>(std::llround(b.value() / 1e9))); };
        plan.reason = "needs " + gb(plan.total) + " GB per GPU (weights " + gb(plan.weights) + " GB, KV " +
                      gb(plan.kv_cache) + " GB) but the " + s.gpu.id + " has " + gb(plan.capacity) + " GB";
    }
    return plan;
}

}  // namespace hwplan::model

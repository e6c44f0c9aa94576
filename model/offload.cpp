#include "model/offload.hpp"

#include <algorithm>
#include <cmath>

#include "model/error.hpp"
#include "model/kv_cache.hpp"
#include "model/layer_costs.hpp"
#include "model/memory_plan.hpp"
#include "model/param_count.hpp"

namespace hwplan::model {

namespace {

double expert_weight_bytes(const OffloadOptions& o) {
    return o.cpu_expert_bits > 0 ? o.cpu_expert_bits / 8.0 : weight_bytes_per_element(o.cpu_experts);
}

// One pass (a decode step of `tokens` sequences, or the prefill of one
// prompt of `tokens` tokens) through the hybrid split. `in` is the attention
// workload of one layer; `head_tokens` the rows of the output head.
OffloadStep hybrid_pass(const ModelArch& m, const System& s, const OffloadOptions& o, const Efficiencies& e,
                        detail::Phase phase, double tokens, const detail::AttentionInput& in,
                        double head_tokens, double kv_tokens_per_sequence, double sequences) {
    OffloadStep r;
    r.tokens = tokens;
    const auto* moe = std::get_if<Moe>(&m.ffn);
    if (!moe) {
        r.reason = "hybrid offload puts routed experts on the CPU; " + m.id + " has none (run it on the GPU)";
        return r;
    }
    if (!s.host) {
        r.reason = s.id + " has no separate host CPU/DRAM to hold the experts (unified memory: use tpot)";
        return r;
    }
    const Cpu& cpu = *s.host;
    const int sockets = std::max(1, cpu.sockets);
    if (o.sockets_used < 0 || o.sockets_used > sockets)
        throw Error("must be between 0 (all) and the host's " + std::to_string(sockets) + " sockets, got " +
                        std::to_string(o.sockets_used),
                    "sockets_used");
    if (!(o.cpu_isa_share > 0 && o.cpu_isa_share <= 1))
        throw Error("must be in (0, 1], got " + std::to_string(o.cpu_isa_share), "cpu_isa_share");
    const int used = o.sockets_used > 0 ? o.sockets_used : sockets;

    // The GPU part as a one-GPU deployment of the model.
    Deployment d;
    d.precision.weights = o.gpu_weights;
    d.precision.kv_cache = o.kv_cache;
    d.overlap = Overlap::none;
    System one = s;
    one.gpus_per_node = 1;
    one.scale_up_domain = 1;
    const KernelCostModel k = KernelCostModel::for_gpu(s.gpu, e, 0);
    StepOptions so;
    so.efficiencies = e;
    const detail::StepContext c = detail::make_context(m, one, d, k, so, phase);

    const double T = tokens;
    const double h = m.hidden;

    // GPU: attention of one layer, dense FFN layers, shared experts, router.
    detail::LayerCost attn;
    detail::attention_block(c, in, attn);
    detail::LayerCost dense;
    detail::dense_ffn_block(c, T, moe->dense_intermediate, dense);
    detail::LayerCost shared;
    {
        const double inter = static_cast<double>(moe->shared_experts) * moe->expert_intermediate;
        const KernelCost gate = k.gemm(GemmShape{T, static_cast<double>(moe->routed_experts), h, DType::bf16, 1});
        shared.parts.add(Component::router, gate.time);
        shared.parts.add(Component::kernel_overhead, gate.overhead);
        shared.compute += gate.total().value();
        if (moe->shared_experts > 0) {
            const KernelCost up = k.gemm(GemmShape{T, 2 * inter, h, o.gpu_weights, 1});
            const KernelCost down = k.gemm(GemmShape{T, h, inter, o.gpu_weights, 1});
            for (const KernelCost* kc : {&up, &down}) {
                shared.parts.add(Component::shared_experts, kc->time);
                shared.parts.add(Component::kernel_overhead, kc->overhead);
                shared.compute += kc->total().value();
            }
        }
    }
    detail::LayerCost head;
    detail::lm_head_block(c, head_tokens, head);

    // Host memory: one copy of the experts, or one per NUMA node.
    const ParamCount p = count_params(m);
    const double expert_bytes = p.routed_experts * expert_weight_bytes(o);
    const double node_capacity = cpu.memory_capacity.value() / sockets;
    r.experts_replicated = o.numa_replicated && used > 1 && expert_bytes <= node_capacity;
    r.streaming_sockets = used == 1 || r.experts_replicated ? used : 1;

    // CPU: the routed experts the tokens touch, streamed from local DRAM.
    const double E = moe->routed_experts;
    const double active = E * (1.0 - std::pow(1.0 - static_cast<double>(moe->top_k) / E, T));
    const double per_expert = 3.0 * h * moe->expert_intermediate;
    const double layer_bytes = active * per_expert * expert_weight_bytes(o);
    const double layer_flops = 2.0 * T * moe->top_k * per_expert;
    const double socket_bw = cpu.memory_bandwidth.value() / sockets;
    const double cpu_bw = r.streaming_sockets * socket_bw * e.cpu_memory;
    const double cpu_peak = cpu.matrix_peak.value() * used / sockets * o.cpu_isa_share * e.cpu_compute;
    const double t_mem = cpu_bw > 0 ? layer_bytes / cpu_bw : INFINITY;
    const double t_cmp = cpu_peak > 0 ? layer_flops / cpu_peak : INFINITY;
    const double t_cpu = std::max(t_mem, t_cmp);
    r.cpu_bandwidth = bytes_per_second(cpu_bw);
    // Hidden states to the host and results back.
    const double pcie_rate = (s.gpu.pcie_bandwidth.value() > 0 ? s.gpu.pcie_bandwidth.value() : 32e9) * e.pcie;
    const double handoff = T * h * c.act_bytes / pcie_rate + e.pcie_latency.value();

    const int moe_layers = m.moe_layers();
    const int dense_layers = m.dense_layers();
    const double t_shared = shared.compute;
    const double ffn = o.overlap_shared ? std::max(t_cpu, t_shared) : t_cpu + t_shared;
    const double moe_layer = attn.compute + ffn + 2 * handoff;
    const double dense_layer = attn.compute + dense.compute;
    const double step = moe_layers * moe_layer + dense_layers * dense_layer + head.compute;
    r.bound = t_cpu >= t_shared ? "cpu" : "gpu";

    Breakdown b;
    Breakdown a = attn.parts;
    a *= m.layers;
    b += a;
    Breakdown dn = dense.parts;
    dn *= dense_layers;
    b += dn;
    Breakdown sh = shared.parts;
    sh *= moe_layers;
    b += sh;
    b += head.parts;
    b.add(Component::routed_experts, seconds(t_cpu * moe_layers));
    b.add(Component::dispatch, seconds(handoff * moe_layers));
    b.add(Component::combine, seconds(handoff * moe_layers));
    b.add(Component::overlap, seconds((ffn - t_cpu - t_shared) * moe_layers));
    r.breakdown = b;
    r.step = seconds(step);
    r.cpu_time = seconds(t_cpu * moe_layers);
    r.gpu_time = seconds(m.layers * attn.compute + dense_layers * dense.compute + moe_layers * t_shared + head.compute);
    r.cpu_bytes_per_step = bytes(layer_bytes * moe_layers);

    // Memory: everything but the routed experts on the GPU (+ KV, reserve).
    const double gpu_linear = p.attention + p.dense_ffn + p.shared_experts;
    const double gpu_high = p.embedding + p.lm_head + p.norms + p.router;
    r.gpu_weight_bytes = bytes(gpu_linear * weight_bytes_per_element(o.gpu_weights) +
                               gpu_high * std::max(2.0, bytes_per_element(o.gpu_weights)));
    r.host_weight_bytes = bytes(expert_bytes * (r.experts_replicated ? used : 1));
    r.gpu_memory = r.gpu_weight_bytes +
                   kv_bytes_per_sequence(m, o.kv_cache, static_cast<int>(std::lround(kv_tokens_per_sequence))) *
                       sequences +
                   runtime_reserve_per_gpu();
    r.feasible = true;
    const auto gb = [](Bytes x) { return std::to_string(static_cast<long long>(std::llround(x.value() / 1e9))); };
    if (r.gpu_memory > s.gpu.memory_capacity) {
        r.feasible = false;
        r.reason = "GPU part needs " + gb(r.gpu_memory) + " GB but the " + s.gpu.id + " has " +
                   gb(s.gpu.memory_capacity) + " GB";
    } else if (r.host_weight_bytes > cpu.memory_capacity) {
        r.feasible = false;
        r.reason = "routed experts need " + gb(r.host_weight_bytes) + " GB of host memory but " + cpu.id + " has " +
                   gb(cpu.memory_capacity) + " GB";
    }
    return r;
}

}  // namespace

OffloadStep offload_decode(const ModelArch& m, const System& s, const Workload& w, const OffloadOptions& o,
                           const Efficiencies& e) {
    if (w.batch < 1) throw Error("must be at least 1, got " + std::to_string(w.batch), "batch");
    if (w.context < 0) throw Error("must not be negative, got " + std::to_string(w.context), "context");
    const double B = w.batch;
    const double attended = attended_tokens(m, w.context);
    const detail::AttentionInput in{B, B, attended, attended, detail::Phase::decode};
    OffloadStep r = hybrid_pass(m, s, o, e, detail::Phase::decode, B, in, B, w.context, B);
    if (r.step.value() > 0) {
        r.tpot = r.step;
        r.tokens_per_s_per_user = 1.0 / r.step.value();
        r.tokens_per_s = B / r.step.value();
    }
    return r;
}

OffloadStep offload_prefill(const ModelArch& m, const System& s, const Workload& w, const OffloadOptions& o,
                            const Efficiencies& e) {
    if (w.prompt < 1) throw Error("must be at least 1, got " + std::to_string(w.prompt), "prompt");
    const double P = w.prompt;
    // Causal attention over the prompt: on average P/2 keys per query.
    const detail::AttentionInput in{P, 1.0, P / 2, P, detail::Phase::prefill};
    OffloadStep r = hybrid_pass(m, s, o, e, detail::Phase::prefill, P, in, 1.0, P, 1.0);
    if (r.step.value() > 0) r.tokens_per_s = P / r.step.value();
    return r;
}

}  // namespace hwplan::model

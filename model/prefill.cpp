// Prefill / TTFT (see step_time.hpp and docs/equations.md, "Step time").
//
// A prompt of P tokens, of which a share h is served from a prefix cache,
// computes P' = ceil(P (1 - h)) tokens in chunks of C (chunked prefill): chunk
// i has c_i = min(C, P' - iC) tokens, attends to the cached prefix, the
// earlier chunks and causally to itself (on average prefix_i + c_i / 2 keys
// per query: the quadratic term). Every DP replica is assumed to prefill a
// chunk at the same time (a loaded server), so the EP all-to-all carries c_i
// tokens per GPU, with DeepEP's normal (forwarding) kernels by default.
// Prefill always uses the realistic model: the paper gives no prefill bound.
#include <algorithm>
#include <cmath>

#include "model/error.hpp"
#include "model/layer_costs.hpp"
#include "model/layout.hpp"
#include "model/step_time.hpp"

namespace hwplan::model {

namespace {

void check_workload(const Workload& w) {
    if (w.prompt < 0) throw Error("must not be negative, got " + std::to_string(w.prompt), "prompt");
    if (w.prefill_chunk < 1) throw Error("must be at least 1, got " + std::to_string(w.prefill_chunk), "prefill_chunk");
    if (!(w.prefix_hit_rate >= 0 && w.prefix_hit_rate <= 1)) throw Error("must be between 0 and 1", "prefix_hit_rate");
}

struct ChunkCost {
    Breakdown parts;
    double time = 0;
    double kernels = 0;
};

// All layers of the model for one chunk of `tokens` tokens after `prefix`
// earlier tokens.
ChunkCost chunk_cost(const detail::StepContext& c, double tokens, double prefix, EpAlgorithm alg) {
    ChunkCost r;
    const ModelArch& m = *c.m;
    const detail::AttentionInput in{tokens, 1.0, prefix + tokens / 2, prefix + tokens, detail::Phase::prefill};
    if (m.dense_layers() > 0) {
        detail::LayerCost dense;
        detail::attention_block(c, in, dense);
        detail::dense_ffn_block(c, tokens, c.moe ? c.moe->dense_intermediate : std::get<Dense>(m.ffn).intermediate,
                                dense);
        dense.parts *= m.dense_layers();
        r.parts += dense.parts;
        r.time += (dense.compute + dense.comm) * m.dense_layers();
        r.kernels += dense.kernels * m.dense_layers();
    }
    if (m.moe_layers() > 0) {
        detail::MoeLayer layer = detail::moe_layer(c, in, alg);
        layer.cost.parts *= m.moe_layers();
        r.parts += layer.cost.parts;
        r.time += layer.time * m.moe_layers();
        r.kernels += layer.cost.kernels * m.moe_layers();
    }
    // Prefill forwards are not graph-captured (engine.hpp): a short chunk
    // can be launch-bound.
    const double host = detail::host_wait_seconds(*c.engine, false, r.kernels, r.time);
    r.parts.add(Component::host, seconds(host));
    r.time += host;
    return r;
}

}  // namespace

PrefillStep prefill(const ModelArch& m, const System& s, const Deployment& d, const Workload& w, const StepOptions& o) {
    // The throughput-mode all-to-all holds its SMs for the whole prefill.
    const int comm_sms = d.comm_sms > 0 ? d.comm_sms : (d.ep > 1 ? o.efficiencies.prefill_comm_sms : 0);
    return prefill(m, s, d, w, o, KernelCostModel::for_gpu(s.gpu, o.efficiencies, comm_sms));
}

PrefillStep prefill(const ModelArch& m, const System& s, const Deployment& d, const Workload& w, const StepOptions& o,
                    const KernelCostModel& k) {
    check_workload(w);
    PrefillStep r;
    r.mode = StepMode::realistic;
    if (auto problem = layout_problem(m, s, d)) {
        r.reason = std::move(*problem);
        return r;
    }
    const detail::StepContext c = detail::make_context(m, s, d, k, o, detail::Phase::prefill);
    if (auto problem = detail::network_problem(c)) {
        r.reason = std::move(*problem);
        return r;
    }
    r.ep_algorithm = o.ep_algorithm == EpAlgorithm::automatic ? EpAlgorithm::forwarding : o.ep_algorithm;
    const double computed = std::ceil(w.prompt * (1.0 - w.prefix_hit_rate) - 1e-9);
    const double cached = w.prompt - computed;
    r.computed_tokens = std::max(0.0, computed);
    r.feasible = true;
    if (r.computed_tokens <= 0) return r;

    const double C = w.prefill_chunk;
    const long long n = static_cast<long long>(std::ceil(r.computed_tokens / C));
    r.chunks = static_cast<int>(std::min<long long>(n, 2147483647LL));
    // Chunk i costs f(c_i, prefix_i); for very many chunks, evaluate 256
    // representative ones (midpoint rule over equal runs of full chunks).
    Breakdown sum;
    double total = 0;
    const long long full = static_cast<long long>(std::floor(r.computed_tokens / C));
    const double last_tokens = r.computed_tokens - full * C;
    const long long samples = std::min<long long>(full, 256);
    for (long long j = 0; j < samples; ++j) {
        const long long first = full * j / samples;
        const long long end = full * (j + 1) / samples;
        const double count = static_cast<double>(end - first);
        const double mid = 0.5 * static_cast<double>(first + end - 1);
        ChunkCost cc = chunk_cost(c, C, cached + mid * C, r.ep_algorithm);
        cc.parts *= count;
        sum += cc.parts;
        total += cc.time * count;
        r.kernels += cc.kernels * count;
    }
    ChunkCost last;
    if (last_tokens > 0) {
        last = chunk_cost(c, last_tokens, cached + full * C, r.ep_algorithm);
        sum += last.parts;
        total += last.time;
        r.kernels += last.kernels;
    } else {
        last = chunk_cost(c, C, cached + (full - 1) * C, r.ep_algorithm);
    }
    // The first token: output head for the prompt's last position only.
    detail::LayerCost head;
    detail::lm_head_block(c, 1.0, head);
    sum += head.parts;
    total += head.compute;

    // Pipeline: stage times are 1/pp of the chunk times; the chunks stream
    // through, and the last one still crosses pp - 1 further stages.
    const double pp = d.pp;
    double ttft = total / pp + (pp - 1) / pp * last.time;
    sum *= 1.0 / pp;
    Breakdown tail = last.parts;
    tail *= (pp - 1) / pp;
    sum += tail;
    head.parts *= (pp - 1) / pp;  // the head ran once, not 1/pp times
    sum += head.parts;
    ttft += (pp - 1) / pp * head.compute;
    const double p2p =
        (pp - 1) * detail::stage_transfer_seconds(c, std::min(C, r.computed_tokens) * m.hidden * c.act_bytes);
    sum.add(Component::pipeline, seconds(p2p));
    ttft += p2p;
    r.ttft = seconds(ttft);
    r.breakdown = sum;
    r.input_tokens_per_s_per_gpu = r.computed_tokens / (total * d.tp);
    return r;
}

}  // namespace hwplan::model

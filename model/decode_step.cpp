// One decode step (see step_time.hpp and docs/equations.md, "Step time").
#include <algorithm>
#include <cmath>

#include "model/error.hpp"
#include "model/kv_cache.hpp"
#include "model/layer_costs.hpp"
#include "model/layout.hpp"
#include "model/memory_plan.hpp"
#include "model/mtp.hpp"
#include "model/step_time.hpp"

namespace hwplan::model {

namespace {

void check_workload(const Workload& w) {
    if (w.batch < 1) throw Error("must be at least 1, got " + std::to_string(w.batch), "batch");
    if (w.context < 0) throw Error("must not be negative, got " + std::to_string(w.context), "context");
}

// The paper's bound: the EP all-to-all alone, computation hidden.
void paper_decode(const ModelArch& m, const System& s, const Deployment& d, const Workload& w, DecodeStep& r) {
    const auto* e = std::get_if<Moe>(&m.ffn);
    if (!e) {
        r.reason = "paper mode models the EP all-to-all only; " + m.id + " is a dense model";
        return;
    }
    if (d.ep < 2) {
        r.reason = "paper mode needs experts spread over GPUs (ep > 1), got ep " + std::to_string(d.ep);
        return;
    }
    const int mb = std::max(1, d.micro_batches);
    const double tokens = static_cast<double>(w.batch) * verified_tokens_per_step(d.mtp) / d.tp / mb;
    const PaperEpInputs in = paper_ep_inputs(m, s, d, tokens);
    if (!(in.bandwidth.value() > 0)) {
        r.reason = s.id + " has no bandwidth for the all-to-all (no NIC / scale-up link)";
        return;
    }
    const PaperEp p = paper_ep(in);
    r.step = p.step;
    r.tokens_per_step = p.tokens_per_step;
    r.moe_layer = p.layer;
    r.dense_layer = p.layer;
    r.micro_batches = mb;
    r.tokens_per_gpu = tokens;
    const double per_layer = static_cast<double>(mb) * m.layers;
    r.breakdown.add(Component::dispatch, p.dispatch * per_layer);
    r.breakdown.add(Component::combine, p.combine * per_layer);
}

}  // namespace

DecodeStep decode_step(const ModelArch& m, const System& s, const Deployment& d, const Workload& w,
                       const StepOptions& o) {
    return decode_step(m, s, d, w, o, KernelCostModel::for_gpu(s.gpu, o.efficiencies, d.comm_sms));
}

DecodeStep decode_step(const ModelArch& m, const System& s, const Deployment& d, const Workload& w,
                       const StepOptions& o, const KernelCostModel& k) {
    check_workload(w);
    DecodeStep r;
    r.mode = o.mode;
    if (auto problem = layout_problem(m, s, d)) {
        r.reason = std::move(*problem);
        return r;
    }
    const double verify = verified_tokens_per_step(d.mtp);
    r.tokens_per_step = expected_tokens_per_step(d.mtp);

    if (o.mode == StepMode::paper) {
        paper_decode(m, s, d, w, r);
        if (!r.reason.empty()) return r;
    } else {
        const detail::StepContext c = detail::make_context(m, s, d, k, o, detail::Phase::decode);
        if (auto problem = detail::network_problem(c)) {
            r.reason = std::move(*problem);
            return r;
        }
        r.ep_algorithm = o.ep_algorithm == EpAlgorithm::automatic ? EpAlgorithm::direct : o.ep_algorithm;
        // The replica's sequences are split into pp groups that flow through
        // the pipeline; one group is in each stage at a time.
        const double seqs = static_cast<double>(w.batch) / d.pp;
        const double tokens = seqs * verify;
        const double attended = attended_tokens(m, w.context);
        const detail::AttentionInput in{tokens, seqs, attended, attended, detail::Phase::decode};

        Breakdown total;
        double step = 0;
        double kernels = 0;
        if (m.dense_layers() > 0) {
            detail::LayerCost dense;
            detail::attention_block(c, in, dense);
            const double inter = c.moe ? c.moe->dense_intermediate : std::get<Dense>(m.ffn).intermediate;
            detail::dense_ffn_block(c, tokens, inter, dense);
            r.dense_layer = seconds(dense.compute + dense.comm);
            dense.parts *= m.dense_layers();
            total += dense.parts;
            kernels += dense.kernels * m.dense_layers();
            step += r.dense_layer.value() * m.dense_layers();
        }
        detail::MoeLayer layer;
        if (m.moe_layers() > 0) {
            layer = detail::moe_layer(c, in, r.ep_algorithm);
            r.moe_layer = seconds(layer.time);
            r.micro_batches = layer.micro_batches;
            r.tokens_per_gpu = layer.stats.tokens_per_gpu;
            r.active_experts_per_gpu = layer.stats.active_experts;
            r.tokens_per_expert = layer.stats.tokens_per_expert;
            r.ep = layer.stats.ep;
            Breakdown parts = layer.cost.parts;
            parts *= m.moe_layers();
            total += parts;
            kernels += layer.cost.kernels * m.moe_layers();
            step += layer.time * m.moe_layers();
        }
        {
            detail::LayerCost head;
            detail::lm_head_block(c, tokens, head);
            total += head.parts;
            step += head.compute;
            kernels += head.kernels;
        }
        if (d.mtp.depth > 0) {
            // Drafting: each of the d MTP modules runs once per step on one
            // token per sequence: its projection of [h; emb] (2h -> h), one
            // transformer block of the model's kind, and the shared output head.
            detail::LayerCost draft;
            const detail::AttentionInput din{seqs, seqs, attended, attended, detail::Phase::decode};
            detail::attention_block(c, din, draft);
            if (const detail::LayerCost* same = c.moe ? layer.moe_block_for(seqs) : nullptr) {
                draft.compute += same->compute;  // the MoE block at this token count was already evaluated
                draft.comm += same->comm;
                draft.kernels += same->kernels;
            } else if (c.moe)
                (void)detail::moe_block(c, seqs, r.ep_algorithm, draft);
            else
                detail::dense_ffn_block(c, seqs, std::get<Dense>(m.ffn).intermediate, draft);
            const KernelCost proj =
                k.gemm(GemmShape{seqs, static_cast<double>(m.hidden), 2.0 * m.hidden, c.weights, 1});
            // The fill is inside the per-kernel cost in a step (layer_costs.cpp, add_gemm).
            draft.compute += proj.total().value() - c.linear_format.latency_s;
            draft.kernels += proj.kernels;
            detail::lm_head_block(c, seqs, draft);
            const double t = (draft.compute + draft.comm) * d.mtp.depth;
            kernels += draft.kernels * d.mtp.depth;
            total.add(Component::mtp_draft, seconds(t));
            step += t;
        }
        const double p2p = (d.pp - 1) * detail::stage_transfer_seconds(c, tokens * m.hidden * c.act_bytes);
        total.add(Component::pipeline, seconds(p2p));
        step += p2p;
        const double host = detail::host_wait_seconds(o.engine, o.engine.cuda_graphs, kernels, step);
        total.add(Component::host, seconds(host));
        step += host;
        r.kernels = kernels;
        r.step = seconds(step);
        r.breakdown = total;
    }

    r.tpot = r.step / r.tokens_per_step;
    r.tokens_per_s_per_user = r.tokens_per_step / r.step.value();
    const double world = world_size(s, d);
    r.tokens_per_s_per_gpu = static_cast<double>(d.dp) * w.batch * r.tokens_per_s_per_user / world;
    r.feasible = true;
    if (o.check_memory) {
        MemoryPlan plan = plan_memory(m, s, d, w);
        r.memory_per_gpu = plan.total;
        if (!plan.fits) {
            r.feasible = false;
            r.reason = std::move(plan.reason);
        }
    }
    return r;
}

}  // namespace hwplan::model

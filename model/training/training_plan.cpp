#include "model/training/training_plan.hpp"

#include <algorithm>
#include <cmath>
#include <variant>

#include <fmt/format.h>

#include "model/ep_comm.hpp"
#include "model/error.hpp"
#include "model/flops_per_token.hpp"
#include "model/param_count.hpp"

namespace hwplan::model::training {

namespace {

bool divides(long long a, long long b) { return a > 0 && b % a == 0; }

// Largest power of two <= limit that divides every value in `of`.
int largest_pow2_divisor(int limit, std::initializer_list<int> of) {
    int best = 1;
    for (int c = 2; c <= limit; c *= 2) {
        bool ok = true;
        for (int v : of) ok = ok && v % c == 0;
        if (ok) best = c;
    }
    return best;
}

int kv_heads(const ModelArch& m) {
    if (const auto* g = std::get_if<Gqa>(&m.attention)) return g->kv_heads;
    return m.attention_heads();
}

// Ring all-reduce / reduce-scatter + all-gather of `bytes` over n ranks:
// 2 (n-1)/n · bytes / bw (each rank sends and receives that much; nccl-tests'
// bus-bandwidth normalisation). Latency terms ignored (messages are MBs).
double ring_allreduce_s(double bytes, int n, double bw) {
    if (n <= 1 || bytes <= 0) return 0;
    return 2.0 * (n - 1) / n * bytes / bw;
}

}  // namespace

TrainingLayout default_layout(const ModelArch& m, const System& s, int gpus, const LayoutRequest& r) {
    TrainingLayout l;
    const double params = count_params(m).total;
    const auto* moe = std::get_if<Moe>(&m.ffn);
    const int node = std::max(1, s.gpus_per_node);
    l.tp = r.tp > 0 ? r.tp
           : (!moe && params > 100e9) ? largest_pow2_divisor(std::min(node, s.scale_up_domain),
                                                            {m.attention_heads(), kv_heads(m)})
                                      : 1;
    l.cp = r.cp > 0 ? r.cp : 1;
    if (r.pp > 0) {
        l.pp = r.pp;
    } else {
        int want = params > 100e9 ? 16 : params > 20e9 ? 4 : 1;
        // Shrink until it divides the GPUs left after TP/CP and fits the layers.
        while (want > 1 && (!divides(static_cast<long long>(l.tp) * l.cp * want, gpus) || want > m.layers)) want /= 2;
        l.pp = want;
    }
    const long long inner = static_cast<long long>(l.tp) * l.cp * l.pp;
    l.dp = r.dp > 0 ? r.dp : (divides(inner, gpus) ? static_cast<int>(gpus / inner) : 0);
    if (r.ep > 0) {
        l.ep = r.ep;
    } else if (moe && l.dp > 0) {
        // EP over 8 nodes' GPUs (DeepSeek-V3: "64-way EP spanning 8 nodes"),
        // at most the experts and the dp · cp ranks of one stage.
        const int ranks = l.dp * l.cp;
        int ep = std::min({8 * node / l.tp, moe->routed_experts, ranks});
        while (ep > 1 && !(ranks % ep == 0 && moe->routed_experts % ep == 0)) --ep;
        l.ep = std::max(1, ep);
    }
    if (r.schedule) {
        l.schedule = *r.schedule;
    } else {
        l.schedule = l.pp <= 1                     ? PipelineSchedule::one_f_one_b
                     : (moe && l.pp % 2 == 0)      ? PipelineSchedule::dualpipe
                     : !moe                        ? PipelineSchedule::interleaved
                                                   : PipelineSchedule::one_f_one_b;
    }
    if (r.virtual_stages > 0) {
        l.virtual_stages = r.virtual_stages;
    } else if (l.schedule == PipelineSchedule::interleaved) {
        // Not published for Llama 3: up to 4 chunks per stage while every
        // chunk keeps at least one layer.
        int v = 4;
        while (v > 1 && v * l.pp > m.layers) v /= 2;
        l.virtual_stages = v;
    }
    // DeepEP's normal kernels take 20 of the H800's 132 SMs while DualPipe
    // overlaps them with computation (paper sec. 2.3.2 / DeepSeek-V3 report).
    l.comm_sms = l.schedule == PipelineSchedule::dualpipe && moe && l.ep > 1 ? 20 : 0;
    return l;
}

TrainingPlan plan_training(const ModelArch& m, const System& s, const TrainingSpec& spec) {
    const TrainingLayout& L = spec.layout;
    const auto* moe = std::get_if<Moe>(&m.ffn);
    const auto finite_pos = [](double v) { return std::isfinite(v) && v > 0; };
    if (!finite_pos(spec.tokens)) throw Error("must be a positive token count", "tokens");
    if (!finite_pos(spec.seq) || spec.seq < 1) throw Error("must be at least 1 token", "seq");
    for (auto [v, name] : {std::pair{L.tp, "tp"}, {L.cp, "cp"}, {L.pp, "pp"}, {L.dp, "dp"}, {L.ep, "ep"},
                           {L.virtual_stages, "virtual_stages"}})
        if (v < 1) throw Error(fmt::format("must be at least 1, got {}", v), name);
    if (!divides(L.tp, m.attention_heads()))
        throw Error(fmt::format("{} must divide the {} attention heads", L.tp, m.attention_heads()), "tp");
    if (L.pp > m.layers) throw Error(fmt::format("{} stages for {} layers", L.pp, m.layers), "pp");
    if (L.virtual_stages > 1 && L.schedule != PipelineSchedule::interleaved)
        throw Error("virtual stages are for the interleaved schedule only", "virtual_stages");
    if (L.virtual_stages * L.pp > m.layers)
        throw Error(fmt::format("{} x {} model chunks for {} layers", L.pp, L.virtual_stages, m.layers),
                    "virtual_stages");
    if (!moe && L.ep > 1) throw Error("expert parallelism needs an MoE model", "ep");
    if (moe) {
        if (!divides(L.ep, moe->routed_experts))
            throw Error(fmt::format("{} must divide the {} routed experts", L.ep, moe->routed_experts), "ep");
        if (!divides(L.ep, static_cast<long long>(L.dp) * L.cp))
            throw Error(fmt::format("{} must divide dp x cp = {} (EP ranks come from the data-parallel ranks of a "
                                    "stage)",
                                    L.ep, L.dp * L.cp),
                        "ep");
    }
    if (!finite_pos(L.micro_batch_seqs)) throw Error("must be > 0", "micro_batch_seqs");
    if (!finite_pos(spec.global_batch)) throw Error("must be a positive number of sequences", "global_batch");
    const double per_replica = spec.global_batch / (L.dp * L.micro_batch_seqs);
    if (std::abs(per_replica - std::round(per_replica)) > 1e-9 || per_replica < 1)
        throw Error(fmt::format("{:g} sequences do not split into dp ({}) x micro-batch ({:g}) x whole micro-batches",
                                spec.global_batch, L.dp, L.micro_batch_seqs),
                    "global_batch");
    if (spec.mfu && !(*spec.mfu > 0 && *spec.mfu <= 1)) throw Error("must be in (0, 1]", "mfu");
    if (!(spec.expert_imbalance >= 1)) throw Error("must be >= 1", "expert_imbalance");
    if (!(spec.price_per_gpu_hour_usd >= 0)) throw Error("must be >= 0", "price");
    const double bf16_peak = peak_flops(s.gpu, DType::bf16).value();
    if (!(bf16_peak > 0)) throw Error("GPU '" + s.gpu.id + "' has no BF16 peak", "system");

    TrainingPlan r;
    r.layout = L;
    r.gpus = L.world();
    r.micro_batches = static_cast<int>(std::lround(per_replica));
    auto& A = r.assumptions;

    // ---- FLOPs
    const ParamCount pc = count_params(m);
    const double train_fpt = train_flops_per_token(m, spec.seq).value();
    const double matmul_fwd_pt = 2.0 * pc.active_matmul();
    const double attn_fwd_pt = (train_fpt - 3.0 * matmul_fwd_pt) / 3.0;  // causal average, windows applied
    r.flops_per_token = train_fpt;
    r.hardware_flops_per_token = train_fpt + (L.recompute ? train_fpt / 3.0 : 0.0);
    r.tokens_per_step = spec.global_batch * spec.seq;
    r.steps = spec.tokens / r.tokens_per_step;
    A.push_back(fmt::format("training FLOPs/token = 6 x {:.1f}B active matmul params + causal attention at seq {:g} "
                            "= {:.1f} GFLOPs (docs/equations.md); backward = 2 x forward",
                            pc.active_matmul() / 1e9, spec.seq, train_fpt / 1e9));
    if (L.recompute) A.push_back("full activation recomputation: one more forward per backward (not in MFU)");

    // ---- compute of one micro-batch on one stage (seconds)
    const double tokens_mb = L.micro_batch_seqs * spec.seq / L.cp;  // tokens per GPU of a (tp x cp) group
    const double stage_share = 1.0 / L.pp;                          // stages balanced: L/pp layers each
    double fwd_gemm = 0, fwd_attn = 0, fwd_elem = 0;
    const double h = m.hidden;
    if (spec.mfu) {
        const double rate = bf16_peak * *spec.mfu;
        fwd_gemm = matmul_fwd_pt * tokens_mb / L.tp * stage_share / rate;
        fwd_attn = attn_fwd_pt * tokens_mb / L.tp * stage_share / rate;
        r.compute_efficiency = *spec.mfu;
        A.push_back(fmt::format("compute runs at the stated {:.0f} % of the dense BF16 peak ({:.0f} TFLOP/s); "
                                "bubbles, exposed communication and interruptions come on top",
                                *spec.mfu * 100, bf16_peak / 1e12));
    } else {
        const KernelCostModel& k = spec.kernels;
        const DType w = spec.precision.weights;
        // FP8 training keeps the output head and the MoE gate in BF16
        // (DeepSeek-V3 report sec. 3.3.1); every other linear layer runs in `w`.
        const auto gemm_in = [&](DType format, double rows, double n, double groups) {
            return k.gemm(GemmShape{rows, n, h, format, groups}).total().value();
        };
        const auto gemm = [&](double rows, double n, double groups = 1) { return gemm_in(w, rows, n, groups); };
        const double attn_params = attention_params_per_layer(m);
        fwd_gemm += m.layers * gemm(tokens_mb, attn_params / h / L.tp);
        double ffn_inter_per_token = 0;  // active FFN width, for the element-wise traffic
        if (const auto* d = std::get_if<Dense>(&m.ffn)) {
            fwd_gemm += m.layers * gemm(tokens_mb, 3.0 * d->intermediate / L.tp);
            ffn_inter_per_token = d->intermediate;
        } else {
            fwd_gemm += m.dense_layers() * gemm(tokens_mb, 3.0 * moe->dense_intermediate / L.tp);
            const int moe_layers = m.moe_layers();
            if (moe->shared_experts > 0)
                fwd_gemm += moe_layers * gemm(tokens_mb, 3.0 * moe->expert_intermediate * moe->shared_experts / L.tp);
            fwd_gemm += moe_layers * gemm_in(DType::bf16, tokens_mb, moe->routed_experts, 1);  // router
            // Every EP rank receives, on average, top_k expert rows per token
            // of its own micro-batch; the hottest one (imbalance) sets the pace.
            const double rows = tokens_mb * moe->top_k * spec.expert_imbalance;
            fwd_gemm += moe_layers * gemm(rows, 3.0 * moe->expert_intermediate / L.tp,
                                          static_cast<double>(moe->routed_experts) / L.ep);
            ffn_inter_per_token = (moe->top_k + moe->shared_experts) * moe->expert_intermediate;
        }
        fwd_gemm += gemm_in(DType::bf16, tokens_mb, static_cast<double>(m.vocab) / L.tp, 1);  // lm_head (one stage)
        // Attention core (FlashAttention-style, compute-bound at training
        // lengths): causal FLOPs and Q, K, V, O traffic in BF16.
        const HeadDims hd = head_dims(m);
        const double attn_work = attn_fwd_pt * tokens_mb / L.tp;
        const double attn_traffic =
            m.layers * tokens_mb * m.attention_heads() / L.tp * (2.0 * hd.qk + 2.0 * hd.v) * 2.0;
        fwd_attn = k.attention(flops(attn_work), bytes(attn_traffic), m.layers).total().value();
        // Element-wise kernels (norms, residuals, RoPE, SwiGLU, quantisation):
        // ~12 BF16 passes over the hidden state and 3 over the FFN width per layer.
        const double elem_bytes = m.layers * tokens_mb / L.tp * (12.0 * h + 3.0 * ffn_inter_per_token) * 2.0;
        fwd_elem = k.elementwise(bytes(elem_bytes), 8 * m.layers).total().value();
        fwd_gemm *= stage_share;
        fwd_attn *= stage_share;
        fwd_elem *= stage_share;
        const double model_fwd = (matmul_fwd_pt + attn_fwd_pt) * tokens_mb / L.tp * stage_share;
        r.compute_efficiency = model_fwd / ((fwd_gemm + fwd_attn + fwd_elem) * bf16_peak);
        A.push_back(fmt::format(
            "compute from the kernel cost model: {} GEMMs (tile plan over the SMs, {:.2f} of the {} peak on full "
            "waves{}), attention core "
            "at {:.2f} of BF16 peak, element-wise at {:.2f} of HBM; backward GEMMs (dgrad, wgrad) = forward shapes",
            to_string(k.math_dtype(spec.precision.weights)), k.eff.gemm.peak_fraction,
            to_string(k.math_dtype(spec.precision.weights)),
            k.compute_share < 1 ? fmt::format(", {:.0f} % of SMs left after {} for communication",
                                              k.compute_share * 100, L.comm_sms)
                                : std::string(),
            k.eff.attention_compute, k.eff.elementwise));
        A.push_back(fmt::format("compute efficiency from the kernel model: {:.1f} % of dense BF16 peak while "
                                "computing (a calibration profile replaces these efficiencies)",
                                r.compute_efficiency * 100));
    }
    StageBreakdown& st = r.stage;
    st.forward_compute = seconds(fwd_gemm + fwd_attn + fwd_elem);
    st.backward_input_compute = seconds(fwd_gemm + 2 * fwd_attn + 2 * fwd_elem);
    st.backward_weight_compute = seconds(fwd_gemm);
    if (L.recompute) {
        st.recompute = st.forward_compute;
        st.backward_input_compute += st.recompute;
    }

    // ---- communication of one micro-batch on one stage
    const Efficiencies& e = spec.links;
    const bool multi_node = r.gpus > s.gpus_per_node;
    const double nvlink = s.scale_up_bandwidth_per_gpu().value() * e.nvlink;
    const double rdma = s.scale_out_bandwidth_per_gpu().value() * e.rdma;
    if (multi_node && !(rdma > 0)) throw Error("system '" + s.id + "' has no scale-out NIC for " +
                                               std::to_string(r.gpus) + " GPUs", "gpus");
    const double layers_stage = static_cast<double>(m.layers) / L.pp;
    if (L.tp > 1) {
        // Megatron sequence parallel: per layer 2 all-gather + 2 reduce-scatter
        // of the micro-batch's hidden states in the forward (ring volume of 2
        // all-reduces), as many in the backward; not overlapped.
        const double ar = ring_allreduce_s(tokens_mb * h * 2.0, L.tp, nvlink);
        st.tp_forward = seconds(2 * ar * layers_stage * (L.recompute ? 2 : 1));
        st.tp_backward = seconds(2 * ar * layers_stage);
        A.push_back(fmt::format("TP{}: 2 all-reduce-equivalents of BF16 activations per layer and direction over "
                                "NVLink at {:.0f} GB/s, ring, not overlapped",
                                L.tp, nvlink / 1e9));
    }
    if (moe && L.ep > 1) {
        Deployment d;
        d.nodes = std::max(1, r.gpus / std::max(1, s.gpus_per_node));
        d.pp = L.pp;
        d.ep = L.ep;
        d.precision = spec.precision;
        EpGroup g = ep_group(m, s, d);
        // Training replicates EP groups over DP instead of splitting experts
        // tensor-parallel: ranks per scale-up domain are the domain's GPUs / tp.
        g.domain_ranks = std::clamp(s.scale_up_domain / L.tp, 1, L.ep);
        const EpLinks links = ep_links(s, e);
        const double tok = tokens_mb / L.tp;  // sequence-parallel shard of the micro-batch
        const Bytes disp = bytes(h * dispatch_bytes_per_element(spec.precision));
        const Bytes comb = bytes(h * combine_bytes_per_element(spec.precision));
        const auto fwd = ep_exchange(g, links, tok, disp, comb, EpAlgorithm::forwarding, spec.expert_imbalance);
        const auto bwd =
            ep_exchange(g, links, tok, bytes(2 * h), bytes(2 * h), EpAlgorithm::forwarding, spec.expert_imbalance);
        const double moe_stage = static_cast<double>(m.moe_layers()) / L.pp;
        st.ep_forward = fwd.time() * moe_stage * (L.recompute ? 2.0 : 1.0);
        st.ep_backward = bwd.time() * moe_stage;
        A.push_back(fmt::format(
            "EP{}: DeepEP-style forwarding all-to-all per MoE layer (ep_comm), dispatch {} + combine {} forward, "
            "BF16 both ways backward; NVLink {:.0f} GB/s, RDMA {:.0f} GB/s per GPU; routing uniform, node-limited "
            "to {} groups; hottest rank {:.2f}x mean",
            L.ep, to_string(spec.precision.dispatch), to_string(spec.precision.combine), links.nvlink.value() / 1e9,
            links.rdma.value() / 1e9, moe->topk_groups, spec.expert_imbalance));
    }
    if (L.pp > 1) {
        const double bw = multi_node ? rdma : nvlink;
        st.pp_p2p = seconds(tokens_mb * h * 2.0 / L.tp / bw);
    }
    if (L.cp > 1)
        A.push_back(fmt::format("CP{}: ring attention; K/V exchanges assumed hidden under the attention compute",
                                L.cp));

    // ---- the pipeline
    const double comm_f = st.ep_forward.value() + st.tp_forward.value() + st.pp_p2p.value();
    const double comm_b = st.ep_backward.value() + st.tp_backward.value() + st.pp_p2p.value();
    ChunkTimes ct;
    if (L.schedule == PipelineSchedule::dualpipe) {
        ct.forward = st.forward_compute;
        ct.backward_input = st.backward_input_compute;
        ct.backward_weight = st.backward_weight_compute;
        // Forward chunk of one micro-batch and backward chunk of another run
        // together; each one's communication hides under the other's compute.
        const double compute = ct.sequential().value();
        ct.overlapped_pair = seconds(std::max(compute, comm_f + comm_b));
        st.exposed_comm = seconds(std::max(0.0, comm_f + comm_b - compute));
        A.push_back("DualPipe (DeepSeek-V3 report sec. 3.2.1): forward/backward pairs overlap all communication "
                    "(pair = max(compute, communication)); bubble (PP/2-1)(F&B+B-3W); 2x parameters; PP+1 "
                    "micro-batches of activations");
    } else {
        ct.forward = st.forward_compute + seconds(comm_f);
        ct.backward_input = st.backward_input_compute + seconds(comm_b);
        ct.backward_weight = st.backward_weight_compute;
        st.exposed_comm = seconds(comm_f + comm_b);
        A.push_back(fmt::format("{} schedule: EP/TP/PP communication in sequence with compute (no overlap){}",
                                to_string(L.schedule),
                                L.schedule == PipelineSchedule::interleaved
                                    ? fmt::format(", {} virtual stages per GPU", L.virtual_stages)
                                    : std::string()));
    }
    try {
        r.pipeline = pipeline_timing(L.schedule, L.pp, r.micro_batches, L.virtual_stages, ct);
    } catch (const Error& err) {
        if (err.where() == "micro_batches") throw Error(err.message(), "global_batch");
        throw;
    }

    // ---- data-parallel gradient traffic (ZeRO-1 / distributed optimizer)
    const double expert_params = pc.routed_experts;
    const double dense_params = pc.total - expert_params;
    const double dense_per_gpu = dense_params / (static_cast<double>(L.tp) * L.pp);
    const double expert_per_gpu = expert_params / (static_cast<double>(L.tp) * L.pp * L.ep);
    const int dense_dp = L.dp * L.cp;
    const int expert_dp = L.dp * L.cp / L.ep;
    const double dp_bw = multi_node ? rdma : nvlink;
    const double per_param = spec.grad_reduce_bytes + spec.param_gather_bytes;  // RS + AG: half a ring each
    r.dp_sync = seconds(ring_allreduce_s(dense_per_gpu * per_param / 2, dense_dp, dp_bw) +
                        ring_allreduce_s(expert_per_gpu * per_param / 2, expert_dp, dp_bw));
    // Bucketed: it starts with the last micro-batch's backward (gradients are
    // accumulated until then); one bucket per layer of the stage stays exposed.
    const double window = (ct.backward_input + ct.backward_weight).value();
    const double buckets = std::max(1.0, std::floor(layers_stage));
    r.dp_exposed = seconds(std::max(r.dp_sync.value() / buckets, r.dp_sync.value() - window));
    A.push_back(fmt::format("DP: ZeRO-1 reduce-scatter of {:g}-byte gradients + all-gather of {:g}-byte parameters, "
                            "ring 2(n-1)/n over {} ({} GB/s per GPU), overlapped with the last backward except one "
                            "bucket per layer",
                            spec.grad_reduce_bytes, spec.param_gather_bytes, multi_node ? "RDMA" : "NVLink",
                            fmt::format("{:.0f}", dp_bw / 1e9)));

    // ---- step, throughput, MFU
    r.step_time = r.pipeline.step + r.dp_exposed;
    r.tokens_per_s = r.tokens_per_step / r.step_time.value();
    r.mfu = train_fpt * r.tokens_per_s / (r.gpus * bf16_peak);
    const Seconds useful = r.step_time * r.steps;

    // ---- interruptions
    r.interruptions = account_interruptions(useful, r.gpus, spec.failures);
    if (r.interruptions.modelled) {
        A.push_back(fmt::format("failures: MTBF {:.0f} h per GPU -> cluster MTBF {:.2f} h; checkpoint write {:.0f} s, "
                                "restart {:.0f} s, checkpoint every {:.0f} s ({}); each failure loses half an interval",
                                spec.failures.gpu_mtbf_hours, r.interruptions.cluster_mtbf.value() / 3600,
                                spec.failures.checkpoint_write.value(), spec.failures.restart.value(),
                                r.interruptions.checkpoint_interval.value(),
                                spec.failures.checkpoint_interval ? "given" : "Young/Daly sqrt(2 delta M)"));
    } else {
        A.push_back("no failures modelled (no per-GPU MTBF)");
    }
    if (!r.interruptions.feasible) {
        r.feasible = false;
        r.reason = r.interruptions.reason;
    }
    const double wall = r.interruptions.wall.value();
    r.goodput_mfu = std::isfinite(wall) && wall > 0 ? r.mfu * useful.value() / wall : 0.0;
    r.days = wall / 86400.0;
    r.gpu_hours = wall / 3600.0 * r.gpus;
    r.cost_usd = r.gpu_hours * spec.price_per_gpu_hour_usd;
    A.push_back(fmt::format("price ${:.2f} per GPU-hour; GPU-hours = GPUs x wall-clock time, idle time included",
                            spec.price_per_gpu_hour_usd));

    // ---- memory of the model state (activations not estimated)
    const double weight_b = 2.0;  // BF16 weights (FP8 training keeps BF16/FP32 copies and quantises on the fly)
    const double state = (dense_per_gpu * (weight_b + spec.grad_reduce_bytes + 12.0 / dense_dp) +
                          expert_per_gpu * (weight_b + spec.grad_reduce_bytes + 12.0 / std::max(1, expert_dp))) *
                         r.pipeline.parameter_copies;
    r.model_state_bytes_per_gpu = state;
    A.push_back(fmt::format("model state per GPU {:.1f} GB (BF16 weights, FP32 gradients, FP32 Adam + master "
                            "sharded over DP{}); activations ({:g} micro-batches in flight) not estimated",
                            state / 1e9, r.pipeline.parameter_copies > 1 ? ", x2 for DualPipe" : "",
                            r.pipeline.activations_in_flight));
    if (state > s.gpu.memory_capacity.value())
        A.push_back(fmt::format("WARNING: model state alone ({:.0f} GB) exceeds the {:.0f} GB of HBM", state / 1e9,
                                s.gpu.memory_capacity.value() / 1e9));
    A.push_back("not modelled: stragglers, data loading, evaluation, optimizer step time, batch-size warm-up");
    return r;
}

}  // namespace hwplan::model::training

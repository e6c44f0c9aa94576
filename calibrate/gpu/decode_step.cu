// Decode-step mode: a full Llama-3.1-8B-shaped decode step (random BF16
// weights, BF16 KV cache) captured in one CUDA graph and replayed, for each
// (batch, context). This is the measured ground truth that hwplan's `tpot`
// prediction for llama-3.1-8b on this GPU is compared against.
//
// Per layer: RMSNorm -> fused QKV GEMM -> RoPE + KV append -> decode attention
// (our GQA kernel) -> O-proj GEMM with the residual add fused (beta = 1) ->
// RMSNorm -> gate_up GEMM -> SiLU * up -> down GEMM (+ residual). Then final
// RMSNorm, lm_head GEMM and greedy argmax. Every sequence is at position
// context - 1 and attends over `context` tokens. Every GEMM uses the fastest
// of the cuBLASLt heuristic's candidates for its shape, as a serving engine's
// autotuner would.

#include "attention.cuh"
#include "kernels.cuh"
#include "lt_gemm.cuh"
#include "probe.cuh"
#include "timer.cuh"

#include <cmath>
#include <memory>
#include <random>
#include <vector>

namespace probe {
namespace {

// config.json of meta-llama/Llama-3.1-8B.
struct ModelShape {
    const char* id = "llama-3.1-8b";
    int layers = 32, hidden = 4096, heads = 32, kv_heads = 8, head_dim = 128, inter = 14336, vocab = 128256;
    float eps = 1e-5f, theta = 500000.0f;
    long long qkv() const { return static_cast<long long>(heads + 2 * kv_heads) * head_dim; }
    std::size_t layer_params() const {
        const std::size_t h = hidden;
        return 2 * h + qkv() * h + h * h + 2 * static_cast<std::size_t>(inter) * h + h * inter;
    }
};

struct LayerWeights {
    bf16 *attn_norm, *wqkv, *wo, *ffn_norm, *wgu, *wd;
};

struct Weights {
    DeviceBuffer arena;
    std::vector<LayerWeights> layers;
    bf16 *final_norm = nullptr, *lm_head = nullptr, *embed = nullptr;
    std::size_t bytes = 0;
};

Weights make_weights(const ModelShape& m) {
    State& st = state();
    const std::size_t h = m.hidden;
    const std::size_t total = m.layers * m.layer_params() + h + 2 * static_cast<std::size_t>(m.vocab) * h;
    Weights w;
    w.bytes = total * 2;
    if (w.bytes > free_device_bytes() * 9 / 10)
        throw Failure("decode step: the " + std::to_string(w.bytes >> 20) + " MiB of weights do not fit in free device memory");
    w.arena = DeviceBuffer(w.bytes);
    bf16* p = w.arena.get<bf16>();
    std::uint32_t seed = 100;
    // U(-a, a) with a = sqrt(3 / fan_in) keeps activations at unit variance.
    auto take = [&](std::size_t n, float scale) {
        bf16* q = p;
        p += n;
        fill_random(q, n, DType::bf16, seed++, scale, st.stream);
        return q;
    };
    const float a_h = std::sqrt(3.0f / m.hidden), a_i = std::sqrt(3.0f / m.inter);
    for (int l = 0; l < m.layers; ++l) {
        LayerWeights lw;
        lw.attn_norm = take(h, 1.0f);
        lw.wqkv = take(m.qkv() * h, a_h);
        lw.wo = take(h * h, a_h);
        lw.ffn_norm = take(h, 1.0f);
        lw.wgu = take(2 * static_cast<std::size_t>(m.inter) * h, a_h);
        lw.wd = take(h * m.inter, a_i);
        w.layers.push_back(lw);
    }
    w.final_norm = take(h, 1.0f);
    w.lm_head = take(static_cast<std::size_t>(m.vocab) * h, a_h);
    w.embed = take(static_cast<std::size_t>(m.vocab) * h, 1.0f);
    CUDA_CHECK(cudaStreamSynchronize(st.stream));
    return w;
}

// Activations for one batch size.
struct Activations {
    DeviceBuffer tokens, next, h, x, qkv, q, attn, gu, act, logits, nonfinite;
    Activations(const ModelShape& m, int b)
        : tokens(b * sizeof(int)), next(b * sizeof(int)), h(std::size_t(b) * m.hidden * 2),
          x(std::size_t(b) * m.hidden * 2), qkv(std::size_t(b) * m.qkv() * 2),
          q(std::size_t(b) * m.heads * m.head_dim * 2), attn(std::size_t(b) * m.heads * m.head_dim * 2),
          gu(std::size_t(b) * 2 * m.inter * 2), act(std::size_t(b) * m.inter * 2),
          logits(std::size_t(b) * m.vocab * 2), nonfinite(sizeof(unsigned)) {}
};

struct Gemms {
    std::unique_ptr<LtGemm> qkv, o, gu, down, lm_head;
    TuneResult t_qkv, t_o, t_gu, t_down, t_lm_head;
};

struct Graph {
    cudaGraph_t graph = nullptr;
    cudaGraphExec_t exec = nullptr;
    ~Graph() {
        if (exec) cudaGraphExecDestroy(exec);
        if (graph) cudaGraphDestroy(graph);
    }
};

}  // namespace

void run_decode_step() {
    State& st = state();
    const ModelShape m;
    if (st.opt.decode_model != m.id)
        throw Failure("unknown decode-step model '" + st.opt.decode_model + "'");  // main() validates first
    check_gqa_decode();

    std::vector<long long> batches = st.opt.batches, contexts = st.opt.contexts;
    if (batches.empty()) batches = {1, 8, 32, 64};
    if (contexts.empty()) contexts = {1024, 4096, 16384};

    progress("decode_step", "allocating and filling %s weights", m.id);
    const Weights w = make_weights(m);
    const std::size_t layer_kv_per_token = 2ull * m.kv_heads * m.head_dim * 2;  // K and V, BF16

    for (long long b64 : batches) {
        const int B = static_cast<int>(b64);
        Activations a(m, B);
        {
            std::mt19937 rng(7);
            std::vector<int> tok(B);
            for (int& t : tok) t = static_cast<int>(rng() % m.vocab);
            CUDA_CHECK(cudaMemcpy(a.tokens.get(), tok.data(), B * sizeof(int), cudaMemcpyHostToDevice));
        }
        fill_random(a.h.get(), a.h.size() / 2, DType::bf16, 201, 1.0f, st.stream);
        fill_random(a.x.get(), a.x.size() / 2, DType::bf16, 202, 1.0f, st.stream);
        fill_random(a.attn.get(), a.attn.size() / 2, DType::bf16, 203, 1.0f, st.stream);
        fill_random(a.act.get(), a.act.size() / 2, DType::bf16, 204, 1.0f, st.stream);

        // Autotune each GEMM shape for this batch, rotating through the 32
        // layers' weights exactly as the step does.
        Gemms g;
        const long long h = m.hidden;
        auto make = [&](long long n, long long k, bool acc) {
            auto p = std::make_unique<LtGemm>(GemmProblem{B, n, k, 1, GemmDtype::bf16, acc}, nullptr, nullptr);
            if (p->query(st.heuristic_algos) == 0)
                throw Failure("cublasLtMatmulAlgoGetHeuristic found no BF16 algorithm for m=" + std::to_string(B) +
                              " n=" + std::to_string(n) + " k=" + std::to_string(k));
            return p;
        };
        g.qkv = make(m.qkv(), h, false);
        g.o = make(h, h, true);
        g.gu = make(2LL * m.inter, h, false);
        g.down = make(h, m.inter, true);
        g.lm_head = make(m.vocab, h, false);
        const int L = m.layers;
        auto layer = [&](long long it) { return w.layers[static_cast<std::size_t>(it % L)]; };
        g.t_qkv = tune_gemm(*g.qkv, [&](int c, long long it) { return g.qkv->run(c, layer(it).wqkv, a.x.get(), a.qkv.get(), st.stream); });
        g.t_o = tune_gemm(*g.o, [&](int c, long long it) { return g.o->run(c, layer(it).wo, a.attn.get(), a.h.get(), st.stream); });
        g.t_gu = tune_gemm(*g.gu, [&](int c, long long it) { return g.gu->run(c, layer(it).wgu, a.x.get(), a.gu.get(), st.stream); });
        g.t_down = tune_gemm(*g.down, [&](int c, long long it) { return g.down->run(c, layer(it).wd, a.act.get(), a.h.get(), st.stream); });
        g.t_lm_head = tune_gemm(*g.lm_head, [&](int c, long long) { return g.lm_head->run(c, w.lm_head, a.x.get(), a.logits.get(), st.stream); });
        progress("decode_step", "batch %d: GEMMs tuned (qkv %.1f us, o %.1f us, gate_up %.1f us, down %.1f us, lm_head %.1f us)",
                 B, g.t_qkv.best.median * 1e6, g.t_o.best.median * 1e6, g.t_gu.best.median * 1e6,
                 g.t_down.best.median * 1e6, g.t_lm_head.best.median * 1e6);

        for (long long c64 : contexts) {
            const int C = static_cast<int>(c64);
            Record params;
            params.text("model", m.id).integer("batch", B).integer("context", C);
            const std::size_t layer_kv = static_cast<std::size_t>(B) * C * layer_kv_per_token;
            const std::size_t kv_total = layer_kv * L;
            const int splits = gqa_splits(B, m.kv_heads, C);
            const std::size_t ws_bytes = attention_workspace_bytes(B, m.heads, splits, m.head_dim);
            if (kv_total + ws_bytes > free_device_bytes() * 92 / 100) {
                skip("decode_step",
                     "KV cache (" + std::to_string(kv_total >> 20) + " MiB) does not fit next to the weights (" +
                         std::to_string(w.bytes >> 20) + " MiB)",
                     params);
                continue;
            }
            DeviceBuffer kv(kv_total), ws(std::max<std::size_t>(16, ws_bytes));
            fill_random(kv.get(), kv_total / 2, DType::bf16, 301, 1.0f, st.stream);
            const std::size_t half = layer_kv / 2 / 2;  // elements of one layer's K (or V)
            auto k_of = [&](int l) { return kv.get<bf16>() + static_cast<std::size_t>(l) * 2 * half; };
            auto v_of = [&](int l) { return k_of(l) + half; };

            DecodeAttentionArgs att;
            att.q = a.q.get<bf16>(), att.out = a.attn.get<bf16>(), att.workspace = ws.get<float>();
            att.batch = B, att.q_heads = m.heads, att.kv_heads = m.kv_heads, att.ctx = C, att.max_ctx = C;
            att.splits = splits;

            auto step = [&] {
                launch_embed(a.tokens.get<int>(), w.embed, a.h.get<bf16>(), B, m.hidden, st.stream);
                for (int l = 0; l < L; ++l) {
                    const LayerWeights& lw = w.layers[static_cast<std::size_t>(l)];
                    launch_rmsnorm(a.h.get<bf16>(), lw.attn_norm, a.x.get<bf16>(), B, m.hidden, m.eps, st.stream);
                    LT_CHECK(g.qkv->run(g.t_qkv.rank, lw.wqkv, a.x.get(), a.qkv.get(), st.stream));
                    RopeAppendArgs r;
                    r.qkv = a.qkv.get<bf16>(), r.q_out = a.q.get<bf16>(), r.k_cache = k_of(l), r.v_cache = v_of(l);
                    r.batch = B, r.q_heads = m.heads, r.kv_heads = m.kv_heads, r.max_ctx = C, r.pos = C - 1;
                    r.theta = m.theta;
                    launch_rope_append(r, st.stream);
                    DecodeAttentionArgs x = att;
                    x.k = k_of(l), x.v = v_of(l);
                    launch_gqa_decode(x, st.stream);
                    LT_CHECK(g.o->run(g.t_o.rank, lw.wo, a.attn.get(), a.h.get(), st.stream));
                    launch_rmsnorm(a.h.get<bf16>(), lw.ffn_norm, a.x.get<bf16>(), B, m.hidden, m.eps, st.stream);
                    LT_CHECK(g.gu->run(g.t_gu.rank, lw.wgu, a.x.get(), a.gu.get(), st.stream));
                    launch_silu_mul(a.gu.get<bf16>(), a.act.get<bf16>(), B, m.inter, st.stream);
                    LT_CHECK(g.down->run(g.t_down.rank, lw.wd, a.act.get(), a.h.get(), st.stream));
                }
                launch_rmsnorm(a.h.get<bf16>(), w.final_norm, a.x.get<bf16>(), B, m.hidden, m.eps, st.stream);
                LT_CHECK(g.lm_head->run(g.t_lm_head.rank, w.lm_head, a.x.get(), a.logits.get(), st.stream));
                launch_argmax(a.logits.get<bf16>(), a.next.get<int>(), B, m.vocab, st.stream);
            };

            // One eager step first: surfaces errors with a clear call site and
            // loads every kernel (drivers before 12.3 cannot load a module
            // lazily during stream capture).
            step();
            CUDA_CHECK(cudaStreamSynchronize(st.stream));

            Graph graph;
            CUDA_CHECK(cudaStreamBeginCapture(st.stream, cudaStreamCaptureModeThreadLocal));
            try {
                step();
            } catch (...) {
                cudaGraph_t broken = nullptr;
                cudaStreamEndCapture(st.stream, &broken);  // leave the stream usable for the error path
                if (broken) cudaGraphDestroy(broken);
                throw;
            }
            CUDA_CHECK(cudaStreamEndCapture(st.stream, &graph.graph));
            CUDA_CHECK(cudaGraphInstantiateWithFlags(&graph.exec, graph.graph, 0));
            std::size_t nodes = 0;
            CUDA_CHECK(cudaGraphGetNodes(graph.graph, nullptr, &nodes));

            TimeOptions o = st.timing;
            o.inner = 1;
            o.warmup = 2;
            o.min_reps = std::min(o.reps, 5);
            o.budget_s = 10.0;
            const Timing t = time_gpu(st.stream, o, [&](long long) { CUDA_CHECK(cudaGraphLaunch(graph.exec, st.stream)); });

            // Attention alone, per layer (rotating over the layers' caches).
            const Timing ta = time_gpu(st.stream, st.timing, [&](long long it) {
                DecodeAttentionArgs x = att;
                x.k = k_of(static_cast<int>(it % L)), x.v = v_of(static_cast<int>(it % L));
                launch_gqa_decode(x, st.stream);
            });

            // The step must have produced finite logits (the data really flowed).
            CUDA_CHECK(cudaMemsetAsync(a.nonfinite.get(), 0, sizeof(unsigned), st.stream));
            launch_count_nonfinite(a.logits.get<bf16>(), static_cast<std::size_t>(B) * m.vocab, a.nonfinite.get<unsigned>(), st.stream);
            unsigned bad = 0;
            CUDA_CHECK(cudaMemcpyAsync(&bad, a.nonfinite.get(), sizeof bad, cudaMemcpyDeviceToHost, st.stream));
            CUDA_CHECK(cudaStreamSynchronize(st.stream));
            Record chk;
            chk.text("name", "decode_step_logits_finite").text("kind", "data").boolean("passed", bad == 0);
            chk.integer("batch", B).integer("context", C).integer("nonfinite_logits", bad);
            st.report.checks.push_back(std::move(chk));
            if (bad)
                throw Failure("data check failed: the decode step (batch " + std::to_string(B) + ", context " +
                              std::to_string(C) + ") produced " + std::to_string(bad) + " non-finite logits");

            const std::size_t layer_w = m.layer_params() * 2;
            Record s;
            s.text("tag", "decode_step").text("model", m.id).text("dtype", "bf16");
            s.integer("batch", B).integer("context", C).integer("layers", L).integer("hidden", m.hidden);
            s.integer("q_heads", m.heads).integer("kv_heads", m.kv_heads).integer("head_dim", m.head_dim);
            s.integer("intermediate", m.inter).integer("vocab", m.vocab);
            s.integer("weight_bytes", static_cast<long long>(w.bytes));
            s.integer("layer_weight_bytes", static_cast<long long>(layer_w));
            s.integer("lm_head_bytes", static_cast<long long>(m.vocab) * m.hidden * 2);
            s.integer("kv_bytes", static_cast<long long>(kv_total)).integer("layer_kv_bytes", static_cast<long long>(layer_kv));
            s.integer("graph_nodes", static_cast<long long>(nodes)).integer("attention_splits", splits);
            s.timing(t).real("tokens_per_s", B / t.median);
            s.real("qkv_time_s", g.t_qkv.best.median).real("o_time_s", g.t_o.best.median);
            s.real("gate_up_time_s", g.t_gu.best.median).real("down_time_s", g.t_down.best.median);
            s.real("lm_head_time_s", g.t_lm_head.best.median).real("attention_time_s", ta.median);
            s.integer("qkv_algo_rank", g.t_qkv.rank).integer("o_algo_rank", g.t_o.rank);
            s.integer("gate_up_algo_rank", g.t_gu.rank).integer("down_algo_rank", g.t_down.rank);
            s.integer("lm_head_algo_rank", g.t_lm_head.rank);
            add_sample(std::move(s));
            progress("decode_step", "batch %d context %d: %.3f ms per step (%.0f tokens/s), attention %.1f us per layer",
                     B, C, t.median * 1e3, B / t.median, ta.median * 1e6);
        }
    }
}

}  // namespace probe

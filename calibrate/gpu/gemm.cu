// Dense and grouped (MoE expert) GEMM via cuBLASLt, BF16 and FP8, over a grid
// of M (tokens) and the (N, K) shapes of common projections. Each point is the
// fastest of the heuristic's top algorithms (lt_gemm.cu), with the weights
// rotated through copies spanning >= 3x L2, so a small-M GEMM streams its
// weights from HBM as it does in a real decode step.

#include "lt_gemm.cuh"
#include "probe.cuh"

#include <algorithm>
#include <string>
#include <vector>

namespace probe {
namespace {

struct Shape {
    const char* name;
    long long n, k;  // output features, input features
    bool quick;
};

// Projections of the two reference models (config.json of
// meta-llama/Llama-3.1-8B and deepseek-ai/DeepSeek-V3), plus the dense FFN
// of DeepSeek-V3's first layers.
constexpr Shape kDenseShapes[] = {
    {"llama-3.1-8b.qkv", 6144, 4096, true},          // (32 + 2*8) heads x 128
    {"llama-3.1-8b.o", 4096, 4096, true},
    {"llama-3.1-8b.gate_up", 28672, 4096, true},     // 2 x 14336
    {"llama-3.1-8b.down", 4096, 14336, true},
    {"llama-3.1-8b.lm_head", 128256, 4096, false},
    {"deepseek-v3.q_a", 1536, 7168, true},           // q_lora_rank
    {"deepseek-v3.kv_a", 576, 7168, false},          // kv_lora_rank + rope 64
    {"deepseek-v3.q_b", 24576, 1536, false},         // 128 heads x (128 + 64)
    {"deepseek-v3.o", 7168, 16384, false},           // 128 heads x 128
    {"deepseek-v3.expert_gate_up", 4096, 7168, true},  // 2 x 2048 (also the shared expert)
    {"deepseek-v3.expert_down", 7168, 2048, true},
    {"deepseek-v3.dense_gate_up", 36864, 7168, false},  // 2 x 18432
};

constexpr Shape kExpertShapes[] = {
    {"deepseek-v3.expert_gate_up", 4096, 7168, true},
    {"deepseek-v3.expert_down", 7168, 2048, true},
};

bool fp8_supported(std::string* why) {
    const State& st = state();
    // E4M3 tensor-core GEMM needs Ada (8.9) or Hopper (9.0) and later.
    if (st.cc_major * 10 + st.cc_minor >= 89) return true;
    *why = "FP8 GEMM needs compute capability >= 8.9 (this GPU is " + std::to_string(st.cc_major) + "." +
           std::to_string(st.cc_minor) + ")";
    return false;
}

std::vector<GemmDtype> dtypes(const char* family) {
    std::vector<GemmDtype> out{GemmDtype::bf16};
    std::string why;
    if (fp8_supported(&why)) out.push_back(GemmDtype::fp8);
    else skip(family, why, Record().text("dtype", "fp8"));
    return out;
}

// One (dtype, shape, batch) family of points over `ms`: operands are
// allocated once for the largest m.
void sweep(const char* tag, const char* shape, GemmDtype dt, long long n, long long k, int batch,
           const std::vector<long long>& ms) {
    State& st = state();
    const std::size_t e = gemm_input_bytes(dt);
    const long long m_max = *std::max_element(ms.begin(), ms.end());
    const std::size_t w_bytes = static_cast<std::size_t>(batch) * n * k * e;
    const int copies = rotation_copies(w_bytes);
    const std::size_t x_bytes = static_cast<std::size_t>(batch) * m_max * k * e;
    const std::size_t y_bytes = static_cast<std::size_t>(batch) * m_max * n * 2;
    const std::size_t need = w_bytes * copies + x_bytes + y_bytes;
    if (need > free_device_bytes() * 9 / 10) {
        Record p;
        p.text("dtype", gemm_dtype_name(dt)).text("shape", shape);
        if (batch > 1) p.integer("experts", batch);
        skip(tag, "operands do not fit in free device memory", p.integer("bytes", static_cast<long long>(need)));
        return;
    }
    DeviceBuffer w(w_bytes * copies), x(x_bytes), y(y_bytes), scales(2 * sizeof(float));
    // Weights ~U(-1, 1): E4M3 represents them well, products stay far from
    // BF16 overflow at these K.
    fill_random(w.get(), w.size() / e, gemm_input_dtype(dt), 11, 1.0f, st.stream);
    fill_random(x.get(), x.size() / e, gemm_input_dtype(dt), 12, 1.0f, st.stream);
    fill_random(y.get(), y.size() / 2, DType::bf16, 13, 1.0f, st.stream);
    fill_value(scales.get<float>(), 2, 1.0f, st.stream);
    CUDA_CHECK(cudaStreamSynchronize(st.stream));

    for (long long m : ms) {
        LtGemm g({m, n, k, batch, dt, false}, scales.get<float>(), scales.get<float>() + 1);
        Record params;
        params.text("dtype", gemm_dtype_name(dt)).text("shape", shape);
        if (batch > 1) params.integer("experts", batch);
        params.integer("m", m).integer("n", n).integer("k", k);
        if (g.query(st.heuristic_algos) == 0) {
            skip(tag, "cublasLtMatmulAlgoGetHeuristic found no algorithm", params);
            continue;
        }
        const TuneResult r = tune_gemm(g, [&](int c, long long it) {
            return g.run(c, w.at(static_cast<std::size_t>(it % copies) * w_bytes), x.get(), y.get(), st.stream);
        });
        const double flops = 2.0 * batch * m * n * k;
        const double bytes = static_cast<double>(batch) * (n * k * e + m * k * e + m * n * 2);
        Record s;
        s.text("tag", tag).append(params).text("out_dtype", "bf16").timing(r.best);
        s.real("flops", flops).integer("bytes", static_cast<long long>(bytes));
        s.real("flops_per_s", flops / r.best.median).real("bandwidth_bytes_per_s", bytes / r.best.median);
        s.integer("algos_returned", r.returned).integer("algos_tried", r.tried).integer("algo_rank", r.rank);
        if (r.first_s > 0) s.real("time_s_algo0", r.first_s);
        else s.null("time_s_algo0");  // the heuristic's first pick refused to run
        s.integer("weight_copies", copies);
        add_sample(std::move(s));
        progress(tag, "%s %s m=%lld n=%lld k=%lld%s: %.2f us, %.1f TFLOP/s, %.0f GB/s (algo %d of %d)",
                 gemm_dtype_name(dt), shape, m, n, k, batch > 1 ? (" x" + std::to_string(batch)).c_str() : "",
                 r.best.median * 1e6, flops / r.best.median * 1e-12, bytes / r.best.median * 1e-9, r.rank,
                 r.tried);
    }
}

}  // namespace

void run_gemm() {
    const bool quick = state().opt.quick;
    const std::vector<long long> ms = quick ? std::vector<long long>{1, 4, 16, 64, 256, 1024, 4096}
                                            : std::vector<long long>{1, 2, 4, 8, 16, 32, 64, 128, 256, 512,
                                                                     1024, 2048, 4096, 8192};
    for (GemmDtype dt : dtypes("gemm")) {
        for (const Shape& sh : kDenseShapes)
            if (!quick || sh.quick) sweep("gemm", sh.name, dt, sh.n, sh.k, 1, ms);
        // A large square GEMM for the compute peak.
        sweep("gemm", "square", dt, 8192, 8192, 1, {8192});
    }
}

void run_grouped_gemm() {
    const bool quick = state().opt.quick;
    // Routed experts per GPU: DeepSeek-V3's 256 experts over EP 64 / 32 / 8.
    const std::vector<int> experts = quick ? std::vector<int>{8, 32} : std::vector<int>{4, 8, 32};
    const std::vector<long long> ms = quick ? std::vector<long long>{1, 16, 64, 256}
                                            : std::vector<long long>{1, 4, 16, 32, 64, 128, 256, 512};
    for (GemmDtype dt : dtypes("grouped_gemm"))
        for (int e : experts)
            for (const Shape& sh : kExpertShapes) sweep("grouped_gemm", sh.name, dt, sh.n, sh.k, e, ms);
}

}  // namespace probe

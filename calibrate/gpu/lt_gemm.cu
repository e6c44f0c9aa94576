#include "lt_gemm.cuh"
#include "timer.cuh"

namespace probe {

const char* gemm_dtype_name(GemmDtype t) { return t == GemmDtype::fp8 ? "fp8" : "bf16"; }
std::size_t gemm_input_bytes(GemmDtype t) { return t == GemmDtype::fp8 ? 1 : 2; }
DType gemm_input_dtype(GemmDtype t) { return t == GemmDtype::fp8 ? DType::fp8_e4m3 : DType::bf16; }

namespace {

void set_batch(cublasLtMatrixLayout_t l, int batch, long long stride) {
    if (batch <= 1) return;
    std::int32_t count = batch;
    std::int64_t offset = stride;
    LT_CHECK(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof count));
    LT_CHECK(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &offset, sizeof offset));
}

}  // namespace

LtGemm::LtGemm(const GemmProblem& p, const float* scale_a, const float* scale_b) : p_(p) {
    beta_ = p.accumulate ? 1.0f : 0.0f;
    const cudaDataType_t in = p.dtype == GemmDtype::fp8 ? CUDA_R_8F_E4M3 : CUDA_R_16BF;
    LT_CHECK(cublasLtMatmulDescCreate(&op_, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    const cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
    LT_CHECK(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta));
    LT_CHECK(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb));
    if (p.dtype == GemmDtype::fp8) {
        LT_CHECK(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &scale_a, sizeof scale_a));
        LT_CHECK(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &scale_b, sizeof scale_b));
    }
    // A = W stored k x n column-major (ld k), B = X stored k x m (ld k),
    // C = D = Y stored n x m (ld n).
    LT_CHECK(cublasLtMatrixLayoutCreate(&a_, in, p.k, p.n, p.k));
    LT_CHECK(cublasLtMatrixLayoutCreate(&b_, in, p.k, p.m, p.k));
    LT_CHECK(cublasLtMatrixLayoutCreate(&c_, CUDA_R_16BF, p.n, p.m, p.n));
    set_batch(a_, p.batch, p.n * p.k);
    set_batch(b_, p.batch, p.k * p.m);
    set_batch(c_, p.batch, p.n * p.m);
}

LtGemm::~LtGemm() {
    if (a_) cublasLtMatrixLayoutDestroy(a_);
    if (b_) cublasLtMatrixLayoutDestroy(b_);
    if (c_) cublasLtMatrixLayoutDestroy(c_);
    if (op_) cublasLtMatmulDescDestroy(op_);
}

int LtGemm::query(int requested) {
    State& st = state();
    cublasLtMatmulPreference_t pref = nullptr;
    LT_CHECK(cublasLtMatmulPreferenceCreate(&pref));
    std::uint64_t ws = st.lt_workspace_bytes;
    cublasStatus_t s =
        cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws);
    results_.assign(static_cast<std::size_t>(requested), cublasLtMatmulHeuristicResult_t{});
    int returned = 0;
    if (s == CUBLAS_STATUS_SUCCESS)
        s = cublasLtMatmulAlgoGetHeuristic(st.lt, op_, a_, b_, c_, c_, pref, requested, results_.data(), &returned);
    cublasLtMatmulPreferenceDestroy(pref);
    // "Not supported" is a result (this GPU has no kernel for the problem),
    // anything else is an error.
    if (s == CUBLAS_STATUS_NOT_SUPPORTED) returned = 0;
    else LT_CHECK(s);
    std::vector<cublasLtMatmulHeuristicResult_t> ok;
    for (int i = 0; i < returned; ++i)
        if (results_[static_cast<std::size_t>(i)].state == CUBLAS_STATUS_SUCCESS) ok.push_back(results_[static_cast<std::size_t>(i)]);
    results_ = std::move(ok);
    return candidates();
}

cublasStatus_t LtGemm::run(int idx, const void* w, const void* x, void* y, cudaStream_t s) const {
    const State& st = state();
    const auto& r = results_.at(static_cast<std::size_t>(idx));
    return cublasLtMatmul(st.lt, op_, &alpha_, w, a_, x, b_, &beta_, y, c_, y, c_, &r.algo, st.lt_workspace,
                          st.lt_workspace_bytes, s);
}

TuneResult tune_gemm(LtGemm& g, const std::function<cublasStatus_t(int, long long)>& enqueue) {
    State& st = state();
    TuneResult out;
    out.returned = g.candidates();
    double best = 0;
    for (int c = 0; c < g.candidates(); ++c) {
        // A candidate the library refuses at run time is dropped, not fatal;
        // an asynchronous error (bad address...) still surfaces here.
        const cublasStatus_t first = enqueue(c, 0);
        CUDA_CHECK(cudaStreamSynchronize(st.stream));
        if (first != CUBLAS_STATUS_SUCCESS) continue;
        ++out.tried;
        const Timing t = time_gpu(st.stream, st.select, [&](long long it) { LT_CHECK(enqueue(c, it)); });
        if (c == 0) out.first_s = t.median;
        if (out.rank < 0 || t.median < best) {
            best = t.median;
            out.rank = c;
        }
    }
    if (out.rank < 0)
        throw Failure("cublasLtMatmul: none of the " + std::to_string(out.returned) +
                      " algorithms from cublasLtMatmulAlgoGetHeuristic ran");
    const int chosen = out.rank;
    out.best = time_gpu(st.stream, st.timing, [&](long long it) { LT_CHECK(enqueue(chosen, it)); });
    return out;
}

}  // namespace probe

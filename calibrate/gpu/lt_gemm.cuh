#pragma once
// cuBLASLt GEMM in the layout of a linear layer, with algorithm autotuning.
//
// Y[m x n] = X[m x k] * W[n x k]^T (+ Y when `accumulate`), all row-major as
// an inference engine stores them (W is the [out, in] weight). In cuBLAS's
// column-major terms that is D(n x m) = op(A) * B with A = W viewed as k x n
// and transposed (op T), B = X viewed as k x m (op N): the "TN" layout that
// Hopper FP8 kernels require (cuBLASLt docs, "cublasLtMatmul", FP8 notes).
// FP8: E4M3 inputs with per-tensor scale pointers (A_SCALE / B_SCALE), BF16
// output, FP32 accumulation. Batched: `batch` independent GEMMs at fixed
// strides (MoE experts on one GPU, each with its own m tokens).

#include "probe.cuh"
#include "record.hpp"

#include <functional>
#include <vector>

namespace probe {

enum class GemmDtype { bf16, fp8 };
const char* gemm_dtype_name(GemmDtype t);
std::size_t gemm_input_bytes(GemmDtype t);  // bytes per W / X element (Y is BF16)
DType gemm_input_dtype(GemmDtype t);

struct GemmProblem {
    long long m = 1, n = 1, k = 1;
    int batch = 1;
    GemmDtype dtype = GemmDtype::bf16;
    bool accumulate = false;  // beta = 1 (residual add fused into the GEMM)
};

class LtGemm {
public:
    // scale_a / scale_b: device floats (FP8 only; may be null for BF16).
    LtGemm(const GemmProblem& p, const float* scale_a, const float* scale_b);
    ~LtGemm();
    LtGemm(const LtGemm&) = delete;
    LtGemm& operator=(const LtGemm&) = delete;

    // Asks the heuristic for up to `requested` algorithms; returns how many
    // came back (0: the problem is not supported on this GPU).
    int query(int requested);
    int candidates() const { return static_cast<int>(results_.size()); }
    // Enqueues candidate `idx` on `s`. Returns the cuBLASLt status (the
    // caller decides whether a failing candidate is fatal).
    cublasStatus_t run(int idx, const void* w, const void* x, void* y, cudaStream_t s) const;
    const GemmProblem& problem() const { return p_; }

private:
    GemmProblem p_;
    float alpha_ = 1.0f, beta_ = 0.0f;
    cublasLtMatmulDesc_t op_ = nullptr;
    cublasLtMatrixLayout_t a_ = nullptr, b_ = nullptr, c_ = nullptr;
    std::vector<cublasLtMatmulHeuristicResult_t> results_;
};

struct TuneResult {
    int returned = 0;     // algorithms the heuristic returned
    int tried = 0;        // of those, how many ran (some may refuse at run time)
    int rank = -1;        // heuristic rank (0-based) of the fastest
    double first_s = 0;   // quick-look median of rank 0 (what taking the first pick would give)
    Timing best;          // final measurement of the fastest
};

// `enqueue(candidate, iteration)` must enqueue one GEMM with `candidate` on the
// probe stream, rotating its inputs with `iteration`, and return the status.
// Every candidate is timed with state().select, the fastest again with
// state().timing. Throws if no candidate runs.
TuneResult tune_gemm(LtGemm& g, const std::function<cublasStatus_t(int, long long)>& enqueue);

}  // namespace probe

#pragma once
// The cost of one GPU kernel: a roofline
//   time = max(flops / (peak · eta_c), bytes / (HBM · eta_m))
// plus a fixed per-kernel overhead. GEMMs (spec-sheet path) get eta_c from
// the hardware's structure: output tiles over the SMs, waves, split-K, the
// shared-memory limit of a tile shape (gemm_terms; docs/equations.md, "GEMM"). This is THE seam between prediction and
// calibration: the step model (step_time.hpp) asks a KernelCostModel for every
// GEMM, attention and element-wise kernel, and never looks at a peak itself.
// A calibration profile plugs in by building a KernelCostModel with measured
// peaks/efficiencies (for_gpu with fitted Efficiencies), so no global or
// per-SKU code is involved.
//
// Units: quantities at the boundary; the evaluation itself is a handful of
// double operations (the decode step calls this ~50 times per evaluation and
// must stay allocation-free).

#include <cmath>
#include <cstdint>
#include <string_view>

#include <fmt/format.h>

#include "model/dtype.hpp"
#include "model/efficiency.hpp"
#include "model/gpu.hpp"
#include "model/units.hpp"

namespace hwplan::model {

enum class Bound : std::uint8_t { compute, memory };
[[nodiscard]] constexpr std::string_view to_string(Bound b) { return b == Bound::compute ? "compute" : "memory"; }

struct KernelCost {
    Seconds time = seconds(0);      // roofline time of the work
    Seconds overhead = seconds(0);  // kernels x fixed per-kernel cost
    Flops flops = model::flops(0);
    Bytes bytes = model::bytes(0);  // HBM traffic
    Bound bound = Bound::memory;
    double efficiency = 0;  // eta applied to the binding resource
    int kernels = 0;
    friend bool operator==(const KernelCost&, const KernelCost&) = default;

    [[nodiscard]] Seconds total() const { return time + overhead; }
};

// C[m x n] = A[m x k] · W[k x n]. W is the weight (streamed from HBM once per
// group); `groups` > 1 is a grouped (MoE) GEMM over that many weight matrices
// with m rows in total (m / groups rows each, on average).
struct GemmShape {
    double m = 0;
    double n = 0;
    double k = 0;
    DType weights = DType::bf16;
    double groups = 1;
    friend bool operator==(const GemmShape&, const GemmShape&) = default;
};

// Bytes of one stored weight element including block-scale overhead:
// FP8 with one FP32 scale per 128x128 block (DeepSeek-V3 checkpoint);
// 4-bit formats with one FP16 scale per group of 128 (GPTQ/AWQ/Q4-style).
[[nodiscard]] constexpr double weight_bytes_per_element(DType t) {
    switch (t) {
        case DType::fp8:
        case DType::int8:
            return 1.0 + 4.0 / (128.0 * 128.0);
        case DType::fp4:
        case DType::int4:
            return 0.5 + 2.0 / 128.0;
        default:
            return bytes_per_element(t);
    }
}

// A GEMM time curve fitted to measurements (model/calibration/fit.hpp;
// docs/equations.md, "Calibration fits"). With R = rows per weight matrix:
//   Tc = 2 m n k / (peak · peak_fraction · R/(R+half_m) · n/(n+half_n) · k/(k+half_k) · wave)
//   Tm = bytes / (HBM · memory_efficiency)
//   t  = fixed_s + (Tc^p + Tm^p)^(1/p)        (p = blend; 0: max(Tc, Tm))
// wave: tail-wave loss of tile_m x tile_n output tiles over the SMs once the
// tiles fill the machine (as GemmEfficiency's, with the fitted tile).
// Closed form: a few divisions and at most four square roots per GEMM.
struct GemmCurve {
    double peak_fraction = 0;      // 0: no curve (the spec-sheet roofline applies)
    double half_m = 0;             // rows at which the M factor is 1/2
    double half_n = 0;             // output features at which the N factor is 1/2
    double half_k = 0;             // inner dimension at which the K factor is 1/2
    double memory_efficiency = 0;  // achieved / spec-sheet HBM bandwidth when streaming the operands
    double fixed_s = 0;            // per-GEMM fixed time beyond the step model's kernel_overhead
    int blend = 0;                 // p: 1, 2, 4, 8 or 16; 0 = max (sharp roofline)
    int tile_m = 0;                // wave-quantization tile; 0 = no wave term
    int tile_n = 0;
    friend bool operator==(const GemmCurve&, const GemmCurve&) = default;

    [[nodiscard]] bool valid() const { return peak_fraction > 0 && memory_efficiency > 0; }
};

// What a calibration profile adds to the spec-sheet roofline
// (model/calibration/apply.hpp builds it). All zero: the default model.
struct CalibratedKernels {
    GemmCurve gemm_bf16;  // GEMMs whose math runs at the BF16 rate (BF16/FP16/FP32, W4A16)
    GemmCurve gemm_fp8;   // ... at the FP8 rate (FP8, INT8, FP4 on GPUs without FP4)
    // Attention core: fixed time per call and the roofline blend (p as above);
    // the efficiencies are Efficiencies::attention_compute / attention_memory.
    bool attention = false;
    double attention_fixed_s = 0;
    int attention_blend = 0;
    double elementwise_fixed_s = 0;  // per element-wise kernel, beyond kernel_overhead
    friend bool operator==(const CalibratedKernels&, const CalibratedKernels&) = default;
};

// (a^p + b^p)^(1/p) for p in {1, 2, 4, 8, 16}; max(a, b) for p = 0. Exact
// powers of two keep it to squarings and square roots (no pow()).
[[nodiscard]] inline double roofline_blend(double a, double b, int p) {
    const double hi = a > b ? a : b;
    const double lo = a > b ? b : a;
    if (p <= 0 || !(hi > 0)) return hi;
    double s = lo / hi;
    for (int q = 1; q < p; q *= 2) s *= s;
    double g = 1 + s;
    for (int q = 1; q < p; q *= 2) g = std::sqrt(g);
    return hi * g;
}

// CTA output tiles the spec-sheet GEMM model chooses from: what cuBLASLt
// (cublasLtMatmulTile_t) and DeepGEMM's SM90 heuristic (block_m 64 / 128,
// block_n up to 256) pick on Hopper for inference shapes.
inline constexpr int kTileCandidates = 4;
inline constexpr double kTileM[kTileCandidates] = {64, 128, 128, 128};
inline constexpr double kTileN[kTileCandidates] = {128, 128, 192, 256};
inline constexpr double kInvTileM[kTileCandidates] = {1.0 / 64, 1.0 / 128, 1.0 / 128, 1.0 / 128};
inline constexpr double kInvTileN[kTileCandidates] = {1.0 / 128, 1.0 / 128, 1.0 / 192, 1.0 / 256};
// Candidates searched for `rows` per weight matrix: up to 64 rows only the
// 128-column tiles (wider ones add N padding to a tile whose rows are half
// empty already; DeepGEMM narrows block_n for small M, it does not widen it).
[[nodiscard]] constexpr int tile_candidates(double rows) { return rows <= 64 ? 2 : kTileCandidates; }

struct KernelCostModel {
    // Dense peaks after the SMs reserved for communication are taken away.
    FlopsPerSecond fp32_peak = flops_per_second(0);
    FlopsPerSecond bf16_peak = flops_per_second(0);
    FlopsPerSecond fp8_peak = flops_per_second(0);
    FlopsPerSecond fp4_peak = flops_per_second(0);
    FlopsPerSecond int8_peak = flops_per_second(0);
    BytesPerSecond memory_bandwidth = bytes_per_second(0);  // spec-sheet HBM
    Efficiencies eff;
    double compute_share = 1;  // (SMs - comm SMs) / SMs, already applied to the peaks
    int sms = 0;               // SMs left for computation (0: unknown, no wave quantization)
    CalibratedKernels calibrated;  // fitted curves of a profile (none by default)
    friend bool operator==(const KernelCostModel&, const KernelCostModel&) = default;

    // Spec-sheet model of `gpu` with efficiencies `e`; `comm_sms` SMs are
    // reserved for communication kernels (DeepEP: 20 of 132 in the paper),
    // scaling every compute peak by (sms - comm_sms) / sms. Memory bandwidth
    // is not scaled (the remaining SMs still saturate HBM).
    [[nodiscard]] static KernelCostModel for_gpu(const Gpu& gpu, const Efficiencies& e = default_efficiencies(),
                                                 int comm_sms = 0);

    // The format the tensor cores run a GEMM with `weights` in: FP8 weights
    // run W8A8 at FP8 rate (DeepGEMM); INT4 weights run W4A16 at BF16 rate
    // (Marlin/AWQ kernels dequantise); FP4 runs at FP4 rate where the GPU has
    // it (Blackwell NVFP4) and W4A16 otherwise; FP32 at FP32 rate.
    [[nodiscard]] DType math_dtype(DType weights) const;
    [[nodiscard]] FlopsPerSecond peak(DType math) const;
    // eta_c of the tile plan for an m x n x k GEMM with `weights`: achieved
    // tensor FLOP/s over peak(math) (GemmTerms::eta_c).
    [[nodiscard]] double gemm_efficiency(double m, double n, double k, DType weights = DType::bf16) const;

    [[nodiscard]] KernelCost gemm(const GemmShape& g) const;

    // The same GEMM roofline with the weight format resolved once: the step
    // model evaluates ~70 GEMMs per decode step in a handful of formats, so it
    // resolves each format once and asks only for the seconds (no per-kernel
    // overhead). gemm() uses the same arithmetic.
    struct GemmFormat {
        DType weights = DType::bf16;
        DType math = DType::bf16;
        double weight_bytes = 2;  // per weight element, with scales
        double act_bytes = 2;     // per input activation element
        double inv_peak = 0;      // 1 / (peak(math) * peak_fraction [* fp8_block_scale]); 0: no such peak
        double inv_hbm = 0;       // 1 / (HBM * eta_hbm)
        // Spec-sheet tile model, per SM (GemmEfficiency): seconds per tensor
        // FLOP, per shared-memory byte, per L2 byte; the operand element size
        // in the math format and the fewest K elements per split.
        double sm_flop_s = 0;
        double sm_smem_byte_s = 0;
        double sm_partial_byte_s = 0;
        double operand_bytes = 2;
        double min_split_k = 256;
        double inv_min_split_k = 1.0 / 256;
        double inv_sms = 0;
        // Per tile candidate (kTileM x kTileN), precomputed: seconds per
        // element of K (MMAs or shared-memory operand traffic, whichever is
        // longer) and per epilogue.
        double per_k[4] = {0, 0, 0, 0};
        double epilogue[4] = {0, 0, 0, 0};
        double latency_s = 0;     // pipeline fill + drain (GemmEfficiency::pipeline_latency)
        // A calibrated curve for this math rate (CalibratedKernels), copied
        // here so the per-GEMM evaluation touches one struct.
        bool fitted = false;
        double peak_fraction = 0;
        double half_m = 0, half_n = 0, half_k = 0;
        double fixed_s = 0;
        int blend = 0;
        int tile_m = 0, tile_n = 0;
        friend bool operator==(const GemmFormat&, const GemmFormat&) = default;
    };
    // The calibrated curve used for `math`, or nullptr (spec-sheet roofline).
    [[nodiscard]] const GemmCurve* gemm_curve(DType math) const;
    [[nodiscard]] GemmFormat gemm_format(DType weights) const;
    [[nodiscard]] double gemm_seconds(const GemmFormat& f, double m, double n, double k, double groups = 1) const;
    // Compute and memory seconds of a GEMM, the eta_c applied and the tile
    // plan chosen (gemm() and gemm_seconds() are built on this). Spec-sheet
    // path: seconds = max(compute, memory) + latency.
    struct GemmTerms {
        double compute = 0;  // tensor-core time of the plan, split-K reduction included
        double memory = 0;   // HBM streaming time of `bytes`
        double latency = 0;  // pipeline fill + drain (0 for a calibrated curve)
        double eta_c = 0;    // flops / (compute x peak(math))
        double flops = 0;
        double bytes = 0;
        int tile_m = 0;      // CTA output tile (0: no tile model)
        int tile_n = 0;
        double tiles = 0;    // output tiles over all groups
        double split_k = 1;  // K splits per tile
        double waves = 0;    // ceil(tiles x split_k / SMs)
        [[nodiscard]] double seconds() const { return (compute > memory ? compute : memory) + latency; }
    };
    [[nodiscard]] GemmTerms gemm_terms(const GemmFormat& f, double m, double n, double k, double groups) const;
    // Tensor-core seconds of the GEMM on tile candidate `tile` (kTileM/kTileN)
    // with `rows` per matrix, and how it runs: tiles, K splits, waves.
    struct TilePlan {
        double tiles = 0;
        double split_k = 1;
        double waves = 0;
    };
    [[nodiscard]] double gemm_tile_seconds(const GemmFormat& f, int tile, double rows, double n, double k,
                                           double groups, TilePlan& plan) const;
    // Generic roofline for `kernels` kernels doing `work` and moving `traffic`.
    [[nodiscard]] KernelCost roofline(Flops work, Bytes traffic, DType math, double eta_c, double eta_m,
                                      int kernels) const;
    // Decode/prefill attention core (FlashMLA / FlashAttention efficiencies).
    // compute_share / memory_share scale the efficiencies for the kernel
    // family and how it fills the SMs (attention_kernel.hpp; 1: the best
    // kernel at full occupancy).
    [[nodiscard]] KernelCost attention(Flops work, Bytes traffic, int kernels, double compute_share = 1,
                                       double memory_share = 1) const;
    // Memory-bound element-wise kernels (norms, RoPE, activation, quantise).
    [[nodiscard]] KernelCost elementwise(Bytes traffic, int kernels) const;
};

// ---- inline definitions: these run ~60 times per decode-step evaluation.

inline DType KernelCostModel::math_dtype(DType weights) const {
    switch (weights) {
        case DType::fp32:
            return DType::fp32;
        case DType::fp8:
            return DType::fp8;
        case DType::int8:
            return DType::int8;
        case DType::fp4:
            return fp4_peak.value() > 0 ? DType::fp4 : DType::bf16;
        case DType::int4:
        case DType::bf16:
        case DType::fp16:
            return DType::bf16;
    }
    return DType::bf16;
}

inline FlopsPerSecond KernelCostModel::peak(DType math) const {
    switch (math) {
        case DType::fp32:
            return fp32_peak;
        case DType::fp8:
            return fp8_peak;
        case DType::int8:
            return int8_peak;
        case DType::fp4:
        case DType::int4:
            return fp4_peak.value() > 0 ? fp4_peak : fp8_peak;
        case DType::bf16:
        case DType::fp16:
            return bf16_peak;
    }
    return bf16_peak;
}

inline double KernelCostModel::gemm_efficiency(double m, double n, double k, DType weights) const {
    if (m <= 0 || n <= 0 || k <= 0) return 0;
    return gemm_terms(gemm_format(weights), m, n, k, 1).eta_c;
}

inline KernelCost KernelCostModel::roofline(Flops work, Bytes traffic, DType math, double eta_c, double eta_m,
                                            int kernels) const {
    KernelCost c;
    c.flops = work;
    c.bytes = traffic;
    c.kernels = kernels;
    c.overhead = eff.kernel_overhead * static_cast<double>(kernels);
    const double p = peak(math).value() * eta_c;
    const double bw = memory_bandwidth.value() * eta_m;
    // Compare work/p with traffic/bw without dividing twice.
    const bool compute_bound = work.value() * bw >= traffic.value() * p;
    if (compute_bound) {
        c.time = seconds(p > 0 ? work.value() / p : 0.0);
        c.bound = Bound::compute;
        c.efficiency = eta_c;
    } else {
        c.time = seconds(bw > 0 ? traffic.value() / bw : 0.0);
        c.bound = Bound::memory;
        c.efficiency = eta_m;
    }
    return c;
}

inline KernelCostModel::GemmFormat KernelCostModel::gemm_format(DType weights) const {
    GemmFormat f;
    f.weights = weights;
    f.math = math_dtype(weights);
    f.weight_bytes = weight_bytes_per_element(weights);
    // Activations enter in the math format (quantised on the fly for W8A8),
    // leave in BF16.
    f.act_bytes = f.math == DType::fp32 ? 4.0 : (bytes_per_element(f.math) < 2.0 ? bytes_per_element(f.math) : 2.0);
    if (const GemmCurve* c = gemm_curve(f.math)) {
        f.fitted = true;
        f.peak_fraction = c->peak_fraction;
        f.half_m = c->half_m;
        f.half_n = c->half_n;
        f.half_k = c->half_k;
        f.fixed_s = c->fixed_s;
        f.blend = c->blend;
        f.tile_m = c->tile_m;
        f.tile_n = c->tile_n;
        const double p = peak(f.math).value() * c->peak_fraction;
        f.inv_peak = p > 0 ? 1.0 / p : 0.0;
        const double bw = memory_bandwidth.value() * c->memory_efficiency;
        f.inv_hbm = bw > 0 ? 1.0 / bw : 0.0;
        return f;
    }
    // Hopper promotes FP8 block scales on CUDA cores; tensor cores with
    // native block-scaled MMA (the GPUs with an FP4 rate) do not.
    const double scale = f.math == DType::fp8 && !(fp4_peak.value() > 0) ? eff.gemm.fp8_block_scale : 1.0;
    const double p = peak(f.math).value() * eff.gemm.peak_fraction * scale;
    f.inv_peak = p > 0 ? 1.0 / p : 0.0;
    const double bw = memory_bandwidth.value() * eff.hbm;
    f.inv_hbm = bw > 0 ? 1.0 / bw : 0.0;
    f.operand_bytes = f.act_bytes;
    f.latency_s = eff.gemm.pipeline_latency.value();
    // K block = 128 bytes of operand [DeepGEMM sm90]; a split keeps at least
    // split_k_min_blocks of them.
    f.min_split_k = eff.gemm.split_k_min_blocks * 128.0 / f.operand_bytes;
    f.inv_min_split_k = 1.0 / f.min_split_k;
    const double bf16_sm = sms > 0 ? bf16_peak.value() * eff.gemm.peak_fraction / sms : 0.0;
    if (sms > 0 && p > 0 && bf16_sm > 0) {
        // Per-SM rates: the peaks are already those of the SMs left (sms).
        f.sm_flop_s = sms / p;
        f.sm_smem_byte_s = 1.0 / (bf16_sm * eff.gemm.smem_bytes_per_flop);
        f.sm_partial_byte_s = 1.0 / (bf16_sm * eff.gemm.l2_bytes_per_flop);
        f.inv_sms = 1.0 / sms;
        for (int i = 0; i < kTileCandidates; ++i) {
            const double bm = kTileM[i], bn = kTileN[i];
            // Per element of K: the tile's MMAs, or the shared-memory traffic
            // of its operands (TMA write + tensor-core read of max(64, BM) +
            // BN rows [DeepGEMM sm90]), whichever is longer.
            const double mma = 2.0 * bm * bn * f.sm_flop_s;
            const double smem = 2.0 * ((bm > 64 ? bm : 64) + bn) * f.operand_bytes * f.sm_smem_byte_s;
            f.per_k[i] = mma > smem ? mma : smem;
            // The epilogue of a cooperative kernel (CUTLASS
            // KernelTmaWarpSpecializedCooperative, DeepGEMM): the warpgroups
            // that issue the MMAs stage the BF16 output tile through shared
            // memory for the TMA store (written, then read) before the next
            // tile starts.
            f.epilogue[i] = 2.0 * bm * bn * 2.0 * f.sm_smem_byte_s;
        }
    }
    return f;
}

inline const GemmCurve* KernelCostModel::gemm_curve(DType math) const {
    const bool fp8_rate = math == DType::fp8 || math == DType::int8 || math == DType::fp4 || math == DType::int4;
    const GemmCurve& c = fp8_rate ? calibrated.gemm_fp8 : calibrated.gemm_bf16;
    return c.valid() ? &c : nullptr;
}

[[gnu::always_inline]] inline double KernelCostModel::gemm_tile_seconds(const GemmFormat& f, int i, double rows,
                                                                         double n, double k,
                                                 double groups, TilePlan& out) const {
    const auto up = [](double x) {
        const auto v = static_cast<long long>(x);
        return static_cast<double>(v + (static_cast<double>(v) < x ? 1 : 0));
    };
    const double bm = kTileM[i], bn = kTileN[i];
    const double sm_count = sms;
    // ceil(n / bn) by a multiplication, corrected where 1/192 rounds.
    double cols = up(n * kInvTileN[i]);
    if ((cols - 1) * bn >= n) cols -= 1;
    const double tiles = up(rows * kInvTileM[i]) * cols * groups;
    const double per_k = f.per_k[i];
    const double epilogue = f.epilogue[i];
    out.tiles = tiles;
    if (tiles >= sm_count) {
        double w = tiles * f.inv_sms;
        if (eff.gemm.wave_quantization) {
            w = up(w);
            if ((w - 1) * sm_count >= tiles) w -= 1;  // 1/SMs rounded up
        }
        out.waves = w;
        out.split_k = 1;
        return w * (k * per_k + epilogue);
    }
    // Below one wave: split K over the idle SMs. Each split runs at least
    // min_split_k of K and its FP32 partial tile (the real rows only) goes
    // through L2 to the reducer: t(s) = min(k, max(k/s, kmin)) x per_k +
    // epilogue + s x fixup, convex in s, minimised over s = 1 .. floor(SMs /
    // tiles) at the floor or ceiling of its real optimum.
    out.waves = 1;
    out.split_k = 1;
    if (2 * tiles > sm_count) return k * per_k + epilogue;  // no room for a second split
    const double fixup = (rows < bm ? rows : bm) * bn * 4.0 * f.sm_partial_byte_s;
    const double fill = static_cast<double>(static_cast<long long>(sm_count / tiles));
    const double cap = fill > 1 ? fill : 1;  // splits that still fit in one wave
    const double kcap = k * f.inv_min_split_k;
    const auto at = [&](double s) {
        if (s <= 1) return k * per_k + epilogue;
        const double ks = k / s > f.min_split_k ? k / s : f.min_split_k;
        return (ks < k ? ks : k) * per_k + epilogue + s * fixup;
    };
    double best = fixup > 0 ? std::sqrt(k * per_k / fixup) : cap;
    if (best > kcap) best = kcap;
    if (best > cap) best = cap;
    if (best < 1) best = 1;
    const double lo = static_cast<double>(static_cast<long long>(best));
    const double t_lo = at(lo);
    if (lo + 1 <= cap) {
        const double t_hi = at(lo + 1);
        if (t_hi < t_lo) {
            out.split_k = lo + 1;
            return t_hi;
        }
    }
    out.split_k = lo;
    return t_lo;
}

inline KernelCostModel::GemmTerms KernelCostModel::gemm_terms(const GemmFormat& f, double m, double n, double k,
                                                              double groups) const {
    GemmTerms t;
    t.bytes = groups * k * n * f.weight_bytes + m * k * f.act_bytes + m * n * 2.0;
    t.flops = 2.0 * m * n * k;
    const double rows = groups == 1 ? m : m / groups;
    // ceil() of positive values below 2^63 without a libm call.
    const auto up = [](double x) {
        const auto i = static_cast<long long>(x);
        return static_cast<double>(i + (static_cast<double>(i) < x ? 1 : 0));
    };
    if (f.fitted) {
        // Calibrated curve (GemmCurve): M, N and K factors and the fitted tile.
        double inv_eta = (rows + f.half_m) / rows * ((n + f.half_n) / n) * ((k + f.half_k) / k);
        if (f.tile_m > 0 && sms > 0 && rows >= f.tile_m) {
            const double tiles = up(rows / f.tile_m) * up(n / f.tile_n) * up(groups);
            if (tiles > sms) inv_eta *= up(tiles / sms) * sms / tiles;
        }
        t.eta_c = f.peak_fraction / inv_eta;
        t.compute = t.flops * inv_eta * f.inv_peak;
        t.memory = t.bytes * f.inv_hbm;
        return t;
    }
    t.memory = t.bytes * f.inv_hbm;
    t.latency = f.latency_s;
    if (!(f.sm_flop_s > 0)) {
        // No SM count: the ideal rate, no tiles.
        t.compute = t.flops * f.inv_peak;
        t.eta_c = f.inv_peak > 0 ? 1.0 / (f.inv_peak * peak(f.math).value()) : 0.0;
        return t;
    }
    // The fastest of the tile candidates a cuBLAS / CUTLASS / DeepGEMM
    // heuristic picks from on Hopper (kTileM x kTileN).
    TilePlan plan;
    int chosen = 0;
    t.compute = INFINITY;
    for (int i = 0; i < tile_candidates(rows); ++i) {
        TilePlan p;
        const double c = gemm_tile_seconds(f, i, rows, n, k, groups, p);
        if (c < t.compute) {
            t.compute = c;
            plan = p;
            chosen = i;
        }
    }
    t.tile_m = static_cast<int>(kTileM[chosen]);
    t.tile_n = static_cast<int>(kTileN[chosen]);
    t.tiles = plan.tiles;
    t.split_k = plan.split_k;
    t.waves = plan.waves;
    const double p = peak(f.math).value();
    t.eta_c = t.compute > 0 && p > 0 ? t.flops / (t.compute * p) : 0.0;
    return t;
}

inline double KernelCostModel::gemm_seconds(const GemmFormat& f, double m, double n, double k, double groups) const {
    if (m <= 0 || n <= 0 || k <= 0 || groups <= 0) return 0;
    if (f.fitted || !(f.sm_flop_s > 0)) {
        const GemmTerms t = gemm_terms(f, m, n, k, groups);
        return f.fitted ? f.fixed_s + roofline_blend(t.compute, t.memory, f.blend) : t.seconds();
    }
    // gemm_terms' spec-sheet arithmetic without its bookkeeping (this runs
    // ~70 times per decode-step evaluation). Quick test first: when one
    // plan (the first tile, 64x128 up to 64 rows per matrix else 128x128,
    // split to fill the SMs) already hides under the memory stream, so does
    // the best one and the time is the stream's -- what the search gives.
    const double memory = (groups * k * n * f.weight_bytes + m * k * f.act_bytes + m * n * 2.0) * f.inv_hbm;
    const double rows = groups == 1 ? m : m / groups;
    double first_exact = INFINITY;
    {
        // The quick plan: 64 x 128 or 128 x 128 tiles, split K as far as one
        // wave and min_split_k per split allow (any feasible split bounds
        // the best one).
        const int first = rows <= 64 ? 0 : 1;
        const double bm = kTileM[first];
        const auto up = [](double x) {
            const auto v = static_cast<long long>(x);
            return static_cast<double>(v + (static_cast<double>(v) < x ? 1 : 0));
        };
        const double tiles = up(rows * kInvTileM[first]) * up(n * (1.0 / 128)) * groups;
        const double sm_count = sms;
        double quick = 0;
        bool exact = true;  // the quick plan is the first candidate's own (no split to optimise)
        if (tiles >= sm_count) {
            double w = tiles * f.inv_sms;
            if (eff.gemm.wave_quantization) {
                w = up(w);
                if ((w - 1) * sm_count >= tiles) w -= 1;
            }
            quick = w * (k * f.per_k[first] + f.epilogue[first]);
        } else {
            const double kcap = k * f.inv_min_split_k;
            double split = 2 * tiles > sm_count ? 1.0 : static_cast<double>(static_cast<long long>(sm_count / tiles));
            if (split > kcap) split = static_cast<double>(static_cast<long long>(kcap));
            exact = split <= 1 && 2 * tiles > sm_count;
            quick = split > 1 ? k / split * f.per_k[first] + f.epilogue[first] +
                                    split * (rows < bm ? rows : bm) * 512.0 * f.sm_partial_byte_s
                              : k * f.per_k[first] + f.epilogue[first];
        }
        if (quick <= memory) return memory + f.latency_s;
        first_exact = exact ? quick : INFINITY;
    }
    TilePlan plan;
    double compute = first_exact;
    const int first = rows <= 64 ? 0 : 1;
    for (int i = 0; i < tile_candidates(rows); ++i) {
        if (i == first && first_exact < INFINITY) continue;  // already evaluated, exactly
        // Skip a tile whose lower bound is already no better: K x per-K times
        // the tiles per SM, or at least once when no second split fits.
        const double cols = static_cast<double>(static_cast<long long>(n * kInvTileN[i]));  // <= ceil
        const double row_tiles = rows * kInvTileM[i];  // exact: 1/64, 1/128
        const double whole = static_cast<double>(static_cast<long long>(row_tiles));
        const double tiles = (whole < row_tiles ? whole + 1 : whole) * cols * groups;
        const double per_sm = tiles * f.inv_sms;
        const double lower = k * f.per_k[i] * (per_sm > 0.5 && per_sm < 1 ? 1.0 : per_sm);
        if (lower >= compute) continue;
        const double c = gemm_tile_seconds(f, i, rows, n, k, groups, plan);
        if (c < compute) compute = c;
        if (compute <= memory) break;  // the stream's time already, whatever comes next
    }
    return (compute > memory ? compute : memory) + f.latency_s;
}

inline KernelCost KernelCostModel::gemm(const GemmShape& g) const {
    if (g.m <= 0 || g.n <= 0 || g.k <= 0 || g.groups <= 0) return {};
    const GemmFormat f = gemm_format(g.weights);
    const GemmTerms t = gemm_terms(f, g.m, g.n, g.k, g.groups);
    KernelCost c;
    c.flops = model::flops(t.flops);
    c.bytes = model::bytes(t.bytes);
    c.kernels = 1;
    c.overhead = eff.kernel_overhead;
    if (t.compute > t.memory) {
        c.bound = Bound::compute;
        c.efficiency = t.eta_c;
    } else {
        c.bound = Bound::memory;
        c.efficiency = f.fitted ? gemm_curve(f.math)->memory_efficiency : eff.hbm;
    }
    c.time = seconds(t.seconds());
    if (f.fitted) c.time = seconds(f.fixed_s + roofline_blend(t.compute, t.memory, f.blend));
    return c;
}

inline KernelCost KernelCostModel::attention(Flops work, Bytes traffic, int kernels, double compute_share,
                                             double memory_share) const {
    const double eta_c = eff.attention_compute * compute_share;
    const double eta_m = eff.attention_memory * memory_share;
    KernelCost c = roofline(work, traffic, DType::bf16, eta_c, eta_m, kernels);
    if (calibrated.attention && (work.value() > 0 || traffic.value() > 0)) {
        // Calibrated: a blended roofline plus the fitted fixed time per call.
        const double p = bf16_peak.value() * eta_c;
        const double bw = memory_bandwidth.value() * eta_m;
        const double tc = p > 0 ? work.value() / p : 0.0;
        const double tm = bw > 0 ? traffic.value() / bw : 0.0;
        c.time = seconds(calibrated.attention_fixed_s + roofline_blend(tc, tm, calibrated.attention_blend));
    }
    return c;
}

inline KernelCost KernelCostModel::elementwise(Bytes traffic, int kernels) const {
    KernelCost c = roofline(model::flops(0), traffic, DType::bf16, 1.0, eff.elementwise, kernels);
    if (calibrated.elementwise_fixed_s > 0) c.time += seconds(calibrated.elementwise_fixed_s * kernels);
    return c;
}

}  // namespace hwplan::model

template <>
struct fmt::formatter<hwplan::model::KernelCost> : fmt::formatter<std::string_view> {
    auto format(const hwplan::model::KernelCost& k, format_context& ctx) const {
        return fmt::format_to(ctx.out(), "{:.2f} us ({}-bound, eta {:.2f}, {:.3g} GFLOP, {:.3g} MB, +{:.1f} us)",
                              k.total().value() * 1e6, to_string(k.bound), k.efficiency, k.flops.value() / 1e9,
                              k.bytes.value() / 1e6, k.overhead.value() * 1e6);
    }
};

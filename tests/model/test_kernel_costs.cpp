// Kernel costs: the tiled GEMM model (hand-computed plans on H100/H800, wave
// quantization at the SM count, split-K, the memory-bound regime, grouped
// GEMMs, monotonicity), SMs reserved for communication, the math format rules.
#include <catch2/catch.hpp>

#include "model/error.hpp"
#include "model/kernel_costs.hpp"
#include "model/step_fixtures.hpp"

using namespace hwplan;
using namespace hwplan::model;
using Catch::Matchers::WithinRel;

// Per-SM rates of the test H100 (989 TFLOPS BF16, 1979 FP8, 3350 GB/s, 132
// SMs) under the default GemmEfficiency, for the hand-computed goldens:
//   BF16 tensor rate per SM   P  = 989e12 x 0.80 / 132            = 5.9939e12 FLOP/s
//   shared memory per SM      S  = P / 32                         = 1.8731e11 B/s
//   L2 per SM                 L  = P / 64                         = 9.3656e10 B/s
//   streaming HBM             B  = 3350e9 x 0.85                  = 2.8475e12 B/s
//   fill + drain              1 us per GEMM
namespace {
constexpr double kP = 989e12 * 0.80 / 132;
constexpr double kS = kP / 32;
constexpr double kHbm = 3350e9 * 0.85;
}  // namespace

TEST_CASE("GEMM at M = 1 streams the weights: 4096 x 4096 BF16 on H100 takes 11.79 + 1 us (+ 2 us)", "[model]") {
    const KernelCostModel k = KernelCostModel::for_gpu(test::h100_gpu());
    const KernelCost c = k.gemm({1, 4096, 4096, DType::bf16, 1});
    // (4096 x 4096 x 2 B + 4096 x 2 B in + 4096 x 2 B out) / B = 11.7896 us, plus
    // the 1 us pipeline fill; the 64x128 tiles split K 4 ways and hide under it.
    CHECK(c.bound == Bound::memory);
    CHECK_THAT(to_us(c.time), WithinRel(33570816.0 / kHbm * 1e6 + 1.0, 1e-9));
    CHECK_THAT(to_us(c.time), WithinRel(12.789575417032486, 1e-9));
    CHECK_THAT(to_us(c.overhead), WithinRel(2.0, 1e-12));
    CHECK(c.flops.value() == 2.0 * 4096 * 4096);
    CHECK(c.efficiency == 0.85);
    const auto t = k.gemm_terms(k.gemm_format(DType::bf16), 1, 4096, 4096, 1);
    CHECK(t.tile_m == 64);
    CHECK(t.tiles == 32);   // 4096 / 128 column tiles
    CHECK(t.split_k == 4);  // floor(132 / 32)
    CHECK(t.compute < t.memory);
}

TEST_CASE("GEMM 8192^3 BF16 on H100 picks 128x192 tiles: 21 full waves at 0.78 of peak", "[model]") {
    const KernelCostModel k = KernelCostModel::for_gpu(test::h100_gpu());
    const KernelCost c = k.gemm({8192, 8192, 8192, DType::bf16, 1});
    const auto t = k.gemm_terms(k.gemm_format(DType::bf16), 8192, 8192, 8192, 1);
    // Candidates (waves x (K x per-K + epilogue)), per-K = max(MMA, smem):
    //   128x128: 64 x 64 = 4096 tiles, 32 waves, MMA 2*128*128/P = smem 1024/S
    //   128x192: 64 x 43 = 2752 tiles, 21 waves, MMA 2*128*192/P (smem 1280/S is less)
    //   128x256: 64 x 32 = 2048 tiles, 16 waves;  64x128: 8192 tiles, 63 waves, smem-bound
    // 128x192: 21 x (8192 x 49152/P + 2*128*192*2 B/S) = 1.4217 ms.
    const double golden = 21 * (8192 * 2.0 * 128 * 192 / kP + 2.0 * 128 * 192 * 2 / kS);
    CHECK(t.tile_m == 128);
    CHECK(t.tile_n == 192);
    CHECK(t.waves == 21);
    CHECK(t.split_k == 1);
    CHECK_THAT(t.compute, WithinRel(golden, 1e-9));
    CHECK(c.bound == Bound::compute);
    CHECK_THAT(c.time.value(), WithinRel(golden + 1e-6, 1e-9));
    // eta_c = 2 x 8192^3 / (1.4217 ms x 989 TFLOPS) = 0.782: real cuBLAS runs
    // 788.7-797.5 of 989.5 TFLOPS on such shapes [MAMF].
    CHECK_THAT(c.efficiency, WithinRel(2.0 * 8192 * 8192 * 8192 / (golden * 989e12), 1e-9));
    CHECK(c.efficiency > 0.75);
    CHECK(c.efficiency < 0.80);
}

TEST_CASE("SMs reserved for communication take their tiles away (20 of 132)", "[model]") {
    const KernelCostModel all = KernelCostModel::for_gpu(test::h800_gpu());
    const KernelCostModel rest = KernelCostModel::for_gpu(test::h800_gpu(), default_efficiencies(), 20);
    CHECK_THAT(rest.bf16_peak.value(), WithinRel(all.bf16_peak.value() * 112 / 132, 1e-12));
    CHECK(rest.sms == 112);
    CHECK(rest.memory_bandwidth == all.memory_bandwidth);
    // 8192^3 on 112 SMs: the per-SM rate is unchanged, the waves are more.
    // In units of one 128x128 tile's work: 128x128 ceil(4096 / 112) = 37
    // waves x 1 = 37; 128x192 ceil(2752 / 112) = 25 x 1.5 = 37.5; 128x256
    // ceil(2048 / 112) = 19 x 2 = 38 -> 128x128.
    const auto t = rest.gemm_terms(rest.gemm_format(DType::bf16), 8192, 8192, 8192, 1);
    CHECK(t.tile_n == 128);
    CHECK(t.waves == 37);
    CHECK_THAT(t.compute, WithinRel(37 * (8192 * 2.0 * 128 * 128 / kP + 2.0 * 128 * 128 * 2 / kS), 1e-9));
    // A memory-bound GEMM does not notice.
    CHECK(rest.gemm({1, 4096, 4096, DType::bf16, 1}).time == all.gemm({1, 4096, 4096, DType::bf16, 1}).time);
}

TEST_CASE("Wave quantization: one more tile than SMs costs a visible step", "[model]") {
    const KernelCostModel k = KernelCostModel::for_gpu(test::h100_gpu());
    const auto f = k.gemm_format(DType::bf16);
    // N = 1408 = 11 x 128; M = 1536 = 12 x 128: 132 tiles of 128x128 = one
    // full wave. M = 1537 makes 143 tiles: two waves of 128x128, or one of
    // 104 padded 128x192 tiles (1.5x the work per tile) -- 1.5x the time.
    const double k_dim = 16384;
    const auto at = [&](double m) { return k.gemm_terms(f, m, 1408, k_dim, 1); };
    CHECK(at(1536).tiles == 132);
    CHECK(at(1536).waves == 1);
    CHECK(at(1536).compute > at(1536).memory);
    const double step = at(1537).compute / at(1536).compute;
    CHECK(step > 1.45);
    CHECK(step < 1.55);
    CHECK(at(1536).compute / at(1535).compute < 1.0 + 1e-12);  // same tiles below the step
    // Without quantization (fractional waves) only the tile padding of the
    // 13th row of tiles (13 / 12) is left.
    Efficiencies e;
    e.gemm.wave_quantization = false;
    const KernelCostModel smooth = KernelCostModel::for_gpu(test::h100_gpu(), e);
    const auto g = smooth.gemm_format(DType::bf16);
    CHECK(smooth.gemm_terms(g, 1537, 1408, k_dim, 1).compute / smooth.gemm_terms(g, 1536, 1408, k_dim, 1).compute <
          13.0 / 12 + 1e-9);
}

TEST_CASE("GEMM time is monotone in M, N and K (property, BF16 and FP8, grouped, SMs reserved)", "[model]") {
    for (int comm : {0, 20}) {
        const KernelCostModel k = KernelCostModel::for_gpu(test::h100_gpu(), default_efficiencies(), comm);
        for (DType d : {DType::bf16, DType::fp8}) {
            const auto f = k.gemm_format(d);
            for (double groups : {1.0, 8.0})
                for (double n : {576.0, 2112.0, 7168.0, 28672.0})
                    for (double kk : {128.0, 2048.0, 16384.0}) {
                        double last = 0;
                        for (double m = 1; m <= 20000; m = m < 64 ? m + 1 : m * 1.07) {
                            const double t = k.gemm_seconds(f, m * groups, n, kk, groups);
                            CAPTURE(comm, to_string(d), groups, n, kk, m);
                            CHECK(t >= last);
                            last = t;
                        }
                    }
            for (double m : {1.0, 16.0, 200.0, 4096.0}) {
                double last_n = 0, last_k = 0;
                for (double x = 16; x <= 60000; x = x * 1.05 + 1) {
                    const double tn = k.gemm_seconds(f, m, x, 4096, 1);
                    const double tk = k.gemm_seconds(f, m, 4096, x, 1);
                    CAPTURE(comm, to_string(d), m, x);
                    CHECK(tn >= last_n);
                    CHECK(tk >= last_k);
                    last_n = tn;
                    last_k = tk;
                }
            }
        }
    }
}

TEST_CASE("gemm_seconds (quick test + search) equals gemm_terms (full search) everywhere", "[model]") {
    const KernelCostModel k = KernelCostModel::for_gpu(test::h800_gpu());
    for (DType d : {DType::bf16, DType::fp8}) {
        const auto f = k.gemm_format(d);
        for (double groups : {1.0, 8.0})
            for (double n : {256.0, 2112.0, 7168.0, 32768.0})
                for (double kk : {512.0, 7168.0})
                    for (double m = 1; m <= 8192; m = m < 160 ? m + 1 : m * 1.3) {
                        CAPTURE(to_string(d), groups, n, kk, m);
                        const double quick = k.gemm_seconds(f, m * groups, n, kk, groups);
                        CHECK_THAT(quick, WithinRel(k.gemm_terms(f, m * groups, n, kk, groups).seconds(), 1e-12));
                    }
    }
}

TEST_CASE("Split-K fills the SMs below one wave and pays the partial-sum reduction", "[model]") {
    const KernelCostModel k = KernelCostModel::for_gpu(test::h800_gpu());
    const auto f = k.gemm_format(DType::bf16);
    // M = 64, N = 4096: 32 tiles of 64x128 on 132 SMs -> up to 4 splits.
    const auto t = k.gemm_terms(f, 64, 4096, 7168, 1);
    CHECK(t.tile_m == 64);
    CHECK(t.tiles == 32);
    CHECK(t.split_k == 4);
    // Per K: smem-bound, 2 x (64 + 128) x 2 B / S; epilogue 2 x 64 x 128 x 2 B / S;
    // fixup: 64 x 128 FP32 partials through L2 (P / 64 B/s) per split.
    const double per_k = 2.0 * (64 + 128) * 2 / kS;
    const double epilogue = 2.0 * 64 * 128 * 2 / kS;
    const double fixup = 64.0 * 128 * 4 / (kP / 64);
    CHECK_THAT(t.compute, WithinRel(7168.0 / 4 * per_k + epilogue + 4 * fixup, 1e-9));
    CHECK(t.compute < 7168.0 * per_k + epilogue);  // vs one split
    // With at least one tile per SM for every candidate there is no room to split.
    CHECK(k.gemm_terms(f, 2048, 4224, 7168, 1).split_k == 1);
    // A short K is not split below 4 K blocks of 128 B (256 BF16 elements).
    CHECK(k.gemm_terms(f, 16, 4096, 512, 1).split_k <= 2);
}

TEST_CASE("Memory-bound regime at M = 1..16: time = weight bytes / streaming HBM + fill", "[model]") {
    const KernelCostModel k = KernelCostModel::for_gpu(test::h800_gpu());
    for (DType d : {DType::bf16, DType::fp8})
        for (double m = 1; m <= 16; ++m)
            for (auto [n, kk] : {std::pair{4096.0, 7168.0}, {24576.0, 1536.0}, {7168.0, 16384.0}}) {
                const KernelCost c = k.gemm({m, n, kk, d, 1});
                CAPTURE(to_string(d), m, n, kk);
                CHECK(c.bound == Bound::memory);
                const double weights = n * kk * weight_bytes_per_element(d);
                CHECK_THAT(c.time.value(), WithinRel(weights / kHbm + 1e-6, 0.02));
            }
}

TEST_CASE("GEMM efficiency stays below the sustained fraction and reaches it on large shapes", "[model]") {
    const KernelCostModel k = KernelCostModel::for_gpu(test::h100_gpu());
    for (double m : {1.0, 4.0, 16.0, 64.0, 128.0, 1024.0, 8192.0, 65536.0}) {
        CAPTURE(m);
        CHECK(k.gemm_efficiency(m, 4096, 4096) <= k.eff.gemm.peak_fraction);
    }
    CHECK(k.gemm_efficiency(1, 4096, 4096) < 0.01);  // rows padded to a 64-row tile
    CHECK(k.gemm_efficiency(65536, 8192, 8192) > 0.77);
    // FP8 with 128-block scales on Hopper: 0.80 x 0.875 of the FP8 peak.
    CHECK(k.gemm_efficiency(65536, 8192, 8192, DType::fp8) <= 0.80 * 0.875);
    CHECK(k.gemm_efficiency(65536, 8192, 8192, DType::fp8) > 0.66);
}

TEST_CASE("GEMM time grows with every dimension", "[model]") {
    const KernelCostModel k = KernelCostModel::for_gpu(test::h100_gpu());
    const double base = k.gemm({256, 4096, 4096, DType::fp8, 1}).total().value();
    CHECK(k.gemm({512, 4096, 4096, DType::fp8, 1}).total().value() > base);
    CHECK(k.gemm({256, 8192, 4096, DType::fp8, 1}).total().value() > base);
    CHECK(k.gemm({256, 4096, 8192, DType::fp8, 1}).total().value() > base);
    // BF16 weights move twice the bytes and run at half the FP8 rate.
    CHECK(k.gemm({256, 4096, 4096, DType::bf16, 1}).total().value() > base);
}

TEST_CASE("FP8 block scaling costs 1/8 of the FP8 rate on Hopper, nothing on Blackwell", "[model]") {
    const KernelCostModel k = KernelCostModel::for_gpu(test::h800_gpu());
    Efficiencies unscaled;
    unscaled.gemm.fp8_block_scale = 1;
    const KernelCostModel u = KernelCostModel::for_gpu(test::h800_gpu(), unscaled);
    const auto scaled = k.gemm_terms(k.gemm_format(DType::fp8), 4096, 7168, 16384, 1);
    const auto plain = u.gemm_terms(u.gemm_format(DType::fp8), 4096, 7168, 16384, 1);
    // The MMAs take 1 / 0.875 longer, the BF16 epilogue does not.
    const double ratio = scaled.compute / plain.compute;
    CHECK(ratio > 1.12);
    CHECK(ratio <= 1 / 0.875 + 1e-9);
    CHECK_THAT(k.gemm_format(DType::fp8).inv_peak, WithinRel(1 / (1979e12 * 0.80 * 0.875), 1e-12));
    // Blackwell's tensor cores apply block scales themselves.
    const KernelCostModel b = KernelCostModel::for_gpu(test::gb200_nvl72().gpu);
    CHECK_THAT(b.gemm_format(DType::fp8).inv_peak, WithinRel(1 / (b.fp8_peak.value() * 0.80), 1e-12));
    // BF16 has no scales to promote.
    CHECK_THAT(k.gemm_format(DType::bf16).inv_peak, WithinRel(1 / (989e12 * 0.80), 1e-12));
}

TEST_CASE("Grouped GEMM reads one weight matrix per active group", "[model]") {
    const KernelCostModel k = KernelCostModel::for_gpu(test::h800_gpu());
    const KernelCost one = k.gemm({8, 4096, 7168, DType::fp8, 1});
    const KernelCost four = k.gemm({32, 4096, 7168, DType::fp8, 4});
    CHECK(four.bound == Bound::memory);
    CHECK_THAT(four.bytes.value(), WithinRel(4 * one.bytes.value(), 1e-3));
    // Four weight streams, one fill.
    CHECK_THAT(to_us(four.time) - 1.0, WithinRel(4 * (to_us(one.time) - 1.0), 1e-3));
}

TEST_CASE("Grouped GEMM pads each group's rows to the tile and spreads all tiles over the SMs", "[model]") {
    const KernelCostModel k = KernelCostModel::for_gpu(test::h800_gpu());
    const auto f = k.gemm_format(DType::fp8);
    // 8 experts x 65 rows: each group needs a 128-row tile (not 65 x 8 / 128 = 5).
    const auto g = k.gemm_terms(f, 8 * 65, 4096, 7168, 8);
    CHECK(g.tile_m == 128);
    CHECK(g.tiles == 8 * 1 * 4096 / g.tile_n);
    // The same rows in one matrix need 5 row tiles, not 8.
    CHECK(k.gemm_terms(f, 8 * 65, 4096, 7168, 1).tiles < g.tiles);
    // Compute-bound groups: 4 x 8192 rows = 4 x the tiles of one 8192-row GEMM.
    const auto one = k.gemm_terms(f, 8192, 4096, 7168, 1);
    const auto four = k.gemm_terms(f, 4 * 8192, 4096, 7168, 4);
    CHECK(four.tiles == 4 * one.tiles);
    CHECK(four.compute > 3.9 * one.compute);
    CHECK(four.compute < 4.1 * one.compute);
}

TEST_CASE("Math formats: W8A8 at FP8 rate, INT4 as W4A16, FP4 native only where the GPU has it", "[model]") {
    const KernelCostModel hopper = KernelCostModel::for_gpu(test::h800_gpu());
    CHECK(hopper.math_dtype(DType::fp8) == DType::fp8);
    CHECK(hopper.math_dtype(DType::bf16) == DType::bf16);
    CHECK(hopper.math_dtype(DType::int4) == DType::bf16);
    CHECK(hopper.math_dtype(DType::fp4) == DType::bf16);
    const KernelCostModel blackwell = KernelCostModel::for_gpu(test::gb200_nvl72().gpu);
    CHECK(blackwell.math_dtype(DType::fp4) == DType::fp4);
    CHECK_THAT(hopper.peak(DType::fp8).value(), WithinRel(2 * hopper.peak(DType::bf16).value(), 1e-3));
    CHECK(weight_bytes_per_element(DType::fp8) == 1.0 + 4.0 / 16384);
    CHECK(weight_bytes_per_element(DType::int4) == 0.5 + 2.0 / 128);
    CHECK(weight_bytes_per_element(DType::bf16) == 2.0);
}

TEST_CASE("Attention and element-wise kernels use their own efficiencies", "[model]") {
    const KernelCostModel k = KernelCostModel::for_gpu(test::h800_gpu());
    // 1 GB of KV read: FlashMLA-class 90 % of HBM.
    const KernelCost a = k.attention(flops(0), bytes(1e9), 2);
    CHECK_THAT(a.time.value(), WithinRel(1e9 / (3350e9 * 0.9), 1e-12));
    CHECK(a.kernels == 2);
    // 1 TFLOP of attention math: 65 % of the BF16 peak.
    const KernelCost b = k.attention(flops(1e12), bytes(0), 1);
    CHECK(b.bound == Bound::compute);
    CHECK_THAT(b.time.value(), WithinRel(1e12 / (989e12 * 0.65), 1e-12));
    const KernelCost e = k.elementwise(bytes(1e6), 1);
    CHECK_THAT(e.time.value(), WithinRel(1e6 / (3350e9 * 0.7), 1e-12));
}

TEST_CASE("Efficiencies are validated with the field named", "[model]") {
    Efficiencies e;
    CHECK_NOTHROW(validate(e));
    e.rdma = 0;
    CHECK_THROWS_WITH(validate(e), Catch::Matchers::Contains("efficiency.rdma"));
    e = {};
    e.hbm = 1.2;
    CHECK_THROWS_AS(validate(e), hwplan::Error);
    e = {};
    e.kernel_overhead = microseconds(-1);
    CHECK_THROWS_WITH(validate(e), Catch::Matchers::Contains("kernel_overhead"));
    e = {};
    e.gemm.fp8_block_scale = 0;
    CHECK_THROWS_WITH(validate(e), Catch::Matchers::Contains("gemm.fp8_block_scale"));
    e = {};
    e.gemm.smem_bytes_per_flop = -1;
    CHECK_THROWS_WITH(validate(e), Catch::Matchers::Contains("gemm.smem_bytes_per_flop"));
    e = {};
    e.gemm.split_k_min_blocks = 0;
    CHECK_THROWS_WITH(validate(e), Catch::Matchers::Contains("gemm.split_k_min_blocks"));
    e = {};
    e.gemm.pipeline_latency = microseconds(-1);
    CHECK_THROWS_WITH(validate(e), Catch::Matchers::Contains("gemm.pipeline_latency"));
}

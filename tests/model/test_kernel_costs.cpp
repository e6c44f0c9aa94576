// Kernel roofline: hand-computed GEMM cases on H100, the shape of the
// efficiency curve, SMs reserved for communication, the math format rules.
#include <catch2/catch.hpp>

#include "model/error.hpp"
#include "model/kernel_costs.hpp"
#include "model/step_fixtures.hpp"

using namespace hwplan;
using namespace hwplan::model;
using Catch::Matchers::WithinRel;

TEST_CASE("GEMM at M = 1 streams the weights: 4096 x 4096 BF16 on H100 takes 11.79 us + 2 us", "[model]") {
    const KernelCostModel k = KernelCostModel::for_gpu(test::h100_gpu());
    const KernelCost c = k.gemm({1, 4096, 4096, DType::bf16, 1});
    // (4096 x 4096 x 2 B + 4096 x 2 B in + 4096 x 2 B out) / (3350 GB/s x 0.85)
    CHECK(c.bound == Bound::memory);
    CHECK_THAT(to_us(c.time), WithinRel(11.789575417032486, 1e-9));
    CHECK_THAT(to_us(c.overhead), WithinRel(2.0, 1e-12));
    CHECK(c.flops.value() == 2.0 * 4096 * 4096);
    CHECK(c.efficiency == 0.85);
}

TEST_CASE("GEMM 8192^3 BF16 on H100 is compute-bound at eta_c = 0.7 M/(M+16) x wave efficiency", "[model]") {
    const KernelCostModel k = KernelCostModel::for_gpu(test::h100_gpu());
    const KernelCost c = k.gemm({8192, 8192, 8192, DType::bf16, 1});
    // 0.7 x 8192/8208 x 4096 tiles / (32 waves x 132 SMs) = 0.67746
    CHECK(c.bound == Bound::compute);
    CHECK_THAT(c.efficiency, WithinRel(0.6774647055348809, 1e-9));
    CHECK_THAT(to_ms(c.time), WithinRel(1.6410312850729454, 1e-9));
}

TEST_CASE("SMs reserved for communication scale the compute peak (20 of 132)", "[model]") {
    const KernelCostModel all = KernelCostModel::for_gpu(test::h800_gpu());
    const KernelCostModel rest = KernelCostModel::for_gpu(test::h800_gpu(), default_efficiencies(), 20);
    CHECK_THAT(rest.bf16_peak.value(), WithinRel(all.bf16_peak.value() * 112 / 132, 1e-12));
    CHECK(rest.sms == 112);
    CHECK(rest.memory_bandwidth == all.memory_bandwidth);
    const KernelCost c = rest.gemm({8192, 8192, 8192, DType::bf16, 1});
    CHECK_THAT(to_ms(c.time), WithinRel(1.8974424233655933, 1e-9));
    // A memory-bound GEMM does not notice.
    CHECK(rest.gemm({1, 4096, 4096, DType::bf16, 1}).time == all.gemm({1, 4096, 4096, DType::bf16, 1}).time);
}

TEST_CASE("GEMM efficiency rises smoothly with M towards the peak fraction", "[model]") {
    const KernelCostModel k = KernelCostModel::for_gpu(test::h100_gpu());
    double last = 0;
    for (double m : {1.0, 4.0, 16.0, 64.0, 128.0, 1024.0, 8192.0, 1e6}) {
        const double e = k.gemm_efficiency(m);
        CHECK(e > last);
        CHECK(e < k.eff.gemm.peak_fraction);
        last = e;
    }
    CHECK_THAT(k.gemm_efficiency(16), WithinRel(0.35, 1e-12));  // half of 0.70 at half_m
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

TEST_CASE("Grouped GEMM reads one weight matrix per active group", "[model]") {
    const KernelCostModel k = KernelCostModel::for_gpu(test::h800_gpu());
    const KernelCost one = k.gemm({8, 4096, 7168, DType::fp8, 1});
    const KernelCost four = k.gemm({32, 4096, 7168, DType::fp8, 4});
    CHECK(four.bound == Bound::memory);
    CHECK_THAT(four.bytes.value(), WithinRel(4 * one.bytes.value(), 1e-3));
    CHECK_THAT(to_us(four.time), WithinRel(4 * to_us(one.time), 1e-3));
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
}

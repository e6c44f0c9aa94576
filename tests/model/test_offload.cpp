// Hybrid CPU/GPU decode (KTransformers-style): which side binds, memory fit,
// and how the result moves with the assumptions.
#include <catch2/catch.hpp>

#include "model/error.hpp"
#include "model/fixtures.hpp"
#include "model/offload.hpp"
#include "model/step_fixtures.hpp"

using namespace hwplan;
using namespace hwplan::model;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

namespace {
Workload one_user() { return test::decode_workload(1, 4096); }
}  // namespace

TEST_CASE("DeepSeek-V3 on a one-GPU hybrid box is bound by the CPU streaming int4 experts", "[model]") {
    const OffloadStep r = offload_decode(test::deepseek_v3(), test::hybrid_box(), one_user());
    INFO(r.reason);
    REQUIRE(r.feasible);
    CHECK(std::string(r.bound) == "cpu");
    // 58 MoE layers x 8 experts x 3 x 7168 x 2048 weights at 4.125 bits.
    const double expected = 58 * 8 * 3.0 * 7168 * 2048 * (0.5 + 2.0 / 128);
    CHECK_THAT(r.cpu_bytes_per_step.value(), WithinRel(expected, 1e-9));
    CHECK_THAT(r.cpu_time.value(), WithinRel(expected / (1228.8e9 * 0.6), 1e-9));
    CHECK(r.step > r.cpu_time);
    CHECK_THAT(r.breakdown.total().value(), WithinRel(r.step.value(), 1e-9));
    CHECK(r.gpu_memory < gibibytes(24));
}

TEST_CASE("Hybrid decode: faster DRAM, narrower experts, fewer users all help", "[model]") {
    const ModelArch v3 = test::deepseek_v3();
    System s = test::hybrid_box();
    const double base = offload_decode(v3, s, one_user()).tokens_per_s_per_user;
    OffloadOptions wide;
    wide.cpu_experts = DType::int8;
    CHECK(offload_decode(v3, s, one_user(), wide).tokens_per_s_per_user < base);
    Efficiencies slow;
    slow.cpu_memory = 0.3;
    CHECK(offload_decode(v3, s, one_user(), {}, slow).tokens_per_s_per_user < base);
    CHECK(offload_decode(v3, s, test::decode_workload(8, 4096)).tokens_per_s_per_user < base);
    CHECK(offload_decode(v3, s, test::decode_workload(8, 4096)).tokens_per_s > base);
    s.host->memory_bandwidth = s.host->memory_bandwidth * 2.0;
    CHECK(offload_decode(v3, s, one_user()).tokens_per_s_per_user > base);
}

TEST_CASE("Hybrid decode: what does not fit is a result with a reason", "[model]") {
    OffloadOptions bf16;
    bf16.gpu_weights = DType::bf16;  // ~16B non-expert parameters in BF16 do not fit 24 GB
    const OffloadStep r = offload_decode(test::deepseek_v3(), test::hybrid_box(), one_user(), bf16);
    CHECK_FALSE(r.feasible);
    CHECK_THAT(r.reason, Contains("GPU part"));
    System no_host = test::hybrid_box();
    no_host.host.reset();
    CHECK_THAT(offload_decode(test::deepseek_v3(), no_host, one_user()).reason, Contains("host"));
    CHECK_FALSE(offload_decode(test::llama31_8b(), test::hybrid_box(), one_user()).feasible);
}

namespace {
// The box of the KTransformers rows: 2 sockets x 8 channels DDR5-4800
// (307.2 GB/s each), 1 TiB, AMX BF16 144.2 TFLOPS for both sockets.
System xeon_box() {
    System s = test::hybrid_box();
    s.host->id = "xeon-gold-6454s-2s";
    s.host->sockets = 2;
    s.host->cores = 64;
    s.host->memory_capacity = gibibytes(1024);
    s.host->memory_bandwidth = gigabytes_per_second(614.4);
    s.host->matrix_peak = teraflops_per_second(144.2);
    return s;
}
// DeepSeek-V3: 58 MoE layers, one expert = 3 x 7168 x 2048 weights.
constexpr double kExpertWeights = 3.0 * 7168 * 2048;
}  // namespace

TEST_CASE("Q4_K_M expert bits: (4.5 + 4.5 + (4.5 + 6.5625) / 2) / 3", "[model]") {
    CHECK(kQ4KmExpertBits == 4.84375);
    CHECK(kAvx512ShareOfAmx == 0.125);
}

TEST_CASE("Hybrid decode: the experts stream from the sockets that hold them (NUMA)", "[model]") {
    const ModelArch v3 = test::deepseek_v3();
    const System s = xeon_box();
    OffloadOptions o;
    o.cpu_expert_bits = kQ4KmExpertBits;
    // Hand computation, batch 1: exactly top_k = 8 experts per MoE layer.
    const double bytes = 58 * 8 * kExpertWeights * 4.84375 / 8;

    o.sockets_used = 1;
    const OffloadStep one = offload_decode(v3, s, one_user(), o);
    CHECK(one.streaming_sockets == 1);
    CHECK_FALSE(one.experts_replicated);
    CHECK_THAT(one.cpu_bytes_per_step.value(), WithinRel(bytes, 1e-12));
    CHECK_THAT(one.cpu_time.value(), WithinRel(bytes / (307.2e9 * 0.6), 1e-9));

    // Both sockets, experts copied into both NUMA nodes (396 GB fits 512 GiB
    // per node): twice the local bandwidth, twice the host memory.
    o.sockets_used = 0;
    const OffloadStep two = offload_decode(v3, s, one_user(), o);
    CHECK(two.experts_replicated);
    CHECK(two.streaming_sockets == 2);
    CHECK_THAT(two.cpu_time.value(), WithinRel(one.cpu_time.value() / 2, 1e-9));
    CHECK_THAT(two.host_weight_bytes.value(), WithinRel(2 * one.host_weight_bytes.value(), 1e-12));
    CHECK(two.tokens_per_s_per_user > one.tokens_per_s_per_user);

    // Not copied (or too little DRAM per node to copy): the pages are spread
    // and the two sockets share one socket's worth of local bandwidth.
    o.numa_replicated = false;
    const OffloadStep spread = offload_decode(v3, s, one_user(), o);
    CHECK(spread.streaming_sockets == 1);
    CHECK_THAT(spread.cpu_time.value(), WithinRel(one.cpu_time.value(), 1e-9));
    o.numa_replicated = true;
    System small = s;
    small.host->memory_capacity = gibibytes(700);  // 350 GiB = 376 GB per node < 396 GB of experts
    const OffloadStep tight = offload_decode(v3, small, one_user(), o);
    CHECK_FALSE(tight.experts_replicated);
    CHECK(tight.streaming_sockets == 1);
    CHECK(tight.feasible);  // one copy (396 GB) fits 751 GB
}

TEST_CASE("Hybrid decode: fewer routed experts per token stream proportionally fewer bytes", "[model]") {
    ModelArch v3 = test::deepseek_v3();
    const OffloadStep eight = offload_decode(v3, xeon_box(), one_user());
    std::get<Moe>(v3.ffn).top_k = 6;
    const OffloadStep six = offload_decode(v3, xeon_box(), one_user());
    CHECK_THAT(six.cpu_bytes_per_step.value(), WithinRel(eight.cpu_bytes_per_step.value() * 6 / 8, 1e-12));
    CHECK(six.tokens_per_s_per_user > eight.tokens_per_s_per_user);
}

TEST_CASE("Hybrid prefill: every expert is touched and the CPU is compute-bound", "[model]") {
    const ModelArch v3 = test::deepseek_v3();
    const System s = xeon_box();
    OffloadOptions o;
    o.cpu_expert_bits = kQ4KmExpertBits;
    o.sockets_used = 1;
    o.cpu_isa_share = kAvx512ShareOfAmx;  // KTransformers v0.2: llamafile AVX-512
    Workload w = one_user();
    w.prompt = 500;
    const OffloadStep p = offload_prefill(v3, s, w, o);
    REQUIRE(p.step.value() > 0);
    // 500 tokens x top-8 over 256 experts: 1 - (1 - 8/256)^500 ~ 1 - 1.3e-7 of
    // them active. FLOPs 2 x 500 x 8 x expert weights per layer at one
    // socket's AVX-512 peak (144.2 / 2 / 8 TFLOPS) x 0.29; bytes at 307.2 x 0.6.
    const double flops = 58 * 2.0 * 500 * 8 * kExpertWeights;
    const double t_cmp = flops / (144.2e12 / 2 / 8 * 0.29);
    const double t_mem = 58 * 256 * kExpertWeights * 4.84375 / 8 / (307.2e9 * 0.6);
    REQUIRE(t_cmp > t_mem);
    CHECK_THAT(p.cpu_time.value(), WithinRel(t_cmp, 1e-6));
    CHECK(std::string(p.bound) == "cpu");
    CHECK_THAT(p.tokens_per_s, WithinRel(500 / p.step.value(), 1e-12));
    CHECK(p.tokens_per_s_per_user == 0);
    // AMX (share 1) is 8x the AVX-512 compute: prefill gets faster, not 8x
    // (the GPU part and the DRAM stream stay).
    o.cpu_isa_share = 1;
    const OffloadStep amx = offload_prefill(v3, s, w, o);
    CHECK(amx.tokens_per_s > p.tokens_per_s);
    CHECK(amx.tokens_per_s < 8 * p.tokens_per_s);
    // Longer prompts take longer.
    w.prompt = 2000;
    CHECK(offload_prefill(v3, s, w, o).step > amx.step);
    w.prompt = 0;
    CHECK_THROWS_AS(offload_prefill(v3, s, w, o), Error);
}

TEST_CASE("Hybrid offload rejects a socket count the host does not have", "[model]") {
    OffloadOptions o;
    o.sockets_used = 3;
    CHECK_THROWS_AS(offload_decode(test::deepseek_v3(), xeon_box(), one_user(), o), Error);
    o.sockets_used = 0;
    o.cpu_isa_share = 0;
    CHECK_THROWS_AS(offload_decode(test::deepseek_v3(), xeon_box(), one_user(), o), Error);
}

// Hybrid CPU/GPU decode (KTransformers-style): which side binds, memory fit,
// and how the result moves with the assumptions.
#include <catch2/catch.hpp>

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

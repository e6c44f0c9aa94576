// Engines as data (model/engine.hpp): what a fusion, a CUDA graph and an
// attention kernel family change in a step -- pinned by the physics (kernel
// counts, bytes moved, launch-bound host time), not by reference rows.
#include <catch2/catch.hpp>

#include "model/attention_kernel.hpp"
#include "model/engine.hpp"
#include "model/error.hpp"
#include "model/fixtures.hpp"
#include "model/step_fixtures.hpp"
#include "model/step_time.hpp"

using namespace hwplan;
using namespace hwplan::model;
using Catch::Matchers::WithinRel;

namespace {

StepOptions with_engine(const EngineTraits& e) {
    StepOptions o;
    o.engine = e;
    o.check_memory = false;
    return o;
}

DecodeStep llama_step(const EngineTraits& e, int batch, int context = 4096) {
    return decode_step(test::llama31_8b(), test::h100_box(), Deployment{}, test::decode_workload(batch, context),
                       with_engine(e));
}

EngineTraits unfused_engine(bool graphs) {
    EngineTraits e;
    e.fuses = {false, false, false, false, false, false, false};
    e.attention = AttentionKernel::pytorch_sdpa;
    e.cuda_graphs = graphs;
    e.launch_overhead = microseconds(10);
    e.step_overhead = microseconds(10);
    return e;
}

}  // namespace

TEST_CASE("Unfusing SiLU*mul adds exactly one kernel and 2 M i b bytes per layer", "[model]") {
    EngineTraits fused;
    EngineTraits split = fused;
    split.fuses.silu_mul = false;
    const int B = 16;
    const DecodeStep a = llama_step(fused, B);
    const DecodeStep b = llama_step(split, B);
    REQUIRE(a.feasible);
    REQUIRE(b.feasible);
    // Llama-3.1-8B: 32 layers, intermediate 14336, BF16 activations (b = 2):
    // fused 3 M i b, plain silu + mul 10 B per element = 5 M i b.
    CHECK(b.kernels - a.kernels == 32);
    const KernelCostModel k = KernelCostModel::for_gpu(test::h100_gpu());
    const double extra_bytes = 32 * 2.0 * B * 14336 * 2;
    const double per_byte = 1.0 / (k.memory_bandwidth.value() * k.eff.elementwise);
    CHECK_THAT(b.breakdown[Component::elementwise].value() - a.breakdown[Component::elementwise].value(),
               WithinRel(extra_bytes * per_byte, 1e-9));
    CHECK_THAT(b.breakdown[Component::kernel_overhead].value() - a.breakdown[Component::kernel_overhead].value(),
               WithinRel(32 * k.eff.kernel_overhead.value(), 1e-9));
}

TEST_CASE("Unfusing add+RMSNorm replaces one kernel by the 1 + 8 plain ops, per norm", "[model]") {
    EngineTraits fused;
    EngineTraits split = fused;
    split.fuses.norm_residual = false;
    const DecodeStep a = llama_step(fused, 4);
    const DecodeStep b = llama_step(split, 4);
    // Two norms per layer (attention, FFN) and the final norm: 65 norms, each
    // 1 kernel fused and residual_add (1) + rms_norm (8) unfused.
    CHECK(b.kernels - a.kernels == 65 * 8);
}

TEST_CASE("Separate q/k/v and gate/up GEMMs add kernels but move the same weight bytes", "[model]") {
    EngineTraits fused;
    EngineTraits split = fused;
    split.fuses.qkv_gemm = false;
    split.fuses.gate_up_gemm = false;
    const DecodeStep a = llama_step(fused, 1);
    const DecodeStep b = llama_step(split, 1);
    CHECK(b.kernels - a.kernels == 32 * 3);
    // At batch 1 the projections stream their weights: the same bytes, so
    // the GEMM time moves by well under the 3 extra kernels' fixed cost.
    const double proj_a = a.breakdown[Component::attention_projections].value() + a.breakdown[Component::dense_ffn].value();
    const double proj_b = b.breakdown[Component::attention_projections].value() + b.breakdown[Component::dense_ffn].value();
    CHECK(proj_b >= proj_a * 0.98);
    CHECK(proj_b <= proj_a * 1.10);
}

TEST_CASE("CUDA graphs remove the launch cost but not the GPU's per-kernel gap", "[model]") {
    const DecodeStep graph = llama_step(unfused_engine(true), 1, 1024);
    const DecodeStep eager = llama_step(unfused_engine(false), 1, 1024);
    REQUIRE(graph.feasible);
    REQUIRE(eager.feasible);
    CHECK(graph.kernels == eager.kernels);
    const double gap = default_efficiencies().kernel_overhead.value();
    // Every kernel pays the gap in both.
    CHECK_THAT(graph.breakdown[Component::kernel_overhead].value(), WithinRel(graph.kernels * gap, 1e-9));
    CHECK_THAT(eager.breakdown[Component::kernel_overhead].value(), WithinRel(eager.kernels * gap, 1e-9));
    // The graph's host time is its one step overhead; the eager step is
    // launch-bound at batch 1: the host's kernels x 10 us, plus the step overhead.
    CHECK_THAT(graph.breakdown[Component::host].value(), WithinRel(10e-6, 1e-9));
    CHECK_THAT(eager.step.value(), WithinRel(eager.kernels * 10e-6 + 10e-6, 1e-9));
    CHECK(eager.step.value() > graph.step.value());
    // At a large batch the GPU is slower than the host: eager = graph.
    const DecodeStep graph_big = llama_step(unfused_engine(true), 256, 4096);
    const DecodeStep eager_big = llama_step(unfused_engine(false), 256, 4096);
    CHECK(eager_big.breakdown[Component::host].value() == graph_big.breakdown[Component::host].value());
    CHECK(eager_big.step == graph_big.step);
}

TEST_CASE("Decode attention without split-KV leaves SMs idle at small batch", "[model]") {
    EngineTraits split;  // flashinfer: split-KV
    EngineTraits sdpa = split;
    sdpa.attention = AttentionKernel::pytorch_sdpa;
    // Batch 1, 32 query heads, 8 KV heads, 4096 tokens, 132 SMs, per layer:
    //   KV stream 4096 x 2 x 8 x 128 x 2 B = 16,777,216 B; queries + outputs
    //   2 x 32 x 128 x 2 B = 16,384 B, read and written once per split.
    //   SDPA: 32 CTAs -> fill 32/132, one split; split-KV: 8 groups x
    //   min(132/8 = 16.5, 4096/128 = 32) splits = 132 CTAs -> fill 1.
    // Memory-bound: time ~ bytes / fill.
    const double kv = 16777216.0, qo = 16384.0;
    const DecodeStep a = llama_step(split, 1);
    const DecodeStep b = llama_step(sdpa, 1);
    CHECK_THAT(b.breakdown[Component::attention_core].value() / a.breakdown[Component::attention_core].value(),
               WithinRel(((kv + qo) / (32.0 / 132)) / (kv + 16.5 * qo), 1e-9));
    // Split-KV merges its partial results in one more kernel per layer.
    CHECK(a.kernels - b.kernels == 32);
    // Enough sequences fill the machine either way (batch 8: 256 SDPA CTAs;
    // split-KV 64 groups x 132/64 splits); only the split outputs differ.
    const DecodeStep c = llama_step(split, 8);
    const DecodeStep d = llama_step(sdpa, 8);
    CHECK_THAT(c.breakdown[Component::attention_core].value() / d.breakdown[Component::attention_core].value(),
               WithinRel((8 * kv + 132.0 / 64 * 8 * qo) / (8 * kv + 8 * qo), 1e-9));
}

TEST_CASE("Prefill attention efficiency rises with the keys per query; FA2 below FA3", "[model]") {
    double last = 0;
    for (double keys : {128.0, 512.0, 2048.0, 16384.0}) {
        const AttentionKernelTraits fa3 = attention_kernel_traits(AttentionKernel::flash_attention_3);
        const double share = fa3.prefill_relative * keys / (keys + fa3.prefill_half_keys);
        CHECK(share > last);
        last = share;
    }
    const ModelArch m = test::llama31_8b();
    const System s = test::h100_box();
    Workload w;
    w.prompt = 8192;
    EngineTraits fa3;
    fa3.attention = AttentionKernel::flash_attention_3;
    EngineTraits fa2 = fa3;
    fa2.attention = AttentionKernel::flash_attention_2;
    const PrefillStep p3 = prefill(m, s, Deployment{}, w, with_engine(fa3));
    const PrefillStep p2 = prefill(m, s, Deployment{}, w, with_engine(fa2));
    REQUIRE(p3.feasible);
    // Compute-bound at 8k: the attention core scales by the plateau ratio
    // (0.655 / 0.374) and the half-saturation points (s = 4096 keys per query).
    const double ratio = p2.breakdown[Component::attention_core].value() / p3.breakdown[Component::attention_core].value();
    const double expected = (1.0 * 4096 / (4096 + 200)) / (0.374 / 0.655 * 4096 / (4096 + 100));
    CHECK_THAT(ratio, WithinRel(expected, 1e-6));
}

TEST_CASE("A plain-PyTorch engine is slower than a fused one at every batch", "[model]") {
    for (int b : {1, 8, 64, 256}) {
        CAPTURE(b);
        CHECK(llama_step(unfused_engine(true), b).step > llama_step(EngineTraits{}, b).step);
    }
}

TEST_CASE("Engine traits are validated with the field named", "[model]") {
    EngineTraits e;
    e.launch_overhead = seconds(-1);
    CHECK_THROWS_WITH(validate(e, "engines/x.yaml"), Catch::Contains("launch_overhead"));
    EngineTraits f;
    f.unfused.rms_norm.kernels = 0;
    CHECK_THROWS_WITH(validate(f), Catch::Contains("rms_norm"));
    CHECK(attention_kernel_from_string("flash-mla") == AttentionKernel::flash_mla);
    CHECK_FALSE(attention_kernel_from_string("flash-attention-4"));
    for (auto name : attention_kernel_names()) CHECK(to_string(*attention_kernel_from_string(name)) == name);
}

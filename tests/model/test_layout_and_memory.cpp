#include <catch2/catch.hpp>

#include "model/fixtures.hpp"
#include "model/layout.hpp"
#include "model/memory_plan.hpp"

using namespace hwplan;

namespace {

model::System h800_node() {
    model::System s;
    s.id = "h800-node";
    s.gpu.id = "h800-sxm";
    s.gpu.memory_capacity = model::gigabytes(80);
    s.gpu.sms = 132;
    s.gpus_per_node = 8;
    s.scale_up_domain = 8;
    return s;
}

model::Deployment pure_ep(int nodes) {
    model::Deployment d;
    d.nodes = nodes;
    d.dp = nodes * 8;
    d.ep = nodes * 8;
    d.precision.weights = model::DType::fp8;
    return d;
}

}  // namespace

TEST_CASE("Layout problems name the dimension that does not divide", "[model]") {
    const auto m = test::deepseek_v3();
    auto d = pure_ep(4);
    CHECK_FALSE(model::layout_problem(m, h800_node(), d));
    d.tp = 3;
    d.dp = 32 / 3;
    REQUIRE(model::layout_problem(m, h800_node(), d));
    d = pure_ep(4);
    d.ep = 24;  // does not divide 32 GPUs
    CHECK(model::layout_problem(m, h800_node(), d)->rfind("ep", 0) == 0);
    auto dense = test::llama31_8b();
    auto l = pure_ep(1);
    l.ep = 8;
    CHECK(model::layout_problem(dense, h800_node(), l)->find("dense") != std::string::npos);
    l.ep = 1;
    l.dp = 4;
    l.tp = 2;
    CHECK_FALSE(model::layout_problem(dense, h800_node(), l));
    l.tp = 16;
    l.dp = 1;
    l.nodes = 2;
    CHECK(model::layout_problem(dense, h800_node(), l)->find("scale-up") != std::string::npos);
}

TEST_CASE("DeepSeek-V3 FP8 does not fit one H800 node but fits four (EP32)", "[model]") {
    const auto m = test::deepseek_v3();
    model::Workload w;
    w.batch = 32;
    w.context = 4096;
    const auto one = model::plan_memory(m, h800_node(), pure_ep(1), w);
    CHECK_FALSE(one.fits);
    CHECK(one.reason.find("needs") != std::string::npos);  // the reason states the sizes
    CHECK(one.weights.value() > 80e9);
    const auto four = model::plan_memory(m, h800_node(), pure_ep(4), w);
    CHECK(four.fits);
    // Routed experts 654B / 32 = 20.4 GB FP8, plus what DP32 replicates on
    // every GPU: attention 11.4 GB, dense + shared FFN 3.7 GB, embedding and
    // head in BF16 3.7 GB -> ~39.3 GB.
    CHECK_THAT(four.weights.value(), Catch::Matchers::WithinRel(39.3e9, 0.02));
    CHECK(four.max_batch > w.batch);
}

TEST_CASE("Memory properties: KV linear in batch and context; more GPUs, less weight per GPU", "[model]") {
    const auto m = test::deepseek_v3();
    model::Workload w;
    w.batch = 16;
    w.context = 4096;
    const auto a = model::plan_memory(m, h800_node(), pure_ep(4), w);
    w.batch = 32;
    const auto b = model::plan_memory(m, h800_node(), pure_ep(4), w);
    CHECK(b.kv_cache.value() == Approx(2 * a.kv_cache.value()));
    w.context = 8192;
    const auto c = model::plan_memory(m, h800_node(), pure_ep(4), w);
    CHECK(c.kv_cache.value() == Approx(2 * b.kv_cache.value()));
    const auto bigger = model::plan_memory(m, h800_node(), pure_ep(8), w);
    CHECK(bigger.weights < c.weights);
    // KV per sequence: 70,272 B/token x 4096 tokens (MLA is not split by TP).
    CHECK(a.kv_cache.value() == Approx(16 * 4096 * 70272.0));
}

TEST_CASE("GQA KV is split across TP ranks up to the KV head count", "[model]") {
    const auto m = test::llama31_70b();  // 8 KV heads
    model::Workload w;
    w.batch = 8;
    w.context = 1000;
    model::Deployment d;
    d.tp = 8;
    const auto tp8 = model::plan_memory(m, h800_node(), d, w);
    d.tp = 4;
    d.dp = 2;
    const auto tp4 = model::plan_memory(m, h800_node(), d, w);
    CHECK(tp4.kv_cache.value() == Approx(2 * tp8.kv_cache.value()));
}

TEST_CASE("A prompt's prefill chunk is one block of activations, not one per sequence", "[model]") {
    // Llama-3.1-8B, FP8 weights and KV, one H100: a 128-token prompt must not
    // shrink the resident batch by 128x its per-token activations per sequence.
    const model::ModelArch m = test::llama31_8b();
    model::System s = h800_node();
    s.gpus_per_node = 1;
    s.scale_up_domain = 1;
    model::Deployment d;
    d.precision.weights = model::DType::fp8;
    d.precision.kv_cache = model::DType::fp8;
    model::Workload w;
    w.batch = 1;
    w.context = 192;
    const auto decode_only = model::plan_memory(m, s, d, w);
    w.prompt = 128;
    const auto with_prompt = model::plan_memory(m, s, d, w);
    REQUIRE(decode_only.max_batch > 1000);
    CHECK(with_prompt.max_batch <= decode_only.max_batch);
    CHECK(with_prompt.max_batch > 0.99 * decode_only.max_batch);
    // The batch actually asked for still pays the chunk's activations in full.
    CHECK(with_prompt.activations > decode_only.activations);
}

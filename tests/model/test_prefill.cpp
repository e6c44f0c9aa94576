// Prefill / TTFT: chunked, quadratic attention, prefix cache, pipeline; and
// the request-level TPOT metrics built on it.
#include <catch2/catch.hpp>

#include "model/error.hpp"
#include "model/fixtures.hpp"
#include "model/step_fixtures.hpp"
#include "model/step_time.hpp"

using namespace hwplan;
using namespace hwplan::model;
using Catch::Matchers::WithinRel;

namespace {

Workload prompt_of(int prompt, int chunk = 8192, double hit = 0) {
    Workload w = test::decode_workload(1, 4096);
    w.prompt = prompt;
    w.prefill_chunk = chunk;
    w.prefix_hit_rate = hit;
    return w;
}

double ttft_ms(const Workload& w, const Deployment& d = {}) {
    const PrefillStep p = prefill(test::llama31_8b(), test::h100_box(), d, w);
    INFO(p.reason);
    REQUIRE(p.feasible);
    return to_ms(p.ttft);
}

}  // namespace

TEST_CASE("TTFT grows with the prompt, faster than linearly for long prompts (attention)", "[model]") {
    double last = 0;
    for (int p : {128, 512, 2048, 8192, 32768}) {
        const double t = ttft_ms(prompt_of(p));
        CHECK(t > last);
        last = t;
    }
    CHECK(ttft_ms(prompt_of(32768)) > 2.0 * ttft_ms(prompt_of(16384)));
}

TEST_CASE("Prefill of a long prompt is compute-bound at a few thousand tokens per second per GPU", "[model]") {
    const PrefillStep p = prefill(test::llama31_8b(), test::h100_box(), Deployment{}, prompt_of(8192));
    REQUIRE(p.feasible);
    CHECK(p.chunks == 1);
    // 2 x 8B FLOPs per token at ~70 % of 989 TFLOPS bounds it to < 45k tokens/s.
    CHECK(p.input_tokens_per_s_per_gpu < 45000);
    CHECK(p.input_tokens_per_s_per_gpu > 5000);
    CHECK_THAT(p.breakdown.total().value(), WithinRel(p.ttft.value(), 1e-9));
}

TEST_CASE("Prefix-cache hits shorten the prefill", "[model]") {
    const double full = ttft_ms(prompt_of(8192));
    const double half = ttft_ms(prompt_of(8192, 8192, 0.5));
    CHECK(half < full);
    const PrefillStep all = prefill(test::llama31_8b(), test::h100_box(), Deployment{}, prompt_of(8192, 8192, 1.0));
    CHECK(all.feasible);
    CHECK(all.computed_tokens == 0);
    CHECK(all.ttft.value() == 0);
}

TEST_CASE("Smaller prefill chunks never make TTFT shorter", "[model]") {
    double last = 0;
    for (int chunk : {16384, 4096, 1024, 256}) {
        const double t = ttft_ms(prompt_of(16384, chunk));
        CHECK(t >= last * (1 - 1e-9));
        last = t;
    }
    const PrefillStep p = prefill(test::llama31_8b(), test::h100_box(), Deployment{}, prompt_of(16384, 1024));
    CHECK(p.chunks == 16);
}

TEST_CASE("Very many chunks are summed by a midpoint rule without jumps", "[model]") {
    // 256 full chunks are evaluated one by one, 257 by 256 samples.
    const double a = ttft_ms(prompt_of(256 * 64, 64));
    const double b = ttft_ms(prompt_of(257 * 64, 64));
    CHECK(b > a);
    CHECK(b / a < 1.02);
}

TEST_CASE("DeepSeek-V3 prefill with EP32 uses the forwarding all-to-all", "[model]") {
    const System s = test::h800_node();
    Workload w = prompt_of(4096);
    StepOptions o;
    o.check_memory = false;
    const PrefillStep p = prefill(test::deepseek_v3(), s, test::ep_layout(s, 4), w, o);
    REQUIRE(p.feasible);
    CHECK(p.ep_algorithm == EpAlgorithm::forwarding);
    CHECK(p.breakdown[Component::dispatch].value() > 0);
    CHECK_THAT(p.breakdown.total().value(), WithinRel(p.ttft.value(), 1e-9));
}

TEST_CASE("Pipeline stages: the breakdown still adds up to TTFT", "[model]") {
    Deployment d;
    d.pp = 2;
    d.nodes = 1;
    const PrefillStep p = prefill(test::llama31_8b(), test::h100_box(2), d, prompt_of(16384, 4096));
    REQUIRE(p.feasible);
    CHECK_THAT(p.breakdown.total().value(), WithinRel(p.ttft.value(), 1e-9));
    CHECK(p.breakdown[Component::pipeline].value() > 0);
}

TEST_CASE("Bad prefill workloads are bad input", "[model]") {
    CHECK_THROWS_AS(prefill(test::llama31_8b(), test::h100_box(), Deployment{}, prompt_of(-1)), hwplan::Error);
    CHECK_THROWS_AS(prefill(test::llama31_8b(), test::h100_box(), Deployment{}, prompt_of(100, 0)), hwplan::Error);
    CHECK_THROWS_AS(prefill(test::llama31_8b(), test::h100_box(), Deployment{}, prompt_of(100, 64, 1.5)),
                    hwplan::Error);
}

TEST_CASE("TPOT metrics: itl, (e2e - TTFT) / (output - 1), e2e / output", "[model]") {
    const ModelArch m = test::llama31_8b();
    const System s = test::h100_box();
    Workload w = test::decode_workload(32, 2048);
    w.prompt = 2048;
    w.output = 2049;
    const RequestLatency r = request_latency(m, s, Deployment{}, w);
    REQUIRE(r.feasible);
    Workload at = w;
    at.context = 2049;
    const double first = to_ms(decode_step(m, s, Deployment{}, at).tpot);
    at.context = 4096;
    const double last = to_ms(decode_step(m, s, Deployment{}, at).tpot);
    CHECK(to_ms(r.e2e_minus_ttft) > first);
    CHECK(to_ms(r.e2e_minus_ttft) < last);
    CHECK_THAT(to_ms(r.e2e_per_token), WithinRel(to_ms(r.ttft + r.decode) / w.output, 1e-12));
    CHECK(to_ms(r.tpot(TpotMetric::itl)) == to_ms(r.itl));
    CHECK(tpot_metric_from_string("e2e-minus-ttft") == TpotMetric::e2e_minus_ttft);
    CHECK_FALSE(tpot_metric_from_string("tpot"));
    w.output = 0;
    CHECK_THROWS_AS(request_latency(m, s, Deployment{}, w), hwplan::Error);
}

// The analytic serving model (model/serving/serving.hpp): capacity and its
// bottleneck, monotonicity in the rate, growth without bound near capacity,
// refusal beyond it, fleet size, prefix reuse and KV tiers.
#include <catch2/catch.hpp>

#include <cmath>

#include "model/error.hpp"
#include "model/serving/serving_fixtures.hpp"

using namespace hwplan;
using namespace hwplan::model;
using namespace hwplan::model::serving;
using planner::LengthDistribution;
using planner::LengthShape;
using Catch::Matchers::Contains;

TEST_CASE("Serving: latency percentiles grow monotonically with the rate", "[model][serving]") {
    for (bool disagg : {false, true}) {
        const auto c = test::llama8b_case("m", LengthDistribution{2048, LengthShape::exponential},
                                          LengthDistribution{256, LengthShape::exponential}, 0, disagg);
        const StepTimes st = build_step_times(c.inputs);
        const Capacity cap = capacity(st, c.inputs.input, c.inputs.output);
        REQUIRE(cap.rate > 0);
        ServingResult prev;
        for (int i = 1; i <= 19; ++i) {
            const double u = i / 20.0;
            const ServingResult r = analyze(st, Load{u * cap.rate, c.inputs.input, c.inputs.output});
            CHECK(r.utilization == Approx(u));
            if (i > 1) {
                INFO("disaggregated " << disagg << " u " << u);
                // Percentiles are bisected to 1e-9 relative: allow that much.
                const auto ge = [](double a, double b) { return a >= b * (1 - 1e-8); };
                CHECK(ge(r.ttft.p50, prev.ttft.p50));
                CHECK(ge(r.ttft.p99, prev.ttft.p99));
                CHECK(ge(r.tpot.p50, prev.tpot.p50));
                CHECK(ge(r.tpot.p99, prev.tpot.p99));
                CHECK(ge(r.e2e.p50, prev.e2e.p50));
                CHECK(ge(r.e2e.p99, prev.e2e.p99));
                CHECK(r.e2e.p99 > prev.e2e.p99);
            }
            prev = r;
        }
    }
}

TEST_CASE("Serving: latency grows without bound as the rate approaches capacity", "[model][serving]") {
    // One case bound by prefill (long prompts, short outputs), one by decode.
    const auto pre = test::llama8b_case("p", LengthDistribution{16384}, LengthDistribution{8});
    const auto dec = test::llama8b_case("d", LengthDistribution{256}, LengthDistribution{2048});
    for (const auto* c : {&pre, &dec}) {
        const StepTimes st = build_step_times(c->inputs);
        const Capacity cap = capacity(st, c->inputs.input, c->inputs.output);
        const auto at = [&](double u) { return analyze(st, Load{u * cap.rate, c->inputs.input, c->inputs.output}); };
        const ServingResult a = at(0.5), b = at(0.99), z = at(0.9999);
        INFO(cap.bottleneck);
        // Finite and growing below capacity, every percentile.
        for (const ServingResult* r : {&a, &b, &z}) {
            CHECK(std::isfinite(r->e2e.p99));
            CHECK(r->ttft.p50 > 0);
            CHECK(r->tpot.p50 > 0);
            CHECK(r->e2e.p50 >= r->ttft.p50);
        }
        CHECK(b.e2e.p99 > 2 * a.e2e.p99);
        CHECK(z.e2e.p99 > 20 * a.e2e.p99);
        CHECK(z.e2e.p99 > b.e2e.p99);
        CHECK(z.e2e.p50 > b.e2e.p50);
        // Refused at and beyond capacity, naming the bottleneck.
        for (double u : {1.0, 1.5}) {
            try {
                (void)at(u);
                FAIL("no error at " << u << " x capacity");
            } catch (const Error& e) {
                CHECK(e.where() == "rate");
                CHECK_THAT(std::string(e.what()), Contains(cap.bottleneck));
            }
        }
    }
    CHECK_THAT(capacity(build_step_times(pre.inputs), pre.inputs.input, pre.inputs.output).bottleneck,
               Contains("prefill"));
    CHECK_THAT(capacity(build_step_times(dec.inputs), dec.inputs.input, dec.inputs.output).bottleneck,
               Contains("decode"));
}

TEST_CASE("Serving: a rate at or beyond capacity is refused naming the bottleneck", "[model][serving]") {
    const auto c = test::llama8b_case("m", LengthDistribution{1024}, LengthDistribution{512}, 16);
    const StepTimes st = build_step_times(c.inputs);
    const Capacity cap = capacity(st, c.inputs.input, c.inputs.output);
    CHECK_THAT(cap.bottleneck, Contains("decode KV capacity (16 sequences per replica, --max-batch)"));
    // Capacity of 16 slots: 16 sequences / (511 tokens x step at batch 16), prefill sharing the steps.
    CHECK(cap.rate < 16 / (511 * st.decode_seconds(16)));
    CHECK(cap.rate > 0.5 * 16 / (511 * st.decode_seconds(16)));
    for (double f : {1.0, 1.5}) {
        try {
            (void)analyze(st, Load{f * cap.rate, c.inputs.input, c.inputs.output});
            FAIL("no error at " << f << " x capacity");
        } catch (const Error& e) {
            CHECK(e.where() == "rate");
            CHECK_THAT(std::string(e.what()), Contains("beyond the capacity") && Contains("decode KV capacity"));
        }
    }
}

TEST_CASE("Serving: the fleet is sized with headroom", "[model][serving]") {
    const Capacity cap{10, "x"};
    CHECK(units_needed(cap, 80, 0.2) == 10);
    CHECK(units_needed(cap, 80.1, 0.2) == 11);
    CHECK(units_needed(cap, 1, 0) == 1);
    CHECK_THROWS_AS(units_needed(cap, 10, 1.0), Error);
}

TEST_CASE("Serving: at light load TTFT is the prefill and TPOT the batch-1 step", "[model][serving]") {
    const auto c = test::llama8b_case("m", LengthDistribution{1000}, LengthDistribution{100});
    const StepTimes st = build_step_times(c.inputs);
    const Capacity cap = capacity(st, c.inputs.input, c.inputs.output);
    const ServingResult r = analyze(st, Load{1e-4 * cap.rate, c.inputs.input, c.inputs.output});
    CHECK(r.ttft.p50 == Approx(st.prefill_seconds(1000)).epsilon(0.01));
    CHECK(r.tpot.p50 == Approx(st.decode_seconds(1)).epsilon(0.01));
    CHECK(r.e2e.p50 == Approx(st.prefill_seconds(1000) + 99 * st.decode_seconds(1)).epsilon(0.01));
}

TEST_CASE("Serving: prefix hits shorten prefill; loading them from a slow tier costs time", "[model][serving]") {
    auto c = test::llama8b_case("m", LengthDistribution{8192}, LengthDistribution{100});
    const double cold = build_step_times(c.inputs).prefill_seconds(8192);
    c.inputs.kv_hit_rate = 0.75;
    const double hot = build_step_times(c.inputs).prefill_seconds(8192);
    CHECK(hot < 0.5 * cold);
    CHECK(build_step_times(c.inputs).computed_tokens(8192) == 2048);
    c.inputs.kv_load.seconds_per_hit_token = 1e-5;
    CHECK(build_step_times(c.inputs).prefill_seconds(8192) == Approx(hot + 6144 * 1e-5));
}

TEST_CASE("KV tiers are provisioned fastest first for the working set", "[model][serving]") {
    KvReuse r;
    r.target_hit_rate = 0.5;
    r.requests_per_s = 10;
    r.mean_prompt = 1000;
    r.reuse_window = seconds(100);
    r.kv_bytes_per_token = bytes(1000);
    r.kv_bytes_per_token_per_gpu = bytes(100);
    // Working set 0.5 x 10 x 100 x 1000 x 1000 = 500 MB.
    const std::vector<KvTier> tiers = {{"hbm", bytes(100e6), bytes_per_second(0)},
                                       {"dram", bytes(300e6), bytes_per_second(10e9)},
                                       {"ssd", bytes(1e12), bytes_per_second(1e9)}};
    const KvTierPlan p = plan_kv_tiers(tiers, r);
    CHECK(p.working_set.value() == Approx(500e6));
    CHECK(p.tiers[0].provisioned.value() == Approx(100e6));
    CHECK(p.tiers[1].provisioned.value() == Approx(300e6));
    CHECK(p.tiers[2].provisioned.value() == Approx(100e6));
    CHECK(p.achieved_hit_rate == Approx(0.5));
    CHECK(p.load.seconds_per_hit_token == Approx(0.6 * 100 / 10e9 + 0.2 * 100 / 1e9));
    CHECK(p.resident_sessions == Approx(500));
    // Without the SSD only 400 of 500 MB are held: the hit rate drops in proportion.
    const KvTierPlan q = plan_kv_tiers({tiers[0], tiers[1]}, r);
    CHECK(q.achieved_hit_rate == Approx(0.4));
    CHECK_THROWS_AS(plan_kv_tiers(tiers, KvReuse{1.5}), Error);
}

TEST_CASE("Serving: the simulation is deterministic for a seed", "[model][serving]") {
    const auto c = test::llama8b_case("m", LengthDistribution{1024, LengthShape::exponential},
                                      LengthDistribution{128, LengthShape::exponential});
    const StepTimes st = build_step_times(c.inputs);
    const double rate = 0.5 * capacity(st, c.inputs.input, c.inputs.output).rate;
    const auto a = simulate(st, poisson_requests(rate, c.input, c.output, 3000, 9));
    const auto b = simulate(st, poisson_requests(rate, c.input, c.output, 3000, 9));
    CHECK(a.ttft.p99 == b.ttft.p99);
    CHECK(a.tpot.p50 == b.tpot.p50);
    std::vector<Request> bad = {{1, 10, 10}, {0.5, 10, 10}};
    CHECK_THROWS_AS(simulate(st, bad), Error);
}

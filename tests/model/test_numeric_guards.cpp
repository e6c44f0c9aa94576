// Numerical guards: property tests over random valid inputs (fixed seeds, so
// a failure reproduces). Whatever the model, system, layout and workload, the
// functions behind `hwplan kv/ep/tpot/plan` return finite, non-negative
// numbers, and they move the way physics says: KV bytes are linear in
// tokens, EP time does not grow with bandwidth, TPOT does not fall when the
// context or the batch grows.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <random>
#include <string>

#include "model/ep_comm.hpp"
#include "model/error.hpp"
#include "model/fixtures.hpp"
#include "model/kv_cache.hpp"
#include "model/layout.hpp"
#include "model/planner/planner_fixtures.hpp"
#include "model/planner/search.hpp"
#include "model/step_fixtures.hpp"
#include "model/step_time.hpp"

using namespace hwplan;
using namespace hwplan::model;

namespace {

bool ok(double v) { return std::isfinite(v) && v >= 0; }

int uniform_int(std::mt19937& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
double log_uniform(std::mt19937& rng, double lo, double hi) {
    return std::exp(std::uniform_real_distribution<double>(std::log(lo), std::log(hi))(rng));
}

// A random but valid model: a GQA dense model, or an MLA/GQA MoE.
ModelArch random_model(std::mt19937& rng) {
    switch (uniform_int(rng, 0, 5)) {
        case 0: return test::deepseek_v3();
        case 1: return test::deepseek_v2();
        case 2: return test::llama31_8b();
        case 3: return test::llama31_70b();
        case 4: return test::qwen25_72b();
        default: {
            const int kv_heads = 1 << uniform_int(rng, 0, 3);
            const int heads = kv_heads * uniform_int(rng, 1, 8);
            ModelArch m = test::gqa_model("random", uniform_int(rng, 1, 64), 64 * uniform_int(rng, 4, 128),
                                          uniform_int(rng, 1000, 200000), heads, kv_heads,
                                          16 * uniform_int(rng, 2, 8), 64 * uniform_int(rng, 4, 256));
            if (uniform_int(rng, 0, 1)) {
                const int experts = 8 * uniform_int(rng, 1, 32);
                Moe moe;
                moe.routed_experts = experts;
                moe.shared_experts = uniform_int(rng, 0, 2);
                moe.top_k = uniform_int(rng, 1, std::min(8, experts));
                moe.expert_intermediate = 64 * uniform_int(rng, 2, 32);
                moe.first_k_dense = uniform_int(rng, 0, std::min(3, m.layers - 1));
                moe.dense_intermediate = 64 * uniform_int(rng, 4, 128);
                m.ffn = moe;
            }
            validate(m);
            return m;
        }
    }
}

// A deployment that layout_problem() accepts, or nullopt.
struct Case {
    ModelArch m;
    System s;
    Deployment d;
};

std::optional<Case> random_case(std::mt19937& rng) {
    Case c{random_model(rng), {}, {}};
    switch (uniform_int(rng, 0, 3)) {
        case 0: c.s = test::h800_node(); break;
        case 1: c.s = test::h100_box(1 << uniform_int(rng, 0, 3)); break;
        case 2: c.s = test::gb200_nvl72(); break;
        default: c.s = test::h800_single_gpu_nodes(); break;
    }
    Deployment& d = c.d;
    // Several nodes only where there is a scale-out NIC: ep_exchange() with a
    // zero RDMA rate over several domains is +inf (decode_step() refuses
    // that layout as infeasible first).
    d.nodes = (c.s.gpus_per_node == 72 || !c.s.nic) ? 1 : 1 << uniform_int(rng, 0, 3);
    const int world = world_size(c.s, d);
    d.tp = 1 << uniform_int(rng, 0, 2);
    if (world % d.tp != 0) d.tp = 1;
    d.pp = 1;
    d.dp = world / d.tp;
    d.ep = std::holds_alternative<Moe>(c.m.ffn) ? std::gcd(world, std::get<Moe>(c.m.ffn).routed_experts) : 1;
    d.precision.weights = uniform_int(rng, 0, 1) ? DType::fp8 : DType::bf16;
    d.precision.kv_cache = uniform_int(rng, 0, 1) ? DType::fp8 : DType::bf16;
    d.overlap = static_cast<Overlap>(uniform_int(rng, 0, 2));
    d.comm_sms = uniform_int(rng, 0, 1) ? 0 : 20;
    d.expert_imbalance = log_uniform(rng, 1.0, 3.0);
    if (uniform_int(rng, 0, 2) == 0) d.mtp = {1, {std::uniform_real_distribution<double>(0.0, 1.0)(rng)}};
    if (layout_problem(c.m, c.s, d)) return std::nullopt;
    return c;
}

void check_decode(const DecodeStep& r) {
    INFO(fmt::format("{}", r));
    if (!r.feasible) {
        CHECK_FALSE(r.reason.empty());
        return;
    }
    CHECK(ok(r.step.value()));
    CHECK(r.step.value() > 0);
    CHECK(ok(r.tpot.value()));
    CHECK(ok(r.tokens_per_step));
    CHECK(ok(r.tokens_per_s_per_user));
    CHECK(ok(r.tokens_per_s_per_gpu));
    CHECK(ok(r.moe_layer.value()));
    CHECK(ok(r.dense_layer.value()));
    CHECK(ok(r.tokens_per_gpu));
    CHECK(ok(r.active_experts_per_gpu));
    CHECK(ok(r.tokens_per_expert));
    CHECK(ok(r.ep.time().value()));
    CHECK(ok(r.memory_per_gpu.value()));
    for (std::size_t i = 0; i < component_count; ++i) {
        const auto c = static_cast<Component>(i);
        const double v = r.breakdown[c].value();
        // `overlap` is the time hidden by overlap: a credit, <= 0 by design.
        if (c == Component::overlap) CHECK((std::isfinite(v) && v <= 0));
        else CHECK(ok(v));
    }
    CHECK(r.breakdown.total().value() == Approx(r.step.value()).epsilon(1e-9));
}

}  // namespace

TEST_CASE("numeric guards: KV bytes are linear in tokens and finite", "[model][guards]") {
    std::mt19937 rng(1001);
    for (int i = 0; i < 300; ++i) {
        const ModelArch m = random_model(rng);
        const DType dt = uniform_int(rng, 0, 1) ? DType::fp8 : DType::bf16;
        const double a = uniform_int(rng, 0, 1 << 20), b = uniform_int(rng, 0, 1 << 20);
        const double per_token = kv_bytes_per_token(m, dt).value();
        CAPTURE(m.id, a, b);
        CHECK(ok(per_token));
        CHECK(per_token > 0);
        CHECK(kv_bytes_per_sequence(m, dt, 0).value() == 0);
        const double ka = kv_bytes_per_sequence(m, dt, a).value();
        const double kb = kv_bytes_per_sequence(m, dt, b).value();
        const double kab = kv_bytes_per_sequence(m, dt, a + b).value();
        CHECK(ok(ka));
        CHECK(kab == Approx(ka + kb).epsilon(1e-12));  // no sliding window in these models
        CHECK(ka == Approx(a * per_token).epsilon(1e-12));
    }
}

TEST_CASE("numeric guards: paper EP time is finite and non-increasing in bandwidth", "[model][guards]") {
    std::mt19937 rng(1002);
    for (int i = 0; i < 500; ++i) {
        PaperEpInputs in;
        in.tokens = log_uniform(rng, 1, 4096);
        in.hidden = log_uniform(rng, 256, 16384);
        in.experts_per_token = uniform_int(rng, 1, 16);
        in.layers = uniform_int(rng, 1, 128);
        in.micro_batches = uniform_int(rng, 1, 4);
        const double gbps = log_uniform(rng, 1, 2000);
        in.bandwidth = gigabytes_per_second(gbps);
        const PaperEp slow = paper_ep(in);
        in.bandwidth = gigabytes_per_second(gbps * log_uniform(rng, 1, 100));
        const PaperEp fast = paper_ep(in);
        CAPTURE(i, gbps);
        for (const PaperEp& p : {slow, fast}) {
            CHECK(ok(p.comm.value()));
            CHECK(ok(p.step.value()));
            CHECK(ok(p.tokens_per_s));
            CHECK(p.step.value() > 0);
        }
        CHECK(fast.comm <= slow.comm);
        CHECK(fast.step <= slow.step);
        CHECK(fast.tokens_per_s >= slow.tokens_per_s);
    }
    PaperEpInputs zero;
    zero.bandwidth = bytes_per_second(0);
    CHECK_THROWS_AS(paper_ep(zero), Error);  // refused, not infinite
}

TEST_CASE("numeric guards: realistic EP exchange is finite and non-increasing in link rates",
          "[model][guards]") {
    std::mt19937 rng(1003);
    int checked = 0;
    for (int i = 0; i < 400; ++i) {
        const auto c = random_case(rng);
        if (!c || !std::holds_alternative<Moe>(c->m.ffn)) continue;
        const EpGroup g = ep_group(c->m, c->s, c->d, uniform_int(rng, 0, 1) == 1);
        const EpLinks base = ep_links(c->s, default_efficiencies());
        EpLinks faster = base;
        const double f = log_uniform(rng, 1, 50);
        faster.nvlink = faster.nvlink * f;
        faster.rdma = faster.rdma * f;
        const double tokens = uniform_int(rng, 0, 1) ? 0.0 : log_uniform(rng, 1, 8192);
        const Bytes msg = bytes(c->m.hidden * dispatch_bytes_per_element(c->d.precision));
        const Bytes cmsg = bytes(c->m.hidden * combine_bytes_per_element(c->d.precision));
        const auto algo = uniform_int(rng, 0, 1) ? EpAlgorithm::direct : EpAlgorithm::forwarding;
        const double imb = log_uniform(rng, 1, 4);
        const EpExchange slow = ep_exchange(g, base, tokens, msg, cmsg, algo, imb);
        const EpExchange fast = ep_exchange(g, faster, tokens, msg, cmsg, algo, imb);
        CAPTURE(c->m.id, c->s.id, c->d.nodes, c->d.ep, tokens, f);
        for (const EpExchange& x : {slow, fast}) {
            INFO(fmt::format("{}", x) << " time " << x.time().value());
            CHECK(ok(x.time().value()));
            CHECK(ok(x.dispatch.nvlink.value()));
            CHECK(ok(x.dispatch.rdma.value()));
            CHECK(ok(x.fanout.domains_hit));
            CHECK(ok(x.fanout.gpus_hit));
        }
        CHECK(fast.time().value() <= slow.time().value() * (1 + 1e-12));
        ++checked;
    }
    CHECK(checked > 50);
}

TEST_CASE("numeric guards: decode step is finite, and TPOT does not fall as context or batch grows",
          "[model][guards]") {
    std::mt19937 rng(1004);
    int compared_context = 0, compared_batch = 0;
    for (int i = 0; i < 250; ++i) {
        const auto c = random_case(rng);
        if (!c) continue;
        StepOptions o;
        o.check_memory = uniform_int(rng, 0, 1) == 1;
        Workload w;
        w.batch = static_cast<int>(log_uniform(rng, 1, 512));
        w.context = static_cast<int>(log_uniform(rng, 1, 131072));
        const DecodeStep r = decode_step(c->m, c->s, c->d, w, o);
        CAPTURE(i, c->m.id, c->s.id, c->d.nodes, c->d.tp, c->d.ep, w.batch, w.context);
        check_decode(r);

        Workload longer = w;
        longer.context = static_cast<int>(w.context * log_uniform(rng, 1, 8)) + 1;
        const DecodeStep rc = decode_step(c->m, c->s, c->d, longer, o);
        check_decode(rc);
        if (r.feasible && rc.feasible) {
            CHECK(rc.tpot.value() >= r.tpot.value() * (1 - 1e-9));
            ++compared_context;
        }
        Workload bigger = w;
        bigger.batch = static_cast<int>(w.batch * log_uniform(rng, 1, 8)) + 1;
        const DecodeStep rb = decode_step(c->m, c->s, c->d, bigger, o);
        check_decode(rb);
        if (r.feasible && rb.feasible) {
            CAPTURE(bigger.batch);
            CHECK(rb.tpot.value() >= r.tpot.value() * (1 - 1e-9));
            ++compared_batch;
        }
    }
    CAPTURE(compared_context, compared_batch);
    CHECK(compared_context > 50);
    CHECK(compared_batch > 50);
}

TEST_CASE("numeric guards: prefill TTFT is finite and does not fall as the prompt grows", "[model][guards]") {
    std::mt19937 rng(1005);
    int compared = 0;
    for (int i = 0; i < 120; ++i) {
        const auto c = random_case(rng);
        if (!c) continue;
        Workload w;
        w.prompt = static_cast<int>(log_uniform(rng, 1, 65536));
        w.prefill_chunk = static_cast<int>(log_uniform(rng, 256, 16384));
        w.prefix_hit_rate = uniform_int(rng, 0, 1) ? 0.0 : std::uniform_real_distribution<double>(0, 0.9)(rng);
        const PrefillStep p = prefill(c->m, c->s, c->d, w);
        Workload longer = w;
        longer.prompt = static_cast<int>(w.prompt * log_uniform(rng, 1, 4)) + 1;
        const PrefillStep q = prefill(c->m, c->s, c->d, longer);
        CAPTURE(i, c->m.id, c->s.id, w.prompt, longer.prompt, w.prefill_chunk, w.prefix_hit_rate);
        for (const PrefillStep& x : {p, q}) {
            if (!x.feasible) {
                CHECK_FALSE(x.reason.empty());
                continue;
            }
            CHECK(ok(x.ttft.value()));
            CHECK(ok(x.computed_tokens));
            CHECK(ok(x.input_tokens_per_s_per_gpu));
        }
        if (p.feasible && q.feasible) {
            CHECK(q.ttft.value() >= p.ttft.value() * (1 - 1e-9));
            ++compared;
        }
    }
    CHECK(compared > 30);
}

TEST_CASE("numeric guards: plans have finite, non-negative figures", "[model][guards]") {
    std::mt19937 rng(1006);
    for (int i = 0; i < 4; ++i) {
        model::planner::Scenario sc = test::small_dense_scenario();
        sc.workload.input = {log_uniform(rng, 10, 8000)};
        sc.workload.output = {log_uniform(rng, 10, 2000)};
        sc.sla.tpot = model::planner::LatencyTarget{milliseconds(log_uniform(rng, 5, 200)), std::nullopt};
        sc.sla.ttft = model::planner::LatencyTarget{milliseconds(log_uniform(rng, 50, 5000)), std::nullopt};
        model::planner::PlanOptions po;
        po.threads = 1;
        const auto r = model::planner::plan(sc, po);
        CAPTURE(i, r.reason);
        CHECK((r.feasible || !r.reason.empty()));
        CHECK(ok(r.decode_context_mean));
        for (const auto& p : r.plans) {
            CHECK(ok(p.tpot.value()));
            CHECK(ok(p.ttft.value()));
            CHECK(ok(p.tokens_per_s_per_user));
            CHECK(ok(p.requests_per_s));
            CHECK(ok(p.output_tokens_per_s));
            CHECK(ok(p.output_tokens_per_s_per_gpu));
            CHECK(ok(p.power_kw));
            CHECK(ok(p.cost_per_hour_usd));
            CHECK(ok(p.cost_per_mtok_usd));
            CHECK(ok(p.decode.utilisation));
            CHECK(p.gpus > 0);
        }
    }
}

// Properties of the deployment search (model/planner/search.hpp): plans meet
// the SLA and fit memory, tightening the SLA never lowers the best cost, the
// Pareto fronts are exact, and results do not depend on the thread count.
#include <catch2/catch.hpp>

#include <random>

#include "model/kv_cache.hpp"
#include "model/memory_plan.hpp"
#include "model/planner/distribution.hpp"
#include "model/planner/search.hpp"
#include "model/step_time.hpp"
#include "planner_fixtures.hpp"

using namespace hwplan;
using namespace hwplan::model;
using namespace hwplan::model::planner;
using Catch::Matchers::WithinRel;

namespace {

// A random but valid scenario: small unit sizes keep each search fast.
Scenario random_scenario(unsigned seed) {
    std::mt19937 rng(seed);
    const auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
    const auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
    Scenario sc = test::small_dense_scenario();
    sc.name = "random-" + std::to_string(seed);
    switch (pick(3)) {
        case 0: sc.model = test::llama31_8b(); break;
        case 1: sc.model = test::llama31_70b(); break;
        default: sc.model = test::deepseek_v2(); break;
    }
    sc.systems = {test::candidate(test::h100_node(), uni(1.5, 4), uni(2e5, 4e5))};
    if (pick(2)) sc.systems.push_back(test::candidate(test::h800_node(), uni(1.5, 4), uni(2e5, 4e5)));
    sc.cost.basis = pick(2) ? CostBasis::rental : CostBasis::capex;
    const auto length = [&](double mean) {
        LengthDistribution d;
        d.mean = std::round(mean);
        switch (pick(3)) {
            case 0: break;
            case 1: d.shape = LengthShape::exponential; break;
            default: d.shape = LengthShape::lognormal; d.cv = uni(0.3, 1.5); break;
        }
        return d;
    };
    sc.workload.input = length(uni(200, 4000));
    sc.workload.output = length(uni(50, 800));
    sc.workload.prefix_hit_rate = pick(2) ? uni(0, 0.7) : 0.0;
    if (pick(2)) sc.workload.requests_per_s = uni(1, 200);
    sc.sla = {};
    sc.sla.tpot = LatencyTarget{milliseconds(uni(8, 120)), pick(2) ? std::optional<double>(uni(50, 99)) : std::nullopt};
    sc.sla.ttft = LatencyTarget{milliseconds(uni(100, 5000)), pick(2) ? std::optional<double>(uni(50, 99)) : std::nullopt};
    if (pick(3) == 0) sc.sla.min_tokens_per_s_per_user = uni(5, 60);
    sc.constraints = {};
    sc.constraints.weights = pick(2) ? std::vector<DType>{DType::bf16} : std::vector<DType>{DType::bf16, DType::fp8};
    sc.constraints.kv_cache = pick(2) ? std::vector<DType>{DType::bf16} : std::vector<DType>{DType::fp8};
    sc.constraints.overlap = pick(2) ? std::vector<Overlap>{Overlap::none}
                                     : std::vector<Overlap>{Overlap::none, Overlap::dual_micro_batch};
    if (pick(2)) sc.constraints.mtp = {MtpOption{}, MtpOption{1, {uni(0.6, 0.95)}}};
    sc.constraints.max_batch = 64 + pick(512);
    if (pick(3) == 0) sc.constraints.max_gpus = 8 * (1 + pick(64));
    sc.search = {};
    sc.search.aggregated = pick(4) != 0;
    sc.search.disaggregated = !sc.search.aggregated || pick(2);
    sc.search.prefill_nodes = {1, 2};
    sc.search.decode_nodes = {1, 2};
    if (pick(3) == 0) sc.search.pd_ratios = {uni(0.2, 2)};
    return sc;
}

Deployment deployment_of(const Scenario& sc, const Plan& p, const PoolLayout& l, bool decode) {
    Deployment d;
    d.nodes = l.nodes;
    d.tp = l.tp, d.dp = l.dp, d.pp = l.pp, d.ep = l.ep;
    d.redundant_experts = l.redundant_experts;
    d.precision.weights = p.weights;
    d.precision.kv_cache = p.kv_cache;
    d.overlap = l.overlap;
    d.micro_batches = l.overlap == Overlap::dual_micro_batch ? 2 : 1;
    d.comm_sms = sc.search.comm_sms;
    d.expert_imbalance = sc.search.expert_imbalance;
    if (decode && p.mtp_depth > 0)
        for (const auto& m : sc.constraints.mtp)
            if (m.depth == p.mtp_depth) d.mtp = MultiTokenPrediction{m.depth, m.acceptance};
    return d;
}

void check_plan(const Scenario& sc, const PlanResult& r, const Plan& p) {
    INFO("plan: " << fmt::format("{}", p));
    const System& s = sc.systems[static_cast<std::size_t>(p.system_index)].system;
    const double eps = 1e-9;
    // SLA.
    if (sc.sla.tpot) CHECK(p.tpot.value() <= sc.sla.tpot->value.value() + eps);
    if (sc.sla.ttft) CHECK(p.ttft.value() <= sc.sla.ttft->value.value() + eps);
    if (sc.sla.min_tokens_per_s_per_user) CHECK(p.tokens_per_s_per_user >= *sc.sla.min_tokens_per_s_per_user - eps);
    // Constraints.
    if (sc.constraints.max_gpus) CHECK(p.gpus <= *sc.constraints.max_gpus);
    if (sc.constraints.max_batch) CHECK(p.decode.batch <= *sc.constraints.max_batch);
    CHECK(p.gpus == p.nodes * s.gpus_per_node);
    // Memory, re-checked with the model's own plan_memory.
    const Deployment d = deployment_of(sc, p, p.decode, true);
    Workload w;
    w.batch = p.decode.batch;
    w.context = static_cast<int>(std::lround(r.decode_context_mean));
    const MemoryPlan mem = plan_memory(sc.model, s, d, w);
    CHECK(mem.fits);
    if (p.mode == ServingMode::aggregated) {
        // Aggregated GPUs hold a prefill chunk's activations on top.
        Workload wa = w;
        wa.prompt = std::max(1, static_cast<int>(std::lround(r.input_tokens_sla)));
        wa.prefill_chunk = sc.workload.prefill_chunk;
        const MemoryPlan ma = plan_memory(sc.model, s, d, wa);
        CHECK(ma.fits);
        CHECK_THAT(p.decode.memory_per_gpu.value(), WithinRel(ma.total.value(), 1e-12));
    } else {
        CHECK_THAT(p.decode.memory_per_gpu.value(), WithinRel(mem.total.value(), 1e-9));
    }
    // The decode step the plan reports is the model's (aggregated stretches it).
    Workload ws = w;
    ws.context = static_cast<int>(std::lround(r.decode_context_sla));
    StepOptions no_memory;
    no_memory.check_memory = false;  // memory is checked at the mean KV length above
    no_memory.mode = sc.search.step_mode;
    const DecodeStep step = decode_step(sc.model, s, d, ws, no_memory);
    INFO(step.reason);
    REQUIRE(step.feasible);
    if (p.mode == ServingMode::disaggregated) {
        CHECK_THAT(p.tpot.value(), WithinRel(step.tpot.value(), 1e-9));
        REQUIRE(p.prefill);
        const Deployment pd = deployment_of(sc, p, *p.prefill, false);
        Workload pw;
        pw.batch = 1;
        pw.prompt = std::max(1, static_cast<int>(std::lround(r.input_tokens_sla)));
        pw.context = pw.prompt;
        pw.prefix_hit_rate = sc.workload.prefix_hit_rate;
        pw.prefill_chunk = sc.workload.prefill_chunk;
        CHECK(plan_memory(sc.model, s, pd, pw).fits);
        CHECK(p.prefill->utilisation <= 1 + 1e-9);
        CHECK(p.kv_transfer.value() > 0);
        CHECK(p.ttft > p.kv_transfer);
    } else {
        CHECK(p.tpot.value() >= step.tpot.value() * (1 - 1e-12));
        CHECK_FALSE(p.prefill);
    }
    CHECK(p.decode.utilisation <= 1 + 1e-9);
    CHECK(p.cost_per_mtok_usd > 0);
    CHECK(p.power_kw > 0);
    // Input and output shares add up to the whole.
    const double whole = p.cost_per_hour_usd;
    const double parts = p.cost_per_mtok_input_usd * p.input_tokens_per_s * 3600 / 1e6 +
                         p.cost_per_mtok_output_usd * p.output_tokens_per_s * 3600 / 1e6;
    CHECK_THAT(parts, WithinRel(whole, 1e-9));
}

PlanResult run(const Scenario& sc, int threads = 2, bool points = false, std::size_t top = 10) {
    PlanOptions o;
    o.threads = threads;
    o.record_points = points;
    o.top = top;
    return plan(sc, o);
}

bool dominates_cost_tpot(const Plan& a, const Plan& b) {
    return a.cost_per_mtok_usd <= b.cost_per_mtok_usd && a.tpot <= b.tpot &&
           (a.cost_per_mtok_usd < b.cost_per_mtok_usd || a.tpot < b.tpot);
}

bool dominates_throughput(const Plan& a, const Plan& b) {
    return a.output_tokens_per_s_per_gpu >= b.output_tokens_per_s_per_gpu &&
           a.tokens_per_s_per_user >= b.tokens_per_s_per_user &&
           (a.output_tokens_per_s_per_gpu > b.output_tokens_per_s_per_gpu ||
            a.tokens_per_s_per_user > b.tokens_per_s_per_user);
}

}  // namespace

TEST_CASE("Planner: every plan meets the SLA, the constraints and fits memory (random scenarios)", "[model]") {
    const unsigned seed = GENERATE(range(1u, 25u));
    const Scenario sc = random_scenario(seed);
    CAPTURE(seed, sc.model.id, sc.systems.size());
    const PlanResult r = run(sc);
    if (!r.feasible) {
        CHECK_FALSE(r.reason.empty());
        CHECK_FALSE(r.reason_field.empty());
        CHECK(r.plans.empty());
        return;
    }
    for (const Plan& p : r.plans) check_plan(sc, r, p);
    for (const Plan& p : r.pareto) check_plan(sc, r, p);
    for (const Plan& p : r.pareto_throughput) check_plan(sc, r, p);
}

TEST_CASE("Planner: tightening the SLA never lowers the best cost", "[model]") {
    const unsigned seed = GENERATE(range(100u, 116u));
    Scenario loose = random_scenario(seed);
    CAPTURE(seed);
    std::mt19937 rng(seed * 7 + 1);
    const auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
    Scenario tight = loose;
    tight.sla.tpot->value = tight.sla.tpot->value * uni(0.3, 1.0);
    tight.sla.ttft->value = tight.sla.ttft->value * uni(0.3, 1.0);
    if (tight.sla.min_tokens_per_s_per_user) *tight.sla.min_tokens_per_s_per_user *= uni(1.0, 2.0);
    const PlanResult a = run(loose);
    const PlanResult b = run(tight);
    if (!a.feasible) CHECK_FALSE(b.feasible);  // nothing meets the looser SLA -> nothing meets the tighter
    if (b.feasible) {
        REQUIRE(a.feasible);
        CHECK(b.plans.front().cost_per_mtok_usd >= a.plans.front().cost_per_mtok_usd * (1 - 1e-12));
    }
}

TEST_CASE("Planner: the Pareto fronts are non-dominated and contain the optimum", "[model]") {
    const unsigned seed = GENERATE(range(200u, 212u));
    const Scenario sc = random_scenario(seed);
    CAPTURE(seed);
    const PlanResult r = run(sc, 2, false, 1000);
    if (!r.feasible) return;
    REQUIRE_FALSE(r.pareto.empty());
    // The cheapest plan is on the cost-vs-TPOT front.
    CHECK(std::find(r.pareto.begin(), r.pareto.end(), r.plans.front()) != r.pareto.end());
    // No front point dominates another, and no ranked plan dominates a front point.
    for (const Plan& a : r.pareto) {
        for (const Plan& b : r.pareto) CHECK_FALSE(dominates_cost_tpot(a, b));
        for (const Plan& b : r.plans) CHECK_FALSE(dominates_cost_tpot(b, a));
    }
    for (const Plan& a : r.pareto_throughput) {
        for (const Plan& b : r.pareto_throughput) CHECK_FALSE(dominates_throughput(a, b));
        for (const Plan& b : r.plans) CHECK_FALSE(dominates_throughput(b, a));
    }
    // Sorted: cost up, TPOT down along the front.
    for (std::size_t i = 1; i < r.pareto.size(); ++i) {
        CHECK(r.pareto[i].cost_per_mtok_usd >= r.pareto[i - 1].cost_per_mtok_usd);
        CHECK(r.pareto[i].tpot < r.pareto[i - 1].tpot);
    }
    // Ranked plans come out in plan_less order.
    for (std::size_t i = 1; i < r.plans.size(); ++i) CHECK_FALSE(plan_less(r.plans[i], r.plans[i - 1]));
}

TEST_CASE("Planner: results do not depend on the thread count", "[model]") {
    const unsigned seed = GENERATE(300u, 301u, 302u, 303u);
    const Scenario sc = random_scenario(seed);
    CAPTURE(seed);
    const PlanResult one = run(sc, 1, true);
    for (int threads : {2, 3, 8}) {
        CAPTURE(threads);
        const PlanResult many = run(sc, threads, true);
        CHECK(many.feasible == one.feasible);
        CHECK(many.reason == one.reason);
        CHECK(many.plans == one.plans);
        CHECK(many.pareto == one.pareto);
        CHECK(many.pareto_throughput == one.pareto_throughput);
        CHECK(many.points == one.points);
        CHECK(many.stats.configurations == one.stats.configurations);
        CHECK(many.stats.model_evaluations == one.stats.model_evaluations);
    }
}

TEST_CASE("Planner: an unreachable TPOT names the binding constraint and the best value", "[model]") {
    Scenario sc = test::small_dense_scenario();
    sc.sla.tpot->value = microseconds(100);
    const PlanResult r = run(sc);
    REQUIRE_FALSE(r.feasible);
    CHECK(r.reason_field == "sla.tpot");
    CHECK_THAT(r.reason, Catch::Matchers::StartsWith("no deployment reaches TPOT 0.1 ms (mean): best is "));
    CHECK_THAT(r.reason, Catch::Matchers::Contains("h100-node"));
    CHECK_THAT(r.reason, Catch::Matchers::Contains("TTFT met"));
}

TEST_CASE("Planner: an unreachable TTFT says TPOT is met", "[model]") {
    Scenario sc = test::small_dense_scenario();
    sc.sla.ttft->value = microseconds(50);
    const PlanResult r = run(sc);
    REQUIRE_FALSE(r.feasible);
    CHECK(r.reason_field == "sla.ttft");
    CHECK_THAT(r.reason, Catch::Matchers::StartsWith("no deployment reaches TTFT 0.05 ms (mean): best is "));
    CHECK_THAT(r.reason, Catch::Matchers::EndsWith("TPOT met"));
}

TEST_CASE("Planner: a demand larger than max_gpus allows says how many GPUs it needs", "[model]") {
    Scenario sc = test::small_dense_scenario();
    sc.workload.requests_per_s = 1e5;
    sc.constraints.max_gpus = 16;
    const PlanResult r = run(sc);
    REQUIRE_FALSE(r.feasible);
    CHECK(r.reason_field == "constraints.max_gpus");
    CHECK_THAT(r.reason, Catch::Matchers::Contains("max_gpus 16"));
}

TEST_CASE("Planner: a model that fits nowhere is infeasible with the memory reason", "[model]") {
    Scenario sc = test::small_dense_scenario();
    sc.model = test::llama31_405b();
    sc.search.decode_nodes = {1};
    sc.search.prefill_nodes = {1};
    sc.constraints.weights = {DType::bf16};
    const PlanResult r = run(sc);
    REQUIRE_FALSE(r.feasible);
    CHECK(r.reason_field == "systems");
    CHECK_THAT(r.reason, Catch::Matchers::Contains("fits in GPU memory"));
}

TEST_CASE("Planner: a demand is served exactly, with whole pool units", "[model]") {
    Scenario sc = test::small_dense_scenario();
    sc.workload.requests_per_s = 40;
    const PlanResult r = run(sc);
    REQUIRE(r.feasible);
    for (const Plan& p : r.plans) {
        CHECK_THAT(p.requests_per_s, WithinRel(40.0, 1e-12));
        CHECK_THAT(p.output_tokens_per_s, WithinRel(40.0 * 200, 1e-12));
        CHECK(p.decode.units >= 1);
        // Fewer units would not carry the demand.
        if (p.decode.units > 1) CHECK(p.decode.utilisation > (p.decode.units - 1.0) / p.decode.units - 1e-9);
    }
}

TEST_CASE("Planner: disaggregated TTFT includes the KV transfer over the NICs", "[model]") {
    Scenario sc = test::small_dense_scenario();
    sc.search.aggregated = false;
    const PlanResult r = run(sc);
    REQUIRE(r.feasible);
    const Plan& p = r.plans.front();
    REQUIRE(p.prefill);
    // LLaMA-3.1-8B, BF16 KV, 1000-token prompt: 131,072 B/token x 1000 split over the prefill TP ranks,
    // over one 400 Gb/s CX7 per GPU at the default 80 % RDMA efficiency, plus the NIC latency (2.8 us).
    const double bytes = kv_bytes_per_sequence(sc.model, DType::bf16, 1000).value();
    const double tp_share = p.prefill->tp >= 8 ? 1.0 / 8 : 1.0 / p.prefill->tp;
    CHECK_THAT(p.kv_transfer.value(), WithinRel(bytes * tp_share / (50e9 * 0.8) + 2.8e-6, 1e-9));
}

TEST_CASE("Planner: the random scenarios are mostly feasible (the properties above are not vacuous)", "[model]") {
    int feasible = 0, disaggregated = 0, aggregated = 0;
    for (unsigned seed = 1; seed < 25; ++seed) {
        const PlanResult r = run(random_scenario(seed));
        feasible += r.feasible;
        for (const Plan& p : r.plans) (p.mode == ServingMode::aggregated ? aggregated : disaggregated) += 1;
    }
    CAPTURE(feasible, aggregated, disaggregated);
    CHECK(feasible >= 12);
    CHECK(aggregated > 0);
    CHECK(disaggregated > 0);
}

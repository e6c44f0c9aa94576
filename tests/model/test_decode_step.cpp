// Decode step: paper mode against sec. 2.3.2, and the realistic model as
// property tests (monotonic in context and batch, NVLink beats InfiniBand,
// node-limited routing, GB200 beats H800, overlap never hurts), infeasible
// configurations as results, and an allocation-free hot path.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <random>

#include "model/error.hpp"
#include "model/fixtures.hpp"
#include "model/layer_costs.hpp"
#include "model/layout.hpp"
#include "model/step_fixtures.hpp"
#include "model/step_time.hpp"

// Counts heap allocations made while `g_count_allocations` is set, to check
// that a feasible decode_step() allocates nothing (the GUI and the planner
// call it millions of times).
namespace {
std::atomic<bool> g_count_allocations{false};
std::atomic<long> g_allocations{0};
}  // namespace

// Every replaceable form is replaced, all on malloc/free, so any new/delete
// pairing the library picks (array, sized, nothrow, aligned) stays matched;
// replacing only some forms is an alloc-dealloc mismatch under ASan.
namespace {
void* counted_alloc(std::size_t n, std::size_t align = 0) noexcept {
    if (g_count_allocations.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (n == 0) n = 1;
    if (align <= alignof(std::max_align_t)) return std::malloc(n);
    return std::aligned_alloc(align, (n + align - 1) / align * align);  // size must be a multiple
}
void* counted_alloc_or_throw(std::size_t n, std::size_t align = 0) {
    if (void* p = counted_alloc(n, align)) return p;
    throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t n) { return counted_alloc_or_throw(n); }
void* operator new[](std::size_t n) { return counted_alloc_or_throw(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_alloc_or_throw(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_alloc_or_throw(n, static_cast<std::size_t>(a)); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return counted_alloc(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return counted_alloc(n, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

using namespace hwplan;
using namespace hwplan::model;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

namespace {

StepOptions no_memory_check() {
    StepOptions o;
    o.check_memory = false;
    return o;
}

double tpot_ms(const ModelArch& m, const System& s, const Deployment& d, const Workload& w, const StepOptions& o = {}) {
    const DecodeStep r = decode_step(m, s, d, w, o);
    INFO(r.reason);
    REQUIRE(r.reason.empty());
    return to_ms(r.tpot);
}

}  // namespace

TEST_CASE("Paper mode decode step is the sec. 2.3.2 bound for DeepSeek-V3 on H800 nodes", "[model][golden]") {
    const ModelArch v3 = test::deepseek_v3();
    const System s = test::h800_node();
    StepOptions o = no_memory_check();
    o.mode = StepMode::paper;
    // Two micro-batches of 32 tokens per GPU: the paper's example with the
    // real hidden 7168.
    const DecodeStep r = decode_step(v3, s, test::ep_layout(s, 4), test::decode_workload(64, 4096), o);
    REQUIRE(r.feasible);
    CHECK_THAT(to_ms(r.step), WithinRel(61 * 2 * 123.86304e-3, 1e-9));
    CHECK_THAT(to_us(r.moe_layer), WithinRel(247.72608, 1e-9));
    CHECK_THAT(to_ms(r.breakdown.total()), WithinRel(to_ms(r.step), 1e-12));
    CHECK(r.tokens_per_s_per_user == Approx(66.2).epsilon(2e-3));
}

TEST_CASE("Paper mode needs an MoE model spread over GPUs", "[model]") {
    StepOptions o;
    o.mode = StepMode::paper;
    const DecodeStep dense =
        decode_step(test::llama31_8b(), test::h100_box(), Deployment{}, test::decode_workload(1, 1024), o);
    CHECK_FALSE(dense.feasible);
    CHECK_THAT(dense.reason, Contains("dense"));
}

TEST_CASE("The breakdown adds up to the step", "[model]") {
    const ModelArch v3 = test::deepseek_v3();
    const System s = test::h800_node();
    const Overlap overlap = GENERATE(Overlap::none, Overlap::dual_micro_batch, Overlap::paper_ideal);
    const int mtp = GENERATE(0, 1);
    Deployment d = test::ep_layout(s, 4);
    d.overlap = overlap;
    if (mtp) d.mtp = {1, {0.85}};
    const DecodeStep r = decode_step(v3, s, d, test::decode_workload(128, 4096), no_memory_check());
    REQUIRE(r.feasible);
    CHECK_THAT(r.breakdown.total().value(), WithinRel(r.step.value(), 1e-9));
    CHECK(r.breakdown[Component::overlap].value() <= 0);
    const DecodeStep l =
        decode_step(test::llama31_8b(), test::h100_box(), Deployment{}, test::decode_workload(8, 2048));
    CHECK_THAT(l.breakdown.total().value(), WithinRel(l.step.value(), 1e-9));
}

TEST_CASE("TPOT grows with context and with batch", "[model]") {
    SECTION("Llama-3.1-8B on one H100") {
        const ModelArch m = test::llama31_8b();
        const System s = test::h100_box();
        double last = 0;
        for (int c : {1024, 2048, 4096, 8192}) {
            const double t = tpot_ms(m, s, Deployment{}, test::decode_workload(16, c));
            CHECK(t > last);
            last = t;
        }
        last = 0;
        for (int b : {1, 8, 32, 64, 128, 256}) {
            const double t = tpot_ms(m, s, Deployment{}, test::decode_workload(b, 1024));
            CHECK(t > last);
            last = t;
        }
    }
    SECTION("DeepSeek-V3, EP32 on 4 H800 nodes") {
        const ModelArch m = test::deepseek_v3();
        const System s = test::h800_node();
        const Deployment d = test::ep_layout(s, 4);
        double last = 0;
        for (int c : {512, 2048, 4096, 16384}) {
            const double t = tpot_ms(m, s, d, test::decode_workload(32, c), no_memory_check());
            CHECK(t > last);
            last = t;
        }
        last = 0;
        for (int b : {1, 4, 16, 64, 128}) {
            const double t = tpot_ms(m, s, d, test::decode_workload(b, 4096), no_memory_check());
            CHECK(t > last);
            last = t;
        }
    }
}

TEST_CASE("NVLink-only EP8 is faster than EP8 over InfiniBand with the same experts per GPU", "[model]") {
    const ModelArch v3 = test::deepseek_v3();
    const System node = test::h800_node();               // 8 GPUs on NVLink
    const System apart = test::h800_single_gpu_nodes();  // 8 GPUs, one per node
    const Overlap overlap = GENERATE(Overlap::none, Overlap::dual_micro_batch);
    Deployment d1 = test::ep_layout(node, 1);
    Deployment d8 = test::ep_layout(apart, 8);
    d1.overlap = d8.overlap = overlap;
    const Workload w = test::decode_workload(64, 4096);
    const DecodeStep nvl = decode_step(v3, node, d1, w, no_memory_check());
    const DecodeStep ib = decode_step(v3, apart, d8, w, no_memory_check());
    REQUIRE(nvl.feasible);
    REQUIRE(ib.feasible);
    CHECK(nvl.ep.dispatch.rdma.value() == 0);
    CHECK(ib.ep.dispatch.rdma.value() > 0);
    CHECK(nvl.ep.time() < ib.ep.time());
    CHECK(nvl.tpot < ib.tpot);
}

TEST_CASE("Node-limited routing (M = 4) sends less over InfiniBand than unrestricted routing", "[model]") {
    const ModelArch v3 = test::deepseek_v3();
    const System s = test::h800_node();
    const int nodes = GENERATE(2, 4, 8, 16);
    CAPTURE(nodes);
    StepOptions o = no_memory_check();
    o.ep_algorithm = EpAlgorithm::forwarding;
    Deployment d = test::ep_layout(s, nodes);
    d.overlap = Overlap::none;  // same micro-batching on both sides
    const DecodeStep limited = decode_step(v3, s, d, test::decode_workload(128, 4096), o);
    d.node_limited_routing = false;
    const DecodeStep free = decode_step(v3, s, d, test::decode_workload(128, 4096), o);
    if (nodes > 4)
        CHECK(limited.ep.dispatch.rdma < free.ep.dispatch.rdma);
    else
        CHECK(limited.ep.dispatch.rdma <= free.ep.dispatch.rdma);  // <= 4 nodes: the limit never binds
    CHECK(limited.ep.fanout.remote_domains <= free.ep.fanout.remote_domains + 1e-12);
    CHECK(limited.step <= free.step);
}

TEST_CASE("GB200 NVL72 beats H800 nodes for the same deployment", "[model]") {
    const ModelArch v3 = test::deepseek_v3();
    const System gb = test::gb200_nvl72();
    const System h8 = test::h800_node();
    const StepMode mode = GENERATE(StepMode::realistic, StepMode::paper);
    StepOptions o = no_memory_check();
    o.mode = mode;
    const int batch = GENERATE(8, 64, 256);
    const Workload w = test::decode_workload(batch, 4096);
    // 72 GPUs, EP72 with 32 redundant experts (256 + 32 = 4 per GPU).
    const double t_gb = tpot_ms(v3, gb, test::ep_layout(gb, 1, 32), w, o);
    const double t_h8 = tpot_ms(v3, h8, test::ep_layout(h8, 9, 32), w, o);
    CHECK(t_gb < t_h8);
}

namespace {

struct Config {
    ModelArch m;
    System s;
    Deployment d;
    Workload w;
};

// A random valid deployment: an MoE or dense model on H800 nodes or a
// GB200 NVL72, pure EP (experts padded with redundant ones to divide), or TP
// for dense models; random batch, context, MTP, comm SMs and imbalance.
Config random_config(std::mt19937& rng) {
    const auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
    const auto uniform = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
    Config c;
    const ModelArch models[] = {test::deepseek_v3(), test::deepseek_v2(), test::llama31_8b(), test::llama31_70b()};
    c.m = models[pick(4)];
    c.s = pick(4) == 0 ? test::gb200_nvl72() : test::h800_node();
    if (c.m.is_moe()) {
        const int nodes = c.s.gpus_per_node == 72 ? 1 : 1 << pick(5);
        const int world = nodes * c.s.gpus_per_node;
        const int experts = std::get<Moe>(c.m.ffn).routed_experts;
        c.d = test::ep_layout(c.s, nodes, (world - experts % world) % world);
    } else {
        c.d.nodes = 1;
        c.d.tp = c.s.gpus_per_node == 72 ? 8 : 1 << pick(4);
        c.d.dp = c.s.gpus_per_node / c.d.tp;
        c.d.precision.weights = pick(2) ? DType::fp8 : DType::bf16;
    }
    c.d.comm_sms = pick(2) ? 20 : 0;
    c.d.expert_imbalance = uniform(1.0, 2.0);
    if (pick(2)) c.d.mtp = {1, {uniform(0.5, 0.95)}};
    c.w = test::decode_workload(1 + pick(256), 128 + pick(32768));
    return c;
}

}  // namespace

TEST_CASE("Dual micro-batch overlap never makes a step slower than no overlap", "[model]") {
    const auto seed = GENERATE(take(60, random(1, 1000000)));
    CAPTURE(seed);
    std::mt19937 rng(static_cast<unsigned>(seed));
    Config c = random_config(rng);
    CAPTURE(c.m.id, c.s.id, c.d.nodes, c.d.tp, c.d.ep, c.w.batch, c.w.context, c.d.mtp.depth);
    REQUIRE_FALSE(layout_problem(c.m, c.s, c.d));
    const StepOptions o = no_memory_check();
    c.d.overlap = Overlap::none;
    const DecodeStep none = decode_step(c.m, c.s, c.d, c.w, o);
    c.d.overlap = Overlap::dual_micro_batch;
    const DecodeStep dual = decode_step(c.m, c.s, c.d, c.w, o);
    c.d.overlap = Overlap::paper_ideal;
    const DecodeStep ideal = decode_step(c.m, c.s, c.d, c.w, o);
    REQUIRE(none.feasible);
    REQUIRE(dual.feasible);
    CHECK(dual.step.value() <= none.step.value() * (1 + 1e-12));
    CHECK(ideal.step.value() <= dual.step.value() * (1 + 1e-12));
    CHECK(ideal.step.value() > 0);
}

TEST_CASE("Dual micro-batch hides EP communication when it dominates", "[model]") {
    const ModelArch v3 = test::deepseek_v3();
    const System s = test::h800_node();
    Deployment d = test::ep_layout(s, 32);
    d.overlap = Overlap::none;
    const Workload w = test::decode_workload(128, 2048);
    const DecodeStep none = decode_step(v3, s, d, w, no_memory_check());
    d.overlap = Overlap::dual_micro_batch;
    const DecodeStep dual = decode_step(v3, s, d, w, no_memory_check());
    CHECK(dual.micro_batches == 2);
    CHECK(dual.step < none.step);
    CHECK(dual.breakdown[Component::overlap].value() < 0);
}

TEST_CASE("MTP: 1.85 tokens per step; per-user speed up at moderate batch, per-step cost up", "[model]") {
    const ModelArch v3 = test::deepseek_v3();
    const System s = test::h800_node();
    Deployment d = test::ep_layout(s, 4);
    const Workload w = test::decode_workload(16, 4096);
    const DecodeStep plain = decode_step(v3, s, d, w, no_memory_check());
    d.mtp = {1, {0.85}};
    const DecodeStep mtp = decode_step(v3, s, d, w, no_memory_check());
    CHECK_THAT(mtp.tokens_per_step, WithinRel(1.85, 1e-12));
    CHECK(mtp.step > plain.step);  // twice the tokens through every layer, plus drafting
    CHECK(mtp.breakdown[Component::mtp_draft].value() > 0);
    CHECK(mtp.tokens_per_s_per_user > 1.3 * plain.tokens_per_s_per_user);
    CHECK(mtp.tokens_per_s_per_user < 1.85 * plain.tokens_per_s_per_user);
}

TEST_CASE("Expert imbalance and SMs taken by communication slow the step", "[model]") {
    const ModelArch v3 = test::deepseek_v3();
    const System s = test::h800_node();
    Deployment d = test::ep_layout(s, 4);
    const Workload w = test::decode_workload(256, 4096);
    const DecodeStep base = decode_step(v3, s, d, w, no_memory_check());
    d.expert_imbalance = 1.5;
    const DecodeStep hot = decode_step(v3, s, d, w, no_memory_check());
    CHECK(hot.step > base.step);
    CHECK(hot.tokens_per_expert > base.tokens_per_expert);
    d.expert_imbalance = 1.0;
    d.comm_sms = 20;
    const DecodeStep fewer = decode_step(v3, s, d, w, no_memory_check());
    CHECK(fewer.step > base.step);
}

TEST_CASE("More bandwidth never makes a step slower", "[model]") {
    const ModelArch v3 = test::deepseek_v3();
    System s = test::h800_node();
    const Deployment d = test::ep_layout(s, 8);
    const Workload w = test::decode_workload(64, 4096);
    double last = 1e9;
    for (double gbps : {12.5, 25.0, 50.0, 100.0, 200.0}) {
        s.nic->bandwidth = gigabytes_per_second(gbps);
        const double t = tpot_ms(v3, s, d, w, no_memory_check());
        CHECK(t <= last);
        last = t;
    }
}

TEST_CASE("Infeasible deployments are results with a reason", "[model]") {
    const ModelArch v3 = test::deepseek_v3();
    const System s = test::h800_node();
    SECTION("EP not dividing the experts") {
        Deployment d = test::ep_layout(s, 1);
        d.ep = 3;
        const DecodeStep r = decode_step(v3, s, d, test::decode_workload(8, 1024));
        CHECK_FALSE(r.feasible);
        CHECK_THAT(r.reason, Contains("ep"));
    }
    SECTION("BF16 DeepSeek-V3 does not fit one node") {
        const DecodeStep r = decode_step(v3, s, test::ep_layout(s, 1, 0, DType::bf16), test::decode_workload(8, 1024));
        CHECK_FALSE(r.feasible);
        CHECK_THAT(r.reason, Contains("GB"));
        CHECK(r.step.value() > 0);  // still evaluated, for the GUI
    }
    SECTION("An EP group over several nodes without a NIC") {
        System no_nic = s;
        no_nic.nic.reset();
        no_nic.nics_per_node = 0;
        const DecodeStep r = decode_step(v3, no_nic, test::ep_layout(no_nic, 4), test::decode_workload(8, 1024));
        CHECK_FALSE(r.feasible);
        CHECK_THAT(r.reason, Contains("scale-out"));
    }
    SECTION("A bad workload is bad input") {
        CHECK_THROWS_AS(decode_step(v3, s, test::ep_layout(s, 4), test::decode_workload(0, 1024)), hwplan::Error);
    }
}

TEST_CASE("A feasible decode step allocates nothing", "[model]") {
    const ModelArch v3 = test::deepseek_v3();
    const System s = test::h800_node();
    Deployment d = test::ep_layout(s, 40, 64);
    d.mtp = {1, {0.85}};
    const Workload w = test::decode_workload(64, 4096);
    const StepOptions o;
    const KernelCostModel k = KernelCostModel::for_gpu(s.gpu, o.efficiencies, d.comm_sms);
    const ModelArch llama = test::llama31_8b();
    const System h100 = test::h100_box();
    const Deployment single;
    (void)decode_step(v3, s, d, w, o, k);  // warm-up
    g_allocations = 0;
    g_count_allocations = true;
    double sink = 0;
    for (int i = 0; i < 100; ++i) sink += decode_step(v3, s, d, w, o, k).step.value();
    const DecodeStep dense = decode_step(llama, h100, single, w, o);
    g_count_allocations = false;
    CHECK(sink > 0);
    CHECK(dense.feasible);
    CHECK(g_allocations.load() == 0);
}

TEST_CASE("Sampling imbalance: the hottest of N EP ranks, from Poisson loads", "[model]") {
    using hwplan::model::detail::sampling_imbalance;
    CHECK(sampling_imbalance(1024, 1) == 1.0);
    // 1 + sqrt(2 ln 128 / 1024) = 1.0973
    CHECK(sampling_imbalance(1024, 128) == Approx(1.0973).epsilon(1e-3));
    // Fewer pairs per rank or more ranks: more imbalance.
    CHECK(sampling_imbalance(64, 128) > sampling_imbalance(1024, 128));
    CHECK(sampling_imbalance(1024, 256) > sampling_imbalance(1024, 128));
}

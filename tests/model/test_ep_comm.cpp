// EP all-to-all: the paper's sec. 2.3.2 numbers (golden), wire sizes, the
// routing fan-out with and without node-limited routing, and the two DeepEP
// algorithms.
#include <catch2/catch.hpp>

#include "model/ep_comm.hpp"
#include "model/error.hpp"
#include "model/fixtures.hpp"
#include "model/step_fixtures.hpp"

using namespace hwplan;
using namespace hwplan::model;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

// Source: arXiv 2505.09343 sec. 2.3.2; exact arithmetic, tolerance 1e-9.
TEST_CASE("Sec. 2.3.2: (1 B + 2 B) x 32 x 9 x 7K / 50 GB/s = 120.96 us; layer 241.92 us; 14.76 ms; ~67 tokens/s",
          "[model][golden]") {
    const PaperEp p = paper_ep(PaperEpInputs{});
    CHECK_THAT(to_us(p.comm), WithinRel(120.96, 1e-9));
    CHECK_THAT(to_us(p.dispatch), WithinRel(40.32, 1e-9));
    CHECK_THAT(to_us(p.combine), WithinRel(80.64, 1e-9));
    CHECK_THAT(to_us(p.layer), WithinRel(241.92, 1e-9));
    CHECK_THAT(to_ms(p.step), WithinRel(14.75712, 1e-9));  // printed as 14.76 ms
    CHECK_THAT(to_ms(p.step), WithinAbs(14.76, 0.005));
    CHECK(p.tokens_per_s == Approx(67.76).epsilon(1e-3));  // the paper: "~67 tokens/s"
    CHECK(static_cast<int>(p.tokens_per_s) == 67);
    CHECK(p.tokens_per_step == 1.0);
}

TEST_CASE("Sec. 2.3.2 with DeepSeek-V3's real hidden size 7168: 123.86 us", "[model][golden]") {
    PaperEpInputs in;
    in.hidden = 7168;
    const PaperEp p = paper_ep(in);
    CHECK_THAT(to_us(p.comm), WithinRel(123.86304, 1e-9));
    CHECK_THAT(to_us(p.layer), WithinRel(247.72608, 1e-9));
}

TEST_CASE("Sec. 2.3.2: GB200 NVL72 at 900 GB/s gives 6.72 us and ~1200 tokens/s", "[model][golden]") {
    PaperEpInputs in;
    in.bandwidth = gigabytes_per_second(900);
    const PaperEp p = paper_ep(in);
    CHECK_THAT(to_us(p.comm), WithinRel(6.72, 1e-9));
    CHECK_THAT(to_us(p.layer), WithinRel(13.44, 1e-9));
    CHECK_THAT(p.tokens_per_s, WithinRel(1200.0, 0.02));  // 1219.8; the paper rounds to ~1200
}

TEST_CASE("MTP: one draft token at 80-90 % acceptance gives ~1.8x tokens/s in paper mode", "[model][golden]") {
    const double p = GENERATE(0.80, 0.85, 0.90);
    CAPTURE(p);
    PaperEpInputs in;
    const PaperEp base = paper_ep(in);
    in.mtp.depth = 1;
    in.mtp.acceptance = {p};
    const PaperEp mtp = paper_ep(in);
    CHECK(mtp.step == base.step);  // the step keeps its 32 tokens per GPU
    CHECK_THAT(mtp.tokens_per_step, WithinRel(1.0 + p, 1e-12));
    const double speedup = mtp.tokens_per_s / base.tokens_per_s;
    CHECK(speedup >= 1.8);
    CHECK(speedup <= 1.9);
}

TEST_CASE("Paper inputs come from the model and the system", "[model]") {
    const ModelArch v3 = test::deepseek_v3();
    SECTION("H800 nodes: EP over InfiniBand at 50 GB/s per GPU") {
        const System s = test::h800_node();
        const Deployment d = test::ep_layout(s, 4);
        const PaperEpInputs in = paper_ep_inputs(v3, s, d, 32);
        CHECK(in.hidden == 7168);
        CHECK(in.experts_per_token == 9);
        CHECK(in.layers == 61);
        CHECK(in.dispatch_bytes == 1.0);  // the paper's formula has no scale bytes
        CHECK(in.combine_bytes == 2.0);
        CHECK_THAT(to_gbps(in.bandwidth), WithinRel(50.0, 1e-12));
        CHECK_THAT(to_us(paper_ep(in).comm), WithinRel(123.86304, 1e-9));
    }
    SECTION("GB200 NVL72: the whole EP group in one NVLink domain at 900 GB/s") {
        const System s = test::gb200_nvl72();
        const Deployment d = test::ep_layout(s, 1, 32);
        CHECK_THAT(to_gbps(paper_ep_inputs(v3, s, d, 32).bandwidth), WithinRel(900.0, 1e-12));
    }
}

TEST_CASE("Paper mode rejects non-positive bandwidth, tokens and hidden", "[model]") {
    PaperEpInputs in;
    in.bandwidth = gigabytes_per_second(0);
    CHECK_THROWS_AS(paper_ep(in), hwplan::Error);
    in = {};
    in.tokens = 0;
    CHECK_THROWS_AS(paper_ep(in), hwplan::Error);
    in = {};
    in.hidden = -1;
    CHECK_THROWS_AS(paper_ep(in), hwplan::Error);
}

TEST_CASE("Wire sizes: FP8 with one FP32 scale per 128, LogFMT-n, BF16", "[model]") {
    Precisions p;
    CHECK(dispatch_bytes_per_element(p, true) == 1.0 + 4.0 / 128);
    CHECK(dispatch_bytes_per_element(p, false) == 1.0);
    CHECK(combine_bytes_per_element(p) == 2.0);
    p.dispatch = DType::bf16;
    CHECK(dispatch_bytes_per_element(p, true) == 2.0);  // no scales at 16 bits
    p.dispatch_logfmt_bits = 10;
    CHECK(dispatch_bytes_per_element(p, false) == 1.25);
    CHECK(dispatch_bytes_per_element(p, true) == 1.25 + 8.0 / 128);
}

TEST_CASE("Distinct nodes of k uniform draws over N nodes: N (1 - (1 - 1/N)^k)", "[model]") {
    CHECK_THAT(expected_distinct_uniform(8, 8), WithinRel(5.251128673553467, 1e-12));
    CHECK(expected_distinct_uniform(1, 8) == 1.0);
    CHECK_THAT(expected_distinct_uniform(320, 1), WithinRel(1.0, 1e-12));
    CHECK(expected_distinct_uniform(0, 8) == 0.0);
}

namespace {

// DeepSeek-V3 routing on EP64 over 8 nodes: 8 groups of 32 experts, one
// group per node, at most 4 groups (nodes) per token.
EpGroup v3_ep64(bool node_limited) {
    EpGroup g;
    g.ep = 64;
    g.domain_ranks = 8;
    g.routed_experts = 256;
    g.top_k = 8;
    g.groups = 8;
    g.topk_groups = 4;
    g.node_limited = node_limited;
    g.hidden = 7168;
    return g;
}

}  // namespace

TEST_CASE("Routing fan-out: unrestricted routing is hypergeometric over the experts", "[model]") {
    const EpGroup g = v3_ep64(false);
    // A node holds 32 of 256 experts: C(224, 8) / C(256, 8) (math.comb).
    CHECK_THAT(miss_probability(g, 32), WithinRel(0.33816849995219006, 1e-12));
    const RoutingFanout f = routing_fanout(g);
    CHECK_THAT(f.domains_hit, WithinRel(8 * (1 - 0.33816849995219006), 1e-12));
    CHECK_THAT(f.remote_domains, WithinRel(7 * (1 - 0.33816849995219006), 1e-12));
    // Drawing without replacement reaches slightly more nodes than the
    // closed form for independent draws, N (1 - (1 - 1/N)^k) = 5.25.
    CHECK_THAT(f.domains_hit, WithinRel(expected_distinct_uniform(8, 8), 0.01));
}

TEST_CASE("Node-limited routing (M = 4 of 8 groups, one per node) reaches at most 4 nodes", "[model]") {
    const EpGroup g = v3_ep64(true);
    // Missed when the node's group is not chosen (1/2), or chosen but none
    // of the 8 draws among the 4 x 32 chosen experts lands in it.
    const double miss = 0.5463736344467874;  // 0.5 + 0.5 C(96,8)/C(128,8)
    CHECK_THAT(miss_probability(g, 32), WithinRel(miss, 1e-12));
    const RoutingFanout limited = routing_fanout(g);
    const RoutingFanout free = routing_fanout(v3_ep64(false));
    CHECK_THAT(limited.domains_hit, WithinRel(3.6290109244257005, 1e-12));
    CHECK(limited.domains_hit <= 4.0);
    CHECK(limited.remote_domains < free.remote_domains);
    CHECK(limited.gpus_hit <= free.gpus_hit + 1e-12);
}

TEST_CASE("Node-limited routing with groups spanning several nodes (EP320 over 40 nodes)", "[model]") {
    EpGroup g = v3_ep64(true);
    g.ep = 320;
    const RoutingFanout limited = routing_fanout(g);
    g.node_limited = false;
    const RoutingFanout free = routing_fanout(g);
    CHECK(limited.remote_domains < free.remote_domains);
    CHECK(free.remote_domains < 8.0);  // never more nodes than experts
    CHECK(limited.domains_hit >= 1.0);
}

TEST_CASE("Forwarding: node-limited routing costs less InfiniBand traffic than unrestricted", "[model]") {
    const EpLinks links = ep_links(test::h800_node(), default_efficiencies());
    const Bytes dm = bytes(7168 * (1 + 4.0 / 128)), cm = bytes(7168 * 2.0);
    const int ep = GENERATE(16, 32, 64, 128, 256);
    CAPTURE(ep);
    EpGroup g = v3_ep64(true);
    g.ep = ep;
    const EpExchange limited = ep_exchange(g, links, 128, dm, cm, EpAlgorithm::forwarding);
    g.node_limited = false;
    const EpExchange free = ep_exchange(g, links, 128, dm, cm, EpAlgorithm::forwarding);
    CHECK(limited.dispatch.rdma < free.dispatch.rdma);
    CHECK(limited.combine.rdma < free.combine.rdma);
    CHECK(limited.time() <= free.time());
    // Forwarding crosses InfiniBand once per node, direct once per expert.
    const EpExchange direct = ep_exchange(g, links, 128, dm, cm, EpAlgorithm::direct);
    CHECK(free.dispatch.rdma < direct.dispatch.rdma);
}

TEST_CASE("Direct (low-latency) all-to-all: one message per (token, expert), own GPU free", "[model]") {
    EpGroup g = v3_ep64(true);
    g.ep = 256;
    EpLinks links = ep_links(test::h800_node(), default_efficiencies());
    links.planes = 1;
    const Bytes dm = bytes(7168 * (1 + 4.0 / 128));
    const EpExchange x = ep_exchange(g, links, 128, dm, bytes(14336), EpAlgorithm::direct);
    // 128 tokens x 8 experts; 7 of 256 ranks share the node, 248 do not.
    CHECK_THAT(x.dispatch.nvlink.value(), WithinRel(128 * 8 * 7.0 / 256 * dm.value(), 1e-12));
    CHECK_THAT(x.dispatch.rdma.value(), WithinRel(128 * 8 * 248.0 / 256 * dm.value(), 1e-12));
    // Time: RDMA bytes at 80 % of 50 GB/s plus the IB latency (2.8 us, the NIC's).
    const double expected = x.dispatch.rdma.value() / 40e9 + 2.8e-6 + 3.33e-6;
    CHECK_THAT(x.dispatch.time.value(), WithinRel(expected, 0.05));
}

TEST_CASE("An EP group inside one NVLink domain sends nothing over RDMA", "[model]") {
    const System s = test::h800_node();
    const Deployment d = test::ep_layout(s, 1);
    const EpGroup g = ep_group(test::deepseek_v3(), s, d);
    CHECK(g.domains() == 1);
    const EpLinks links = ep_links(s, default_efficiencies());
    for (EpAlgorithm a : {EpAlgorithm::direct, EpAlgorithm::forwarding}) {
        const EpExchange x = ep_exchange(g, links, 64, bytes(7392), bytes(14336), a);
        CHECK(x.dispatch.rdma.value() == 0);
        CHECK(x.dispatch.nvlink.value() > 0);
        CHECK(x.time().value() > 0);
    }
}

TEST_CASE("Expert imbalance stretches the all-to-all of the hottest GPU", "[model]") {
    const EpGroup g = v3_ep64(true);
    const EpLinks links = ep_links(test::h800_node(), default_efficiencies());
    const EpExchange even = ep_exchange(g, links, 128, bytes(7392), bytes(14336), EpAlgorithm::direct, 1.0);
    const EpExchange hot = ep_exchange(g, links, 128, bytes(7392), bytes(14336), EpAlgorithm::direct, 1.5);
    CHECK(hot.dispatch.rdma == even.dispatch.rdma);  // mean traffic unchanged
    CHECK(hot.time() > even.time());
}

TEST_CASE("All-to-all time grows with tokens and falls with bandwidth", "[model]") {
    const EpGroup g = v3_ep64(true);
    EpLinks links = ep_links(test::h800_node(), default_efficiencies());
    double last = 0;
    for (double tokens : {1.0, 8.0, 32.0, 128.0, 512.0}) {
        const double t = ep_exchange(g, links, tokens, bytes(7392), bytes(14336), EpAlgorithm::direct).time().value();
        CHECK(t > last);
        last = t;
    }
    const double slow = ep_exchange(g, links, 128, bytes(7392), bytes(14336), EpAlgorithm::direct).time().value();
    links.rdma = links.rdma * 2.0;
    const double fast = ep_exchange(g, links, 128, bytes(7392), bytes(14336), EpAlgorithm::direct).time().value();
    CHECK(fast < slow);
}

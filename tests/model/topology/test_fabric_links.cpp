// A deployment's scale-out fabric feeds the EP model (issue 5 part 5): hop
// counts of the endpoints actually used, the paper's latency fit per link
// layer, all-to-all share, and the direction of the effect on a decode step.
#include <catch2/catch.hpp>

#include "model/ep_comm.hpp"
#include "model/error.hpp"
#include "model/fixtures.hpp"
#include "model/step_fixtures.hpp"
#include "model/step_time.hpp"
#include "model/topology/topology.hpp"

using namespace hwplan;
using namespace hwplan::model;
using namespace hwplan::model::topology;
using Catch::Matchers::WithinRel;

TEST_CASE("Farthest hops depend on how many endpoints the fabric holds", "[model][topology]") {
    const TopologySpec ft2 = FatTree{2, 64, 1.0};
    CHECK(farthest_hops(ft2, 1) == 1);
    CHECK(farthest_hops(ft2, 32) == 1);  // one leaf: 32 down ports
    CHECK(farthest_hops(ft2, 33) == 3);
    CHECK(farthest_hops(ft2, 2048) == 3);
    const TopologySpec ft3 = FatTree{3, 64, 1.0};
    CHECK(farthest_hops(ft3, 32) == 1);
    CHECK(farthest_hops(ft3, 1024) == 3);  // one pod: 32 leaves x 32
    CHECK(farthest_hops(ft3, 1025) == 5);
    // MPFT: each plane holds one endpoint per node, so 8 planes of 256.
    const TopologySpec mpft = MultiPlaneFatTree{8, 64, 2};
    CHECK(farthest_hops(mpft, 256) == 1);
    CHECK(farthest_hops(mpft, 257) == 3);
    CHECK_THROWS_AS(farthest_hops(ft2, 0), Error);
}

TEST_CASE("Fabric latency reproduces the paper's table for the hops used", "[model][topology][golden]") {
    const BytesPerSecond nic = gigabytes_per_second(50);
    const LatencyParams ib = paper_latency_params(LinkKind::infiniband);
    const LatencyParams roce = paper_latency_params(LinkKind::roce);
    // Same leaf / cross leaf: IB 2.8 / 3.7 us, RoCE 3.6 / 5.6 us.
    CHECK_THAT(to_us(fabric_links(FatTree{2, 64, 1.0}, 16, ib, nic).latency), WithinRel(2.8, 1e-9));
    CHECK_THAT(to_us(fabric_links(FatTree{2, 64, 1.0}, 512, ib, nic).latency), WithinRel(3.7, 1e-9));
    CHECK_THAT(to_us(fabric_links(FatTree{2, 64, 1.0}, 16, roce, nic).latency), WithinRel(3.6, 1e-9));
    CHECK_THAT(to_us(fabric_links(FatTree{2, 64, 1.0}, 512, roce, nic).latency), WithinRel(5.6, 1e-9));
    // A three-tier tree beyond one pod: 2.35 + 5 x 0.45 = 4.6 us.
    CHECK_THAT(to_us(fabric_links(FatTree{3, 64, 1.0}, 4096, ib, nic).latency), WithinRel(4.6, 1e-9));
    const FabricLinks mp = fabric_links(MultiPlaneFatTree{8, 64, 2}, 1024, ib, nic);
    CHECK(mp.planes == 8);
    CHECK(mp.bandwidth_share == 1.0);  // non-blocking planes
}

TEST_CASE("An oversubscribed fat tree lowers the all-to-all share", "[model][topology]") {
    const BytesPerSecond nic = gigabytes_per_second(50);
    const LatencyParams ib = paper_latency_params(LinkKind::infiniband);
    const FabricLinks full = fabric_links(FatTree{2, 64, 1.0}, 2048, ib, nic);
    const FabricLinks over = fabric_links(FatTree{2, 64, 3.0}, 1536, ib, nic);
    CHECK(full.bandwidth_share == 1.0);
    CHECK(over.bandwidth_share < 0.4);
    CHECK(over.bandwidth_share > 0.3);
}

TEST_CASE("ep_links applies a deployment's fabric", "[model][topology]") {
    const System s = test::h800_node();
    Deployment d = test::ep_layout(s, 16);
    const EpLinks plain = ep_links(s, d, default_efficiencies());
    CHECK(plain == ep_links(s, default_efficiencies()));
    d.fabric = FabricLinks{microseconds(5.6), 0.5, 4};
    const EpLinks f = ep_links(s, d, default_efficiencies());
    CHECK_THAT(to_us(f.rdma_latency), WithinRel(5.6, 1e-12));
    CHECK_THAT(f.rdma.value(), WithinRel(plain.rdma.value() * 0.5, 1e-12));
    CHECK(f.planes == 4);
    CHECK(f.nvlink == plain.nvlink);
}

TEST_CASE("A slower fabric lengthens the EP all-to-all of a decode step", "[model][topology]") {
    const ModelArch v3 = test::deepseek_v3();
    const System s = test::h800_node();
    StepOptions o;
    o.check_memory = false;
    const Workload w = test::decode_workload(32, 4096);
    Deployment d = test::ep_layout(s, 16);
    const LatencyParams ib = paper_latency_params(LinkKind::infiniband);
    const LatencyParams roce = paper_latency_params(LinkKind::roce);
    const BytesPerSecond nic = s.nic->bandwidth;
    d.fabric = fabric_links(FatTree{2, 64, 1.0}, 128, ib, nic);
    const DecodeStep ft2_ib = decode_step(v3, s, d, w, o);
    d.fabric = fabric_links(FatTree{2, 64, 1.0}, 128, roce, nic);
    const DecodeStep ft2_roce = decode_step(v3, s, d, w, o);
    d.fabric = fabric_links(FatTree{2, 64, 3.0}, 128, ib, nic);
    const DecodeStep oversubscribed = decode_step(v3, s, d, w, o);
    REQUIRE(ft2_ib.feasible);
    CHECK(ft2_roce.ep.time() > ft2_ib.ep.time());
    CHECK(oversubscribed.ep.time() > ft2_ib.ep.time());
    CHECK(ft2_roce.tpot >= ft2_ib.tpot);
}

// Multi-plane effects (paper Section 5.1, Figure 3): cross-plane forwarding,
// plane failures, and MPFT vs single-plane multi-rail fat tree.

#include <catch2/catch.hpp>

#include "model/error.hpp"
#include "model/topology/multi_plane.hpp"

using namespace hwplan::model;
using namespace hwplan::model::topology;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

namespace {
const BytesPerSecond ib_400g = gigabytes_per_second(50);  // CX7 400 Gb/s per direction
}

TEST_CASE("Cross-plane traffic pays one NVLink forward on top of the plane's latency", "[model]") {
    const MultiPlaneFatTree mp{8, 64};
    const LatencyParams ib = paper_latency_params(LinkKind::infiniband);
    const IntraNodeForward nv = paper_nvlink_forward(gigabytes_per_second(160));
    const MultiPlaneLatency l = multi_plane_latency(mp, ib, nv);
    CHECK_THAT(to_us(l.same_plane_farthest), WithinRel(3.7, 1e-12));
    CHECK_THAT(to_us(l.cross_plane_extra), WithinRel(3.33, 1e-12));
    CHECK_THAT(to_us(l.cross_plane_farthest), WithinRel(7.03, 1e-12));
    CHECK(cross_plane_fraction(mp) == 7.0 / 8.0);
    // Uniform traffic: 7/8 of remote destinations need the forward.
    CHECK(l.average > l.same_plane_farthest);
    CHECK(l.average < l.cross_plane_farthest);
}

TEST_CASE("MPFT all-to-all: NIC-bound with fast NVLink, forward-bound with slow PCIe", "[model]") {
    const MultiPlaneFatTree mp{8, 64};
    const double n = 16'384;
    const BytesPerSecond nvlink_case =
        multi_plane_all_to_all_bandwidth_per_gpu(mp, ib_400g, paper_nvlink_forward(gigabytes_per_second(160)));
    CHECK(nvlink_case == ib_400g);  // the plane's fabric limit, B
    const IntraNodeForward pcie{LinkKind::pcie, microseconds(2), gigabytes_per_second(25)};
    const BytesPerSecond pcie_case = multi_plane_all_to_all_bandwidth_per_gpu(mp, ib_400g, pcie);
    CHECK_THAT(pcie_case.value(), WithinRel(25e9 * 8 * (n - 1) / (7 * n), 1e-12));
}

TEST_CASE("A failed plane costs 1/planes of the bandwidth and disconnects nobody", "[model]") {
    const MultiPlaneFatTree mp{8, 64};
    const int failed = GENERATE(0, 1, 2, 7);
    const PlaneFailure f = bandwidth_with_failed_planes(mp, failed, ib_400g);
    CHECK_THAT(f.bandwidth_fraction, WithinRel((8.0 - failed) / 8.0, 1e-12));
    CHECK_THAT(to_gbps(f.node_bandwidth), WithinRel(50.0 * (8 - failed), 1e-12));
    CHECK(f.connected);
    CHECK_FALSE(bandwidth_with_failed_planes(mp, 8, ib_400g).connected);
    REQUIRE_THROWS_AS(bandwidth_with_failed_planes(mp, 9, ib_400g), hwplan::Error);
    REQUIRE_THROWS_WITH(bandwidth_with_failed_planes(mp, -1, ib_400g), Contains("failed_planes"));
}

TEST_CASE("16,384 GPUs: 8-plane FT2 vs single-plane FT3 at radix 64", "[model]") {
    // Paper Section 5.1: an MPFT keeps 16,384 GPUs in two tiers; a single-plane
    // (multi-rail) fat tree of radix 64 needs three.
    const LatencyParams ib = paper_latency_params(LinkKind::infiniband);
    const IntraNodeForward nv = paper_nvlink_forward(gigabytes_per_second(160));
    const MultiPlaneComparison c = compare_multi_plane_with_multi_rail(16'384, 64, 8, ib_400g, ib, nv);
    CHECK(c.mrft.tiers == 3);
    CHECK(c.mpft_size.switches == 768);
    CHECK(c.mpft_size.switch_links == 16'384);
    CHECK(c.mrft_size.switches == 1'280);
    CHECK(c.mrft_size.switch_links == 32'768);
    CHECK(c.mpft_farthest_hops == 3);
    CHECK(c.mrft_farthest_hops == 5);
    CHECK_THAT(to_us(c.mpft_farthest), WithinRel(3.7, 1e-12));
    CHECK_THAT(to_us(c.mrft_farthest), WithinRel(4.6, 1e-12));
    CHECK(c.mpft_all_to_all_per_gpu == c.mrft_all_to_all_per_gpu);  // ideal case: equal
    REQUIRE_THROWS_WITH(compare_multi_plane_with_multi_rail(16'385, 64, 8, ib_400g, ib, nv),
                        Contains("gpus"));
}

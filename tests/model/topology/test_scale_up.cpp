// Scale-up domains: one NVSwitch hop between any two GPUs.

#include <catch2/catch.hpp>

#include "model/error.hpp"
#include "model/topology/latency_model.hpp"
#include "model/topology/scale_up.hpp"
#include "model/topology/topology_spec.hpp"

using namespace hwplan::model;
using namespace hwplan::model::topology;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

TEST_CASE("An 8-GPU node and an NVL72 rack are one NVSwitch hop across", "[model]") {
    // HGX H100: 8 GPUs, 4 NVSwitch chips, 18 links per GPU; GB200 NVL72: 72 GPUs,
    // 18 NVSwitch chips, 18 links per GPU (NVIDIA product documents).
    const ScaleUp node{8, 4, 18};
    const ScaleUp nvl72{72, 18, 18};
    CHECK(hops(node) == HopCounts{1, 1, 1});
    CHECK(hops(nvl72) == HopCounts{1, 1, 1});
    const TopologySize s = size(nvl72);
    CHECK(s.endpoints == 72);
    CHECK(s.switches == 18);
    CHECK(s.switch_links == 0);
    CHECK(s.endpoint_links == 72 * 18);
    CHECK(s.ports_per_switch == 72);
    // NVLink 5: 50 GB/s per link and direction -> 900 GB/s per GPU.
    CHECK_THAT(to_gbps(all_to_all_bandwidth_per_endpoint(nvl72, gigabytes_per_second(50))),
               WithinRel(900.0, 1e-12));
    CHECK_THAT(to_gbps(bisection_bandwidth(nvl72, gigabytes_per_second(50))),
               WithinRel(36 * 900.0, 1e-12));
}

TEST_CASE("Paper latency table: NVLink 3.33 us between any two GPUs of a scale-up domain",
          "[model][golden]") {
    // Paper latency table (NVLink same-"leaf" 3.33 µs): one NVSwitch hop.
    const LatencyParams nv = paper_latency_params(LinkKind::nvlink);
    const PathLatencies l = path_latencies(ScaleUp{72, 18, 18}, nv);
    CHECK_THAT(to_us(l.farthest), WithinRel(3.33, 1e-12));
    CHECK_THAT(to_us(l.average), WithinRel(3.33, 1e-12));
}

TEST_CASE("Bad scale-up parameters throw naming the field", "[model]") {
    REQUIRE_THROWS_AS(size(ScaleUp{0}), hwplan::Error);
    REQUIRE_THROWS_WITH(size(ScaleUp{0}), Contains("scale_up.domain"));
    REQUIRE_THROWS_WITH(size(ScaleUp{8, 0}), Contains("scale_up.switches"));
    REQUIRE_THROWS_WITH(size(ScaleUp{8, 4, 0}), Contains("scale_up.links_per_endpoint"));
}

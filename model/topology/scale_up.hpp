#pragma once
// Scale-up domain: GPUs joined by one stage of NVSwitch (an 8-GPU HGX/H800
// node, a GB200 NVL72 rack). Every GPU has `links_per_endpoint` links spread
// over the `switches` switch chips, so any two GPUs are one switch hop apart
// (paper's latency table: NVLink 3.33 µs, one hop). The switch stage is
// non-blocking. Example values (from vendor documents, hardware data belongs
// in hwdb/): HGX H100 8 GPUs, 4 NVSwitch chips, 18 links per GPU; GB200 NVL72
// 72 GPUs, 18 NVSwitch chips, 18 links per GPU.

#include <cstdint>

#include "model/topology/topology_size.hpp"
#include "model/units.hpp"

namespace hwplan::model::topology {

struct ScaleUp {
    int domain = 0;              // GPUs in the NVLink domain
    int switches = 1;            // NVSwitch chips
    int links_per_endpoint = 1;  // NVLink links per GPU
    friend bool operator==(const ScaleUp&, const ScaleUp&) = default;
};

void validate(const ScaleUp& t);  // "scale_up.domain", ...

// endpoints = domain, endpoint_links = domain · links_per_endpoint, no
// switch-to-switch links, diameter 0.
[[nodiscard]] TopologySize size(const ScaleUp& t);
[[nodiscard]] HopCounts hops(const ScaleUp& t);  // 1 everywhere
[[nodiscard]] double average_hops(const ScaleUp& t);

// `link_bandwidth` is one NVLink link's, per direction; a GPU injects
// links_per_endpoint · B. Non-blocking: bisection = domain/2 · links · B.
[[nodiscard]] BytesPerSecond bisection_bandwidth(const ScaleUp& t, BytesPerSecond link_bandwidth);
[[nodiscard]] BytesPerSecond all_to_all_bandwidth_per_endpoint(const ScaleUp& t,
                                                               BytesPerSecond link_bandwidth);

}  // namespace hwplan::model::topology

#pragma once
// Connects a sized scale-out fabric to the step model: the latency to the
// farthest peer the deployment can reach and the all-to-all bandwidth share
// the fabric sustains per endpoint, as a model::FabricLinks that a Deployment
// carries (ep_links() applies it to the EP all-to-all and the collectives).
//
// Why the farthest peer: an all-to-all finishes when its last message lands,
// so the slowest path sets its latency term. The fabric is sized for the
// endpoints actually used, so a deployment that fits under one leaf switch
// pays one switch hop, one that fits in a fat-tree pod pays the pod's hops.

#include <cstdint>

#include "model/deployment.hpp"
#include "model/topology/cost_model.hpp"
#include "model/topology/latency_model.hpp"

namespace hwplan::model::topology {

// Switches traversed to the farthest of `endpoints` endpoints placed densely
// (leaf by leaf, pod by pod) on `spec`; MPFT: within one plane.
[[nodiscard]] int farthest_hops(const TopologySpec& spec, std::int64_t endpoints);

// `nic_bandwidth`: one endpoint link's rate (per direction).
[[nodiscard]] FabricLinks fabric_links(const TopologySpec& spec, std::int64_t endpoints, const LatencyParams& latency,
                                       BytesPerSecond nic_bandwidth);
// A sized fabric (size_fabric / cheapest_fabric) with its built endpoints.
[[nodiscard]] FabricLinks fabric_links(const FabricSizing& sizing, const LatencyParams& latency,
                                       BytesPerSecond nic_bandwidth);

}  // namespace hwplan::model::topology

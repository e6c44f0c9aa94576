#pragma once
// hwplan network topology module — one include for users (CLI, GUI, EP model).
//
//   topology_spec.hpp   TopologySpec variant, size / hops / bandwidth dispatch
//   fat_tree.hpp, multi_plane_fat_tree.hpp, multi_rail_fat_tree.hpp,
//   slim_fly.hpp, dragonfly.hpp, scale_up.hpp      one file per topology
//   cost_model.hpp      price model, NNLS fit to paper Table 3, fabric sizing
//   latency_model.hpp   endpoint + hops · switch latency, fit to the paper's table
//   fabric_links.hpp    a sized fabric as the step model sees it (latency, all-to-all share)
//   multi_plane.hpp     cross-plane forwarding, plane failures, MPFT vs MRFT
//   paper_tables.hpp    paper Table 3 and the latency table as typed rows
//   graph.hpp           explicit graphs of small instances (cross-checks)
//
// Formulas and sources: docs/equations.md, "Network topology".

#include "model/topology/cost_model.hpp"
#include "model/topology/fabric_links.hpp"
#include "model/topology/graph.hpp"
#include "model/topology/latency_model.hpp"
#include "model/topology/multi_plane.hpp"
#include "model/topology/nnls.hpp"
#include "model/topology/paper_tables.hpp"
#include "model/topology/topology_size.hpp"
#include "model/topology/topology_spec.hpp"

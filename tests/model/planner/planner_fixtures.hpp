#pragma once
// Scenarios built in code for the planner tests (no YAML database).

#include "model/planner/scenario.hpp"
#include "model/fixtures.hpp"
#include "model/step_fixtures.hpp"

namespace hwplan::test {

inline model::System h100_node() {
    model::System s = h800_node();
    s.id = "h100-node";
    s.gpu = h100_gpu();
    s.gpu.tdp_watts = 700;
    s.scale_up_bandwidth = model::gigabytes_per_second(450);
    s.planes = 1;
    s.node_overhead_watts = 4600;
    return s;
}

inline model::planner::SystemCandidate candidate(model::System s, double gpu_hour, double node_price) {
    if (s.gpu.tdp_watts == 0) s.gpu.tdp_watts = 700;
    if (s.node_overhead_watts == 0) s.node_overhead_watts = 4600;
    model::planner::SystemCandidate c;
    c.system = std::move(s);
    c.price_per_gpu_hour_usd = gpu_hour;
    c.node_price_usd = node_price;
    return c;
}

// LLaMA-3.1-8B on one H100 node: small and fast.
inline model::planner::Scenario small_dense_scenario() {
    model::planner::Scenario sc;
    sc.name = "test";
    sc.model = llama31_8b();
    sc.systems = {candidate(h100_node(), 2.5, 300000)};
    sc.workload.input = {1000};
    sc.workload.output = {200};
    sc.sla.ttft = model::planner::LatencyTarget{model::milliseconds(500), std::nullopt};
    sc.sla.tpot = model::planner::LatencyTarget{model::milliseconds(20), std::nullopt};
    sc.constraints.overlap = {model::Overlap::none};
    sc.constraints.max_batch = 256;
    sc.search.prefill_nodes = {1};
    sc.search.decode_nodes = {1, 2};
    return sc;
}

}  // namespace hwplan::test

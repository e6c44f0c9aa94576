#pragma once
// How big a scenario's plan search is, estimated up front from the
// scenario alone (no model evaluation), so that `plan` and `sweep` refuse a
// search of ~1e11 configurations with a message instead of running for days
// (issue 22), and say when a large one will take a while.

#include <string>

#include "model/planner/scenario.hpp"

namespace hwplan::cli {

// Default bound on the estimate; --max-configurations raises it. The shipped
// scenarios estimate at most 4.4e6 (deepseek-v3-h800.yaml, which costs 3.9e5:
// the estimate is an upper one); the planner costs ~2e6 configurations/s per
// thread (measured: 3.9e5 in 0.21 s on 2 shared cores).
inline constexpr double kDefaultMaxConfigurations = 1e9;
inline constexpr double kConfigurationsPerSecondPerThread = 2e6;
// `sweep` keeps and writes every point (~200 bytes of CSV each): 1e7 is ~2 GB.
inline constexpr double kDefaultMaxSweepPoints = 1e7;

// An upper estimate of the configurations the search costs: for every
// system, precision pair, MTP option, overlap policy and decode unit size,
// the layouts (tp x pp x ep x redundant-expert choices the planner
// enumerates) times the batch grid, times the prefill pairings when
// disaggregated serving is searched.
[[nodiscard]] double estimate_configurations(const model::planner::Scenario& s);

// Throws hwplan::Error (naming `flag` and the scenario fields to narrow)
// when the estimate exceeds `max_configurations`; prints a one-line time
// estimate on stderr when it is large enough to take more than ~10 s.
void check_search_size(const model::planner::Scenario& s, double max_configurations, int threads,
                       const std::string& flag, const char* command);

}  // namespace hwplan::cli

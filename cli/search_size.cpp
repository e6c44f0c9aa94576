#include "cli/search_size.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <thread>
#include <variant>
#include <vector>

#include "model/error.hpp"

namespace hwplan::cli {

namespace {

namespace mp = model::planner;

bool allowed(const std::vector<int>& list, int v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
}

// Unit sizes as the planner takes them: the list, or 1..dflt, within the node cap.
std::vector<int> unit_sizes(const std::vector<int>& list, int dflt, int cap) {
    std::vector<int> v = list;
    if (v.empty())
        for (int i = 1; i <= dflt; ++i) v.push_back(i);
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    std::erase_if(v, [&](int n) { return n < 1 || n > cap; });
    return v;
}

// The layouts the planner enumerates for `nodes` of `s` (model/planner/search.cpp, shapes()).
double layouts(const mp::Scenario& sc, const model::System& s, int nodes) {
    const mp::SearchSpace& sp = sc.search;
    const long long world = static_cast<long long>(nodes) * std::max(1, s.gpus_per_node);
    const auto* moe = std::get_if<model::Moe>(&sc.model.ffn);
    const std::vector<int> pps = sp.pp.empty() ? std::vector<int>{1} : sp.pp;
    const std::vector<int> reds =
        !moe || sp.redundant_experts.empty() ? std::vector<int>{0} : sp.redundant_experts;
    double n = 0;
    const int domain = std::max(1, s.scale_up_domain);
    for (int tp = 1; tp <= domain; ++tp) {
        if (domain % tp != 0 || !allowed(sp.tp, tp) || world % tp != 0) continue;
        for (int pp : pps) {
            if (pp < 1 || world % (static_cast<long long>(tp) * pp) != 0) continue;
            if (!moe) {
                n += 1;
                continue;
            }
            const long long stage = world / pp;
            for (int red : reds) {
                // ep divides the stage and the routed experts (+ redundant): count the divisors of their gcd.
                const long long experts = moe->routed_experts + red;
                const long long g = std::gcd(stage, experts);
                for (long long e = 1; e <= g; ++e)
                    if (g % e == 0 && allowed(sp.ep, static_cast<int>(e)) && !(red > 0 && e == 1)) n += 1;
            }
        }
    }
    return n;
}

}  // namespace

double estimate_configurations(const mp::Scenario& sc) {
    const mp::Constraints& c = sc.constraints;
    const int cap = c.max_nodes ? *c.max_nodes : 4096;  // the planner's default node cap
    const double precisions = static_cast<double>(std::max<std::size_t>(1, c.weights.size())) *
                              static_cast<double>(std::max<std::size_t>(1, c.kv_cache.size()));
    const double options = static_cast<double>(std::max<std::size_t>(1, c.mtp.size())) *
                           static_cast<double>(std::max<std::size_t>(1, c.overlap.size()));
    // The batch grid: powers of two up to the cap, then a refinement of about as many points.
    const int batch_cap = std::max(1, c.max_batch.value_or(1 << 16));
    const double batches = 2 * (std::floor(std::log2(static_cast<double>(batch_cap))) + 1);
    const std::vector<int> decode = unit_sizes(sc.search.decode_nodes, 16, cap);
    const std::vector<int> prefill = unit_sizes(sc.search.prefill_nodes, 8, cap);
    double total = 0;
    for (const auto& cand : sc.systems) {
        double dec = 0, pre = 0;
        for (int n : decode) dec += layouts(sc, cand.system, n);
        for (int n : prefill) pre += layouts(sc, cand.system, n);
        // Each decode point is costed aggregated, and when disaggregated against the
        // prefill pools that survive pruning (about one per prefill unit size) for
        // up to 8 decode-unit counts, two prefill counts each.
        const double pairing =
            (sc.search.aggregated ? 1 : 0) + (sc.search.disaggregated ? 16.0 * static_cast<double>(prefill.size()) : 0);
        total += dec * batches * options * precisions * std::max(1.0, pairing);
        total += pre * options * precisions;  // the prefill pools themselves
    }
    return total;
}

void check_search_size(const mp::Scenario& s, double max_configurations, int threads, const std::string& flag,
                       const char* command) {
    const double n = estimate_configurations(s);
    const int t = threads > 0 ? threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    const double seconds = n / (kConfigurationsPerSecondPerThread * t);
    if (n > max_configurations)
        throw Error(fmt::format("the search has about {:.3g} configurations (~{:.3g} s on {} threads), more than the "
                                "bound of {:.3g}: narrow search.decode_nodes, search.tp/ep, constraints.max_batch "
                                "or constraints.mtp/overlap, or raise the bound with {}",
                                n, seconds, t, max_configurations, flag),
                    s.source.empty() ? flag : s.source);
    // Past 10 s of estimate (an upper estimate: the shipped scenarios run ~10x
    // faster than it says), so that a long search does not look hung.
    if (seconds > 10)
        fmt::print(stderr, "hwplan {}: about {:.3g} configurations, up to ~{:.3g} s on {} threads\n", command, n,
                   seconds, t);
}

}  // namespace hwplan::cli

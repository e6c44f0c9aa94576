#include "model/topology/latency_model.hpp"

#include <cmath>
#include <string>

#include <fmt/format.h>

#include "model/error.hpp"
#include "model/topology/paper_tables.hpp"

namespace hwplan::model::topology {

namespace {

void check_time(Seconds t, const char* name) {
    if (!std::isfinite(t.value()) || t.value() < 0)
        throw Error(fmt::format("must be finite and >= 0, got {} s", t.value()),
                    std::string("latency.") + name);
}

}  // namespace

void validate(const LatencyParams& p) {
    check_time(p.endpoint_overhead, "endpoint_overhead");
    check_time(p.switch_latency, "switch_latency");
    check_time(p.propagation_per_link, "propagation_per_link");
}

Seconds latency(const LatencyParams& p, double switch_hops) {
    validate(p);
    if (!std::isfinite(switch_hops) || switch_hops < 0)
        throw Error(fmt::format("switch hops must be >= 0, got {}", switch_hops), "switch_hops");
    return p.endpoint_overhead + p.switch_latency * switch_hops +
           p.propagation_per_link * (switch_hops + 1.0);
}

Seconds latency(const LatencyParams& p, int switch_hops) {
    return latency(p, static_cast<double>(switch_hops));
}

LatencyParams fit_latency(int hops_a, Seconds latency_a, int hops_b, Seconds latency_b,
                          Seconds propagation_per_link) {
    if (hops_a == hops_b || hops_a < 0 || hops_b < 0)
        throw Error(fmt::format("need two different hop counts >= 0, got {} and {}", hops_a, hops_b),
                    "latency.hops");
    check_time(propagation_per_link, "propagation_per_link");
    // Remove the propagation part, then solve e + h·s = t for two points.
    const double ta = latency_a.value() - propagation_per_link.value() * (hops_a + 1);
    const double tb = latency_b.value() - propagation_per_link.value() * (hops_b + 1);
    const double s = (tb - ta) / static_cast<double>(hops_b - hops_a);
    const double e = ta - s * hops_a;
    LatencyParams p{seconds(e), seconds(s), propagation_per_link};
    try {
        validate(p);
    } catch (const Error& err) {
        throw Error("the two measurements give a negative term: " + err.message(), err.where());
    }
    return p;
}

LatencyParams fit_latency_one_point(int hops, Seconds measured, Seconds assumed_switch_latency,
                                    Seconds propagation_per_link) {
    if (hops < 0) throw Error(fmt::format("hops must be >= 0, got {}", hops), "latency.hops");
    check_time(assumed_switch_latency, "switch_latency");
    check_time(propagation_per_link, "propagation_per_link");
    const Seconds e = measured - assumed_switch_latency * static_cast<double>(hops) -
                      propagation_per_link * static_cast<double>(hops + 1);
    LatencyParams p{e, assumed_switch_latency, propagation_per_link};
    validate(p);
    return p;
}

LatencyParams paper_latency_params(LinkKind kind, Seconds nvlink_switch_latency) {
    for (const LatencyTableRow& row : paper_latency_table()) {
        if (row.kind != kind) continue;
        if (row.cross_leaf) return fit_latency(1, row.same_leaf, 3, *row.cross_leaf);
        return fit_latency_one_point(1, row.same_leaf, nvlink_switch_latency);
    }
    throw Error("the paper's latency table has InfiniBand, RoCE and NVLink only", "kind");
}

PathLatencies path_latencies(const TopologySpec& spec, const LatencyParams& p) {
    const HopCounts h = hops(spec);
    PathLatencies out;
    out.same_switch = latency(p, h.same_switch);
    if (h.same_group) out.same_group = latency(p, *h.same_group);
    out.farthest = latency(p, h.farthest);
    out.average = latency(p, average_hops(spec));
    return out;
}

}  // namespace hwplan::model::topology

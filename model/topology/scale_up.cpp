#include "model/topology/scale_up.hpp"

#include <string>

#include <fmt/format.h>

#include "model/error.hpp"
#include "model/topology/detail.hpp"

namespace hwplan::model::topology {

namespace {
void check(int v, int lo, const char* name) {
    constexpr int max_value = 1 << 16;
    if (v < lo || v > max_value)
        throw Error(fmt::format("{} must be in {}..{}, got {}", name, lo, max_value, v),
                    std::string("scale_up.") + name);
}
}  // namespace

void validate(const ScaleUp& t) {
    check(t.domain, 1, "domain");
    check(t.switches, 1, "switches");
    check(t.links_per_endpoint, 1, "links_per_endpoint");
}

TopologySize size(const ScaleUp& t) {
    validate(t);
    TopologySize s;
    s.endpoints = t.domain;
    s.switches = t.switches;
    s.switch_links = 0;
    s.endpoint_links = static_cast<std::int64_t>(t.domain) * t.links_per_endpoint;
    s.diameter = 0;
    s.ports_per_switch =
        static_cast<int>((s.endpoint_links + t.switches - 1) / t.switches);
    return s;
}

HopCounts hops(const ScaleUp& t) {
    validate(t);
    return {1, 1, 1};
}

double average_hops(const ScaleUp& t) {
    validate(t);
    return 1.0;
}

BytesPerSecond bisection_bandwidth(const ScaleUp& t, BytesPerSecond link_bandwidth) {
    detail::check_bandwidth(link_bandwidth);
    validate(t);
    return link_bandwidth * (t.domain / 2.0 * t.links_per_endpoint);
}

BytesPerSecond all_to_all_bandwidth_per_endpoint(const ScaleUp& t, BytesPerSecond link_bandwidth) {
    detail::check_bandwidth(link_bandwidth);
    validate(t);
    return link_bandwidth * static_cast<double>(t.links_per_endpoint);
}

}  // namespace hwplan::model::topology

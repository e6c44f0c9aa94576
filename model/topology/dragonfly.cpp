#include "model/topology/dragonfly.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "model/error.hpp"
#include "model/topology/detail.hpp"

namespace hwplan::model::topology {

namespace {
constexpr int max_param = 1 << 12;

void check_positive(int v, const char* name) {
    if (v < 1 || v > max_param)
        throw Error(fmt::format("{} must be in 1..{}, got {}", name, max_param, v),
                    std::string("dragonfly.") + name);
}
}  // namespace

void validate(const Dragonfly& t) {
    check_positive(t.a, "a");
    check_positive(t.p, "p");
    check_positive(t.h, "h");
    const std::int64_t max_groups = static_cast<std::int64_t>(t.a) * t.h + 1;
    if (t.groups != 0 && (t.groups < 2 || t.groups > max_groups))
        throw Error(fmt::format("groups must be in 2..a·h+1 = {} (0 = the maximum), got {}",
                                max_groups, t.groups),
                    "dragonfly.groups");
    const std::int64_t g = t.groups == 0 ? max_groups : t.groups;
    if ((static_cast<std::int64_t>(t.a) * t.h * g) % 2 != 0)
        throw Error(fmt::format("a·h·groups = {} global ports must be even to be cabled in pairs",
                                static_cast<std::int64_t>(t.a) * t.h * g),
                    "dragonfly.groups");
}

int groups(const Dragonfly& t) {
    validate(t);
    return t.groups == 0 ? t.a * t.h + 1 : t.groups;
}

std::int64_t local_links(const Dragonfly& t) {
    return static_cast<std::int64_t>(groups(t)) * t.a * (t.a - 1) / 2;
}

std::int64_t global_links(const Dragonfly& t) {
    return static_cast<std::int64_t>(t.a) * t.h * groups(t) / 2;
}

TopologySize size(const Dragonfly& t) {
    const std::int64_t g = groups(t);
    TopologySize s;
    s.switches = g * t.a;
    s.endpoints = s.switches * t.p;
    s.endpoint_links = s.endpoints;
    s.switch_links = local_links(t) + global_links(t);
    s.diameter = t.a > 1 ? 3 : 1;
    s.ports_per_switch = t.p + t.h + t.a - 1;
    return s;
}

HopCounts hops(const Dragonfly& t) {
    validate(t);
    if (t.a == 1) return {1, 1, 2};
    return {1, 2, 4};
}

double average_hops(const Dragonfly& t) {
    const double g = groups(t);
    const double a = t.a, p = t.p;
    const double n = a * p * g;
    const double remote = 2.0 + 2.0 * (a - 1.0) / a;
    const double sum = (p - 1.0) * 1.0 + (a - 1.0) * p * 2.0 + (n - a * p) * remote;
    return sum / (n - 1.0);
}

BytesPerSecond bisection_bandwidth(const Dragonfly& t, BytesPerSecond link_bandwidth) {
    detail::check_bandwidth(link_bandwidth);
    const std::int64_t g = groups(t);
    const double pairs = static_cast<double>(g) * (g - 1) / 2.0;
    const double crossing_pairs = static_cast<double>(g / 2) * static_cast<double>(g - g / 2);
    return link_bandwidth * (static_cast<double>(global_links(t)) * crossing_pairs / pairs);
}

BytesPerSecond all_to_all_bandwidth_per_endpoint(const Dragonfly& t, BytesPerSecond link_bandwidth) {
    detail::check_bandwidth(link_bandwidth);
    const double g = groups(t);
    const double a = t.a, p = t.p, h = t.h;
    const double n = a * p * g;
    const double group_endpoints = a * p;
    const double links_per_pair = std::floor(a * h / (g - 1.0));
    const double global_bound = links_per_pair * (n - 1.0) / (group_endpoints * group_endpoints);
    const double local_bound = t.a > 1 ? (n - 1.0) / (p * (p + 2.0 * a * h * p)) : 1.0;
    return link_bandwidth * std::min({1.0, global_bound, local_bound});
}

}  // namespace hwplan::model::topology

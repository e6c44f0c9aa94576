#include "model/topology/topology_spec.hpp"

#include <fmt/format.h>

namespace hwplan::model::topology {

namespace {
template <class... Ts>
struct overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;
}  // namespace

void validate(const TopologySpec& spec) {
    std::visit([](const auto& t) { validate(t); }, spec);
}

std::string kind_name(const TopologySpec& spec) {
    return std::visit(overloaded{
                          [](const FatTree& t) { return fmt::format("FT{}", t.tiers); },
                          [](const MultiPlaneFatTree&) { return std::string("MPFT"); },
                          [](const MultiRailFatTree&) { return std::string("MRFT"); },
                          [](const SlimFly&) { return std::string("SF"); },
                          [](const Dragonfly&) { return std::string("DF"); },
                          [](const ScaleUp&) { return std::string("ScaleUp"); },
                      },
                      spec);
}

std::string describe(const TopologySpec& spec) {
    return std::visit(
        overloaded{
            [](const FatTree& t) {
                return t.oversubscription == 1.0
                           ? fmt::format("FT{}(k={})", t.tiers, t.radix)
                           : fmt::format("FT{}(k={}, {}:1 oversubscribed)", t.tiers, t.radix,
                                         t.oversubscription);
            },
            [](const MultiPlaneFatTree& t) {
                return fmt::format("MPFT({} planes × FT{}, k={})", t.planes, t.tiers, t.radix);
            },
            [](const MultiRailFatTree& t) {
                return fmt::format("MRFT({} rails, FT{}, k={})", t.rails, t.tiers, t.radix);
            },
            [](const SlimFly& t) {
                return fmt::format("SF(q={}, p={})", t.q, endpoints_per_router(t));
            },
            [](const Dragonfly& t) {
                return fmt::format("DF(a={}, p={}, h={}, g={})", t.a, t.p, t.h, groups(t));
            },
            [](const ScaleUp& t) {
                return fmt::format("ScaleUp({} GPUs, {} switches)", t.domain, t.switches);
            },
        },
        spec);
}

TopologySize size(const TopologySpec& spec) {
    return std::visit([](const auto& t) { return size(t); }, spec);
}

HopCounts hops(const TopologySpec& spec) {
    return std::visit([](const auto& t) { return hops(t); }, spec);
}

double average_hops(const TopologySpec& spec) {
    return std::visit([](const auto& t) { return average_hops(t); }, spec);
}

BytesPerSecond bisection_bandwidth(const TopologySpec& spec, BytesPerSecond link_bandwidth) {
    return std::visit([&](const auto& t) { return bisection_bandwidth(t, link_bandwidth); }, spec);
}

BytesPerSecond all_to_all_bandwidth_per_endpoint(const TopologySpec& spec,
                                                 BytesPerSecond link_bandwidth) {
    return std::visit(
        [&](const auto& t) { return all_to_all_bandwidth_per_endpoint(t, link_bandwidth); }, spec);
}

}  // namespace hwplan::model::topology

#pragma once
// The one small interface over every topology: a TopologySpec variant and
// free functions that dispatch to the per-topology file (fat_tree.hpp,
// multi_plane_fat_tree.hpp, multi_rail_fat_tree.hpp, slim_fly.hpp,
// dragonfly.hpp, scale_up.hpp). A new topology is one new file plus one
// variant alternative.

#include <string>
#include <string_view>
#include <variant>

#include <fmt/format.h>

#include "model/topology/dragonfly.hpp"
#include "model/topology/fat_tree.hpp"
#include "model/topology/multi_plane_fat_tree.hpp"
#include "model/topology/multi_rail_fat_tree.hpp"
#include "model/topology/scale_up.hpp"
#include "model/topology/slim_fly.hpp"
#include "model/topology/topology_size.hpp"
#include "model/units.hpp"

namespace hwplan::model::topology {

using TopologySpec =
    std::variant<FatTree, MultiPlaneFatTree, MultiRailFatTree, SlimFly, Dragonfly, ScaleUp>;

// Throws hwplan::Error naming the bad field.
void validate(const TopologySpec& spec);

// Short kind tag: "FT2", "FT3", "MPFT", "MRFT", "SF", "DF", "ScaleUp".
[[nodiscard]] std::string kind_name(const TopologySpec& spec);

// One line with the parameters: "FT2(k=64)", "MPFT(8 planes × FT2, k=64)",
// "SF(q=28, p=21)", "DF(a=32, p=16, h=16, g=511)", "ScaleUp(72 GPUs)".
[[nodiscard]] std::string describe(const TopologySpec& spec);

[[nodiscard]] TopologySize size(const TopologySpec& spec);
[[nodiscard]] HopCounts hops(const TopologySpec& spec);
[[nodiscard]] double average_hops(const TopologySpec& spec);

// Per direction; `link_bandwidth` is one link's (every link runs at that rate;
// for ScaleUp one NVLink link's).
[[nodiscard]] BytesPerSecond bisection_bandwidth(const TopologySpec& spec,
                                                 BytesPerSecond link_bandwidth);
[[nodiscard]] BytesPerSecond all_to_all_bandwidth_per_endpoint(const TopologySpec& spec,
                                                               BytesPerSecond link_bandwidth);

}  // namespace hwplan::model::topology

template <>
struct fmt::formatter<hwplan::model::topology::TopologySpec> : fmt::formatter<std::string_view> {
    auto format(const hwplan::model::topology::TopologySpec& s, fmt::format_context& ctx) const {
        return fmt::formatter<std::string_view>::format(hwplan::model::topology::describe(s), ctx);
    }
};

template <>
struct fmt::formatter<hwplan::model::topology::TopologySize> : fmt::formatter<std::string_view> {
    auto format(const hwplan::model::topology::TopologySize& s, fmt::format_context& ctx) const {
        const std::string text = fmt::format(
            "{} endpoints, {} switches, {} switch links, {} endpoint links, diameter {}",
            s.endpoints, s.switches, s.switch_links, s.endpoint_links, s.diameter);
        return fmt::formatter<std::string_view>::format(text, ctx);
    }
};

template <>
struct fmt::formatter<hwplan::model::topology::HopCounts> : fmt::formatter<std::string_view> {
    auto format(const hwplan::model::topology::HopCounts& h, fmt::format_context& ctx) const {
        const std::string text =
            h.same_group ? fmt::format("hops {}/{}/{}", h.same_switch, *h.same_group, h.farthest)
                         : fmt::format("hops {}/-/{}", h.same_switch, h.farthest);
        return fmt::formatter<std::string_view>::format(text, ctx);
    }
};

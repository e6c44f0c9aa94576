#pragma once
// Endpoint-to-endpoint small-message latency over a switched fabric:
//   latency(h) = endpoint_overhead + h · switch_latency + (h + 1) · propagation_per_link
// with h switches traversed (h + 1 cables). `endpoint_overhead` lumps both
// NICs, PCIe/driver and software; `switch_latency` is one switch's
// port-to-port delay; `propagation_per_link` is cable flight time (≈ 5 ns/m),
// 0 by default because the paper's measurements already contain their (short)
// cables. Fitted per link layer to the paper's table (same leaf = 1 switch,
// cross leaf = 3 switches, FT2): two points give two unknowns exactly:
//   InfiniBand  2.8 / 3.7 µs → switch 0.45 µs, endpoint 2.35 µs
//   RoCE        3.6 / 5.6 µs → switch 1.00 µs, endpoint 2.60 µs
//   NVLink      3.33 µs, one NVSwitch hop only: the split is not identifiable;
//               paper_latency_params assumes switch latency 0 (all endpoint).

#include <optional>

#include <fmt/format.h>

#include "model/nic.hpp"
#include "model/topology/topology_spec.hpp"
#include "model/units.hpp"

namespace hwplan::model::topology {

struct LatencyParams {
    Seconds endpoint_overhead = seconds(0);
    Seconds switch_latency = seconds(0);        // per switch traversed
    Seconds propagation_per_link = seconds(0);  // per cable traversed
    friend bool operator==(const LatencyParams&, const LatencyParams&) = default;
};

void validate(const LatencyParams& p);  // non-negative, finite ("latency.switch_latency", ...)

// Latency across `switch_hops` switches (>= 0; 0 = a direct cable).
[[nodiscard]] Seconds latency(const LatencyParams& p, int switch_hops);
// Fractional hops (for an average over destinations).
[[nodiscard]] Seconds latency(const LatencyParams& p, double switch_hops);

// Exact fit through two measurements (hops_a != hops_b), given the
// propagation term. Throws if the fit would make a term negative ("latency").
[[nodiscard]] LatencyParams fit_latency(int hops_a, Seconds latency_a, int hops_b, Seconds latency_b,
                                        Seconds propagation_per_link = seconds(0));

// One measurement: the switch latency must be assumed.
[[nodiscard]] LatencyParams fit_latency_one_point(int hops, Seconds measured,
                                                  Seconds assumed_switch_latency,
                                                  Seconds propagation_per_link = seconds(0));

// The fit to paper_latency_table() for infiniband, roce or nvlink; other
// kinds throw ("kind"). NVLink: switch latency assumed 0 unless given.
[[nodiscard]] LatencyParams paper_latency_params(LinkKind kind,
                                                 Seconds nvlink_switch_latency = seconds(0));

// Endpoint-to-endpoint latencies of a topology from its hop counts.
struct PathLatencies {
    Seconds same_switch = seconds(0);
    std::optional<Seconds> same_group;
    Seconds farthest = seconds(0);
    Seconds average = seconds(0);  // uniform destinations (average_hops)
    friend bool operator==(const PathLatencies&, const PathLatencies&) = default;
};
[[nodiscard]] PathLatencies path_latencies(const TopologySpec& spec, const LatencyParams& p);

}  // namespace hwplan::model::topology

template <>
struct fmt::formatter<hwplan::model::topology::LatencyParams> : fmt::formatter<std::string_view> {
    auto format(const hwplan::model::topology::LatencyParams& p, fmt::format_context& ctx) const {
        const std::string text = fmt::format(
            "endpoint {:.3f} us + {:.3f} us/switch + {:.3f} us/link",
            hwplan::model::to_us(p.endpoint_overhead), hwplan::model::to_us(p.switch_latency),
            hwplan::model::to_us(p.propagation_per_link));
        return fmt::formatter<std::string_view>::format(text, ctx);
    }
};

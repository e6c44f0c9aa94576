#pragma once
// Fabric cost: a linear price model over the counted elements,
//   cost = c_switch · switches + c_link · switch_links + c_endpoint · endpoint_links,
// with non-negative prices (USD per switch, per switch-to-switch link with its
// optics, per endpoint-to-leaf link). The paper does not give its prices; we
// fit them to its Table 3 costs with non-negative least squares in RELATIVE
// terms (each row weighted by 1/cost), so the $9M FT2 counts as much as the
// $1,522M Dragonfly. The fit reproduces all five costs within ±3 %.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "model/topology/topology_spec.hpp"

namespace hwplan::model::topology {

struct FabricPrices {
    double switch_usd = 0;         // one switch (radix-k ASIC box)
    double switch_link_usd = 0;    // one switch-to-switch cable, both transceivers
    double endpoint_link_usd = 0;  // one endpoint-to-leaf cable
    friend bool operator==(const FabricPrices&, const FabricPrices&) = default;
};

void validate(const FabricPrices& p);  // "prices.switch_usd", ... (non-negative, finite)

[[nodiscard]] double fabric_cost_usd(const TopologySize& s, const FabricPrices& p);
[[nodiscard]] double fabric_cost_usd(const TopologySpec& spec, const FabricPrices& p);
[[nodiscard]] double cost_per_endpoint_usd(const TopologySize& s, const FabricPrices& p);
[[nodiscard]] double cost_per_endpoint_usd(const TopologySpec& spec, const FabricPrices& p);

// ---- fitting --------------------------------------------------------------

struct CostObservation {
    std::string label;
    TopologySize size;
    double cost_usd = 0;
    friend bool operator==(const CostObservation&, const CostObservation&) = default;
};

enum class FitWeighting {
    relative,  // minimise Σ ((fit - cost)/cost)²: every fabric counts equally
    absolute,  // minimise Σ (fit - cost)²: dominated by the largest fabric
};

struct CostFitRow {
    std::string label;
    TopologySize size;
    double observed_usd = 0;
    double fitted_usd = 0;
    double relative_residual = 0;  // (fitted - observed) / observed
    friend bool operator==(const CostFitRow&, const CostFitRow&) = default;
};

struct CostFit {
    FabricPrices prices;
    std::vector<CostFitRow> rows;
    double max_abs_relative_residual = 0;
    double rms_relative_residual = 0;
    FitWeighting weighting = FitWeighting::relative;
    friend bool operator==(const CostFit&, const CostFit&) = default;
};

// Lawson–Hanson NNLS (nnls.hpp) on the three prices. Throws hwplan::Error for
// no observations or a non-positive / non-finite cost ("observations[i].cost_usd").
[[nodiscard]] CostFit fit_prices(std::span<const CostObservation> observations,
                                 FitWeighting weighting = FitWeighting::relative);

// Table 3 as observations (paper_tables.hpp), and the fit to it.
[[nodiscard]] std::vector<CostObservation> paper_cost_observations();
[[nodiscard]] CostFit fit_paper_prices(FitWeighting weighting = FitWeighting::relative);

// ---- sizing ---------------------------------------------------------------

enum class FabricKind { fat_tree_2, fat_tree_3, multi_plane_fat_tree_2 };
[[nodiscard]] std::string_view to_string(FabricKind k);  // "FT2", "FT3", "MPFT"

// A fabric built for a given number of endpoints. Infeasible (too many
// endpoints for the kind and radix) is a result with a reason, not an error.
struct FabricSizing {
    FabricKind kind = FabricKind::fat_tree_2;
    bool feasible = false;
    std::string reason;          // why not, when !feasible
    TopologySpec spec;           // the full-size fabric the build is a part of
    TopologySize size;           // what is actually bought (partial pods allowed)
    double cost_usd = 0;
    double cost_per_endpoint_usd = 0;
    friend bool operator==(const FabricSizing&, const FabricSizing&) = default;
};

// The smallest fabric of `kind` built from radix-`radix` switches that holds
// `endpoints`: fat_tree::size_for_endpoints (leaves = ceil(N/(k/2)), upper
// tiers by port count, partial pods), MPFT = `planes` two-tier planes of
// ceil(N/planes) endpoints each. Throws for endpoints < 1, a bad radix or
// planes, or bad prices.
[[nodiscard]] FabricSizing size_fabric(FabricKind kind, std::int64_t endpoints, int radix,
                                       const FabricPrices& prices, int planes = 8);

// The cheapest feasible of FT2, FT3 and MPFT(planes) for `endpoints`
// (ties: fewer tiers first, in that order). Infeasible if none holds them.
[[nodiscard]] FabricSizing cheapest_fabric(std::int64_t endpoints, int radix,
                                           const FabricPrices& prices, int planes = 8);

}  // namespace hwplan::model::topology

template <>
struct fmt::formatter<hwplan::model::topology::FabricPrices> : fmt::formatter<std::string_view> {
    auto format(const hwplan::model::topology::FabricPrices& p, fmt::format_context& ctx) const {
        const std::string text =
            fmt::format("${:.0f}/switch, ${:.0f}/switch link, ${:.0f}/endpoint link", p.switch_usd,
                        p.switch_link_usd, p.endpoint_link_usd);
        return fmt::formatter<std::string_view>::format(text, ctx);
    }
};

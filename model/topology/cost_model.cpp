#include "model/topology/cost_model.hpp"

#include <cmath>
#include <string>

#include <Eigen/Dense>
#include <fmt/format.h>

#include "model/error.hpp"
#include "model/topology/nnls.hpp"
#include "model/topology/paper_tables.hpp"

namespace hwplan::model::topology {

namespace {

void check_price(double v, const char* name) {
    if (!std::isfinite(v) || v < 0)
        throw Error(fmt::format("price must be finite and >= 0, got {}", v),
                    std::string("prices.") + name);
}

}  // namespace

void validate(const FabricPrices& p) {
    check_price(p.switch_usd, "switch_usd");
    check_price(p.switch_link_usd, "switch_link_usd");
    check_price(p.endpoint_link_usd, "endpoint_link_usd");
}

double fabric_cost_usd(const TopologySize& s, const FabricPrices& p) {
    validate(p);
    return p.switch_usd * static_cast<double>(s.switches) +
           p.switch_link_usd * static_cast<double>(s.switch_links) +
           p.endpoint_link_usd * static_cast<double>(s.endpoint_links);
}

double fabric_cost_usd(const TopologySpec& spec, const FabricPrices& p) {
    return fabric_cost_usd(size(spec), p);
}

double cost_per_endpoint_usd(const TopologySize& s, const FabricPrices& p) {
    if (s.endpoints <= 0) throw Error("a fabric with no endpoints has no cost per endpoint", "endpoints");
    return fabric_cost_usd(s, p) / static_cast<double>(s.endpoints);
}

double cost_per_endpoint_usd(const TopologySpec& spec, const FabricPrices& p) {
    return cost_per_endpoint_usd(size(spec), p);
}

CostFit fit_prices(std::span<const CostObservation> obs, FitWeighting weighting) {
    if (obs.empty()) throw Error("need at least one observation to fit prices", "observations");
    const auto m = static_cast<Eigen::Index>(obs.size());
    Eigen::MatrixXd a(m, 3);
    Eigen::VectorXd b(m);
    for (Eigen::Index i = 0; i < m; ++i) {
        const CostObservation& o = obs[static_cast<std::size_t>(i)];
        if (!std::isfinite(o.cost_usd) || o.cost_usd <= 0)
            throw Error(fmt::format("cost must be positive and finite, got {}", o.cost_usd),
                        fmt::format("observations[{}].cost_usd", i));
        if (o.size.switches < 0 || o.size.switch_links < 0 || o.size.endpoint_links < 0)
            throw Error("element counts must be >= 0", fmt::format("observations[{}].size", i));
        // Relative weighting divides each row by its cost: the residual of row i
        // becomes (fit_i - cost_i)/cost_i.
        const double w = weighting == FitWeighting::relative ? 1.0 / o.cost_usd : 1.0;
        a(i, 0) = w * static_cast<double>(o.size.switches);
        a(i, 1) = w * static_cast<double>(o.size.switch_links);
        a(i, 2) = w * static_cast<double>(o.size.endpoint_links);
        b(i) = w * o.cost_usd;
    }
    const NnlsResult r = nnls(a, b);

    CostFit fit;
    fit.weighting = weighting;
    fit.prices = {r.x(0), r.x(1), r.x(2)};
    double sum_sq = 0;
    for (const CostObservation& o : obs) {
        CostFitRow row;
        row.label = o.label;
        row.size = o.size;
        row.observed_usd = o.cost_usd;
        row.fitted_usd = fabric_cost_usd(o.size, fit.prices);
        row.relative_residual = (row.fitted_usd - o.cost_usd) / o.cost_usd;
        fit.max_abs_relative_residual =
            std::max(fit.max_abs_relative_residual, std::abs(row.relative_residual));
        sum_sq += row.relative_residual * row.relative_residual;
        fit.rows.push_back(std::move(row));
    }
    fit.rms_relative_residual = std::sqrt(sum_sq / static_cast<double>(obs.size()));
    return fit;
}

std::vector<CostObservation> paper_cost_observations() {
    std::vector<CostObservation> obs;
    for (const Table3Row& row : paper_table3()) obs.push_back({row.label, size(row.spec), row.cost_usd});
    return obs;
}

CostFit fit_paper_prices(FitWeighting weighting) {
    const std::vector<CostObservation> obs = paper_cost_observations();
    return fit_prices(obs, weighting);
}

std::string_view to_string(FabricKind k) {
    switch (k) {
        case FabricKind::fat_tree_2: return "FT2";
        case FabricKind::fat_tree_3: return "FT3";
        case FabricKind::multi_plane_fat_tree_2: return "MPFT";
    }
    return "?";
}

FabricSizing size_fabric(FabricKind kind, std::int64_t endpoints, int radix,
                         const FabricPrices& prices, int planes) {
    validate(prices);
    if (endpoints < 1)
        throw Error(fmt::format("endpoints must be >= 1, got {}", endpoints), "endpoints");
    FabricSizing out;
    out.kind = kind;
    std::int64_t cap = 0;
    switch (kind) {
        case FabricKind::fat_tree_2:
        case FabricKind::fat_tree_3: {
            const FatTree ft{kind == FabricKind::fat_tree_2 ? 2 : 3, radix, 1.0};
            out.spec = ft;
            cap = capacity(ft);
            if (endpoints <= cap) out.size = size_for_endpoints(ft, endpoints);
            break;
        }
        case FabricKind::multi_plane_fat_tree_2: {
            const MultiPlaneFatTree mp{planes, radix, 2};
            out.spec = mp;
            cap = capacity(mp);
            if (endpoints <= cap) out.size = size_for_endpoints(mp, endpoints);
            break;
        }
    }
    if (endpoints > cap) {
        out.feasible = false;
        out.reason = fmt::format("{} holds at most {} endpoints, {} requested", describe(out.spec),
                                 cap, endpoints);
        return out;
    }
    out.feasible = true;
    out.cost_usd = fabric_cost_usd(out.size, prices);
    out.cost_per_endpoint_usd = out.cost_usd / static_cast<double>(endpoints);
    return out;
}

FabricSizing cheapest_fabric(std::int64_t endpoints, int radix, const FabricPrices& prices,
                             int planes) {
    FabricSizing best;
    std::string reasons;
    bool found = false;
    for (FabricKind kind : {FabricKind::fat_tree_2, FabricKind::multi_plane_fat_tree_2,
                            FabricKind::fat_tree_3}) {
        FabricSizing s = size_fabric(kind, endpoints, radix, prices, planes);
        if (!s.feasible) {
            reasons += (reasons.empty() ? "" : "; ") + s.reason;
            continue;
        }
        if (!found || s.cost_usd < best.cost_usd) {
            best = std::move(s);
            found = true;
        }
    }
    if (!found) {
        best.feasible = false;
        best.reason = reasons;
    }
    return best;
}

}  // namespace hwplan::model::topology

#include "model/planner/scenario.hpp"

#include <cmath>
#include <string>

#include <fmt/format.h>

#include "model/error.hpp"

namespace hwplan::model::planner {

namespace {

struct Checker {
    const Scenario& s;
    std::string problems;
    std::string first_where;
    void fail(const std::string& field, const std::string& message) {
        if (problems.empty()) first_where = s.where(field);
        else problems += "; " + s.where(field) + ": ";
        problems += field + ": " + message;
    }
    void positive(const std::string& field, double v) {
        if (!(v > 0) || !std::isfinite(v)) fail(field, fmt::format("must be a positive number, got {}", v));
    }
    void length(const std::string& field, const LengthDistribution& d) {
        positive(field + ".mean", d.mean);
        if (d.shape == LengthShape::lognormal) positive(field + ".cv", d.cv);
        if (d.shape == LengthShape::uniform) {
            if (!(d.min >= 0) || !(d.max > d.min))
                fail(field, fmt::format("uniform needs 0 <= min < max, got min {} max {}", d.min, d.max));
            else if (std::abs((d.min + d.max) / 2 - d.mean) > 1e-6 * d.mean)
                fail(field + ".mean", fmt::format("must be (min + max) / 2 = {} for a uniform length", (d.min + d.max) / 2));
        }
    }
    void target(const std::string& field, const std::optional<LatencyTarget>& t) {
        if (!t) return;
        positive(field, t->value.value());
        if (t->percentile && !(*t->percentile > 0 && *t->percentile < 100))
            fail(field + "_percentile", fmt::format("must be between 0 and 100 (exclusive), got {}", *t->percentile));
    }
};

}  // namespace

void validate(const Scenario& s) {
    Checker c{s, {}, {}};
    if (s.systems.empty()) c.fail("systems", "list at least one candidate system");
    for (const auto& sys : s.systems) {
        if (sys.system.gpus_per_node < 1) c.fail("systems", sys.system.id + " has no GPUs");
        if (s.cost.basis == CostBasis::rental && !(sys.price_per_gpu_hour_usd > 0))
            c.fail("systems", sys.system.id + " has no price per GPU-hour for the rental cost basis");
        if (s.cost.basis == CostBasis::capex && !(sys.node_price_usd > 0))
            c.fail("systems", sys.system.id + " has no node price for the capex cost basis");
    }
    c.positive("cost.amortisation_years", s.cost.amortisation_years);
    if (!(s.cost.usd_per_kwh >= 0)) c.fail("cost.usd_per_kwh", "must not be negative");
    if (!(s.cost.pue >= 1)) c.fail("cost.pue", fmt::format("must be at least 1, got {}", s.cost.pue));
    const WorkloadSpec& w = s.workload;
    if (w.requests_per_s && w.output_tokens_per_s)
        c.fail("workload.requests_per_s", "give either requests_per_s or output_tokens_per_s, not both");
    if (w.requests_per_s) c.positive("workload.requests_per_s", *w.requests_per_s);
    if (w.output_tokens_per_s) c.positive("workload.output_tokens_per_s", *w.output_tokens_per_s);
    c.length("workload.input", w.input);
    c.length("workload.output", w.output);
    if (!(w.prefix_hit_rate >= 0 && w.prefix_hit_rate < 1))
        c.fail("workload.prefix_hit_rate", fmt::format("must be in [0, 1), got {}", w.prefix_hit_rate));
    if (w.prefill_chunk < 1) c.fail("workload.prefill_chunk", "must be at least 1");
    c.target("sla.ttft", s.sla.ttft);
    c.target("sla.tpot", s.sla.tpot);
    if (s.sla.min_tokens_per_s_per_user) c.positive("sla.min_tokens_per_s_per_user", *s.sla.min_tokens_per_s_per_user);
    const Constraints& k = s.constraints;
    if (k.max_gpus && *k.max_gpus < 1) c.fail("constraints.max_gpus", "must be at least 1");
    if (k.max_nodes && *k.max_nodes < 1) c.fail("constraints.max_nodes", "must be at least 1");
    if (k.max_batch && *k.max_batch < 1) c.fail("constraints.max_batch", "must be at least 1");
    for (const auto& m : k.mtp) {
        if (m.depth < 0) c.fail("constraints.mtp", "depth must not be negative");
        if (m.depth > 0 && m.acceptance.empty()) c.fail("constraints.mtp", "MTP needs an acceptance rate");
        for (double a : m.acceptance)
            if (!(a >= 0 && a <= 1)) c.fail("constraints.mtp_acceptance", fmt::format("must be in [0, 1], got {}", a));
    }
    const SearchSpace& sp = s.search;
    if (!sp.aggregated && !sp.disaggregated) c.fail("search.modes", "enable aggregated and/or disaggregated");
    for (double r : sp.pd_ratios) c.positive("search.pd_ratios", r);
    for (const auto* list : {&sp.prefill_nodes, &sp.decode_nodes, &sp.tp, &sp.pp, &sp.ep})
        for (int v : *list)
            if (v < 1) c.fail("search", fmt::format("node counts and parallel degrees must be at least 1, got {}", v));
    for (int r : sp.redundant_experts)
        if (r < 0) c.fail("search.redundant_experts", "must not be negative");
    if (sp.comm_sms < 0) c.fail("search.comm_sms", "must not be negative");
    if (!(sp.expert_imbalance >= 1) || !std::isfinite(sp.expert_imbalance))
        c.fail("search.expert_imbalance", "must be a finite number >= 1");
    if (!c.problems.empty()) throw Error(c.problems, c.first_where);
}

}  // namespace hwplan::model::planner

#include "model/step_time.hpp"

#include <algorithm>

#include "model/error.hpp"

namespace hwplan::model {

std::string_view to_string(StepMode m) { return m == StepMode::paper ? "paper" : "realistic"; }

std::string_view component_name(Component c) {
    switch (c) {
        case Component::attention_projections:
            return "attention_projections";
        case Component::attention_core:
            return "attention_core";
        case Component::all_reduce:
            return "all_reduce";
        case Component::dense_ffn:
            return "dense_ffn";
        case Component::shared_experts:
            return "shared_experts";
        case Component::router:
            return "router";
        case Component::routed_experts:
            return "routed_experts";
        case Component::dispatch:
            return "dispatch";
        case Component::combine:
            return "combine";
        case Component::elementwise:
            return "elementwise";
        case Component::lm_head:
            return "lm_head";
        case Component::mtp_draft:
            return "mtp_draft";
        case Component::pipeline:
            return "pipeline";
        case Component::kernel_overhead:
            return "kernel_overhead";
        case Component::host:
            return "host";
        case Component::overlap:
            return "overlap";
        case Component::count_:
            break;
    }
    return "?";
}

std::string_view to_string(TpotMetric m) {
    switch (m) {
        case TpotMetric::itl:
            return "itl";
        case TpotMetric::e2e_minus_ttft:
            return "e2e-minus-ttft";
        case TpotMetric::e2e_per_token:
            return "e2e-per-token";
    }
    return "?";
}

std::optional<TpotMetric> tpot_metric_from_string(std::string_view s) {
    for (TpotMetric m : {TpotMetric::itl, TpotMetric::e2e_minus_ttft, TpotMetric::e2e_per_token})
        if (s == to_string(m)) return m;
    return std::nullopt;
}

Seconds RequestLatency::tpot(TpotMetric m) const {
    switch (m) {
        case TpotMetric::itl:
            return itl;
        case TpotMetric::e2e_minus_ttft:
            return e2e_minus_ttft;
        case TpotMetric::e2e_per_token:
            return e2e_per_token;
    }
    return itl;
}

RequestLatency request_latency(const ModelArch& m, const System& s, const Deployment& d, const Workload& w,
                               const StepOptions& o) {
    if (w.output < 1)
        throw Error("must be at least 1 for end-to-end metrics, got " + std::to_string(w.output), "output");
    RequestLatency r;
    const DecodeStep steady = decode_step(m, s, d, w, o);
    if (!steady.feasible) {
        r.reason = steady.reason;
        return r;
    }
    r.itl = steady.tpot;
    if (w.prompt > 0) {
        const PrefillStep p = prefill(m, s, d, w, o);
        if (!p.feasible) {
            r.reason = p.reason;
            return r;
        }
        r.ttft = p.ttft;
    }
    if (w.output > 1) {
        // Token i (2..output) is decoded at context prompt + i - 1; Simpson's
        // rule over the first, middle and last context (the step is smooth,
        // near-linear in context).
        Workload at = w;
        const double c0 = w.prompt + 1.0;
        const double c1 = w.prompt + w.output - 1.0;
        double f[3];
        const double cs[3] = {c0, 0.5 * (c0 + c1), c1};
        for (int i = 0; i < 3; ++i) {
            at.context = static_cast<int>(std::lround(cs[i]));
            f[i] = decode_step(m, s, d, at, o).tpot.value();
        }
        r.decode = seconds((w.output - 1) * (f[0] + 4 * f[1] + f[2]) / 6.0);
        r.e2e_minus_ttft = r.decode / static_cast<double>(w.output - 1);
    }
    r.e2e = r.ttft + r.decode;
    r.e2e_per_token = r.e2e / static_cast<double>(w.output);
    r.feasible = true;
    return r;
}

}  // namespace hwplan::model

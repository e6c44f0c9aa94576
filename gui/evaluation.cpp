#include "gui/evaluation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "model/calibration/apply.hpp"
#include "model/calibration/profiled_step.hpp"
#include "model/error.hpp"
#include "model/kv_cache.hpp"
#include "model/layout.hpp"
#include "model/planner/cost.hpp"

namespace hwplan::gui {

Inputs resolve_inputs(const hwdb::WhatIf& w, const model::ModelArch& m, const model::System& s,
                      const model::Engine& engine, std::shared_ptr<const model::calibration::Profile> profile) {
    Inputs in;
    in.profile = std::move(profile);
    in.model = m;
    in.system = s;
    if (w.scale_up_bandwidth) in.system.scale_up_bandwidth = *w.scale_up_bandwidth;
    if (w.scale_out_bandwidth && in.system.nic) in.system.nic->bandwidth = *w.scale_out_bandwidth;

    // As cli/layout_options.cpp resolve_layout.
    model::Deployment& d = in.deployment;
    d.nodes = w.nodes;
    d.tp = w.tp;
    d.pp = w.pp;
    const int world = model::world_size(in.system, d);
    d.dp = w.dp.value_or(std::max(1, world / std::max(1, w.tp * w.pp)));
    if (const auto* moe = std::get_if<model::Moe>(&m.ffn)) {
        d.redundant_experts = w.redundant_experts;
        d.ep = w.ep.value_or(std::gcd(world / std::max(1, w.pp), moe->routed_experts + w.redundant_experts));
    } else {
        d.ep = w.ep.value_or(1);
    }
    d.precision.weights = w.weights.value_or(m.weights_dtype);
    d.precision.kv_cache = w.kv_cache;
    d.precision.activations = w.activations;
    d.precision.dispatch = w.dispatch;
    d.precision.combine = w.combine;

    // As cli/cmd_tpot.cpp apply_flags (defaults for the flags the GUI does not expose).
    d.overlap = w.overlap;
    d.micro_batches = w.micro_batches;
    d.comm_sms = w.comm_sms;
    d.expert_imbalance = w.expert_imbalance;
    d.mtp.depth = w.mtp_depth;
    if (w.mtp_depth > 0) d.mtp.acceptance = {w.mtp_acceptance};

    in.workload.batch = w.batch;
    in.workload.context = w.context;
    in.workload.prompt = w.prompt;
    in.options.mode = w.step_mode;
    // As cli/cmd_tpot.cpp: the engine's traits decide which kernels the step runs.
    in.options.engine = engine.traits;
    return in;
}

std::vector<int> valid_ep_values(const Inputs& in) {
    std::vector<int> out;
    if (!in.model.is_moe()) return {1};
    const int stage = model::world_size(in.system, in.deployment) / std::max(1, in.deployment.pp);
    model::Deployment d = in.deployment;
    for (int ep = 1; ep <= stage; ++ep) {
        if (stage % ep != 0) continue;
        d.ep = ep;
        const auto problem = model::layout_problem(in.model, in.system, d);
        // Keep degrees whose only problem is elsewhere (tp, dp ...): ep's own rules decide.
        if (!problem || problem->rfind("ep (", 0) != 0) out.push_back(ep);
    }
    if (out.empty()) out.push_back(1);
    return out;
}

Evaluation evaluate(const Inputs& in, const model::topology::FabricPrices& fabric_prices) {
    Evaluation e;
    e.in = in;
    e.gpus = model::world_size(in.system, in.deployment);
    e.kv_bytes_per_token = model::kv_bytes_per_token(in.model, in.deployment.precision.kv_cache).value();
    if (auto p = model::layout_problem(in.model, in.system, in.deployment)) e.problem = *p;
    try {
        if (in.profile) {
            auto r = model::calibration::profiled_step(*in.profile, in.model, in.system, in.deployment, in.workload,
                                                       in.options);
            e.decode = std::move(r.decode);
            e.prefill = std::move(r.prefill);
            e.profiled = true;
            e.tpot_lo = r.tpot_lo.value();
            e.tpot_hi = r.tpot_hi.value();
            e.ttft_lo = r.ttft_lo.value();
            e.ttft_hi = r.ttft_hi.value();
            e.extrapolated = model::calibration::extrapolated(*in.profile, in.system.gpu);
            e.profile_gpu = in.profile->gpu ? in.profile->gpu->device.name : std::string();
        } else {
            e.decode = model::decode_step(in.model, in.system, in.deployment, in.workload, in.options);
            if (in.workload.prompt > 0)
                e.prefill = model::prefill(in.model, in.system, in.deployment, in.workload, in.options);
        }
    } catch (const Error& err) {
        e.decode = {};
        e.decode.reason = err.what();
    }
    e.memory = model::plan_memory(in.model, in.system, in.deployment, in.workload);
    if (in.system.price_per_gpu_hour_usd > 0 && e.problem.empty()) {
        model::planner::SystemCandidate c{in.system, in.system.price_per_gpu_hour_usd, in.system.price_usd};
        const auto cost = model::planner::deployment_cost(c, model::planner::CostModel{}, in.deployment.nodes,
                                                          in.deployment.nodes > 1, fabric_prices);
        e.cost_per_hour_usd = cost.cost_per_hour_usd;
        const double tokens_per_hour = e.decode.tokens_per_s_per_gpu * e.gpus * 3600.0;
        if (tokens_per_hour > 0) e.usd_per_m_output_tokens = e.cost_per_hour_usd / tokens_per_hour * 1e6;
    }
    return e;
}

namespace {

// Geometric grid from lo to hi (whole numbers, deduplicated), with `current` in it.
std::vector<int> grid(double lo, double hi, int points, int current) {
    std::vector<int> xs;
    const double ratio = std::pow(hi / lo, 1.0 / std::max(1, points - 1));
    double x = lo;
    for (int i = 0; i < points; ++i, x *= ratio) xs.push_back(static_cast<int>(std::lround(x)));
    xs.push_back(current);
    std::sort(xs.begin(), xs.end());
    xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
    return xs;
}

}  // namespace

Curve sweep(const Inputs& in, SweepAxis axis, int points) {
    Curve c;
    if (model::layout_problem(in.model, in.system, in.deployment)) return c;
    Inputs p = in;
    std::vector<int> xs;
    if (axis == SweepAxis::batch) {
        c.current_x = in.workload.batch;
        const int max_batch = model::plan_memory(in.model, in.system, in.deployment, in.workload).max_batch;
        const double hi = std::clamp(std::max(2.0 * in.workload.batch, 1.5 * max_batch), 8.0, 8192.0);
        xs = grid(1, hi, points, in.workload.batch);
    } else {
        c.current_x = in.workload.context;
        const double max_ctx = in.model.max_context > 0 ? in.model.max_context : 131072;
        const double hi = std::clamp(std::max(2.0 * in.workload.context, max_ctx), 1024.0, 4.0 * 1024 * 1024);
        xs = grid(256, hi, points, std::max(1, in.workload.context));
    }
    for (int x : xs) {
        if (axis == SweepAxis::batch)
            p.workload.batch = x;
        else
            p.workload.context = x;
        try {
            // With a profile: its nominal prediction, as the current point's.
            const auto r = p.profile ? model::calibration::profiled_side(*p.profile, p.model, p.system, p.deployment,
                                                                         p.workload, p.options,
                                                                         model::calibration::Side::nominal)
                                           .decode
                                     : model::decode_step(p.model, p.system, p.deployment, p.workload, p.options);
            if (!(r.step.value() > 0)) continue;  // cannot run at all (no network ...), not a memory limit
            c.points.push_back({static_cast<double>(x), r.feasible, model::to_ms(r.tpot), r.tokens_per_s_per_user,
                                r.tokens_per_s_per_gpu});
        } catch (const Error&) {
        }
    }
    return c;
}

std::vector<Metric> metrics(const Evaluation& e) {
    const auto& r = e.decode;
    const bool ran = r.step.value() > 0;
    constexpr double GiB = 1073741824.0;
    std::vector<Metric> m = {
        {"tpot_ms", "TPOT", "ms", model::to_ms(r.tpot), 3, true, ran},
        {"tokens_per_s_per_user", "Tokens/s per user", "tok/s", r.tokens_per_s_per_user, 1, false, ran},
        {"tokens_per_s_per_gpu", "Tokens/s per GPU", "tok/s", r.tokens_per_s_per_gpu, 0, false, ran},
        {"step_ms", "Decode step", "ms", model::to_ms(r.step), 3, true, ran},
        {"tokens_per_step", "Tokens per step", "", r.tokens_per_step, 2, false, ran},
        {"ttft_ms", "TTFT", "ms", e.prefill ? model::to_ms(e.prefill->ttft) : 0, 2, true,
         e.prefill && e.prefill->ttft.value() > 0},
        {"moe_layer_us", "MoE layer", "us", model::to_us(r.moe_layer), 1, true, ran && r.moe_layer.value() > 0},
        {"dense_layer_us", "Dense layer", "us", model::to_us(r.dense_layer), 1, true,
         ran && r.dense_layer.value() > 0},
        {"dispatch_us", "EP dispatch (one layer)", "us", model::to_us(r.ep.dispatch.time), 1, true,
         ran && r.ep.dispatch.time.value() > 0},
        {"combine_us", "EP combine (one layer)", "us", model::to_us(r.ep.combine.time), 1, true,
         ran && r.ep.combine.time.value() > 0},
        {"memory_per_gpu_gib", "Memory per GPU", "GiB", e.memory.total.value() / GiB, 2, true, true},
        {"memory_capacity_gib", "GPU memory", "GiB", e.memory.capacity.value() / GiB, 1, false, true},
        {"max_batch", "Max batch that fits", "seq", static_cast<double>(e.memory.max_batch), 0, false,
         e.problem.empty()},
        {"kv_kb_per_token", "KV cache per token", "KB", e.kv_bytes_per_token / 1e3, 3, true, true},
        {"gpus", "GPUs", "", static_cast<double>(e.gpus), 0, true, true},
        {"cost_per_hour_usd", "Rental cost", "$/h", e.cost_per_hour_usd, 2, true, e.cost_per_hour_usd > 0},
        {"usd_per_m_output_tokens", "Cost per M output tokens", "$", e.usd_per_m_output_tokens, 3, true,
         e.usd_per_m_output_tokens > 0},
    };
    if (e.profiled) {
        for (auto& x : m) {
            if (x.key == "tpot_ms") {
                x.has_interval = x.available;
                x.lo = e.tpot_lo * 1e3;
                x.hi = e.tpot_hi * 1e3;
            } else if (x.key == "ttft_ms") {
                x.has_interval = x.available;
                x.lo = e.ttft_lo * 1e3;
                x.hi = e.ttft_hi * 1e3;
            }
        }
    }
    return m;
}

std::string format_fixed(double value, int decimals) {
    if (!std::isfinite(value)) return "-";
    return fmt::format("{:.{}f}", value, decimals);
}

std::string format_interval(double value, double lo, double hi, int decimals) {
    // As cli/profile_option.cpp with_interval.
    return "+" + format_fixed(std::max(0.0, hi - value), decimals) + "/-" +
           format_fixed(std::max(0.0, value - lo), decimals);
}

std::string format_delta(double value, double reference, int decimals) {
    const double d = value - reference;
    if (!std::isfinite(d)) return "-";
    std::string s = fmt::format("{:+.{}f}", d, decimals);
    if (reference != 0 && std::isfinite(reference)) s += fmt::format(" ({:+.1f} %)", 100.0 * d / std::abs(reference));
    return s;
}

std::string engine_note(const model::Engine& e, double kernels_per_step) {
    std::string s = model::describe(e);
    if (kernels_per_step > 0) s += fmt::format("; {:.0f} kernels per step", kernels_per_step);
    return s;
}

std::optional<std::vector<std::string>> tpot_cli_args(const hwdb::WhatIf& w) {
    if (w.scale_up_bandwidth || w.scale_out_bandwidth) return std::nullopt;
    const auto str = [](auto v) { return fmt::format("{}", v); };
    std::vector<std::string> a = {"tpot", "--model", w.model, "--system", w.system, "--nodes", str(w.nodes),
                                  "--tp", str(w.tp), "--pp", str(w.pp)};
    if (w.dp) a.insert(a.end(), {"--dp", str(*w.dp)});
    if (w.ep) a.insert(a.end(), {"--ep", str(*w.ep)});
    if (w.redundant_experts) a.insert(a.end(), {"--redundant-experts", str(w.redundant_experts)});
    a.insert(a.end(), {"--batch", str(w.batch), "--context", str(w.context), "--prompt", str(w.prompt)});
    if (w.weights) a.insert(a.end(), {"--weights", std::string(model::to_string(*w.weights))});
    a.insert(a.end(), {"--kv", std::string(model::to_string(w.kv_cache)), "--activations",
                       std::string(model::to_string(w.activations)), "--dispatch",
                       std::string(model::to_string(w.dispatch)), "--combine",
                       std::string(model::to_string(w.combine))});
    const char* overlap = w.overlap == model::Overlap::none               ? "none"
                          : w.overlap == model::Overlap::dual_micro_batch ? "dual"
                                                                          : "ideal";
    a.insert(a.end(), {"--overlap", overlap, "--micro-batches", str(w.micro_batches)});
    if (w.mtp_depth > 0) a.insert(a.end(), {"--mtp", str(w.mtp_depth), "--mtp-acceptance", str(w.mtp_acceptance)});
    a.insert(a.end(), {"--comm-sms", str(w.comm_sms), "--expert-imbalance", str(w.expert_imbalance)});
    if (w.step_mode == model::StepMode::paper) a.push_back("--paper");
    a.insert(a.end(), {"--engine", w.engine});
    if (!w.profile.empty()) a.insert(a.end(), {"--profile", w.profile});
    a.insert(a.end(), {"--format", "json"});
    return a;
}

}  // namespace hwplan::gui

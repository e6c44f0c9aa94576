#pragma once
// Step time of a deployment: one decode step (TPOT, throughput) and one
// prefill (TTFT), per GPU, with a fixed-size breakdown by component.
//
// This is the one header the CLI, the GUI, the capacity planner and the
// serving simulator call. Everything is a value: model, system, layout and
// operating point in; a DecodeStep / PrefillStep out. Bad input throws
// hwplan::Error only for what no layout could fix (negative sizes); a layout
// that cannot run (EP not dividing experts, does not fit memory, no network
// for a multi-node EP group) is a result with feasible = false and a reason,
// so sweeps keep going.
//
// Two modes:
//   paper      the paper's sec. 2.3.2 bound: only the EP all-to-all counts,
//              computation is hidden under it (ep_comm.hpp, paper_ep).
//   realistic  per GPU and per layer, every kernel as a roofline
//              (kernel_costs.hpp) plus fixed per-kernel overhead, TP
//              all-reduces, EP dispatch/combine (ep_comm.hpp), overlap policy,
//              MTP, pipeline stages. Formulas and sources: docs/equations.md,
//              "Step time".
//
// Performance: decode_step() does not allocate when the configuration is
// feasible (the reason string stays empty) and evaluates in well under a
// microsecond (bench/bench_decode_step.cpp).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "model/deployment.hpp"
#include "model/efficiency.hpp"
#include "model/engine.hpp"
#include "model/ep_comm.hpp"
#include "model/kernel_costs.hpp"
#include "model/model_arch.hpp"
#include "model/system.hpp"
#include "model/units.hpp"
#include "model/workload.hpp"

namespace hwplan::model {

enum class StepMode : std::uint8_t { realistic, paper };
[[nodiscard]] std::string_view to_string(StepMode m);

// Where the time of a step goes, per GPU (the slowest one), summed over the
// step. The entries add up to the step time: `overlap` is the (negative) time
// hidden by overlapping communication with computation, `kernel_overhead` the
// fixed per-kernel cost of every kernel of the other rows.
enum class Component : std::uint8_t {
    attention_projections,  // MLA q_a/q_b/kv_a/kv_b(absorbed)/o, or GQA qkv/o
    attention_core,         // KV-cache read and score/value math
    all_reduce,             // TP all-reduces (attention, dense FFN / shared experts, expert TP)
    dense_ffn,              // dense FFN layers (dense models, MoE models' first layers)
    shared_experts,
    router,           // gate GEMM and top-k
    routed_experts,   // grouped expert GEMMs of the hottest GPU
    dispatch,         // EP all-to-all, tokens to experts
    combine,          // EP all-to-all, results back
    elementwise,      // norms, residual adds, RoPE, activation, quantisation, embedding
    lm_head,          // final norm, output projection, sampling
    mtp_draft,        // the MTP modules' own forward passes (drafting)
    pipeline,         // point-to-point transfers between pipeline stages
    kernel_overhead,  // fixed cost per kernel (graph launch, ramp, tail)
    host,             // host time the GPU waits for: launch-bound eager steps, per-step scheduling (engine.hpp)
    overlap,          // hidden by overlap (<= 0)
    count_
};
inline constexpr std::size_t component_count = static_cast<std::size_t>(Component::count_);
[[nodiscard]] std::string_view component_name(Component c);

struct Breakdown {
    std::array<double, component_count> seconds_{};  // raw seconds, indexed by Component

    [[nodiscard]] Seconds operator[](Component c) const { return seconds(seconds_[static_cast<std::size_t>(c)]); }
    void add(Component c, Seconds t) { seconds_[static_cast<std::size_t>(c)] += t.value(); }
    [[nodiscard]] Seconds total() const {
        double t = 0;
        for (double v : seconds_) t += v;
        return seconds(t);
    }
    Breakdown& operator+=(const Breakdown& o) {
        for (std::size_t i = 0; i < component_count; ++i) seconds_[i] += o.seconds_[i];
        return *this;
    }
    Breakdown& operator*=(double f) {
        for (double& v : seconds_) v *= f;
        return *this;
    }
    friend bool operator==(const Breakdown&, const Breakdown&) = default;
};

struct StepOptions {
    StepMode mode = StepMode::realistic;
    // Spec-sheet defaults; a calibration profile replaces them (or passes a
    // whole KernelCostModel to the overloads below).
    Efficiencies efficiencies = default_efficiencies();
    // Which kernels a step runs (fusions, attention family, CUDA graphs,
    // launch cost): the serving engine (engine.hpp). Default: fully fused
    // under CUDA graphs; the CLI passes the named engine's file.
    EngineTraits engine;
    EpAlgorithm ep_algorithm = EpAlgorithm::automatic;  // direct in decode, forwarding in prefill
    bool shared_experts_via_ep = false;                 // shared experts hosted like routed ones (DeepSeek's EP320)
    bool check_memory = true;                           // infeasible when plan_memory() says it does not fit
    friend bool operator==(const StepOptions&, const StepOptions&) = default;
};

struct DecodeStep {
    bool feasible = false;
    std::string reason;  // why not feasible; empty otherwise (no allocation on the feasible path)
    StepMode mode = StepMode::realistic;
    Seconds step = seconds(0);  // one decode step: every sequence advances tokens_per_step tokens
    Seconds tpot = seconds(0);  // mean inter-token latency of one sequence: step / tokens_per_step
    double tokens_per_step = 1;
    double tokens_per_s_per_user = 0;
    double tokens_per_s_per_gpu = 0;
    Seconds moe_layer = seconds(0);     // one MoE layer after overlap (0: dense model)
    Seconds dense_layer = seconds(0);   // one dense layer
    int micro_batches = 1;              // micro-batches used (1 when splitting did not pay)
    double tokens_per_gpu = 0;          // tokens one GPU sends to the MoE per micro-batch
    double active_experts_per_gpu = 0;  // distinct experts touched on the hottest GPU
    double tokens_per_expert = 0;       // rows per active expert on the hottest GPU
    EpAlgorithm ep_algorithm = EpAlgorithm::direct;
    EpExchange ep;  // one MoE layer, one micro-batch
    Bytes memory_per_gpu = bytes(0);
    double kernels = 0;   // kernels launched per step (the engine's fusions decide)
    Breakdown breakdown;  // sums to `step`
};

struct PrefillStep {
    bool feasible = false;
    std::string reason;
    StepMode mode = StepMode::realistic;
    Seconds ttft = seconds(0);   // prefill of one prompt with every DP replica equally loaded
    double computed_tokens = 0;  // prompt tokens not served by the prefix cache
    int chunks = 0;
    double input_tokens_per_s_per_gpu = 0;
    EpAlgorithm ep_algorithm = EpAlgorithm::forwarding;
    double kernels = 0;   // kernels launched over all chunks
    Breakdown breakdown;  // sums to `ttft`
};

// One decode step at the workload's context. The KernelCostModel overload is
// the calibration seam; the other builds it from system.gpu,
// options.efficiencies and deployment.comm_sms.
[[nodiscard]] DecodeStep decode_step(const ModelArch& m, const System& s, const Deployment& d, const Workload& w,
                                     const StepOptions& o = {});
[[nodiscard]] DecodeStep decode_step(const ModelArch& m, const System& s, const Deployment& d, const Workload& w,
                                     const StepOptions& o, const KernelCostModel& k);

// Time to first token for a prompt of w.prompt tokens (w.prefix_hit_rate of
// them cached), chunked by w.prefill_chunk, at full load (every DP replica
// prefills at the same time, so EP traffic is that of a full chunk per GPU).
[[nodiscard]] PrefillStep prefill(const ModelArch& m, const System& s, const Deployment& d, const Workload& w,
                                  const StepOptions& o = {});
[[nodiscard]] PrefillStep prefill(const ModelArch& m, const System& s, const Deployment& d, const Workload& w,
                                  const StepOptions& o, const KernelCostModel& k);

// ---------------------------------------------------------------- metrics

// What "TPOT" means (tools and benchmarks disagree):
//   itl             steady decode inter-token latency at the workload's context (default)
//   e2e_minus_ttft  (e2e - TTFT) / (output - 1): decode averaged over the context
//                   growing from prompt to prompt + output
//   e2e_per_token   e2e / output (includes prefill)
enum class TpotMetric : std::uint8_t { itl, e2e_minus_ttft, e2e_per_token };
[[nodiscard]] std::string_view to_string(TpotMetric m);
[[nodiscard]] std::optional<TpotMetric> tpot_metric_from_string(std::string_view s);  // "itl", "e2e-minus-ttft", ...

struct RequestLatency {
    bool feasible = false;
    std::string reason;
    Seconds ttft = seconds(0);
    Seconds decode = seconds(0);  // generating tokens 2..output
    Seconds e2e = seconds(0);
    Seconds itl = seconds(0);
    Seconds e2e_minus_ttft = seconds(0);
    Seconds e2e_per_token = seconds(0);
    [[nodiscard]] Seconds tpot(TpotMetric m) const;
};

// One request of w.prompt prompt tokens and w.output output tokens (>= 1),
// decoded at batch w.batch: e2e = TTFT + sum over generated tokens of the
// step time at the growing context (Simpson's rule over 3 contexts).
[[nodiscard]] RequestLatency request_latency(const ModelArch& m, const System& s, const Deployment& d,
                                             const Workload& w, const StepOptions& o = {});

}  // namespace hwplan::model

template <>
struct fmt::formatter<hwplan::model::DecodeStep> : fmt::formatter<std::string_view> {
    auto format(const hwplan::model::DecodeStep& r, format_context& ctx) const {
        if (!r.feasible) return fmt::format_to(ctx.out(), "infeasible: {}", r.reason);
        return fmt::format_to(ctx.out(), "step {:.3f} ms, TPOT {:.3f} ms, {:.1f} tok/s/user, {:.0f} tok/s/GPU",
                              r.step.value() * 1e3, r.tpot.value() * 1e3, r.tokens_per_s_per_user,
                              r.tokens_per_s_per_gpu);
    }
};

template <>
struct fmt::formatter<hwplan::model::PrefillStep> : fmt::formatter<std::string_view> {
    auto format(const hwplan::model::PrefillStep& r, format_context& ctx) const {
        if (!r.feasible) return fmt::format_to(ctx.out(), "infeasible: {}", r.reason);
        return fmt::format_to(ctx.out(), "TTFT {:.2f} ms ({} chunk(s), {:.0f} input tok/s/GPU)", r.ttft.value() * 1e3,
                              r.chunks, r.input_tokens_per_s_per_gpu);
    }
};

// hwplan train: GPU-hours, days and dollars of a training run
// (model/training/training_plan.hpp; docs/training.md). Thin: parse, resolve
// defaults, call the model, print the answer with its assumptions.
#include <fmt/format.h>

#include <cmath>

#include "cli/commands.hpp"
#include "cli/profile_option.hpp"
#include "hwdb/unit_parse.hpp"
#include "model/error.hpp"
#include "model/calibration/apply.hpp"
#include "model/kernel_costs.hpp"
#include "model/training/training_plan.hpp"

namespace hwplan::cli {

namespace {

namespace tr = model::training;

// Defaults for the failure model when the user gives none (docs/training.md,
// "Interruptions"): ESTIMATES, not measurements of the target cluster.
constexpr double kDefaultGpuMtbfHours = 50000;  // Llama 3 sec. 3.3.4 order of magnitude (~50k GPU-hours/failure)
constexpr double kDefaultCheckpointS = 60;      // pause to snapshot the state (asynchronous copy-out)
constexpr double kDefaultRestartS = 600;        // reschedule, NCCL init, reload

struct TrainOptions {
    std::string model, system;
    int gpus = 0;
    std::string tokens;
    int tp = 0, cp = 0, pp = 0, ep = 0, dp = 0, vp = 0;
    int micro_batches = 0;
    std::string pipeline;
    std::optional<double> mfu;
    std::string seq = "4096";
    std::string global_batch;
    bool recompute = false;
    std::string gemm_dtype;
    std::optional<int> comm_sms;
    std::optional<double> gpu_mtbf_hours, checkpoint_s, checkpoint_interval_s, restart_s;
    std::string price;
    double expert_imbalance = 1.0;
    ProfileOptions profile;
};

double positive_count(const std::string& text, const char* flag) {
    const double v = hwdb::parse_count(text, flag);
    if (!(v > 0) || !std::isfinite(v)) throw Error("must be positive, got '" + text + "'", flag);
    return v;
}

void check_nonneg(const std::optional<double>& v, const char* flag) {
    if (v && !(std::isfinite(*v) && *v >= 0)) throw Error("must be a finite number >= 0", flag);
}

}  // namespace

void add_train_command(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<TrainOptions>();
    auto* sub = app.add_subcommand("train", "GPU-hours, days and cost of a training run, with its assumptions");
    sub->add_option("--model", o->model, "Model id or path")->required();
    sub->add_option("--system", o->system, "Node id, e.g. h800-node")->required();
    sub->add_option("--gpus", o->gpus, "GPUs in the job")->required();
    sub->add_option("--tokens", o->tokens, "Tokens to train on, e.g. 14.8T")->required();
    sub->add_option("--tp", o->tp, "Tensor parallel (default by rule: 1 for MoE, node size for dense > 100B)");
    sub->add_option("--cp", o->cp, "Context parallel (default 1)");
    sub->add_option("--pp", o->pp, "Pipeline stages (default: 16 above 100B params, 4 above 20B, else 1)");
    sub->add_option("--ep", o->ep, "Expert parallel (MoE; default: 8 nodes' GPUs, capped by experts)");
    sub->add_option("--dp", o->dp, "Data parallel (default: gpus / (tp x cp x pp))");
    sub->add_option("--virtual-stages", o->vp, "Interleaved 1F1B: model chunks per GPU");
    sub->add_option("--micro-batches", o->micro_batches, "Micro-batches per DP replica per step");
    sub->add_option("--pipeline", o->pipeline, "1f1b | interleaved | zb1p | dualpipe (default: dualpipe for MoE)");
    sub->add_option("--mfu", o->mfu, "Stated compute efficiency (model FLOPs / BF16 peak while computing)");
    sub->add_option("--seq", o->seq, "Sequence length (default 4096)");
    sub->add_option("--global-batch", o->global_batch, "Sequences per optimizer step (default: dp x micro-batches)");
    sub->add_flag("--recompute", o->recompute, "Full activation recomputation");
    sub->add_option("--gemm-dtype", o->gemm_dtype, "GEMM format: bf16 | fp8 (default: the model's weights dtype)");
    sub->add_option("--comm-sms", o->comm_sms, "SMs taken by overlapped communication (default 20 with DualPipe+EP)");
    sub->add_option("--gpu-mtbf-hours", o->gpu_mtbf_hours, "Mean time between failures per GPU, hours (0: none)");
    sub->add_option("--checkpoint-s", o->checkpoint_s, "Seconds the job pauses to write a checkpoint");
    sub->add_option("--checkpoint-interval-s", o->checkpoint_interval_s, "Fixed checkpoint interval (default Young/Daly)");
    sub->add_option("--restart-s", o->restart_s, "Seconds from a failure to training again");
    sub->add_option("--price", o->price, "USD per GPU-hour (default: the system's)");
    sub->add_option("--expert-imbalance", o->expert_imbalance, "Hottest EP rank's tokens / mean (>= 1)");
    add_profile_options(sub, o->profile);
    add_format_option(sub, ctx);
    sub->callback([o, &ctx] {
        const auto& db = ctx.db();
        model::ModelArch m;
        try {
            m = db.model(o->model);
        } catch (const Error& e) {
            throw e.within("--model");
        }
        model::System s;
        try {
            s = db.system(o->system);
        } catch (const Error& e) {
            throw e.within("--system");
        }
        if (o->gpus < 1) throw Error("must be at least 1, got " + std::to_string(o->gpus), "--gpus");
        const double tokens = positive_count(o->tokens, "--tokens");
        const double seq = positive_count(o->seq, "--seq");
        for (auto [v, flag] : {std::pair{o->tp, "--tp"}, {o->cp, "--cp"}, {o->pp, "--pp"}, {o->ep, "--ep"},
                               {o->dp, "--dp"}, {o->vp, "--virtual-stages"}, {o->micro_batches, "--micro-batches"}})
            if (v < 0) throw Error("must be positive, got " + std::to_string(v), flag);
        check_nonneg(o->gpu_mtbf_hours, "--gpu-mtbf-hours");
        check_nonneg(o->checkpoint_s, "--checkpoint-s");
        check_nonneg(o->restart_s, "--restart-s");
        if (o->checkpoint_interval_s && !(*o->checkpoint_interval_s > 0))
            throw Error("must be > 0", "--checkpoint-interval-s");
        if (o->mfu && !(*o->mfu > 0 && *o->mfu <= 1))
            throw Error("must be in (0, 1], got " + fmt::format("{:g}", *o->mfu), "--mfu");
        if (!(o->expert_imbalance >= 1)) throw Error("must be >= 1", "--expert-imbalance");

        if (o->tp > 0 && m.attention_heads() % o->tp != 0)
            throw Error(fmt::format("{} must divide the {} attention heads", o->tp, m.attention_heads()), "--tp");
        tr::LayoutRequest req{o->tp, o->cp, o->pp, o->dp, o->ep, o->vp, std::nullopt};
        if (!o->pipeline.empty()) req.schedule = tr::parse_pipeline_schedule(o->pipeline, "--pipeline");
        tr::TrainingSpec spec;
        spec.layout = tr::default_layout(m, s, o->gpus, req);
        auto& L = spec.layout;
        if (L.world() != o->gpus)
            throw Error(fmt::format("tp {} x cp {} x pp {} x dp {} does not make {} GPUs", L.tp, L.cp, L.pp,
                                    L.dp > 0 ? std::to_string(L.dp) : std::string("?"), o->gpus),
                        o->dp > 0   ? "--dp"
                        : o->tp > 0 ? "--tp"
                        : o->pp > 0 ? "--pp"
                        : o->cp > 0 ? "--cp"
                                    : "--gpus");
        if (o->comm_sms) {
            if (*o->comm_sms < 0 || (s.gpu.sms > 0 && *o->comm_sms >= s.gpu.sms))
                throw Error("must be in [0, " + std::to_string(s.gpu.sms) + ")", "--comm-sms");
            L.comm_sms = *o->comm_sms;
        }
        L.recompute = o->recompute;
        // Global batch and micro-batches: global = dp x micro-batches x sequences per micro-batch.
        const int m_default = 4 * L.pp;  // keeps the 1F1B bubble under (p-1)/(5p-1) < 20 %
        if (!o->global_batch.empty()) {
            spec.global_batch = positive_count(o->global_batch, "--global-batch");
            if (o->micro_batches > 0) {
                L.micro_batch_seqs = spec.global_batch / (static_cast<double>(L.dp) * o->micro_batches);
                if (L.micro_batch_seqs < 1 || std::abs(L.micro_batch_seqs - std::round(L.micro_batch_seqs)) > 1e-9)
                    throw Error(fmt::format("{:g} sequences do not split into dp ({}) x {} micro-batches of whole "
                                            "sequences",
                                            spec.global_batch, L.dp, o->micro_batches),
                                "--micro-batches");
            } else {
                L.micro_batch_seqs = 1;
            }
        } else {
            const int mb = o->micro_batches > 0 ? o->micro_batches : m_default;
            spec.global_batch = static_cast<double>(L.dp) * mb;
        }
        spec.seq = seq;
        spec.tokens = tokens;
        spec.precision.weights = m.weights_dtype;
        if (!o->gemm_dtype.empty()) {
            const auto d = model::dtype_from_string(o->gemm_dtype);
            if (!d || (*d != model::DType::bf16 && *d != model::DType::fp8))
                throw Error("expected bf16 or fp8, got '" + o->gemm_dtype + "'", "--gemm-dtype");
            spec.precision.weights = *d;
        }
        spec.mfu = o->mfu;
        // A calibration profile replaces the spec-sheet kernel efficiencies
        // and the link figures (ignored for compute when --mfu is stated).
        const auto prof = load_profile_option(o->profile, ctx);
        std::vector<std::string> profile_links;
        namespace cal = model::calibration;
        if (prof) {
            spec.links = cal::calibration(prof->profile, model::default_efficiencies()).eff;
            spec.kernels = cal::calibrated_model(prof->profile, s.gpu, model::default_efficiencies(), L.comm_sms);
            profile_links = cal::apply_links(prof->profile, s, spec.links);
        } else {
            spec.kernels = model::KernelCostModel::for_gpu(s.gpu, model::default_efficiencies(), L.comm_sms);
        }
        spec.expert_imbalance = o->expert_imbalance;
        spec.failures.gpu_mtbf_hours = o->gpu_mtbf_hours.value_or(kDefaultGpuMtbfHours);
        spec.failures.checkpoint_write = model::seconds(o->checkpoint_s.value_or(kDefaultCheckpointS));
        spec.failures.restart = model::seconds(o->restart_s.value_or(kDefaultRestartS));
        if (o->checkpoint_interval_s) spec.failures.checkpoint_interval = model::seconds(*o->checkpoint_interval_s);
        if (!o->price.empty()) {
            spec.price_per_gpu_hour_usd = hwdb::parse_usd(o->price, "--price");
            if (!(spec.price_per_gpu_hour_usd >= 0) || !std::isfinite(spec.price_per_gpu_hour_usd))
                throw Error("must be a price >= 0", "--price");
        } else {
            spec.price_per_gpu_hour_usd = s.price_per_gpu_hour_usd;
        }

        tr::TrainingPlan p;
        try {
            p = tr::plan_training(m, s, spec);
        } catch (const Error& e) {
            // The model names its fields ("pp", "global_batch"); show them as flags.
            std::string flag = e.where();
            for (auto& c : flag)
                if (c == '_') c = '-';
            if (flag == "virtual-stages" || flag == "tp" || flag == "pp" || flag == "ep" || flag == "dp" ||
                flag == "cp" || flag == "global-batch" || flag == "mfu" || flag == "seq" || flag == "tokens" ||
                flag == "gpus")
                flag = "--" + flag;
            throw Error(e.message(), flag);
        }
        auto& a = p.assumptions;
        if (prof)
            a.push_back(profile_note(*prof, cal::extrapolated(prof->profile, s.gpu), s.gpu.id) +
                        (o->mfu ? " (links only: compute efficiency stated by --mfu)" : ""));
        if (!o->gpu_mtbf_hours)
            a.push_back(fmt::format("per-GPU MTBF {:.0f} h is a default ESTIMATE (order of magnitude of Llama 3's "
                                    "reported failure rate); give --gpu-mtbf-hours",
                                    kDefaultGpuMtbfHours));
        if (!o->checkpoint_s || !o->restart_s)
            a.push_back("checkpoint write 60 s and restart 600 s are default ESTIMATES; give --checkpoint-s/--restart-s");
        if (o->price.empty())
            a.push_back(s.price_per_gpu_hour_usd > 0 ? "price per GPU-hour from the hardware database (" + s.id + ")"
                                                     : "no price in the hardware database: cost 0 (give --price)");
        const bool defaulted = o->tp == 0 || o->pp == 0 || (m.is_moe() && o->ep == 0) || o->pipeline.empty();
        if (defaulted) a.push_back("layout defaults by rule (docs/training.md, \"Defaults\") where not given");

        const auto& it = p.interruptions;
        Report r;
        auto& j = r.json;
        j["model"] = m.id;
        j["system"] = s.id;
        j["gpus"] = p.gpus;
        j["tokens"] = tokens;
        j["seq"] = seq;
        j["global_batch"] = spec.global_batch;
        j["layout"] = {{"tp", L.tp},
                       {"cp", L.cp},
                       {"pp", L.pp},
                       {"dp", L.dp},
                       {"ep", L.ep},
                       {"virtual_stages", L.virtual_stages},
                       {"pipeline", std::string(tr::to_string(L.schedule))},
                       {"micro_batches", p.micro_batches},
                       {"micro_batch_seqs", L.micro_batch_seqs},
                       {"recompute", L.recompute},
                       {"comm_sms", L.comm_sms},
                       {"gemm_dtype", std::string(model::to_string(spec.precision.weights))}};
        j["feasible"] = p.feasible;
        if (!p.feasible) j["reason"] = p.reason;
        const auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
        j["gpu_hours"] = num(p.gpu_hours);
        j["days"] = num(p.days);
        j["cost_usd"] = num(p.cost_usd);
        j["price_per_gpu_hour_usd"] = spec.price_per_gpu_hour_usd;
        j["step_time_s"] = p.step_time.value();
        j["steps"] = p.steps;
        j["tokens_per_s"] = p.tokens_per_s;
        j["mfu"] = p.mfu;
        j["goodput_mfu"] = p.goodput_mfu;
        j["compute_efficiency"] = p.compute_efficiency;
        j["bubble_fraction"] = p.pipeline.bubble_fraction;
        j["train_gflops_per_token"] = p.flops_per_token / 1e9;
        j["stage_ms"] = {{"forward", p.stage.forward_compute.value() * 1e3},
                         {"backward_input", p.stage.backward_input_compute.value() * 1e3},
                         {"backward_weight", p.stage.backward_weight_compute.value() * 1e3},
                         {"ep_forward", p.stage.ep_forward.value() * 1e3},
                         {"ep_backward", p.stage.ep_backward.value() * 1e3},
                         {"tp_forward", p.stage.tp_forward.value() * 1e3},
                         {"tp_backward", p.stage.tp_backward.value() * 1e3},
                         {"pp_p2p", p.stage.pp_p2p.value() * 1e3},
                         {"exposed_comm", p.stage.exposed_comm.value() * 1e3}};
        j["bubble_ms"] = p.pipeline.bubble.value() * 1e3;
        j["dp_sync_ms"] = p.dp_sync.value() * 1e3;
        j["dp_exposed_ms"] = p.dp_exposed.value() * 1e3;
        j["checkpoint_interval_s"] = it.checkpoint_interval.value();
        j["cluster_mtbf_h"] = it.cluster_mtbf.value() / 3600;
        j["expected_interruptions"] = it.expected_interruptions;
        j["failure_overhead_fraction"] = it.overhead_fraction;
        j["model_state_bytes_per_gpu"] = p.model_state_bytes_per_gpu;
        j["activations_in_flight"] = p.pipeline.activations_in_flight;
        if (prof) j["profile"] = profile_json(*prof, cal::extrapolated(prof->profile, s.gpu), profile_links);
        j["assumptions"] = p.assumptions;

        const auto row = [](std::string k, std::string v) { return std::vector<std::string>{std::move(k), std::move(v)}; };
        Table t{fmt::format("Training plan: {} on {} x {} ({}), {:g}T tokens at seq {:g}", m.id, p.gpus, s.gpu.id,
                            s.id, tokens / 1e12, seq),
                {"quantity", "value"},
                {},
                {}};
        t.rows.push_back(row("layout", fmt::format("tp{} cp{} pp{} dp{} ep{} {}{}", L.tp, L.cp, L.pp, L.dp, L.ep,
                                                   tr::to_string(L.schedule),
                                                   L.virtual_stages > 1 ? fmt::format(" v{}", L.virtual_stages)
                                                                        : std::string())));
        t.rows.push_back(row("global batch", fmt::format("{:g} seqs = {:g} micro-batches x {:g} seqs x dp {}",
                                                         spec.global_batch, static_cast<double>(p.micro_batches),
                                                         L.micro_batch_seqs, L.dp)));
        t.rows.push_back(row("train GFLOPs/token", fixed(p.flops_per_token / 1e9, 1)));
        t.rows.push_back(row("stage F / B / W per micro-batch (ms)",
                             fmt::format("{:.1f} / {:.1f} / {:.1f}", p.stage.forward_compute.value() * 1e3,
                                         p.stage.backward_input_compute.value() * 1e3,
                                         p.stage.backward_weight_compute.value() * 1e3)));
        t.rows.push_back(row("comm per micro-batch EP / TP / PP (ms)",
                             fmt::format("{:.1f} / {:.1f} / {:.1f}; exposed {:.1f}",
                                         (p.stage.ep_forward + p.stage.ep_backward).value() * 1e3,
                                         (p.stage.tp_forward + p.stage.tp_backward).value() * 1e3,
                                         2 * p.stage.pp_p2p.value() * 1e3, p.stage.exposed_comm.value() * 1e3)));
        t.rows.push_back(row("bubble", fmt::format("{:.1f} % ({:.2f} s)", p.pipeline.bubble_fraction * 100,
                                                   p.pipeline.bubble.value())));
        t.rows.push_back(row("DP sync / exposed (ms)", fmt::format("{:.0f} / {:.0f}", p.dp_sync.value() * 1e3,
                                                                   p.dp_exposed.value() * 1e3)));
        t.rows.push_back(row("step time (s)", fixed(p.step_time.value(), 3)));
        t.rows.push_back(row("tokens/s", fixed(p.tokens_per_s, 0)));
        t.rows.push_back(row("MFU (BF16 peak)", fmt::format("{:.1f} % (compute phases {:.1f} %, with failures {:.1f} %)",
                                                            p.mfu * 100, p.compute_efficiency * 100,
                                                            p.goodput_mfu * 100)));
        if (it.modelled && it.feasible)
            t.rows.push_back(row("interruptions", fmt::format("{:.0f} expected (cluster MTBF {:.2f} h), checkpoint every "
                                                              "{:.0f} s, {:.1f} % of wall time lost",
                                                              it.expected_interruptions, it.cluster_mtbf.value() / 3600,
                                                              it.checkpoint_interval.value(),
                                                              it.overhead_fraction * 100)));
        if (p.feasible) {
            t.rows.push_back(row("days", fixed(p.days, 1)));
            t.rows.push_back(row("GPU-hours", fmt::format("{:.3f} M", p.gpu_hours / 1e6)));
            t.rows.push_back(row("cost", fmt::format("${:.2f} M at ${:.2f}/GPU-h", p.cost_usd / 1e6,
                                                     spec.price_per_gpu_hour_usd)));
        } else {
            t.rows.push_back(row("infeasible", p.reason));
        }
        t.notes.push_back("Assumptions:");
        for (const auto& s_ : p.assumptions) t.notes.push_back("  - " + s_);
        r.tables.push_back(std::move(t));
        ctx.emit(r);
    });
}

}  // namespace hwplan::cli

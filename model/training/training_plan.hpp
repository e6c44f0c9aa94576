#pragma once
// How long, how many GPU-hours and how many dollars a training run takes:
// FLOPs per token, per-micro-batch compute (stated MFU, or the kernel cost
// model that a calibration profile corrects), TP/EP/PP communication with or
// without overlap, the pipeline schedule's bubble, data-parallel gradient
// traffic, and interruptions with a Young/Daly checkpoint interval. Every
// assumption the numbers rest on is returned as a sentence with the result.
// Formulas and sources: docs/training.md and docs/equations.md ("Training").
//
// Layout convention (Megatron order, TP innermost): world = tp · cp · pp · dp.
// A micro-batch of `micro_batch_seqs` sequences runs on one (tp · cp)-GPU
// group per stage; MoE layers are expert-parallel over `ep` ranks taken from
// the dp · cp groups of a stage (ep | dp · cp), experts replicated over the
// remaining dp · cp / ep ranks, each expert tp-split like the dense layers.

#include <optional>
#include <string>
#include <vector>

#include "model/deployment.hpp"
#include "model/kernel_costs.hpp"
#include "model/model_arch.hpp"
#include "model/system.hpp"
#include "model/training/interruptions.hpp"
#include "model/training/pipeline_schedule.hpp"

namespace hwplan::model::training {

struct TrainingLayout {
    int tp = 1;
    int cp = 1;  // context parallel: the sequence split over cp GPUs (ring attention)
    int pp = 1;
    int dp = 1;
    int ep = 1;
    int virtual_stages = 1;  // interleaved 1F1B: model chunks per stage
    PipelineSchedule schedule = PipelineSchedule::one_f_one_b;
    double micro_batch_seqs = 1;  // sequences per micro-batch
    bool recompute = false;       // full activation recomputation (one more forward in the backward)
    int comm_sms = 0;             // SMs taken by overlapped communication kernels (DeepEP: 20 of 132)
    friend bool operator==(const TrainingLayout&, const TrainingLayout&) = default;

    [[nodiscard]] int world() const { return tp * cp * pp * dp; }
};

struct TrainingSpec {
    double tokens = 0;        // tokens to train on
    double seq = 4096;        // sequence length
    double global_batch = 0;  // sequences per optimizer step
    TrainingLayout layout;
    Precisions precision;     // weights = GEMM format (FP8: W8A8 at FP8 rate); dispatch/combine wire formats
    // Compute efficiency: model FLOPs / dense BF16 peak while a stage computes
    // (a stated MFU). None: the kernel cost model below times every GEMM and
    // the attention core (a calibration profile plugs in through it).
    std::optional<double> mfu;
    KernelCostModel kernels;  // built for the system's GPU, comm SMs already taken off
    Efficiencies links = default_efficiencies();  // NVLink / RDMA efficiencies and latencies
    double expert_imbalance = 1.0;  // hottest EP rank's tokens / mean (>= 1)
    double grad_reduce_bytes = 4;   // per gradient element in the DP reduce-scatter (FP32)
    double param_gather_bytes = 2;  // per parameter in the DP all-gather after the update (BF16)
    FailureModel failures;
    double price_per_gpu_hour_usd = 0;
    friend bool operator==(const TrainingSpec&, const TrainingSpec&) = default;
};

// One stage, one micro-batch (seconds).
struct StageBreakdown {
    Seconds forward_compute = seconds(0);
    Seconds backward_input_compute = seconds(0);
    Seconds backward_weight_compute = seconds(0);
    Seconds recompute = seconds(0);  // extra forward when recomputing activations (inside B)
    Seconds ep_forward = seconds(0);  // dispatch + combine of the stage's MoE layers, forward
    Seconds ep_backward = seconds(0);
    Seconds tp_forward = seconds(0);  // TP all-reduce / reduce-scatter + all-gather, forward
    Seconds tp_backward = seconds(0);
    Seconds pp_p2p = seconds(0);      // activation send to the next stage (and gradient back), each
    Seconds exposed_comm = seconds(0);  // communication on the critical path per micro-batch
    friend bool operator==(const StageBreakdown&, const StageBreakdown&) = default;
};

struct TrainingPlan {
    TrainingLayout layout;
    int gpus = 0;
    int micro_batches = 0;  // per DP replica per step
    double flops_per_token = 0;       // model training FLOPs (6N + causal attention), no recompute
    double hardware_flops_per_token = 0;  // with recompute
    double tokens_per_step = 0;
    double steps = 0;
    StageBreakdown stage;
    PipelineTiming pipeline;
    Seconds dp_sync = seconds(0);          // gradient reduce-scatter + parameter all-gather, whole
    Seconds dp_exposed = seconds(0);       // ... the part not hidden under the last backward
    Seconds step_time = seconds(0);
    double tokens_per_s = 0;               // failure-free
    double mfu = 0;                        // model FLOPs / (GPUs · dense BF16 peak · step time)
    double compute_efficiency = 0;         // model FLOPs / BF16 peak while computing (stated or from kernels)
    Interruptions interruptions;
    double goodput_mfu = 0;                // mfu · failure-free time / wall time
    double gpu_hours = 0;
    double days = 0;
    double cost_usd = 0;
    double model_state_bytes_per_gpu = 0;  // weights + gradients + optimizer (activations not counted)
    bool feasible = true;
    std::string reason;
    std::vector<std::string> assumptions;
};

// A layout when the user gives none, by rule (docs/training.md, "Defaults"),
// chosen to reproduce the published layouts of DeepSeek-V3 (PP16, EP64 over
// 8 nodes, ZeRO-1 DP, DualPipe) and Llama 3.1 405B (TP8, PP16, interleaved
// 1F1B): MoE models train without TP, with EP over 8 nodes (capped by the
// experts and the stage), DualPipe; dense models above 100B parameters use
// TP = GPUs per node and interleaved 1F1B; models above 100B use PP16, above
// 20B PP4, otherwise none. Fields the caller sets (> 0) are kept.
struct LayoutRequest {
    int tp = 0, cp = 0, pp = 0, dp = 0, ep = 0, virtual_stages = 0;
    std::optional<PipelineSchedule> schedule;
};
[[nodiscard]] TrainingLayout default_layout(const ModelArch& m, const System& s, int gpus, const LayoutRequest& r);

// Throws hwplan::Error whose where() names the offending field ("tp", "pp",
// "ep", "dp", "global_batch", "tokens", "mfu", ...) when the input is invalid.
[[nodiscard]] TrainingPlan plan_training(const ModelArch& m, const System& s, const TrainingSpec& spec);

}  // namespace hwplan::model::training

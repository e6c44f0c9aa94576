#pragma once
// How a model is laid out on a system: parallelism, precisions, overlap, MTP.
//
// Parallel layout convention (used everywhere in hwplan):
//   world  = nodes * system.gpus_per_node GPUs (or a single GPU for --gpu)
//   attention runs as  tp x dp x pp = world  (dp replicas, each tp GPUs wide)
//   MoE layers spread over all world/pp GPUs of a stage: ep-way expert
//   parallel (routed experts / ep per GPU), each expert further split
//   (world/pp)/ep ways tensor-parallel (SGLang's moe_tp = tp_size / ep_size).
//   ep = world/pp is pure EP (DeepSeek's decode); ep = 1 is pure expert-TP.
// `batch` in a Workload is the number of concurrent sequences per attention
// (DP) replica, so a decode step serves batch * dp sequences.

#include <optional>
#include <vector>

#include "model/dtype.hpp"
#include "model/units.hpp"

namespace hwplan::model {

enum class Overlap {
    none,              // compute and communication in sequence
    dual_micro_batch,  // two micro-batches: one computes while the other communicates
    paper_ideal,       // the paper's bound: communication fully hidden, layer = 2 x comm
};

struct Precisions {
    DType weights = DType::bf16;
    DType kv_cache = DType::bf16;
    DType activations = DType::bf16;
    DType dispatch = DType::fp8;   // EP dispatch payload (DeepEP: FP8 with block scales)
    DType combine = DType::bf16;   // EP combine payload
    // LogFMT-n (the paper's log-space wire format): n bits per element on the
    // dispatch wire when > 0, replacing `dispatch`'s size.
    int dispatch_logfmt_bits = 0;
    friend bool operator==(const Precisions&, const Precisions&) = default;
};

struct MultiTokenPrediction {
    int depth = 0;  // draft tokens proposed per step
    // acceptance[i]: probability that draft token i+1 is accepted given that
    // the ones before it were. Missing entries repeat the last one.
    std::vector<double> acceptance;
    friend bool operator==(const MultiTokenPrediction&, const MultiTokenPrediction&) = default;
};

// The scale-out fabric a deployment runs on, reduced to what the EP and
// collective terms need (model/topology/fabric_links.hpp derives it from a
// sized topology). Not given: the NIC's own latency and line rate.
struct FabricLinks {
    Seconds latency = seconds(0);  // small-message latency to the farthest peer of the fabric
    // Per-endpoint all-to-all bandwidth the fabric sustains / NIC line rate
    // (< 1 for oversubscribed or low-diameter fabrics under uniform traffic).
    double bandwidth_share = 1;
    int planes = 0;  // > 0: planes of a multi-plane fabric (overrides System::planes)
    friend bool operator==(const FabricLinks&, const FabricLinks&) = default;
};

struct Deployment {
    int nodes = 1;
    int tp = 1;
    int dp = 1;
    int pp = 1;
    int ep = 1;
    Precisions precision;
    Overlap overlap = Overlap::dual_micro_batch;
    int micro_batches = 2;
    int comm_sms = 0;  // SMs taken by communication kernels (DeepEP: 20 of 132)
    MultiTokenPrediction mtp;
    double expert_imbalance = 1.0;  // hot-expert load / mean expert load (>= 1)
    int redundant_experts = 0;      // extra expert replicas per EP group (EPLB)
    bool node_limited_routing = true;  // honour the model's groups/topk_groups
    std::optional<FabricLinks> fabric;  // none: the system's NIC figures
    friend bool operator==(const Deployment&, const Deployment&) = default;
};

}  // namespace hwplan::model

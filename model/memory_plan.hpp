#pragma once
// Memory per GPU for a deployment: weights, KV cache, activations,
// communication buffers and a runtime reserve, against the GPU's capacity.

#include <optional>
#include <string>

#include "model/deployment.hpp"
#include "model/model_arch.hpp"
#include "model/system.hpp"
#include "model/units.hpp"
#include "model/workload.hpp"

namespace hwplan::model {

struct MemoryPlan {
    Bytes weights = bytes(0);
    Bytes kv_cache = bytes(0);
    Bytes activations = bytes(0);
    Bytes comm_buffers = bytes(0);
    Bytes runtime_reserve = bytes(0);  // CUDA context, library workspaces, fragmentation
    Bytes total = bytes(0);
    Bytes capacity = bytes(0);
    bool fits = false;
    std::string reason;  // why it does not fit (or the layout problem); empty when it fits
    int max_batch = 0;   // most sequences per DP replica whose KV fits beside everything else
    friend bool operator==(const MemoryPlan&, const MemoryPlan&) = default;
};

// Per-GPU memory of the most loaded GPU (the pipeline stage with the output
// head). Never throws for a valid model: an impossible layout is reported in
// `reason` with fits = false.
[[nodiscard]] MemoryPlan plan_memory(const ModelArch& m, const System& s, const Deployment& d,
                                     const Workload& w);

// Storage bytes per weight of each module class. A quantised checkpoint
// (ModelArch::quantization) deployed in its own format is priced as stored;
// any other weight format: linear layers in `weights` (with one FP32 scale
// per 128x128 block below 16 bits), embedding / head / router / norms in BF16.
struct WeightBytes {
    double attention = 2, dense_ffn = 2, routed_experts = 2, shared_experts = 2;
    double router = 2, embedding = 2, lm_head = 2, norms = 2;
    friend bool operator==(const WeightBytes&, const WeightBytes&) = default;
};
[[nodiscard]] WeightBytes weight_bytes_per_class(const ModelArch& m, DType weights);

// The assumed runtime reserve per GPU (documented in docs/equations.md).
[[nodiscard]] Bytes runtime_reserve_per_gpu();

}  // namespace hwplan::model

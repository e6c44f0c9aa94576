#pragma once
// The per-layer, per-GPU cost pieces shared by the decode step and prefill
// (step_time.hpp is the public surface; this header is its inside). Each
// function appends kernel costs to a LayerCost: the roofline time goes to its
// Component, the fixed per-kernel cost to Component::kernel_overhead.
//
// Token counts are per attention (DP) replica and per micro-batch; a replica
// is tp GPUs that hold the same tokens, and each of them sends tokens / tp of
// them into the MoE all-to-all. See docs/equations.md, "Step time".

#include <cstdint>
#include <optional>
#include <string>

#include "model/attention_kernel.hpp"
#include "model/deployment.hpp"
#include "model/engine.hpp"
#include "model/ep_comm.hpp"
#include "model/kernel_costs.hpp"
#include "model/layout.hpp"
#include "model/model_arch.hpp"
#include "model/step_time.hpp"
#include "model/system.hpp"

namespace hwplan::model::detail {

enum class Phase : std::uint8_t { decode, prefill };

// Everything about (model, system, layout, options) that does not depend on
// the number of tokens, resolved once per evaluation.
struct StepContext {
    const ModelArch* m = nullptr;
    const System* s = nullptr;
    const Deployment* d = nullptr;
    const KernelCostModel* k = nullptr;
    const StepOptions* o = nullptr;
    const Mla* mla = nullptr;
    const Gqa* gqa = nullptr;
    const Moe* moe = nullptr;
    LayoutShape layout;
    double act_bytes = 2;              // activation element size
    double kv_bytes = 2;               // KV-cache element size
    DType weights = DType::bf16;       // linear layers
    DType head_weights = DType::bf16;  // embedding / lm_head (kept in >= BF16)
    double stage_gpus = 1;             // world / pp: the GPUs one MoE layer spans
    EpGroup ep;
    RoutingFanout fanout;  // routing_fanout(ep), computed once (forwarding only; zero otherwise)
    // Routed experts: pairs per token, physical experts, and
    // log(1 - p) for the chance p that one token picks a given physical
    // expert of the hottest GPU (so active experts need one exp per call).
    double pairs_per_token = 0;
    double log_miss_expert = 0;
    EpLinks links;
    Bytes dispatch_message = bytes(0);
    Bytes combine_message = bytes(0);
    // GEMM formats resolved once: linear layers, BF16 (router), output head.
    KernelCostModel::GemmFormat linear_format;
    KernelCostModel::GemmFormat bf16_format;
    KernelCostModel::GemmFormat head_format;
    double kernel_overhead = 0;  // seconds per kernel
    const EngineTraits* engine = nullptr;  // o->engine
    AttentionKernelTraits attention;       // of engine->attention
    bool quantize_inputs = false;          // W8A8 linear layers whose input quantisation is a kernel of its own
};

// Resolves the context for one phase; assumes layout_problem() found nothing.
[[nodiscard]] StepContext make_context(const ModelArch& m, const System& s, const Deployment& d,
                                       const KernelCostModel& k, const StepOptions& o, Phase phase);

// Costs of one layer (or one block) on one GPU for one micro-batch.
struct LayerCost {
    Breakdown parts;
    double kernels = 0;  // kernels launched (for the host's launch time of an eager step)
    double compute = 0;  // seconds that cannot overlap the EP all-to-all
    double comm = 0;     // EP dispatch + combine seconds (overlappable)
};

struct AttentionInput {
    double tokens = 0;     // query tokens of the replica in this micro-batch
    double sequences = 0;  // sequences they belong to
    double attended = 0;   // average keys one query attends to
    double kv_tokens = 0;  // cached tokens whose K/V (latent) is read, per sequence
    Phase phase = Phase::decode;
};

// Attention block incl. its input RMSNorm, RoPE/cache write and TP all-reduce.
void attention_block(const StepContext& c, const AttentionInput& in, LayerCost& out);
// Dense (SwiGLU) FFN incl. its input norm and TP all-reduce.
void dense_ffn_block(const StepContext& c, double tokens, double intermediate, LayerCost& out);

struct MoeStats {
    double tokens_per_gpu = 0;  // sent into the all-to-all by one GPU
    double active_experts = 0;  // on the hottest GPU
    double tokens_per_expert = 0;
    EpExchange ep;
};
// MoE block (router, shared experts, routed experts of the hottest GPU, EP
// all-to-all, expert-TP reduction) incl. its input norm.
// Load of the most loaded of `ranks` EP ranks over the mean, from sampling
// alone, when each receives `mean_pairs` (token, expert) pairs on average:
// 1 + sqrt(2 ln(ranks) / mean_pairs); 1 for a single rank.
[[nodiscard]] double sampling_imbalance(double mean_pairs, int ranks);

MoeStats moe_block(const StepContext& c, double tokens, EpAlgorithm algorithm, LayerCost& out);

// Output head for `tokens` rows incl. final norm and sampling.
void lm_head_block(const StepContext& c, double tokens, LayerCost& out);

// Seconds of an all-reduce of `bytes` over `n` GPUs: the faster of one-shot
// ((n-1)·S/B + a) and two-shot (2(n-1)/n·S/B + 2a) -- vLLM's custom
// all-reduce / NCCL's ring bandwidth term with an NVLink-style latency.
[[nodiscard]] double all_reduce_seconds(const StepContext& c, double bytes, int n);

// Point-to-point transfer of `bytes` between pipeline stages.
[[nodiscard]] double stage_transfer_seconds(const StepContext& c, double bytes);

// Why the network cannot carry this layout (no NIC for a multi-domain EP
// group, no scale-up link for TP), or nullopt (no allocation then).
[[nodiscard]] std::optional<std::string> network_problem(const StepContext& c);

// One MoE layer (attention + MoE block) with the deployment's overlap policy
// applied: evaluated with one micro-batch and, for dual_micro_batch, with
// d.micro_batches of them; the cheaper is used (a runtime falls back to one
// batch when splitting does not pay). `parts` sums to `time`.
struct MoeLayer {
    LayerCost cost;
    double time = 0;
    int micro_batches = 1;
    MoeStats stats;
    // The MoE block alone (no attention), one micro-batch, for each token
    // count evaluated: the MTP draft pass reuses it when its token count
    // matches (depth 1 with two micro-batches: B tokens either way).
    LayerCost moe_block_at[2];
    double moe_block_tokens[2] = {-1, -1};
    [[nodiscard]] const LayerCost* moe_block_for(double tokens) const {
        for (int i = 0; i < 2; ++i)
            if (moe_block_tokens[i] == tokens) return &moe_block_at[i];
        return nullptr;
    }
};
// Host time the GPU waits for in a step of `kernels` kernels that keeps the
// GPU busy for `gpu_seconds`: the engine's per-step overhead, plus, outside
// a CUDA graph, the launches' excess over the GPU time (the GPU runs ahead
// of the host until the host falls behind).
[[nodiscard]] inline double host_wait_seconds(const EngineTraits& e, bool graphed, double kernels, double gpu_seconds) {
    double wait = e.step_overhead.value();
    if (!graphed) {
        const double launch = kernels * e.launch_overhead.value();
        if (launch > gpu_seconds) wait += launch - gpu_seconds;
    }
    return wait;
}

[[nodiscard]] MoeLayer moe_layer(const StepContext& c, const AttentionInput& in, EpAlgorithm algorithm);

}  // namespace hwplan::model::detail

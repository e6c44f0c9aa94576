#pragma once
// Whether a parallel layout can run a model on a system at all, and the
// derived sizes every per-GPU formula needs. See deployment.hpp for the
// layout convention (attention tp x dp x pp = world, MoE ep-way).

#include <optional>
#include <string>

#include "model/deployment.hpp"
#include "model/model_arch.hpp"
#include "model/system.hpp"

namespace hwplan::model {

struct LayoutShape {
    int world = 0;                  // GPUs in the deployment
    int layers_per_stage = 0;       // ceil(layers / pp)
    int moe_layers_per_stage = 0;   // ceil(moe layers / pp)
    int dense_layers_per_stage = 0;
    double q_heads_per_gpu = 0;     // attention heads of one TP rank
    double kv_heads_per_gpu = 0;    // KV heads cached by one TP rank (GQA; replicated when tp > kv_heads)
    double experts_per_gpu = 0;     // routed experts held by one GPU (incl. redundant)
    double expert_tp = 1;           // each expert split (world/pp)/ep ways tensor-parallel
};

// The reason the layout cannot run this model on this system (TP not
// dividing heads, EP not dividing experts, world size mismatch ...), or
// nullopt when it can. Sweeps skip such layouts; the CLI reports the reason.
[[nodiscard]] std::optional<std::string> layout_problem(const ModelArch& m, const System& s,
                                                        const Deployment& d);

// Sizes of the layout; call only when layout_problem() is nullopt.
[[nodiscard]] LayoutShape layout_shape(const ModelArch& m, const System& s, const Deployment& d);

// GPUs in the deployment: nodes x GPUs per node.
[[nodiscard]] int world_size(const System& s, const Deployment& d);

}  // namespace hwplan::model

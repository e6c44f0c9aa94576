#include "model/layout.hpp"

#include <cmath>

namespace hwplan::model {

int world_size(const System& s, const Deployment& d) { return d.nodes * s.gpus_per_node; }

std::optional<std::string> layout_problem(const ModelArch& m, const System& s, const Deployment& d) {
    const auto str = [](auto v) { return std::to_string(v); };
    if (d.nodes < 1) return "nodes must be at least 1, got " + str(d.nodes);
    if (d.tp < 1 || d.dp < 1 || d.pp < 1 || d.ep < 1)
        return "tp, dp, pp and ep must be at least 1 (got tp=" + str(d.tp) + " dp=" + str(d.dp) +
               " pp=" + str(d.pp) + " ep=" + str(d.ep) + ")";
    const int world = world_size(s, d);
    if (d.tp * d.dp * d.pp != world)
        return "tp x dp x pp = " + str(d.tp * d.dp * d.pp) + " must equal the GPU count " + str(world) +
               " (" + str(d.nodes) + " node(s) x " + str(s.gpus_per_node) + " GPUs)";
    if (d.pp > m.layers) return "pp (" + str(d.pp) + ") exceeds the model's " + str(m.layers) + " layers";
    const int heads = m.attention_heads();
    if (heads % d.tp != 0)
        return "tp (" + str(d.tp) + ") must divide the " + str(heads) + " attention heads";
    if (const auto* g = std::get_if<Gqa>(&m.attention)) {
        if (g->kv_heads % d.tp != 0 && d.tp % g->kv_heads != 0)
            return "tp (" + str(d.tp) + ") and the " + str(g->kv_heads) +
                   " KV heads must divide one another";
    }
    if (d.tp > s.scale_up_domain)
        return "tp (" + str(d.tp) + ") exceeds the scale-up (NVLink) domain of " + str(s.scale_up_domain) +
               " GPUs";
    const int stage_gpus = world / d.pp;
    if (const auto* e = std::get_if<Moe>(&m.ffn)) {
        if (d.ep > stage_gpus)
            return "ep (" + str(d.ep) + ") exceeds the " + str(stage_gpus) + " GPUs of one pipeline stage";
        if (stage_gpus % d.ep != 0)
            return "ep (" + str(d.ep) + ") must divide the " + str(stage_gpus) + " GPUs of one pipeline stage";
        if ((e->routed_experts + d.redundant_experts) % d.ep != 0)
            return "ep (" + str(d.ep) + ") must divide the " + str(e->routed_experts + d.redundant_experts) +
                   " routed experts" + (d.redundant_experts ? " (incl. redundant)" : "");
        if (d.redundant_experts < 0) return "redundant_experts must not be negative";
    } else if (d.ep != 1) {
        return "ep (" + str(d.ep) + ") needs a mixture-of-experts model; " + m.id + " is dense";
    }
    if (!(d.expert_imbalance >= 1.0) || !std::isfinite(d.expert_imbalance))
        return "expert_imbalance must be a finite number >= 1";
    if (d.comm_sms < 0 || (s.gpu.sms > 0 && d.comm_sms >= s.gpu.sms))
        return "comm_sms (" + str(d.comm_sms) + ") must be between 0 and the GPU's " + str(s.gpu.sms) + " SMs";
    if (d.micro_batches < 1) return "micro_batches must be at least 1";
    if (d.mtp.depth < 0) return "mtp depth must not be negative";
    for (double a : d.mtp.acceptance)
        if (!(a >= 0 && a <= 1)) return "mtp acceptance rates must be between 0 and 1";
    if (d.mtp.depth > 0 && d.mtp.acceptance.empty()) return "mtp depth > 0 needs an acceptance rate";
    return std::nullopt;
}

LayoutShape layout_shape(const ModelArch& m, const System& s, const Deployment& d) {
    LayoutShape l;
    l.world = world_size(s, d);
    const auto ceil_div = [](int a, int b) { return (a + b - 1) / b; };
    l.layers_per_stage = ceil_div(m.layers, d.pp);
    l.moe_layers_per_stage = ceil_div(m.moe_layers(), d.pp);
    l.dense_layers_per_stage = ceil_div(m.dense_layers(), d.pp);
    l.q_heads_per_gpu = static_cast<double>(m.attention_heads()) / d.tp;
    if (const auto* g = std::get_if<Gqa>(&m.attention))
        l.kv_heads_per_gpu = g->kv_heads >= d.tp ? static_cast<double>(g->kv_heads) / d.tp : 1.0;
    if (const auto* e = std::get_if<Moe>(&m.ffn)) {
        l.experts_per_gpu = static_cast<double>(e->routed_experts + d.redundant_experts) / d.ep;
        l.expert_tp = static_cast<double>(l.world / d.pp) / d.ep;
    }
    return l;
}

}  // namespace hwplan::model

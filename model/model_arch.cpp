#include "model/model_arch.hpp"

#include <string>
#include <vector>

#include "model/error.hpp"

namespace hwplan::model {

namespace {

struct Problems {
    std::vector<std::string> list;
    void positive(long long v, const char* field) {
        if (v <= 0) list.push_back(std::string(field) + " must be positive, got " + std::to_string(v));
    }
    void non_negative(long long v, const char* field) {
        if (v < 0) list.push_back(std::string(field) + " must not be negative, got " + std::to_string(v));
    }
    void check(bool ok, std::string message) {
        if (!ok) list.push_back(std::move(message));
    }
};

}  // namespace

void validate(const ModelArch& m, const std::string& where) {
    Problems p;
    p.positive(m.layers, "layers");
    p.positive(m.hidden, "hidden");
    p.positive(m.vocab, "vocab");
    p.non_negative(m.mtp_depth, "mtp_depth");
    p.non_negative(m.max_context, "max_context");
    if (const auto* g = std::get_if<Gqa>(&m.attention)) {
        p.positive(g->heads, "attention.heads");
        p.positive(g->kv_heads, "attention.kv_heads");
        p.positive(g->head_dim, "attention.head_dim");
        if (g->heads > 0 && g->kv_heads > 0)
            p.check(g->heads % g->kv_heads == 0,
                    "attention.kv_heads (" + std::to_string(g->kv_heads) + ") must divide attention.heads (" +
                        std::to_string(g->heads) + ")");
    } else {
        const auto& a = std::get<Mla>(m.attention);
        p.positive(a.heads, "attention.heads");
        p.non_negative(a.q_lora_rank, "attention.q_lora_rank");
        p.positive(a.kv_lora_rank, "attention.kv_lora_rank");
        p.positive(a.qk_nope_head_dim, "attention.qk_nope_head_dim");
        p.non_negative(a.qk_rope_head_dim, "attention.qk_rope_head_dim");
        p.positive(a.v_head_dim, "attention.v_head_dim");
    }
    if (const auto* d = std::get_if<Dense>(&m.ffn)) {
        p.positive(d->intermediate, "ffn.intermediate");
    } else {
        const auto& e = std::get<Moe>(m.ffn);
        p.positive(e.routed_experts, "ffn.routed_experts");
        p.non_negative(e.shared_experts, "ffn.shared_experts");
        p.positive(e.top_k, "ffn.top_k");
        p.positive(e.expert_intermediate, "ffn.expert_intermediate");
        p.non_negative(e.first_k_dense, "ffn.first_k_dense");
        p.positive(e.groups, "ffn.groups");
        p.positive(e.topk_groups, "ffn.topk_groups");
        p.check(e.top_k <= e.routed_experts, "ffn.top_k (" + std::to_string(e.top_k) +
                                                 ") exceeds ffn.routed_experts (" +
                                                 std::to_string(e.routed_experts) + ")");
        p.check(e.first_k_dense <= m.layers, "ffn.first_k_dense (" + std::to_string(e.first_k_dense) +
                                                 ") exceeds layers (" + std::to_string(m.layers) + ")");
        if (e.first_k_dense > 0) p.positive(e.dense_intermediate, "ffn.dense_intermediate");
        if (e.groups > 0 && e.routed_experts > 0)
            p.check(e.routed_experts % e.groups == 0,
                    "ffn.groups (" + std::to_string(e.groups) + ") must divide ffn.routed_experts (" +
                        std::to_string(e.routed_experts) + ")");
        p.check(e.topk_groups <= e.groups, "ffn.topk_groups (" + std::to_string(e.topk_groups) +
                                               ") exceeds ffn.groups (" + std::to_string(e.groups) + ")");
    }
    if (m.sliding_window) {
        p.positive(m.sliding_window->window, "sliding_window.window");
        p.check(m.sliding_window->layers >= 0 && m.sliding_window->layers <= m.layers,
                "sliding_window.layers must be between 0 and layers (" + std::to_string(m.layers) + ")");
    }
    if (p.list.empty()) return;
    std::string message = p.list.front();
    for (std::size_t i = 1; i < p.list.size(); ++i) message += "; " + p.list[i];
    throw Error(message, where.empty() ? m.id : where);
}

}  // namespace hwplan::model

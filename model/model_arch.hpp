#pragma once
// The description of a transformer LLM, as far as performance is concerned.
// Field names follow HuggingFace config.json where one exists, so a reader can
// check a YAML entry against the model card line by line.

#include <optional>
#include <string>
#include <variant>

#include "model/dtype.hpp"

namespace hwplan::model {

// Grouped-query attention. MHA is kv_heads == heads, MQA is kv_heads == 1.
struct Gqa {
    int heads = 0;
    int kv_heads = 0;
    int head_dim = 0;
    bool qkv_bias = false;  // Qwen2 family: biases on q/k/v projections
    bool qk_norm = false;   // Qwen3 family: RMSNorm on q and k per head
    // gpt-oss: one learned sink logit per head in the softmax denominator
    // (heads parameters per layer; no cache, no FLOPs worth counting).
    bool attention_sinks = false;
    friend bool operator==(const Gqa&, const Gqa&) = default;
};

// Multi-head latent attention (DeepSeek-V2/V3). The cache holds the compressed
// latent (kv_lora_rank) plus the decoupled RoPE key (qk_rope_head_dim).
struct Mla {
    int heads = 0;
    int q_lora_rank = 0;  // 0: queries are projected directly (DeepSeek-V2-Lite)
    int kv_lora_rank = 0;
    int qk_nope_head_dim = 0;
    int qk_rope_head_dim = 0;
    int v_head_dim = 0;
    friend bool operator==(const Mla&, const Mla&) = default;
};

using Attention = std::variant<Gqa, Mla>;

struct Dense {
    int intermediate = 0;  // gated (SwiGLU) FFN: gate, up, down = 3 * hidden * intermediate
    friend bool operator==(const Dense&, const Dense&) = default;
};

// Mixture of experts. Layers [0, first_k_dense) use a dense FFN of
// dense_intermediate; the rest route each token to top_k of routed_experts
// plus all shared_experts (each of expert_intermediate).
struct Moe {
    int routed_experts = 0;
    int shared_experts = 0;
    int top_k = 0;
    int expert_intermediate = 0;
    int first_k_dense = 0;
    int dense_intermediate = 0;
    int groups = 1;       // node-limited routing: experts in `groups` groups ...
    int topk_groups = 1;  // ... and a token may reach at most `topk_groups` of them
    friend bool operator==(const Moe&, const Moe&) = default;
};

using Ffn = std::variant<Dense, Moe>;

// Layers that attend to only the last `window` tokens (Mistral, Gemma-style).
// `layers` of the model's layers use it; the rest attend to the full context.
struct SlidingWindow {
    int window = 0;
    int layers = 0;
    friend bool operator==(const SlidingWindow&, const SlidingWindow&) = default;
};

// How a released checkpoint stores the weights of one class of modules:
// the element format and the storage bits per weight INCLUDING its group /
// block scales and zero points (GPTQ int4 g128: 4 + 16/128 + 4/128 = 4.156).
struct WeightStorage {
    DType dtype = DType::bf16;
    double bits_per_weight = 16;
    std::string format = "bf16";  // what the checkpoint calls it: "int4 g128 (gptq)", "mxfp4" ...
    friend bool operator==(const WeightStorage&, const WeightStorage&) = default;
};

// A quantised checkpoint (HF `quantization_config`): the storage of each
// module class. Norms are always kept in BF16.
struct CheckpointQuant {
    std::string method;  // gptq, awq, compressed-tensors, fp8, mxfp4, modelopt
    WeightStorage attention, dense_ffn, routed_experts, shared_experts, router, embedding, lm_head;
    friend bool operator==(const CheckpointQuant&, const CheckpointQuant&) = default;
};

struct ModelArch {
    std::string id;    // database key, e.g. "deepseek-v3"
    std::string name;  // display name
    int layers = 0;
    int hidden = 0;
    int vocab = 0;
    Attention attention;
    Ffn ffn;
    int mtp_depth = 0;  // multi-token-prediction modules shipped with the model
    bool tied_embeddings = false;
    DType weights_dtype = DType::bf16;  // the released checkpoint's linear layers (DeepSeek-V3: fp8)
    std::optional<SlidingWindow> sliding_window;
    // Per-module-class storage of a quantised checkpoint; nullopt: every
    // linear layer in weights_dtype, embedding/head/norms in BF16.
    std::optional<CheckpointQuant> quantization;
    int max_context = 0;  // 0: unknown
    std::string source;   // where the numbers come from (config.json URL, paper)
    friend bool operator==(const ModelArch&, const ModelArch&) = default;

    [[nodiscard]] bool is_moe() const { return std::holds_alternative<Moe>(ffn); }
    [[nodiscard]] bool is_mla() const { return std::holds_alternative<Mla>(attention); }
    [[nodiscard]] int moe_layers() const {
        if (auto* m = std::get_if<Moe>(&ffn)) return layers - m->first_k_dense;
        return 0;
    }
    [[nodiscard]] int dense_layers() const { return layers - moe_layers(); }
    [[nodiscard]] int attention_heads() const {
        return std::visit([](const auto& a) { return a.heads; }, attention);
    }
};

// Checks the invariants every formula relies on (positive sizes, top_k <=
// experts, kv_heads divides heads ...). Throws hwplan::Error naming the field,
// with `where` as the prefix of the path (e.g. "models/x.yaml").
void validate(const ModelArch& m, const std::string& where = {});

}  // namespace hwplan::model

// HuggingFace config.json -> ModelArch. The mapping table (which HF field
// feeds which ModelArch field, per model_type) is in docs/hwdb.md.

#include <algorithm>
#include <cmath>
#include <cctype>
#include <set>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "hwdb/database.hpp"
#include "hwdb/hf_quantization.hpp"
#include "hwdb/problems.hpp"
#include "hwdb/suggest.hpp"

namespace hwplan::hwdb {

namespace {

using nlohmann::json;

// The families hwplan imports. A config is recognised by its
// `architectures` class (what transformers instantiates) or its model_type;
// Kimi-K2 says model_type "kimi_k2" but DeepseekV3ForCausalLM.
enum class Family {
    llama, mistral, mixtral, phi3, qwen2, qwen2_moe, qwen3, qwen3_moe, deepseek, glm4_moe, gpt_oss, llama4,
    gemma2, gemma3
};

struct FamilyName {
    const char* name;
    Family family;
};

constexpr FamilyName kModelTypes[] = {
    {"llama", Family::llama},         {"mistral", Family::mistral},      {"mixtral", Family::mixtral},
    {"phi3", Family::phi3},           {"qwen2", Family::qwen2},          {"qwen2_moe", Family::qwen2_moe},
    {"qwen3", Family::qwen3},         {"qwen3_moe", Family::qwen3_moe},  {"deepseek_v2", Family::deepseek},
    {"deepseek_v3", Family::deepseek}, {"kimi_k2", Family::deepseek},    {"glm4_moe", Family::glm4_moe},
    {"gpt_oss", Family::gpt_oss},     {"llama4", Family::llama4},        {"llama4_text", Family::llama4},
    {"gemma2", Family::gemma2},       {"gemma3", Family::gemma3},        {"gemma3_text", Family::gemma3},
};

constexpr FamilyName kArchitectures[] = {
    {"LlamaForCausalLM", Family::llama},
    {"MistralForCausalLM", Family::mistral},
    {"MixtralForCausalLM", Family::mixtral},
    {"Phi3ForCausalLM", Family::phi3},
    {"Qwen2ForCausalLM", Family::qwen2},
    {"Qwen2MoeForCausalLM", Family::qwen2_moe},
    {"Qwen3ForCausalLM", Family::qwen3},
    {"Qwen3MoeForCausalLM", Family::qwen3_moe},
    {"DeepseekV2ForCausalLM", Family::deepseek},
    {"DeepseekV3ForCausalLM", Family::deepseek},
    {"Glm4MoeForCausalLM", Family::glm4_moe},
    {"GptOssForCausalLM", Family::gpt_oss},
    {"Llama4ForConditionalGeneration", Family::llama4},
    {"Llama4ForCausalLM", Family::llama4},
    {"Gemma2ForCausalLM", Family::gemma2},
    {"Gemma3ForCausalLM", Family::gemma3},
    {"Gemma3ForConditionalGeneration", Family::gemma3},
};

// Known architectures hwplan cannot represent honestly yet, with what is
// missing. Refused by name, never imported as their nearest relative.
struct Unmodelled {
    const char* model_type;
    const char* why;
};
constexpr Unmodelled kUnmodelled[] = {
    {"qwen3_next", "Qwen3-Next mixes Gated DeltaNet (linear-attention) layers with full attention; the step model "
                   "has no recurrent-state layer kind (fixed-size state per sequence instead of a KV cache)"},
    {"qwen3_5_moe", "hybrid Gated DeltaNet / full-attention layers are not modelled (no recurrent-state layer kind)"},
    {"falcon_h1", "hybrid Mamba-2 / attention layers are not modelled (no state-space layer kind)"},
    {"nemotron_h", "hybrid Mamba-2 / attention layers are not modelled (no state-space layer kind)"},
    {"jamba", "hybrid Mamba / attention layers are not modelled (no state-space layer kind)"},
    {"mamba", "state-space (Mamba) layers are not modelled"},
    {"mamba2", "state-space (Mamba-2) layers are not modelled"},
    {"minimax", "lightning (linear) attention layers are not modelled"},
    {"minimax_m1", "lightning (linear) attention layers are not modelled"},
};

// Fields that change the model's shape (sizes, layer kinds, experts,
// windows). One that is set but not read by the family's path is refused:
// dropping it would give a different model without a word.
const char* const kShapeKeys[] = {
    "num_local_experts", "num_experts", "n_routed_experts", "n_shared_experts", "moe_intermediate_size",
    "shared_expert_intermediate_size", "num_experts_per_tok", "experts_per_token", "interleave_moe_layer_step",
    "moe_layers", "moe_layer_freq", "first_k_dense_replace", "decoder_sparse_step", "mlp_only_layers",
    "intermediate_size_mlp", "sliding_window", "layer_types", "sliding_window_pattern", "attention_chunk_size",
    "kv_lora_rank", "q_lora_rank", "num_nextn_predict_layers", "linear_num_key_heads", "linear_num_value_heads",
    "linear_key_head_dim", "linear_value_head_dim", "full_attention_interval", "num_kv_shared_layers",
    "global_head_dim", "hybrid_override_pattern", "use_sliding_window", "cross_attention_layers"};

// Transformers' per-family config-class defaults for fields a published
// config.json may omit (Gemma-3-27B's text_config has no vocab_size).
struct Default {
    Family family;
    const char* key;
    long long value;
};
constexpr Default kDefaults[] = {
    // transformers Gemma3TextConfig: vocab_size=262208, sliding_window_pattern=6,
    // max_position_embeddings=131072, tie_word_embeddings=True.
    {Family::gemma3, "vocab_size", 262208},
    {Family::gemma3, "sliding_window_pattern", 6},
    {Family::gemma3, "max_position_embeddings", 131072},
    // transformers Gemma2Config: vocab_size=256000, tie_word_embeddings=True.
    {Family::gemma2, "vocab_size", 256000},
};

std::string type_name(const json& v) {
    if (v.is_null()) return "null";
    if (v.is_boolean()) return "a boolean";
    if (v.is_number()) return "a number";
    if (v.is_string()) return "a string";
    if (v.is_array()) return "a list";
    return "an object";
}

std::string shown(const json& v) {
    std::string s = v.dump();
    if (s.size() > 40) s = s.substr(0, 37) + "...";
    return s;
}

// Typed access to the top-level fields of one config.json; problems are
// collected, getters return nullopt.
class Fields {
public:
    Fields(const json& j, std::string where, Problems& problems)
        : j_(j), where_(std::move(where)), problems_(problems) {}

    const json* get(const char* key, bool required) const {
        read_.insert(key);
        const auto it = j_.find(key);
        if (it == j_.end() || (it->is_null() && required)) {
            if (required)
                problems_.add(where_, std::string(it == j_.end() ? "missing required field '"
                                                                   : "required field is null: '") +
                                          key + "'");
            return nullptr;
        }
        if (it->is_null()) return nullptr;
        return &*it;
    }

    std::optional<int> integer(const char* key, bool required, long long min = 1,
                               long long max = 1'000'000'000) const {
        const json* v = get(key, required);
        if (!v) return std::nullopt;
        long long n = 0;
        if (v->is_number_integer()) {
            if (v->is_number_unsigned() && v->get<unsigned long long>() > 1'000'000'000'000ULL) {
                bad(key, "is implausibly large: " + shown(*v));
                return std::nullopt;
            }
            n = v->get<long long>();
        } else if (v->is_number_float()) {
            const double d = v->get<double>();
            if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 1e12) {
                bad(key, "must be a whole number, got " + shown(*v));
                return std::nullopt;
            }
            n = static_cast<long long>(d);
        } else {
            bad(key, "must be a whole number, got " + type_name(*v) + " " + shown(*v));
            return std::nullopt;
        }
        if (n < min) {
            bad(key, "must be at least " + std::to_string(min) + ", got " + std::to_string(n));
            return std::nullopt;
        }
        if (n > max) {
            bad(key, "is implausibly large: " + std::to_string(n));
            return std::nullopt;
        }
        return static_cast<int>(n);
    }

    std::optional<bool> boolean(const char* key) const {
        const json* v = get(key, false);
        if (!v) return std::nullopt;
        if (!v->is_boolean()) {
            bad(key, "must be true or false, got " + type_name(*v) + " " + shown(*v));
            return std::nullopt;
        }
        return v->get<bool>();
    }

    std::optional<std::string> string(const char* key, bool required) const {
        const json* v = get(key, required);
        if (!v) return std::nullopt;
        if (!v->is_string()) {
            bad(key, "must be a string, got " + type_name(*v) + " " + shown(*v));
            return std::nullopt;
        }
        return v->get<std::string>();
    }

    // A list of whole numbers (qwen*_moe "mlp_only_layers").
    std::optional<std::vector<int>> int_list(const char* key) const {
        const json* v = get(key, false);
        if (!v) return std::nullopt;
        std::vector<int> out;
        if (v->is_array()) {
            for (const auto& x : *v) {
                if (!x.is_number_integer() || x.get<long long>() < 0 || x.get<long long>() > 1'000'000) {
                    bad(key, "must be a list of layer indices, got " + shown(*v));
                    return std::nullopt;
                }
                out.push_back(x.get<int>());
            }
            return out;
        }
        bad(key, "must be a list, got " + type_name(*v) + " " + shown(*v));
        return std::nullopt;
    }

    void bad(const char* key, const std::string& message) const {
        problems_.add(where_, std::string("field '") + key + "' " + message);
    }
    void problem(const std::string& message) const { problems_.add(where_, message); }

    // The key is present with a value that means something (not null,
    // false, 0 or an empty list).
    bool active(const std::string& key) const {
        const auto it = j_.find(key);
        if (it == j_.end() || it->is_null()) return false;
        if (it->is_boolean()) return it->get<bool>();
        if (it->is_number()) return it->get<double>() != 0;
        if (it->is_array() || it->is_object() || it->is_string()) return !it->empty();
        return true;
    }
    bool was_read(const std::string& key) const { return read_.count(key) > 0; }
    void mark_read(const char* key) const { read_.insert(key); }
    const json& raw() const { return j_; }
    const std::string& where() const { return where_; }

private:
    const json& j_;
    std::string where_;
    Problems& problems_;
    mutable std::set<std::string> read_;
};

template <class T>
void set(T& target, const std::optional<T>& v) {
    if (v) target = *v;
}

// "line:col" of a byte offset, for JSON syntax errors.
std::string line_col(std::string_view text, std::size_t offset) {
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i + 1 < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return std::to_string(line) + ":" + std::to_string(col);
}

// nlohmann's message without its "[json.exception.parse_error.101] parse
// error at line 2, column 7: " preamble (the location goes in `where`).
std::string parse_error_text(const std::string& what) {
    const auto col = what.find("column ");
    if (col != std::string::npos) {
        const auto colon = what.find(": ", col);
        if (colon != std::string::npos) return what.substr(colon + 2);
    }
    const auto bracket = what.find("] ");
    return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

json parse_json(std::string_view text, const std::string& where, Problems& problems) {
    // Duplicate keys are legal JSON but almost always a mistake (the last one
    // silently wins): report them.
    std::vector<std::set<std::string>> open_objects;
    const json::parser_callback_t callback = [&](int, json::parse_event_t event, json& parsed) {
        switch (event) {
            case json::parse_event_t::object_start: open_objects.emplace_back(); break;
            case json::parse_event_t::object_end:
                if (!open_objects.empty()) open_objects.pop_back();
                break;
            case json::parse_event_t::key:
                if (!open_objects.empty() && parsed.is_string() &&
                    !open_objects.back().insert(parsed.get<std::string>()).second)
                    problems.add(where, "duplicate key '" + parsed.get<std::string>() + "'");
                break;
            default: break;
        }
        return true;
    };
    try {
        return json::parse(text.begin(), text.end(), callback);
    } catch (const json::parse_error& e) {
        problems.add(where + ":" + line_col(text, e.byte), "invalid JSON: " + parse_error_text(e.what()));
    } catch (const json::exception& e) {  // out-of-range numbers ...
        problems.add(where, "invalid JSON: " + parse_error_text(e.what()));
    } catch (const std::exception& e) {
        problems.add(where, std::string("cannot parse JSON: ") + e.what());
    }
    return json();
}

// Qwen2-MoE / Qwen3-MoE: which layers are MoE. hwplan models "the first k
// layers dense, the rest MoE"; other patterns are refused, not approximated.
void read_sparse_layout(const Fields& f, int layers, model::Moe& moe) {
    const int step = f.integer("decoder_sparse_step", false).value_or(1);
    if (step != 1) {
        f.bad("decoder_sparse_step",
              "is " + std::to_string(step) +
                  ": only 1 (every layer after mlp_only_layers is MoE) is supported");
        return;
    }
    auto dense = f.int_list("mlp_only_layers").value_or(std::vector<int>{});
    std::sort(dense.begin(), dense.end());
    dense.erase(std::unique(dense.begin(), dense.end()), dense.end());
    for (std::size_t i = 0; i < dense.size(); ++i) {
        if (dense[i] != static_cast<int>(i) || dense[i] >= layers) {
            f.bad("mlp_only_layers", "must list the first k layers (0, 1, ..., k-1): other dense-layer "
                                     "patterns are not supported");
            return;
        }
    }
    moe.first_k_dense = static_cast<int>(dense.size());
}

std::string normalised(std::string_view s) {
    std::string out;
    for (char c : s)
        if (c != '_' && c != '-' && c != '.' && c != ' ')
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::optional<Family> family_of(std::string_view name, std::span<const FamilyName> table) {
    for (const auto& e : table)
        if (name == e.name) return e.family;
    return std::nullopt;
}

const char* model_type_name(Family f) {
    for (const auto& e : kModelTypes)
        if (e.family == f) return e.name;
    return "?";
}

std::string supported_list() {
    std::vector<std::string> names;
    for (const auto& e : kModelTypes) names.emplace_back(e.name);
    std::sort(names.begin(), names.end());
    std::string list;
    for (const auto& s : names) list += (list.empty() ? "" : ", ") + s;
    return list;
}

// " (did you mean 'qwen2'?)" only when the two spell the same name up to
// case and separators: an edit-distance guess would send llama4 to llama.
std::string same_name_hint(std::string_view word) {
    for (const auto& e : kModelTypes)
        if (normalised(word) == normalised(e.name) && word != e.name)
            return std::string(" (did you mean '") + e.name + "'?)";
    return "";
}

// config.json with its `text_config` (Llama-4, Gemma-3, Kimi-K2.5: a
// multimodal wrapper around the language model) merged over the top level;
// the vision tower is not modelled.
json flatten_text_config(const json& j) {
    const auto t = j.find("text_config");
    if (t == j.end() || !t->is_object()) return j;
    json flat = j;
    flat.erase("text_config");
    for (const auto& [k, v] : t->items()) flat[k] = v;
    return flat;
}

// Names the family's checkpoint gives one module of each class, for
// quantisation ignore lists.
ModuleNames module_names(Family f) {
    ModuleNames n;
    const bool ff = f == Family::llama4;  // Llama-4: feed_forward.* instead of mlp.*
    const std::string L = "model.layers.1.";
    if (f == Family::deepseek)
        n.attention = {L + "self_attn.q_a_proj", L + "self_attn.q_b_proj", L + "self_attn.kv_a_proj_with_mqa",
                       L + "self_attn.kv_b_proj", L + "self_attn.o_proj"};
    else if (f == Family::phi3)
        n.attention = {L + "self_attn.qkv_proj", L + "self_attn.o_proj"};
    else
        n.attention = {L + "self_attn.q_proj", L + "self_attn.k_proj", L + "self_attn.v_proj", L + "self_attn.o_proj"};
    const std::string mlp = L + (ff ? "feed_forward." : "mlp.");
    if (f == Family::phi3) n.dense_ffn = {mlp + "gate_up_proj", mlp + "down_proj"};
    else n.dense_ffn = {mlp + "gate_proj", mlp + "up_proj", mlp + "down_proj"};
    if (f == Family::mixtral) {
        const std::string e = L + "block_sparse_moe.experts.0.";
        n.routed_experts = {e + "w1", e + "w2", e + "w3"};
        n.router = {L + "block_sparse_moe.gate"};
    } else if (f == Family::gpt_oss || f == Family::llama4) {
        // Fused expert tensors: one module holds every expert's gate/up and down.
        n.routed_experts = {mlp + "experts"};
        n.router = {mlp + "router"};
    } else {
        const std::string e = mlp + "experts.0.";
        n.routed_experts = {e + "gate_proj", e + "up_proj", e + "down_proj"};
        n.router = {mlp + "gate"};
    }
    const std::string shared = mlp + (f == Family::qwen2_moe || f == Family::llama4 ? "shared_expert." : "shared_experts.");
    n.shared_experts = {shared + "gate_proj", shared + "up_proj", shared + "down_proj"};
    n.embedding = {"model.embed_tokens"};
    n.lm_head = {"lm_head"};
    return n;
}

// Layers listed as "sliding_attention" in `layer_types` (transformers >= 4.53
// writes it for every family with mixed layers); nullopt when absent.
std::optional<int> sliding_layers_from_types(const Fields& f, int layers) {
    const json* v = f.get("layer_types", false);
    if (!v) return std::nullopt;
    if (!v->is_array()) {
        f.bad("layer_types", "must be a list of layer kinds");
        return std::nullopt;
    }
    if (static_cast<int>(v->size()) != layers) {
        f.bad("layer_types", "has " + std::to_string(v->size()) + " entries but num_hidden_layers is " +
                                 std::to_string(layers));
        return std::nullopt;
    }
    int sliding = 0;
    for (const auto& t : *v) {
        const std::string kind = t.is_string() ? t.get<std::string>() : t.dump();
        if (kind == "sliding_attention") ++sliding;
        else if (kind != "full_attention") {
            f.bad("layer_types", "contains '" + kind + "': only full_attention and sliding_attention layers are "
                                 "modelled (linear-attention / recurrent layers have no layer kind in the step model)");
            return std::nullopt;
        }
    }
    return sliding;
}

}  // namespace

model::ModelArch import_hf_config(std::string_view json_text, const std::string& where, const std::string& id) {
    Problems problems;
    const json top = parse_json(json_text, where, problems);
    problems.throw_if_any();
    if (!top.is_object()) {
        problems.add(where, "expected a JSON object (a HuggingFace config.json), got " + type_name(top));
        problems.throw_if_any();
    }
    const Fields outer(top, where, problems);
    const auto outer_type = outer.string("model_type", true);
    problems.throw_if_any();
    const json j = flatten_text_config(top);
    const Fields f(j, where, problems);
    const std::string type = f.string("model_type", false).value_or(*outer_type);

    // --- which family: architectures[] and model_type (inner, then outer)
    std::string arch;
    if (const auto a = top.find("architectures"); a != top.end() && a->is_array() && !a->empty() &&
                                                  (*a)[0].is_string())
        arch = (*a)[0].get<std::string>();
    for (const auto& u : kUnmodelled)
        if (type == u.model_type || *outer_type == u.model_type) {
            problems.add(where, "model_type '" + std::string(u.model_type) + "' is not supported: " + u.why);
            problems.throw_if_any();
        }
    const auto by_arch = family_of(arch, kArchitectures);
    auto by_type = family_of(type, kModelTypes);
    if (!by_type) by_type = family_of(*outer_type, kModelTypes);
    Family fam{};
    if (by_arch && by_type && *by_arch != *by_type) {
        problems.add(where, "architectures says '" + arch + "' (" + model_type_name(*by_arch) +
                                ") but model_type is '" + type + "' (" + model_type_name(*by_type) +
                                "): refusing to guess which one the checkpoint is");
        problems.throw_if_any();
    } else if (by_type) {
        fam = *by_type;
    } else if (by_arch && same_name_hint(type).empty()) {
        fam = *by_arch;  // e.g. a fine-tune that renamed model_type
    } else {
        problems.add(where, "unsupported model_type '" + type + "'" + same_name_hint(type) +
                                (arch.empty() ? std::string() : " (architectures '" + arch + "')") +
                                "; supported: " + supported_list());
        problems.throw_if_any();
    }
    const bool qwen = fam == Family::qwen2 || fam == Family::qwen2_moe || fam == Family::qwen3 ||
                      fam == Family::qwen3_moe;
    const bool gemma = fam == Family::gemma2 || fam == Family::gemma3;
    const auto with_default = [&](const char* key, bool required, long long min = 1) -> std::optional<int> {
        for (const auto& d : kDefaults)
            if (d.family == fam && std::string_view(d.key) == key) {
                const auto v = f.integer(key, false, min);
                return v ? v : std::optional<int>(static_cast<int>(d.value));
            }
        return f.integer(key, required, min);
    };

    model::ModelArch m;
    m.id = id;
    m.name = id;
    m.source = where;
    set(m.layers, f.integer("num_hidden_layers", true, 1, 100'000));
    set(m.hidden, f.integer("hidden_size", true));
    set(m.vocab, with_default("vocab_size", true));
    // Gemma's config classes tie the output head to the embedding by default;
    // every other supported family's default is false.
    m.tied_embeddings = gemma;
    set(m.tied_embeddings, f.boolean("tie_word_embeddings"));
    set(m.max_context, with_default("max_position_embeddings", false));
    const auto heads = f.integer("num_attention_heads", true);

    // --- attention
    if (fam == Family::deepseek) {
        model::Mla a;
        set(a.heads, heads);
        set(a.q_lora_rank, f.integer("q_lora_rank", false, 0));  // null: no query compression (V2-Lite)
        set(a.kv_lora_rank, f.integer("kv_lora_rank", true));
        set(a.qk_nope_head_dim, f.integer("qk_nope_head_dim", true));
        set(a.qk_rope_head_dim, f.integer("qk_rope_head_dim", true, 0));
        set(a.v_head_dim, f.integer("v_head_dim", true));
        m.attention = a;
    } else {
        model::Gqa a;
        set(a.heads, heads);
        a.kv_heads = f.integer("num_key_value_heads", false).value_or(a.heads);  // absent: MHA
        if (auto hd = f.integer("head_dim", false)) {
            a.head_dim = *hd;
        } else if (heads && m.hidden > 0) {
            if (m.hidden % *heads != 0)
                f.problem("field 'head_dim' is missing and hidden_size (" + std::to_string(m.hidden) +
                          ") is not divisible by num_attention_heads (" + std::to_string(*heads) + ")");
            else
                a.head_dim = m.hidden / *heads;
        }
        // Qwen2 (and Qwen2-MoE) always have q/k/v biases, whatever the config
        // says; the others follow `attention_bias` (default false; gpt-oss's
        // also covers o_proj, whose hidden_size biases per layer are not counted).
        a.qkv_bias = (fam == Family::qwen2 || fam == Family::qwen2_moe) ? true
                                                                        : f.boolean("attention_bias").value_or(false);
        // Per-head RMSNorm on q and k: Qwen3 and Gemma-3 always, GLM-4.5 when
        // use_qk_norm. Llama-4's use_qk_norm is a weightless L2 norm.
        const bool qk = f.boolean("use_qk_norm").value_or(false);
        a.qk_norm = fam == Family::qwen3 || fam == Family::qwen3_moe || fam == Family::gemma3 ||
                    (fam == Family::glm4_moe && qk);
        a.attention_sinks = fam == Family::gpt_oss;
        m.attention = a;
    }

    // --- FFN
    if (fam == Family::deepseek || fam == Family::glm4_moe) {
        model::Moe e;
        set(e.routed_experts, f.integer("n_routed_experts", true));
        set(e.shared_experts, f.integer("n_shared_experts", false, 0));
        set(e.top_k, f.integer("num_experts_per_tok", true));
        set(e.expert_intermediate, f.integer("moe_intermediate_size", true));
        set(e.first_k_dense, f.integer("first_k_dense_replace", false, 0));
        set(e.dense_intermediate, f.integer("intermediate_size", e.first_k_dense > 0));
        set(e.groups, f.integer("n_group", false));
        set(e.topk_groups, f.integer("topk_group", false));
        const int freq = f.integer("moe_layer_freq", false).value_or(1);
        if (freq != 1)
            f.bad("moe_layer_freq", "is " + std::to_string(freq) + ": only 1 (every layer after "
                                                                   "first_k_dense_replace is MoE) is supported");
        m.ffn = e;
        m.mtp_depth = f.integer("num_nextn_predict_layers", false, 0).value_or(0);
    } else if (fam == Family::mixtral || fam == Family::gpt_oss) {
        model::Moe e;
        set(e.routed_experts, f.integer("num_local_experts", true));
        set(e.top_k, f.integer("num_experts_per_tok", true));
        set(e.expert_intermediate, f.integer("intermediate_size", true));
        // gpt-oss repeats top-k as experts_per_token; they must agree.
        if (auto k2 = f.integer("experts_per_token", false); k2 && *k2 != e.top_k)
            f.bad("experts_per_token", "is " + std::to_string(*k2) + " but num_experts_per_tok is " +
                                           std::to_string(e.top_k));
        m.ffn = e;
    } else if (fam == Family::llama4) {
        // Llama-4: MoE layers (top-k routed experts of intermediate_size plus
        // ONE shared expert of the same size) interleaved with dense layers of
        // intermediate_size_mlp. transformers Llama4TextConfig: moe_layers
        // defaults to range(step - 1, layers, step).
        model::Moe e;
        set(e.routed_experts, f.integer("num_local_experts", true));
        set(e.top_k, f.integer("num_experts_per_tok", true));
        set(e.expert_intermediate, f.integer("intermediate_size", true));
        e.shared_experts = 1;
        int moe_layers = m.layers;
        if (auto list = f.int_list("moe_layers")) {
            moe_layers = static_cast<int>(list->size());
            f.mark_read("interleave_moe_layer_step");
        } else {
            const int step = f.integer("interleave_moe_layer_step", false, 0).value_or(1);
            moe_layers = step > 0 ? m.layers / step : 0;  // len(range(step - 1, layers, step))
        }
        // hwplan puts the dense layers first: totals and per-token costs are
        // the same; only which pipeline stage holds which layer differs.
        e.first_k_dense = m.layers - moe_layers;
        if (e.first_k_dense > 0) set(e.dense_intermediate, f.integer("intermediate_size_mlp", true));
        else f.mark_read("intermediate_size_mlp");
        m.ffn = e;
    } else if (fam == Family::qwen2_moe || fam == Family::qwen3_moe) {
        model::Moe e;
        set(e.routed_experts, f.integer("num_experts", true));
        set(e.top_k, f.integer("num_experts_per_tok", true));
        set(e.expert_intermediate, f.integer("moe_intermediate_size", true));
        if (fam == Family::qwen2_moe) {
            // Qwen2-MoE has ONE gated shared expert of shared_expert_intermediate_size
            // (e.g. 5632 = 4 x 1408 in Qwen1.5-MoE-A2.7B). hwplan's shared experts
            // all have expert_intermediate, so it becomes round(shared/expert)
            // experts: exact for the published models (their sizes are multiples),
            // and the same weights and FLOPs. The tiny sigmoid gate is ignored.
            const int s = f.integer("shared_expert_intermediate_size", false, 0).value_or(0);
            if (s > 0 && e.expert_intermediate > 0)
                e.shared_experts = std::max(1, static_cast<int>(std::lround(static_cast<double>(s) /
                                                                            e.expert_intermediate)));
        }
        read_sparse_layout(f, m.layers, e);
        if (e.first_k_dense > 0) set(e.dense_intermediate, f.integer("intermediate_size", true));
        m.ffn = e;
    } else {
        model::Dense d;
        set(d.intermediate, f.integer("intermediate_size", true));
        m.ffn = d;
    }

    // --- sliding window / chunked attention
    const auto window_on = [&](int layers_with_window, const char* key) {
        if (layers_with_window <= 0) {
            f.mark_read(key);
            return;
        }
        if (auto w = f.integer(key, true)) m.sliding_window = model::SlidingWindow{*w, layers_with_window};
    };
    if (fam == Family::llama4) {
        // Chunked local attention on the RoPE layers (no_rope_layers[i] == 1;
        // by default every layer but each 4th). A token attends to the tokens
        // of its own chunk: at most attention_chunk_size, which is how it is
        // modelled (an upper bound: chunk/2 on average).
        if (f.active("attention_chunk_size")) {
            int rope_layers = m.layers - m.layers / 4;
            if (auto nr = f.int_list("no_rope_layers"); nr && static_cast<int>(nr->size()) == m.layers)
                rope_layers = static_cast<int>(std::count(nr->begin(), nr->end(), 1));
            window_on(rope_layers, "attention_chunk_size");
        }
        f.mark_read("no_rope_layers");
    } else if (auto sliding = sliding_layers_from_types(f, m.layers)) {
        window_on(*sliding, "sliding_window");
        f.mark_read("sliding_window_pattern");
        f.mark_read("use_sliding_window");
        f.mark_read("max_window_layers");
    } else if (fam == Family::mistral || fam == Family::mixtral || fam == Family::phi3) {
        // Mistral-7B-v0.1, Phi-3-mini: every layer uses the window; null means full attention.
        if (auto w = f.integer("sliding_window", false)) m.sliding_window = model::SlidingWindow{*w, m.layers};
    } else if (qwen) {
        // Qwen: the window applies only with use_sliding_window, and then to the
        // layers from max_window_layers on (transformers' Qwen2 layer_types).
        if (f.boolean("use_sliding_window").value_or(false)) {
            const auto w = f.integer("sliding_window", true);
            // Absent max_window_layers: the config classes' default, 28.
            const int from = f.integer("max_window_layers", false, 0).value_or(28);
            if (w && m.layers - from > 0) m.sliding_window = model::SlidingWindow{*w, m.layers - from};
        }
        f.mark_read("sliding_window");  // present but unused without use_sliding_window
    } else if (fam == Family::gpt_oss || fam == Family::gemma2) {
        // No layer_types: transformers' default alternation, sliding on even
        // layers (GptOssConfig, Gemma2Config).
        window_on((m.layers + 1) / 2, "sliding_window");
    } else if (fam == Family::gemma3) {
        // Gemma3TextConfig: layer i is global when (i + 1) % sliding_window_pattern == 0.
        const int pattern = with_default("sliding_window_pattern", false).value_or(6);
        window_on(m.layers - m.layers / std::max(1, pattern), "sliding_window");
    }

    // --- quantised checkpoint
    if (const auto q = j.find("quantization_config"); q != j.end() && !q->is_null()) {
        if (auto c = read_quantization(*q, module_names(fam), m.hidden, where, problems)) {
            m.quantization = *c;
            m.weights_dtype = m.is_moe() ? c->routed_experts.dtype : c->dense_ffn.dtype;
        }
    }

    // --- nothing that changes the shape may be dropped
    for (const char* key : kShapeKeys)
        if (f.active(key) && !f.was_read(key))
            f.bad(key, std::string("changes the model's shape but is not modelled for model_type '") +
                           model_type_name(fam) + "': refusing rather than ignoring it");

    problems.throw_if_any();
    model::validate(m, where);
    return m;
}

}  // namespace hwplan::hwdb

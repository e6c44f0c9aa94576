// HuggingFace config.json -> ModelArch. The mapping table (which HF field
// feeds which ModelArch field, per model_type) is in docs/hwdb.md.

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "hwdb/database.hpp"
#include "hwdb/problems.hpp"
#include "hwdb/suggest.hpp"

namespace hwplan::hwdb {

namespace {

using nlohmann::json;

const std::vector<std::string> kSupported{"deepseek_v2", "deepseek_v3", "llama", "mistral", "mixtral",
                                          "qwen2",       "qwen2_moe",   "qwen3", "qwen3_moe"};

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

private:
    const json& j_;
    std::string where_;
    Problems& problems_;
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

}  // namespace

model::ModelArch import_hf_config(std::string_view json_text, const std::string& where, const std::string& id) {
    Problems problems;
    const json j = parse_json(json_text, where, problems);
    problems.throw_if_any();
    if (!j.is_object()) {
        problems.add(where, "expected a JSON object (a HuggingFace config.json), got " + type_name(j));
        problems.throw_if_any();
    }
    const Fields f(j, where, problems);

    const auto type = f.string("model_type", true);
    problems.throw_if_any();
    if (std::find(kSupported.begin(), kSupported.end(), *type) == kSupported.end()) {
        std::string list;
        for (const auto& s : kSupported) list += (list.empty() ? "" : ", ") + s;
        problems.add(where, "unsupported model_type '" + *type + "'" + did_you_mean(*type, kSupported) +
                                "; supported: " + list);
        problems.throw_if_any();
    }
    const std::string& t = *type;
    const bool deepseek = t == "deepseek_v2" || t == "deepseek_v3";
    const bool qwen = t.rfind("qwen", 0) == 0;

    model::ModelArch m;
    m.id = id;
    m.name = id;
    m.source = where;
    set(m.layers, f.integer("num_hidden_layers", true, 1, 100'000));
    set(m.hidden, f.integer("hidden_size", true));
    set(m.vocab, f.integer("vocab_size", true));
    // Every supported family's HF config class defaults tie_word_embeddings
    // to false.
    set(m.tied_embeddings, f.boolean("tie_word_embeddings"));
    set(m.max_context, f.integer("max_position_embeddings", false));
    // Checkpoints quantised with block-scaled FP8 (DeepSeek-V3/R1) declare it
    // in quantization_config; anything else is taken as BF16.
    if (const auto q = j.find("quantization_config"); q != j.end() && q->is_object()) {
        const auto method = q->find("quant_method");
        if (method != q->end() && method->is_string() && method->get<std::string>() == "fp8")
            m.weights_dtype = model::DType::fp8;
    }
    const auto heads = f.integer("num_attention_heads", true);

    // --- attention
    if (deepseek) {
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
        // says; the others follow `attention_bias` (default false).
        a.qkv_bias = (t == "qwen2" || t == "qwen2_moe") ? true : f.boolean("attention_bias").value_or(false);
        a.qk_norm = t == "qwen3" || t == "qwen3_moe";
        m.attention = a;
    }

    // --- FFN
    if (deepseek) {
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
    } else if (t == "mixtral") {
        model::Moe e;
        set(e.routed_experts, f.integer("num_local_experts", true));
        set(e.top_k, f.integer("num_experts_per_tok", true));
        set(e.expert_intermediate, f.integer("intermediate_size", true));
        m.ffn = e;
    } else if (t == "qwen2_moe" || t == "qwen3_moe") {
        model::Moe e;
        set(e.routed_experts, f.integer("num_experts", true));
        set(e.top_k, f.integer("num_experts_per_tok", true));
        set(e.expert_intermediate, f.integer("moe_intermediate_size", true));
        if (t == "qwen2_moe") {
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

    // --- sliding window
    if (t == "mistral" || t == "mixtral") {
        // Mistral-7B-v0.1: every layer uses a 4096 window; null means full attention.
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
    }

    problems.throw_if_any();
    model::validate(m, where);
    return m;
}

}  // namespace hwplan::hwdb

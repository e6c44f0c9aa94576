#include "hwdb/hf_quantization.hpp"

#include <algorithm>
#include <cmath>
#include <regex>

#include <nlohmann/json.hpp>

namespace hwplan::hwdb {

namespace {

using nlohmann::json;
using model::DType;
using model::WeightStorage;

// Glob with '*' (any run of characters, dots included: transformers'
// "model.layers.*.self_attn" spans one component, but nothing narrower is
// ever written) against the whole of `s`.
bool glob(std::string_view p, std::string_view s) {
    std::size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
    while (si < s.size()) {
        if (pi < p.size() && p[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (pi < p.size() && p[pi] == s[si]) {
            ++pi;
            ++si;
        } else if (star != std::string_view::npos) {
            pi = star + 1;
            si = ++mark;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == '*') ++pi;
    return pi == p.size();
}

const WeightStorage kBf16{DType::bf16, 16, "bf16"};

// The seven classes, by pointer, with their names and whether they are
// linear layers (the embedding is a lookup table: no quantiser targets it).
struct ClassRef {
    const char* label;
    WeightStorage model::CheckpointQuant::*member;
    const std::vector<std::string> ModuleNames::*names;
    bool linear;
};
constexpr ClassRef kClasses[] = {
    {"attention", &model::CheckpointQuant::attention, &ModuleNames::attention, true},
    {"dense FFN", &model::CheckpointQuant::dense_ffn, &ModuleNames::dense_ffn, true},
    {"routed experts", &model::CheckpointQuant::routed_experts, &ModuleNames::routed_experts, true},
    {"shared experts", &model::CheckpointQuant::shared_experts, &ModuleNames::shared_experts, true},
    {"router", &model::CheckpointQuant::router, &ModuleNames::router, true},
    {"embedding", &model::CheckpointQuant::embedding, &ModuleNames::embedding, false},
    {"lm_head", &model::CheckpointQuant::lm_head, &ModuleNames::lm_head, true},
};

std::vector<std::string> string_list(const json& q, const char* key, const std::string& where,
                                      Problems& problems) {
    std::vector<std::string> out;
    const auto it = q.find(key);
    if (it == q.end() || it->is_null()) return out;
    if (!it->is_array()) {
        problems.add(where, std::string("quantization_config.") + key + " must be a list of module names");
        return out;
    }
    for (const auto& v : *it) {
        if (!v.is_string()) {
            problems.add(where, std::string("quantization_config.") + key + " must be a list of module names");
            return {};
        }
        out.push_back(v.get<std::string>());
    }
    return out;
}

int int_field(const json& q, const char* key, int fallback, const std::string& where, Problems& problems,
              const char* prefix = "quantization_config.") {
    const auto it = q.find(key);
    if (it == q.end() || it->is_null()) return fallback;
    if (!it->is_number_integer()) {
        problems.add(where, std::string(prefix) + key + " must be a whole number, got " + it->dump());
        return fallback;
    }
    return it->get<int>();
}

// 0: none of the class's names excluded, 1: all, -1: some.
int excluded(const std::vector<std::string>& names, const std::vector<std::string>& patterns, bool substring) {
    std::size_t hit = 0;
    for (const auto& n : names) {
        for (const auto& p : patterns)
            if (module_matches(p, n, substring)) {
                ++hit;
                break;
            }
    }
    if (hit == 0) return 0;
    return hit == names.size() ? 1 : -1;
}

// Integer weights with one scale (16-bit, the model's dtype) and one packed
// zero point per group of `group` input elements along each output row.
WeightStorage int_groups(int bits, int group, bool zero_points, int hidden, const std::string& method) {
    const double g = group > 0 ? group : hidden;  // group_size -1: one scale per output channel
    const double b = bits;
    WeightStorage w;
    w.dtype = bits <= 4 ? DType::int4 : DType::int8;
    w.bits_per_weight = b + 16.0 / g + (zero_points ? b / g : 0.0);
    w.format = "int" + std::to_string(bits) + (group > 0 ? " g" + std::to_string(group) : " per-channel") + " " + method;
    return w;
}

}  // namespace

bool module_matches(const std::string& pattern, const std::string& name, bool substring) {
    if (pattern.rfind("re:", 0) == 0) {
        try {
            const std::regex re(pattern.substr(3));
            return std::regex_search(name, re, std::regex_constants::match_continuous);
        } catch (const std::regex_error&) {
            return false;
        }
    }
    if (substring) return name.find(pattern) != std::string::npos;
    // Every run of whole dot-separated components: "lm_head" matches
    // "lm_head", "model.layers.*.self_attn" matches "model.layers.0.self_attn.q_proj".
    std::vector<std::size_t> starts{0}, ends;
    for (std::size_t i = 0; i < name.size(); ++i)
        if (name[i] == '.') {
            ends.push_back(i);
            starts.push_back(i + 1);
        }
    ends.push_back(name.size());
    for (std::size_t s : starts)
        for (std::size_t e : ends)
            if (e > s && glob(pattern, std::string_view(name).substr(s, e - s))) return true;
    return false;
}

std::optional<model::CheckpointQuant> read_quantization(const json& q, const ModuleNames& names, int hidden,
                                                        const std::string& where, Problems& problems) {
    const std::size_t before = problems.size();
    if (!q.is_object()) {
        problems.add(where, "quantization_config must be an object, got " + q.dump().substr(0, 40));
        return std::nullopt;
    }
    const auto mit = q.find("quant_method");
    if (mit == q.end() || !mit->is_string()) {
        problems.add(where, "quantization_config has no quant_method: cannot tell how the weights are stored");
        return std::nullopt;
    }
    const std::string method = mit->get<std::string>();
    model::CheckpointQuant c;
    c.method = method;
    for (const auto& k : kClasses) c.*k.member = kBf16;

    // Per method: the storage of a quantised linear layer, the classes left in
    // BF16 whatever the lists say, and the exclusion lists.
    std::vector<std::string> patterns;
    bool substring = false;
    const auto apply = [&](const WeightStorage& w, std::initializer_list<const char*> never) {
        for (const auto& k : kClasses) {
            bool keep = !k.linear;
            for (const char* n : never) keep = keep || std::string_view(n) == k.label;
            if (keep) continue;
            const auto& ns = names.*k.names;
            if (ns.empty()) continue;
            const int ex = excluded(ns, patterns, substring);
            if (ex < 0) {
                problems.add(where, std::string("quantization_config: the exclusion list leaves part of the ") +
                                        k.label + " quantised and part not (e.g. '" + ns.front() +
                                        "'): mixed storage within a module class is not modelled");
                continue;
            }
            if (ex == 0) c.*k.member = w;
        }
    };

    if (method == "gptq" || method == "awq") {
        const bool awq = method == "awq";
        const int bits = awq ? int_field(q, "bits", int_field(q, "w_bit", 4, where, problems), where, problems)
                             : int_field(q, "bits", 4, where, problems);
        const int group = awq ? int_field(q, "group_size", int_field(q, "q_group_size", 128, where, problems),
                                          where, problems)
                              : int_field(q, "group_size", 128, where, problems);
        if (bits < 2 || bits > 8)
            problems.add(where, "quantization_config.bits must be between 2 and 8, got " + std::to_string(bits));
        if (group == 0 || group < -1)
            problems.add(where, "quantization_config.group_size must be positive or -1, got " + std::to_string(group));
        bool zero_points = true;  // GPTQ stores qzeros even when symmetric
        if (awq) {
            const auto z = q.find("zero_point");
            if (z != q.end() && z->is_boolean()) zero_points = z->get<bool>();
        }
        patterns = string_list(q, "modules_to_not_convert", where, problems);
        substring = awq;  // AutoAWQ: `any(key in name for key in modules_to_not_convert)`
        if (const auto d = q.find("dynamic"); d != q.end() && d->is_object()) {
            // GPTQModel: "-:<regex>" skips matching modules; "+:" overrides
            // bits per module, which is not modelled.
            for (const auto& [key, _] : d->items()) {
                if (key.rfind("-:", 0) == 0) {
                    patterns.push_back("re:" + key.substr(2));
                } else {
                    problems.add(where, "quantization_config.dynamic '" + key +
                                            "': per-module bit overrides are not modelled");
                }
            }
        }
        WeightStorage w = int_groups(bits, group, zero_points, hidden, method);
        // GPTQ's g_idx: one int32 per input row of every matrix (~32/out bits
        // a weight; `hidden` stands for the output width).
        if (!awq && hidden > 0) w.bits_per_weight += 32.0 / hidden;
        const auto lm = q.find("lm_head");
        const bool lm_quantised = !awq && lm != q.end() && lm->is_boolean() && lm->get<bool>();
        // The router (a few MB) is kept in 16-bit by AutoGPTQ/GPTQModel/AutoAWQ's MoE definitions.
        if (lm_quantised) apply(w, {"router"});
        else apply(w, {"router", "lm_head"});
    } else if (method == "fp8") {
        WeightStorage w{DType::fp8, 8, "fp8 per-tensor"};
        if (const auto b = q.find("weight_block_size"); b != q.end() && !b->is_null()) {
            if (!b->is_array() || b->size() != 2 || !(*b)[0].is_number_integer() || !(*b)[1].is_number_integer() ||
                (*b)[0].get<int>() <= 0 || (*b)[1].get<int>() <= 0) {
                problems.add(where, "quantization_config.weight_block_size must be two positive whole numbers");
            } else {
                const int r = (*b)[0].get<int>(), k = (*b)[1].get<int>();
                // One FP32 scale per r x k block (DeepSeek-V3 tech report, sec. 3.3.2: 128 x 128).
                w.bits_per_weight = 8 + 32.0 / (static_cast<double>(r) * k);
                w.format = "fp8 block " + std::to_string(r) + "x" + std::to_string(k);
            }
        }
        patterns = string_list(q, "modules_to_not_convert", where, problems);
        apply(w, {"router", "lm_head"});
    } else if (method == "mxfp4") {
        // OCP MX spec: 32 FP4 (E2M1) elements share one 8-bit E8M0 scale.
        // transformers' Mxfp4 quantiser converts the expert weights only.
        patterns = string_list(q, "modules_to_not_convert", where, problems);
        apply(WeightStorage{DType::fp4, 4 + 8.0 / 32, "mxfp4"},
              {"attention", "dense FFN", "shared experts", "router", "lm_head"});
    } else if (method == "modelopt") {
        const auto a = q.find("quant_algo");
        const std::string algo = a != q.end() && a->is_string() ? a->get<std::string>() : "";
        patterns = string_list(q, "exclude_modules", where, problems);
        if (algo == "NVFP4") {
            const int group = int_field(q, "group_size", 16, where, problems);
            if (group <= 0) problems.add(where, "quantization_config.group_size must be positive");
            // NVFP4: one FP8 (E4M3) scale per 16 elements plus one FP32 per tensor.
            apply(WeightStorage{DType::fp4, 4 + 8.0 / std::max(1, group), "nvfp4 g" + std::to_string(group)}, {});
        } else if (algo == "FP8") {
            apply(WeightStorage{DType::fp8, 8, "fp8 per-tensor"}, {});
        } else {
            problems.add(where, "quantization_config.quant_algo '" + algo +
                                    "' (modelopt) is not modelled; supported: NVFP4, FP8");
        }
    } else if (method == "compressed-tensors") {
        if (const auto s = q.find("sparsity_config"); s != q.end() && !s->is_null() && !s->empty())
            problems.add(where, "quantization_config.sparsity_config: sparse checkpoints are not modelled");
        patterns = string_list(q, "ignore", where, problems);
        const auto groups = q.find("config_groups");
        if (groups == q.end() || !groups->is_object() || groups->empty()) {
            problems.add(where, "quantization_config.config_groups is missing: cannot tell how the weights are stored");
            return std::nullopt;
        }
        for (const auto& k : kClasses) {
            if (!k.linear) continue;
            const auto& ns = names.*k.names;
            if (ns.empty()) continue;
            const int ex = excluded(ns, patterns, false);
            if (ex < 0) {
                problems.add(where, std::string("quantization_config.ignore leaves part of the ") + k.label +
                                        " quantised and part not: mixed storage within a module class is not modelled");
                continue;
            }
            if (ex == 1) continue;
            for (const auto& [gname, g] : groups->items()) {
                const std::string at = "quantization_config.config_groups." + gname + ".";
                std::vector<std::string> targets{"Linear"};
                if (auto t = g.find("targets"); t != g.end()) targets = string_list(g, "targets", where, problems);
                bool hit = false;
                for (const auto& t : targets) hit = hit || t == "Linear" || excluded(ns, {t}, false) == 1;
                if (!hit) continue;
                const auto wit = g.find("weights");
                if (wit == g.end() || wit->is_null()) break;  // activations only: weights stay 16-bit
                const json& wj = *wit;
                const int bits = int_field(wj, "num_bits", 8, where, problems, at.c_str());
                const std::string type = wj.value("type", std::string("int"));
                const std::string strategy = wj.value("strategy", std::string("tensor"));
                const bool sym = wj.value("symmetric", true);
                const int group = int_field(wj, "group_size", 0, where, problems, at.c_str());
                const bool is_float = type == "float";
                WeightStorage w;
                w.dtype = is_float ? (bits <= 4 ? DType::fp4 : DType::fp8) : (bits <= 4 ? DType::int4 : DType::int8);
                const double scale_bits = is_float && bits <= 4 ? 8 : 16;  // NVFP4: FP8 scales
                double per_weight = 0;
                if (strategy == "group" || strategy == "tensor_group") {
                    if (group <= 0) {
                        problems.add(where, at + "weights.group_size must be positive for strategy '" + strategy + "'");
                        break;
                    }
                    per_weight = (scale_bits + (sym ? 0.0 : bits)) / group;
                } else if (strategy == "channel") {
                    per_weight = hidden > 0 ? (scale_bits + (sym ? 0.0 : bits)) / hidden : 0;
                } else if (strategy == "block") {
                    const auto bs = wj.find("block_structure");
                    if (bs == wj.end() || !bs->is_array() || bs->size() != 2) {
                        problems.add(where, at + "weights.block_structure must be two whole numbers");
                        break;
                    }
                    per_weight = scale_bits / ((*bs)[0].get<double>() * (*bs)[1].get<double>());
                } else if (strategy != "tensor") {
                    problems.add(where, at + "weights.strategy '" + strategy + "' is not modelled");
                    break;
                }
                w.bits_per_weight = bits + per_weight;
                w.format = (is_float ? (bits <= 4 && group == 16 ? std::string("nvfp4") : "fp" + std::to_string(bits))
                                     : "int" + std::to_string(bits)) +
                           (group > 0 ? " g" + std::to_string(group) : " " + strategy) + " compressed-tensors";
                c.*k.member = w;
                break;
            }
        }
    } else {
        problems.add(where, "quantization_config.quant_method '" + method +
                                "' is not modelled (supported: gptq, awq, compressed-tensors, fp8, mxfp4, "
                                "modelopt); refusing rather than pricing the weights as BF16");
    }
    if (problems.size() != before) return std::nullopt;
    return c;
}

}  // namespace hwplan::hwdb

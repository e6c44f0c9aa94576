#include "hwdb/what_if_file.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "hwdb/atomic_file.hpp"
#include "hwdb/hardware_files.hpp"
#include "hwdb/profile_file.hpp"
#include "hwdb/unit_parse.hpp"
#include "hwdb/yaml_reader.hpp"

namespace hwplan::hwdb {

namespace {

constexpr std::pair<std::string_view, model::DType> kDTypes[] = {
    {"fp32", model::DType::fp32}, {"bf16", model::DType::bf16}, {"fp16", model::DType::fp16},
    {"fp8", model::DType::fp8},   {"int8", model::DType::int8}, {"fp4", model::DType::fp4},
    {"int4", model::DType::int4}};

// The scenario schema's words (docs/scenarios.md, constraints.overlap).
constexpr std::pair<std::string_view, model::Overlap> kOverlaps[] = {
    {"none", model::Overlap::none},
    {"dual-micro-batch", model::Overlap::dual_micro_batch},
    {"paper-ideal", model::Overlap::paper_ideal}};

std::string_view overlap_word(model::Overlap o) {
    for (const auto& [w, v] : kOverlaps)
        if (v == o) return w;
    return "dual-micro-batch";
}

bool looks_like_path(const std::string& ref) {
    return ref.find('/') != std::string::npos || ref.ends_with(".yaml") || ref.ends_with(".yml") ||
           ref.ends_with(".json");
}

std::optional<model::DType> dtype(YamlMap& m, std::string_view key) {
    std::optional<model::DType> out;
    if (!m.has(key)) return out;
    auto s = m.string(key, Need::optional);
    if (!s) return out;
    for (const auto& [w, v] : kDTypes)
        if (w == *s) return v;
    m.problem(key, "unknown dtype '" + *s + "' (expected fp32, bf16, fp16, fp8, int8, fp4 or int4)");
    return out;
}

// A plain number in [lo, hi].
std::optional<double> number(YamlMap& m, std::string_view key, double lo, double hi) {
    auto s = m.string(key, Need::optional);
    if (!s) return std::nullopt;
    double v = 0;
    const char* last = s->data() + s->size();
    auto [ptr, ec] = std::from_chars(s->data(), last, v);
    if (ec != std::errc() || ptr != last || s->empty() || !std::isfinite(v)) {
        m.problem(key, "expected a number, got '" + *s + "'");
        return std::nullopt;
    }
    if (v < lo || v > hi) {
        m.problem(key, fmt::format("must be between {} and {}, got {}", lo, hi, *s));
        return std::nullopt;
    }
    return v;
}

// A token count: 4096, "32k" (parse_count).
std::optional<int> tokens(YamlMap& m, std::string_view key, int lo) {
    auto s = m.string(key, Need::optional);
    if (!s) return std::nullopt;
    try {
        const double v = parse_count(*s, m.where(key));
        if (v != std::floor(v) || v < lo || v > 1e9) {
            m.problem(key, fmt::format("expected a whole number of tokens from {} to 1e9, got '{}'", lo, *s));
            return std::nullopt;
        }
        return static_cast<int>(v);
    } catch (const Error& e) {
        m.problem(key, e.message());
        return std::nullopt;
    }
}

template <class T>
void set(T& target, const std::optional<T>& v) {
    if (v) target = *v;
}

WhatIf read_what_if(YamlMap& m, const Database& db, const std::filesystem::path& base_dir) {
    WhatIf w;
    if (auto ref = m.string("model", Need::required)) {
        std::string r = *ref;
        if (looks_like_path(r) && std::filesystem::path(r).is_relative() && !db.models().contains(r))
            r = std::filesystem::absolute(base_dir / r).lexically_normal().string();
        try {
            (void)db.model(r);
            w.model = r;
        } catch (const Error& e) {
            m.problem("model", e.what());
        }
    }
    if (auto id = m.string("system", Need::required)) {
        try {
            (void)db.system(*id);
            w.system = *id;
        } catch (const Error& e) {
            m.problem("system", e.message());
        }
    }
    set(w.nodes, m.integer("nodes", Need::optional, {1, 100'000}));
    set(w.tp, m.integer("tp", Need::optional, {1, 100'000}));
    set(w.pp, m.integer("pp", Need::optional, {1, 100'000}));
    if (auto v = m.integer("dp", Need::optional, {1, 10'000'000})) w.dp = *v;
    if (auto v = m.integer("ep", Need::optional, {1, 10'000'000})) w.ep = *v;
    set(w.redundant_experts, m.integer("redundant_experts", Need::optional, {0, 100'000}));
    set(w.batch, m.integer("batch", Need::optional, {1, 10'000'000}));
    set(w.context, tokens(m, "context", 0));
    set(w.prompt, tokens(m, "prompt", 0));
    if (auto t = dtype(m, "weights")) w.weights = *t;
    set(w.kv_cache, dtype(m, "kv_cache"));
    set(w.activations, dtype(m, "activations"));
    set(w.dispatch, dtype(m, "dispatch"));
    set(w.combine, dtype(m, "combine"));
    set(w.overlap, m.choice<model::Overlap>("overlap", Need::optional,
                                            {kOverlaps[0], kOverlaps[1], kOverlaps[2]}));
    set(w.micro_batches, m.integer("micro_batches", Need::optional, {1, 64}));
    set(w.mtp_depth, m.integer("mtp_depth", Need::optional, {0, 16}));
    set(w.mtp_acceptance, number(m, "mtp_acceptance", 0, 1));
    set(w.comm_sms, m.integer("comm_sms", Need::optional, {0, 100'000}));
    set(w.expert_imbalance, number(m, "expert_imbalance", 1, 1000));
    if (auto b = m.bandwidth("scale_up_bandwidth", Need::optional)) w.scale_up_bandwidth = *b;
    if (auto b = m.bandwidth("scale_out_bandwidth", Need::optional)) w.scale_out_bandwidth = *b;
    set(w.step_mode, m.choice<model::StepMode>("step_mode", Need::optional,
                                               {{"realistic", model::StepMode::realistic},
                                                {"paper", model::StepMode::paper}}));
    if (auto id = m.string("engine", Need::optional)) {
        try {
            (void)db.engine(*id);  // "unknown engine 'x'...; known: gpt-fast, ..."
            w.engine = *id;
        } catch (const Error& e) {
            m.problem("engine", e.message());
        }
    }
    if (auto file = m.string("profile", Need::optional); file && !file->empty()) {
        std::filesystem::path f = *file;
        if (f.is_relative()) f = std::filesystem::absolute(base_dir / f).lexically_normal();
        try {
            (void)load_profile(f);  // reported here, with the key's location, rather than on first use
            w.profile = f.string();
        } catch (const Error& e) {
            m.problem("profile", e.what());
        }
    }
    m.finish();
    return w;
}

void emit(YAML::Emitter& out, const WhatIf& w) {
    out << YAML::BeginMap;
    out << YAML::Key << "model" << YAML::Value << w.model;
    out << YAML::Key << "system" << YAML::Value << w.system;
    out << YAML::Key << "nodes" << YAML::Value << w.nodes;
    out << YAML::Key << "tp" << YAML::Value << w.tp;
    out << YAML::Key << "pp" << YAML::Value << w.pp;
    if (w.dp) out << YAML::Key << "dp" << YAML::Value << *w.dp;
    if (w.ep) out << YAML::Key << "ep" << YAML::Value << *w.ep;
    out << YAML::Key << "redundant_experts" << YAML::Value << w.redundant_experts;
    out << YAML::Key << "batch" << YAML::Value << w.batch;
    out << YAML::Key << "context" << YAML::Value << w.context;
    out << YAML::Key << "prompt" << YAML::Value << w.prompt;
    if (w.weights) out << YAML::Key << "weights" << YAML::Value << std::string(model::to_string(*w.weights));
    out << YAML::Key << "kv_cache" << YAML::Value << std::string(model::to_string(w.kv_cache));
    out << YAML::Key << "activations" << YAML::Value << std::string(model::to_string(w.activations));
    out << YAML::Key << "dispatch" << YAML::Value << std::string(model::to_string(w.dispatch));
    out << YAML::Key << "combine" << YAML::Value << std::string(model::to_string(w.combine));
    out << YAML::Key << "overlap" << YAML::Value << std::string(overlap_word(w.overlap));
    out << YAML::Key << "micro_batches" << YAML::Value << w.micro_batches;
    out << YAML::Key << "mtp_depth" << YAML::Value << w.mtp_depth;
    out << YAML::Key << "mtp_acceptance" << YAML::Value << fmt::format("{}", w.mtp_acceptance);
    out << YAML::Key << "comm_sms" << YAML::Value << w.comm_sms;
    out << YAML::Key << "expert_imbalance" << YAML::Value << fmt::format("{}", w.expert_imbalance);
    // Bandwidths in GB/s with the shortest text that reads back to the same double.
    if (w.scale_up_bandwidth)
        out << YAML::Key << "scale_up_bandwidth" << YAML::Value
            << fmt::format("{} GB/s", w.scale_up_bandwidth->value() / 1e9);
    if (w.scale_out_bandwidth)
        out << YAML::Key << "scale_out_bandwidth" << YAML::Value
            << fmt::format("{} GB/s", w.scale_out_bandwidth->value() / 1e9);
    out << YAML::Key << "step_mode" << YAML::Value << std::string(model::to_string(w.step_mode));
    out << YAML::Key << "engine" << YAML::Value << w.engine;
    if (!w.profile.empty()) out << YAML::Key << "profile" << YAML::Value << w.profile;
    out << YAML::EndMap;
}

}  // namespace

ScenarioKind scenario_kind(const std::filesystem::path& path) {
    const std::string text = read_file(path, kMaxInputFileBytes);
    Problems problems;
    auto root = parse_yaml(text, path.string(), problems);
    problems.throw_if_any();
    return root->IsMap() && root->operator[]("what_if") ? ScenarioKind::what_if : ScenarioKind::plan;
}

WhatIfFile parse_what_if(std::string_view text, const std::string& file, const Database& db,
                         const std::filesystem::path& base_dir) {
    Problems problems;
    auto root = parse_yaml(text, file, problems);
    problems.throw_if_any();
    YamlMap top(*root, file, "", problems);
    WhatIfFile f;
    if (auto m = top.map("what_if", Need::required)) f.scenario = read_what_if(*m, db, base_dir);
    if (auto m = top.map("pinned", Need::optional)) f.pinned = read_what_if(*m, db, base_dir);
    top.finish();
    problems.throw_if_any();
    return f;
}

WhatIfFile load_what_if(const std::filesystem::path& path, const Database& db) {
    const std::string text = read_file(path, kMaxInputFileBytes);
    return parse_what_if(text, path.string(), db, path.has_parent_path() ? path.parent_path() : ".");
}

std::string what_if_yaml(const WhatIfFile& f) {
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "what_if" << YAML::Value;
    emit(out, f.scenario);
    if (f.pinned) {
        out << YAML::Key << "pinned" << YAML::Value;
        emit(out, *f.pinned);
    }
    out << YAML::EndMap;
    return std::string("# hwplan-gui what-if scenario (schema: docs/gui.md)\n") + out.c_str() + "\n";
}

void save_what_if(const std::filesystem::path& path, const WhatIfFile& f) {
    write_file_atomically(path, what_if_yaml(f));
}

std::string scenario_model_reference(const std::filesystem::path& scenario_path) {
    const std::string text = read_file(scenario_path, kMaxInputFileBytes);
    Problems problems;
    auto root = parse_yaml(text, scenario_path.string(), problems);
    problems.throw_if_any();
    const YAML::Node m = root->IsMap() ? (*root)["model"] : YAML::Node();
    if (!m || !m.IsScalar()) throw Error("no 'model:' entry", scenario_path.string());
    std::string ref = m.Scalar();
    if (looks_like_path(ref) && std::filesystem::path(ref).is_relative()) {
        const auto base = scenario_path.has_parent_path() ? scenario_path.parent_path() : std::filesystem::path(".");
        ref = std::filesystem::absolute(base / ref).lexically_normal().string();
    }
    return ref;
}

}  // namespace hwplan::hwdb

#include "hwdb/model_file.hpp"

#include <cctype>

#include "hwdb/atomic_file.hpp"
#include "hwdb/database.hpp"
#include "hwdb/hardware_files.hpp"
#include "hwdb/yaml_reader.hpp"

namespace hwplan::hwdb {

namespace {

template <class T>
void set(T& target, const std::optional<T>& v) {
    if (v) target = *v;
}

constexpr IntRange kDim{1, 10'000'000};       // hidden sizes, head dims, experts
constexpr IntRange kDimOrZero{0, 10'000'000};  // q_lora_rank 0, rope dim 0, no shared experts

std::optional<model::Attention> read_attention(YamlMap& a) {
    enum class Kind { gqa, mla };
    const auto kind = a.choice<Kind>("kind", Need::required, {{"gqa", Kind::gqa}, {"mla", Kind::mla}});
    if (!kind) return std::nullopt;  // no finish(): the other keys would all look unknown
    if (*kind == Kind::gqa) {
        model::Gqa g;
        set(g.heads, a.integer("heads", Need::required, kDim));
        set(g.kv_heads, a.integer("kv_heads", Need::required, kDim));
        set(g.head_dim, a.integer("head_dim", Need::required, kDim));
        set(g.qkv_bias, a.boolean("qkv_bias", Need::optional));
        set(g.qk_norm, a.boolean("qk_norm", Need::optional));
        a.finish();
        return g;
    }
    model::Mla m;
    set(m.heads, a.integer("heads", Need::required, kDim));
    set(m.q_lora_rank, a.integer("q_lora_rank", Need::required, kDimOrZero));
    set(m.kv_lora_rank, a.integer("kv_lora_rank", Need::required, kDim));
    set(m.qk_nope_head_dim, a.integer("qk_nope_head_dim", Need::required, kDim));
    set(m.qk_rope_head_dim, a.integer("qk_rope_head_dim", Need::required, kDimOrZero));
    set(m.v_head_dim, a.integer("v_head_dim", Need::required, kDim));
    a.finish();
    return m;
}

std::optional<model::Ffn> read_ffn(YamlMap& f) {
    enum class Kind { dense, moe };
    const auto kind = f.choice<Kind>("kind", Need::required, {{"dense", Kind::dense}, {"moe", Kind::moe}});
    if (!kind) return std::nullopt;
    if (*kind == Kind::dense) {
        model::Dense d;
        set(d.intermediate, f.integer("intermediate", Need::required, kDim));
        f.finish();
        return d;
    }
    model::Moe e;
    set(e.routed_experts, f.integer("routed_experts", Need::required, kDim));
    set(e.shared_experts, f.integer("shared_experts", Need::optional, kDimOrZero));
    set(e.top_k, f.integer("top_k", Need::required, kDim));
    set(e.expert_intermediate, f.integer("expert_intermediate", Need::required, kDim));
    set(e.first_k_dense, f.integer("first_k_dense", Need::optional, kDimOrZero));
    set(e.dense_intermediate,
        f.integer("dense_intermediate", e.first_k_dense > 0 ? Need::required : Need::optional, kDim));
    set(e.groups, f.integer("groups", Need::optional, kDim));
    set(e.topk_groups, f.integer("topk_groups", Need::optional, kDim));
    f.finish();
    return e;
}

// model::validate reports "ffn.top_k (300) exceeds ..."; put each such
// problem on the line of the field it names.
void add_validation_problems(const Error& e, const FieldLocations& locations, const std::string& file,
                             Problems& problems) {
    const std::string& all = e.message();
    std::size_t start = 0;
    while (start <= all.size()) {
        std::size_t end = all.find("; ", start);
        if (end == std::string::npos) end = all.size();
        const std::string one = all.substr(start, end - start);
        const std::string first_word = one.substr(0, one.find_first_of(" ("));
        const auto it = locations.find(first_word);
        problems.add(it != locations.end() ? it->second : file, one);
        start = end + 2;
    }
}

}  // namespace

bool looks_like_json(std::string_view text) {
    const auto pos = text.find_first_not_of(" \t\r\n");
    // A UTF-8 byte-order mark before the brace still means JSON.
    if (pos != std::string_view::npos && text.substr(pos, 3) == "\xEF\xBB\xBF")
        return looks_like_json(text.substr(pos + 3));
    return pos != std::string_view::npos && text[pos] == '{';
}

std::optional<model::ModelArch> parse_model_yaml(std::string_view text, const std::string& file,
                                                 std::string_view stem, IdRule rule, Problems& problems) {
    const std::size_t before = problems.size();
    auto root = parse_yaml(text, file, problems);
    if (!root) return std::nullopt;
    auto locations = std::make_shared<FieldLocations>();
    YamlMap m(*root, file, "", problems, locations);
    const bool database = rule == IdRule::must_match_stem;

    model::ModelArch a;
    a.id = std::string(stem);
    set(a.id, read_id(m, database ? stem : std::string_view{}, database ? Need::required : Need::optional));
    a.name = a.id;
    set(a.name, m.string("name", Need::optional));
    set(a.source, m.text_or_list("source", database ? Need::required : Need::optional));
    set(a.layers, m.integer("layers", Need::required, {1, 100'000}));
    set(a.hidden, m.integer("hidden", Need::required, kDim));
    set(a.vocab, m.integer("vocab", Need::required, {1, 100'000'000}));
    set(a.tied_embeddings, m.boolean("tied_embeddings", Need::optional));
    set(a.max_context, m.integer("max_context", Need::optional, {1, 1'000'000'000}));
    set(a.mtp_depth, m.integer("mtp_depth", Need::optional, {0, 64}));
    // The released checkpoint's linear-layer format (DeepSeek-V3 ships FP8):
    // the default weight precision of every deployment of this model.
    a.weights_dtype = m.choice<model::DType>(
                           "weights_dtype", Need::optional,
                           {{"bf16", model::DType::bf16}, {"fp16", model::DType::fp16}, {"fp8", model::DType::fp8},
                            {"fp32", model::DType::fp32}, {"int8", model::DType::int8}, {"fp4", model::DType::fp4},
                            {"int4", model::DType::int4}})
                          .value_or(model::DType::bf16);
    if (auto att = m.map("attention", Need::required))
        if (auto v = read_attention(*att)) a.attention = *v;
    if (auto ffn = m.map("ffn", Need::required))
        if (auto v = read_ffn(*ffn)) a.ffn = *v;
    if (auto sw = m.map("sliding_window", Need::optional)) {
        model::SlidingWindow w;
        set(w.window, sw->integer("window", Need::required, {1, 1'000'000'000}));
        set(w.layers, sw->integer("layers", Need::required, {0, 100'000}));
        sw->finish();
        a.sliding_window = w;
    }
    m.finish();
    if (problems.size() != before) return std::nullopt;

    try {
        model::validate(a, file);
    } catch (const Error& e) {
        add_validation_problems(e, *locations, file, problems);
        return std::nullopt;
    }
    return a;
}

model::ModelArch load_model_file(const std::filesystem::path& path) {
    const std::string text = read_file(path, kMaxInputFileBytes);
    std::string stem = path.stem().string();
    // ".../DeepSeek-V3/config.json" is better called "deepseek-v3" than "config".
    if (stem == "config" && path.has_parent_path() && !path.parent_path().filename().empty()) {
        stem = path.parent_path().filename().string();
        for (char& c : stem) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (looks_like_json(text)) return import_hf_config(text, path.string(), stem);
    Problems problems;
    auto m = parse_model_yaml(text, path.string(), stem, IdRule::default_to_stem, problems);
    problems.throw_if_any();
    return std::move(*m);
}

}  // namespace hwplan::hwdb

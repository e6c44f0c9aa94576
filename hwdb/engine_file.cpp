#include "hwdb/engine_file.hpp"

#include "hwdb/atomic_file.hpp"
#include "hwdb/hardware_files.hpp"
#include "hwdb/yaml_reader.hpp"
#include "model/error.hpp"

namespace hwplan::hwdb {

namespace {

void read_op(YamlMap& unfused, std::string_view key, model::OpCost& op) {
    auto m = unfused.map(key, Need::optional);
    if (!m) return;
    if (auto k = m->integer("kernels", Need::required, {1, 1000})) op.kernels = *k;
    if (auto b = m->bytes("bytes_per_element", Need::required)) op.bytes_per_element = b->value();
    m->finish();
}

}  // namespace

std::optional<model::Engine> parse_engine(std::string_view text, const std::string& file,
                                          std::string_view expected_id, Problems& problems) {
    const std::size_t before = problems.size();
    auto root = parse_yaml(text, file, problems);
    if (!root) return std::nullopt;
    YamlMap m(*root, file, "", problems);
    model::Engine e;
    model::EngineTraits& t = e.traits;
    if (auto id = read_id(m, expected_id, Need::required)) e.id = *id;
    if (auto name = m.string("name", Need::required)) e.name = *name;
    if (auto graphs = m.boolean("cuda_graphs", Need::required)) t.cuda_graphs = *graphs;
    const auto attention = [&](std::string_view key, Need need, model::AttentionKernel& into) {
        auto a = m.string(key, need);
        if (!a) return;
        if (auto kernel = model::attention_kernel_from_string(*a)) {
            into = *kernel;
            return;
        }
        std::string known;
        for (auto n : model::attention_kernel_names()) known += (known.empty() ? "" : ", ") + std::string(n);
        m.problem(key, "unknown attention kernel '" + *a + "'; known: " + known);
    };
    attention("attention", Need::required, t.attention);
    attention("mla_attention", Need::required, t.mla_attention);
    if (auto f = m.map("fuses", Need::required)) {
        model::EngineFusions& x = t.fuses;
        const auto flag = [&](std::string_view key, bool& into) {
            if (auto v = f->boolean(key, Need::required)) into = *v;
        };
        flag("norm_residual", x.norm_residual);
        flag("rope", x.rope);
        flag("rope_kv_write", x.rope_kv_write);
        flag("silu_mul", x.silu_mul);
        flag("quantize", x.quantize);
        flag("qkv_gemm", x.qkv_gemm);
        flag("gate_up_gemm", x.gate_up_gemm);
        f->finish();
        if (x.rope_kv_write && !x.rope) f->problem("rope_kv_write", "needs rope: true (the cache write rides on the RoPE kernel)");
    }
    if (auto u = m.map("unfused", Need::optional)) {
        read_op(*u, "rms_norm", t.unfused.rms_norm);
        read_op(*u, "residual_add", t.unfused.residual_add);
        read_op(*u, "rope", t.unfused.rope);
        read_op(*u, "silu_mul", t.unfused.silu_mul);
        read_op(*u, "kv_write", t.unfused.kv_write);
        read_op(*u, "quantize", t.unfused.quantize);
        u->finish();
    }
    if (auto l = m.duration("launch_overhead", Need::required)) t.launch_overhead = *l;
    if (auto s = m.duration("step_overhead", Need::optional)) t.step_overhead = *s;
    if (auto src = m.text_or_list("source", Need::required)) e.source = *src;
    m.finish();
    if (problems.size() != before) return std::nullopt;
    try {
        model::validate(t, file);
    } catch (const Error& err) {
        problems.add(err);
        return std::nullopt;
    }
    return e;
}

model::Engine read_engine_file(const std::filesystem::path& path) {
    const std::string text = read_file(path, kMaxInputFileBytes);
    Problems problems;
    auto e = parse_engine(text, path.string(), path.stem().string(), problems);
    problems.throw_if_any();
    return std::move(*e);
}

}  // namespace hwplan::hwdb

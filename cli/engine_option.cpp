#include "cli/engine_option.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <vector>

#include "model/error.hpp"

namespace hwplan::cli {

void add_engine_option(CLI::App* sub, EngineOption& o) {
    sub->add_option("--engine", o.name,
                    "Serving engine whose kernels a step runs: vllm (default), sglang, trtllm, gpt-fast, "
                    "pytorch-graph, pytorch-eager (hwdb/data/engines)");
}

const model::Engine& resolve_engine(const std::string& name, Context& ctx, const std::string& where) {
    try {
        return ctx.db().engine(name);
    } catch (const Error& e) {
        throw Error(e.message(), where);
    }
}

const model::Engine& resolve_engine(const EngineOption& o, Context& ctx) {
    return resolve_engine(o.name, ctx, "--engine");
}

namespace {

std::vector<std::string> fused_ops(const model::EngineFusions& f) {
    std::vector<std::string> v;
    if (f.norm_residual) v.emplace_back("norm_residual");
    if (f.rope) v.emplace_back("rope");
    if (f.rope_kv_write) v.emplace_back("rope_kv_write");
    if (f.silu_mul) v.emplace_back("silu_mul");
    if (f.quantize) v.emplace_back("quantize");
    if (f.qkv_gemm) v.emplace_back("qkv_gemm");
    if (f.gate_up_gemm) v.emplace_back("gate_up_gemm");
    return v;
}

}  // namespace

nlohmann::json engine_json(const model::Engine& e) {
    return {{"id", e.id},
            {"name", e.name},
            {"cuda_graphs", e.traits.cuda_graphs},
            {"attention", model::to_string(e.traits.attention)},
            {"mla_attention", model::to_string(e.traits.mla_attention)},
            {"fuses", fused_ops(e.traits.fuses)},
            {"launch_overhead_us", model::to_us(e.traits.launch_overhead)},
            {"step_overhead_us", model::to_us(e.traits.step_overhead)}};
}

std::string engine_note(const model::Engine& e) {
    const std::vector<std::string> fused = fused_ops(e.traits.fuses);
    return fmt::format("Engine: {} ({}): {}, {} attention ({} for MLA), fuses {}; --engine to change", e.id, e.name,
                       e.traits.cuda_graphs ? "decode in CUDA graphs" : "eager launches",
                       model::to_string(e.traits.attention), model::to_string(e.traits.mla_attention), fused.empty() ? "nothing" : fmt::format("{}", fmt::join(fused, ", ")));
}

}  // namespace hwplan::cli

#include "cli/engine_option.hpp"

#include <fmt/format.h>

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


nlohmann::json engine_json(const model::Engine& e) {
    std::vector<std::string> fused;
    for (auto name : model::fused_op_names(e.traits.fuses)) fused.emplace_back(name);
    return {{"id", e.id},
            {"name", e.name},
            {"cuda_graphs", e.traits.cuda_graphs},
            {"attention", model::to_string(e.traits.attention)},
            {"mla_attention", model::to_string(e.traits.mla_attention)},
            {"fuses", fused},
            {"launch_overhead_us", model::to_us(e.traits.launch_overhead)},
            {"step_overhead_us", model::to_us(e.traits.step_overhead)}};
}

std::string engine_note(const model::Engine& e) { return model::describe(e) + "; --engine to change"; }

}  // namespace hwplan::cli

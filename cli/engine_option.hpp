#pragma once
// `--engine NAME` for every command that predicts time (tpot, serve, plan,
// sweep, train, validate, report): which serving engine's kernels a step
// runs (hwdb/data/engines/, model/engine.hpp). The default is named in every
// output, so a number never silently depends on it.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/context.hpp"
#include "hwdb/database.hpp"
#include "model/engine.hpp"

namespace hwplan::cli {

struct EngineOption {
    std::string name{hwdb::default_engine_id};
};

void add_engine_option(CLI::App* sub, EngineOption& o);

// The engine named by --engine; an unknown name is an Error naming the flag
// and listing the known engines (exit 2).
[[nodiscard]] const model::Engine& resolve_engine(const EngineOption& o, Context& ctx);
[[nodiscard]] const model::Engine& resolve_engine(const std::string& name, Context& ctx, const std::string& where);

// {"id", "name", "cuda_graphs", "attention", "fuses": [...]} for the output.
[[nodiscard]] nlohmann::json engine_json(const model::Engine& e);

// "Engine: vllm (vLLM (V1 engine)): CUDA graphs, flashinfer attention, fuses ..." for table notes.
[[nodiscard]] std::string engine_note(const model::Engine& e);

}  // namespace hwplan::cli

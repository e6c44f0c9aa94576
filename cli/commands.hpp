#pragma once
// Every `hwplan` subcommand registers itself here; app.cpp calls these in
// order. A command module parses its flags, calls hwdb/ and model/, and
// returns a Report through ctx.emit -- it never prints on its own.

#include <CLI/CLI.hpp>

#include "cli/context.hpp"

namespace hwplan::cli {

void add_models_command(CLI::App& app, Context& ctx);  // hwplan models list
void add_hw_command(CLI::App& app, Context& ctx);      // hwplan hw list|show
void add_kv_command(CLI::App& app, Context& ctx);      // hwplan kv
void add_params_command(CLI::App& app, Context& ctx);  // hwplan params
void add_flops_command(CLI::App& app, Context& ctx);   // hwplan flops
void add_memory_command(CLI::App& app, Context& ctx);  // hwplan memory
void add_report_command(CLI::App& app, Context& ctx);  // hwplan report (./run.sh default)

}  // namespace hwplan::cli

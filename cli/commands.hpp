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
void add_topo_command(CLI::App& app, Context& ctx);    // hwplan topo
void add_ep_command(CLI::App& app, Context& ctx);      // hwplan ep
void add_tpot_command(CLI::App& app, Context& ctx);    // hwplan tpot
void add_gemm_command(CLI::App& app, Context& ctx);    // hwplan gemm
void add_plan_command(CLI::App& app, Context& ctx);     // hwplan plan <scenario.yaml>
void add_sweep_command(CLI::App& app, Context& ctx);    // hwplan sweep <scenario.yaml> --out f.csv
void add_serve_command(CLI::App& app, Context& ctx);    // hwplan serve --rate 300/s ...
void add_validate_command(CLI::App& app, Context& ctx); // hwplan validate (model vs published references)
void add_train_command(CLI::App& app, Context& ctx);    // hwplan train (GPU-hours, days, cost)
void add_calibrate_command(CLI::App& app, Context& ctx);  // hwplan calibrate fit|report

}  // namespace hwplan::cli

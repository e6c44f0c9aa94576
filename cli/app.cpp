#include "cli/app.hpp"

#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <algorithm>
#include <exception>
#include <string>
#include <vector>

#include "cli/bounded_flag.hpp"
#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "hwdb/suggest.hpp"
#include "model/error.hpp"

namespace hwplan::cli {

int run(int argc, char** argv) {
    Context ctx(argc > 0 ? argv[0] : "");
    CLI::App app{"hwplan: hardware-aware performance model and capacity planner for LLMs"};
    app.set_version_flag("--version", std::string("hwplan ") + HWPLAN_CLI_VERSION);
    app.require_subcommand(1);
    app.fallthrough();
    app.add_option("--data-dir", ctx.hardware_dir, "Hardware database folder (default: $HWPLAN_DATA or built-in)")
        ->check(non_empty());
    app.add_option("--models-dir", ctx.models_dir, "Model database folder (default: $HWPLAN_MODELS or built-in)")
        ->check(non_empty());

    add_models_command(app, ctx);
    add_hw_command(app, ctx);
    add_kv_command(app, ctx);
    add_params_command(app, ctx);
    add_flops_command(app, ctx);
    add_memory_command(app, ctx);
    add_report_command(app, ctx);
    add_topo_command(app, ctx);
    add_ep_command(app, ctx);
    add_tpot_command(app, ctx);
    add_gemm_command(app, ctx);
    add_plan_command(app, ctx);
    add_sweep_command(app, ctx);
    add_serve_command(app, ctx);
    add_validate_command(app, ctx);
    add_train_command(app, ctx);
    add_calibrate_command(app, ctx);

    // An unknown first word gets a "did you mean" instead of CLI11's generic
    // "a subcommand is required".
    if (argc > 1 && argv[1][0] != '-') {
        std::vector<std::string> names;
        for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
        if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
            fmt::print(stderr, "hwplan: error: unknown command '{}'{}\nRun with --help for usage.\n", argv[1],
                       hwdb::did_you_mean(argv[1], names));
            return 2;
        }
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        fmt::print(stderr, "hwplan: error: {}\n", e.what());
        fmt::print(stderr, "Run with --help for usage.\n");
        return 2;
    } catch (const hwplan::Error& e) {
        fmt::print(stderr, "hwplan: error: {}\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        fmt::print(stderr, "hwplan: internal error: {}\n", e.what());
        return 1;
    }
    return ctx.exit_code;
}

}  // namespace hwplan::cli

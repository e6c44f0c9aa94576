// hwplan memory: memory per GPU for a deployment, and whether it fits.
#include "cli/commands.hpp"
#include "cli/layout_options.hpp"
#include "cli/memory_report.hpp"

namespace hwplan::cli {

void add_memory_command(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<LayoutOptions>();
    auto* sub = app.add_subcommand("memory", "Memory per GPU (weights, KV, activations, buffers) and fit");
    add_layout_options(sub, *o);
    add_format_option(sub, ctx);
    sub->callback([o, &ctx] {
        const ResolvedLayout l = resolve_layout(*o, ctx.db());
        Report r;
        append_memory_report(r, l);
        ctx.emit(r);
    });
}

}  // namespace hwplan::cli

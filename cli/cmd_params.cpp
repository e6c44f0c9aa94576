// hwplan params: parameter counts, total and active.
#include "cli/commands.hpp"
#include "cli/memory_report.hpp"
#include "model/error.hpp"
#include "model/param_count.hpp"

namespace hwplan::cli {

void add_params_command(CLI::App& app, Context& ctx) {
    auto model_id = std::make_shared<std::string>();
    auto* sub = app.add_subcommand("params", "Parameter counts, total and active per token");
    sub->add_option("--model", *model_id, "Model id or path (.yaml / HF config.json)")->required();
    add_format_option(sub, ctx);
    sub->callback([model_id, &ctx] {
        model::ModelArch m;
        try {
            m = ctx.db().model(*model_id);
        } catch (const Error& e) {
            throw e.within("--model");
        }
        const auto p = model::count_params(m);
        Report r;
        r.json = {{"model", m.id},
                  {"params_total", p.total},
                  {"params_total_with_mtp", p.total_with_mtp()},
                  {"params_active", p.active},
                  {"params_checkpoint", p.checkpoint_total},
                  {"params_embedding", p.embedding},
                  {"params_lm_head", p.lm_head},
                  {"params_attention", p.attention},
                  {"params_dense_ffn", p.dense_ffn},
                  {"params_routed_experts", p.routed_experts},
                  {"params_shared_experts", p.shared_experts},
                  {"params_router", p.router},
                  {"params_norms", p.norms},
                  {"params_mtp", p.mtp},
                  {"params_active_without_embedding", p.active_matmul()},
                  {"weights_storage", weight_storage_json(m)}};
        const auto b = [](double v) { return fixed(v / 1e9, 3); };
        Table t{"Parameters of " + m.id + " (billions)", {"component", "total", "active per token"}, {}, {}};
        const double active_experts = p.active - p.embedding - p.lm_head - p.attention - p.dense_ffn - p.norms;
        t.rows = {{"embedding", b(p.embedding), b(p.embedding)},
                  {"lm_head", b(p.lm_head), b(p.lm_head)},
                  {"attention", b(p.attention), b(p.attention)},
                  {"dense FFN", b(p.dense_ffn), b(p.dense_ffn)},
                  {"experts + router", b(p.routed_experts + p.shared_experts + p.router), b(active_experts)},
                  {"norms", b(p.norms), b(p.norms)},
                  {"total", b(p.total), b(p.active)},
                  {"active without input embedding", "-", b(p.active_matmul())}};
        if (p.mtp > 0) t.rows.push_back({"+ MTP modules", b(p.mtp), "-"});
        if (p.mtp > 0) t.rows.push_back({"total with MTP", b(p.total_with_mtp()), "-"});
        if (p.mtp > 0)
            t.rows.push_back({"checkpoint (MTP with own embedding/head copies)", b(p.checkpoint_total), "-"});
        // Model cards quote active parameters both ways (gpt-oss: 3.6 B
        // without the embedding lookup); say which is which.
        t.notes.push_back("active per token includes the input embedding (a lookup, no FLOPs); the last row leaves "
                          "it out");
        if (m.quantization) {
            t.notes.push_back("checkpoint storage (" + m.quantization->method + "):");
            for (const auto& line : weight_storage_lines(m)) t.notes.push_back("  " + line);
        }
        r.tables.push_back(std::move(t));
        ctx.emit(r);
    });
}

}  // namespace hwplan::cli

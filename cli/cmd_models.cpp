// hwplan models list: the model database.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "model/kv_cache.hpp"
#include "model/param_count.hpp"

namespace hwplan::cli {

namespace {

std::string attention_label(const model::ModelArch& m) {
    if (const auto* a = std::get_if<model::Mla>(&m.attention)) return fmt::format("MLA {}h", a->heads);
    const auto& g = std::get<model::Gqa>(m.attention);
    if (g.kv_heads == g.heads) return fmt::format("MHA {}h", g.heads);
    if (g.kv_heads == 1) return fmt::format("MQA {}h", g.heads);
    return fmt::format("GQA {}h/{}kv", g.heads, g.kv_heads);
}

std::string ffn_label(const model::ModelArch& m) {
    if (const auto* e = std::get_if<model::Moe>(&m.ffn))
        return fmt::format("MoE {}+{} top-{}", e->routed_experts, e->shared_experts, e->top_k);
    return "dense";
}

}  // namespace

void add_models_command(CLI::App& app, Context& ctx) {
    auto* models = app.add_subcommand("models", "The model database");
    models->require_subcommand(1);
    auto* list = models->add_subcommand("list", "List the models in the database");
    add_format_option(list, ctx);
    list->callback([&ctx] {
        Report r;
        Table t{"Models", {"id", "name", "layers", "hidden", "attention", "ffn", "params_B", "active_B"}, {}, {}};
        r.json["models"] = nlohmann::json::array();
        for (const auto& [id, m] : ctx.db().models()) {
            const auto p = model::count_params(m);
            t.rows.push_back({id, m.name, std::to_string(m.layers), std::to_string(m.hidden), attention_label(m),
                              ffn_label(m), fixed(p.total / 1e9, 1), fixed(p.active / 1e9, 1)});
            r.json["models"].push_back({{"id", id},
                                        {"name", m.name},
                                        {"layers", m.layers},
                                        {"hidden", m.hidden},
                                        {"attention", attention_label(m)},
                                        {"ffn", ffn_label(m)},
                                        {"params_total", p.total},
                                        {"params_active", p.active},
                                        {"source", m.source}});
        }
        t.notes.push_back("models folder: " + ctx.db().paths().models.string());
        r.tables.push_back(std::move(t));
        ctx.emit(r);
    });
}

}  // namespace hwplan::cli

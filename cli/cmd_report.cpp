// hwplan report: the default capacity report that ./run.sh prints.
// DeepSeek-V3 on H800 nodes: KV cache (Table 1), parameters and FLOPs
// (Table 2), memory per GPU for DeepSeek's published layouts.
#include "cli/commands.hpp"
#include "cli/layout_options.hpp"
#include "cli/memory_report.hpp"
#include "model/flops_per_token.hpp"
#include "model/kv_cache.hpp"
#include "model/param_count.hpp"

namespace hwplan::cli {

void add_report_command(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<LayoutOptions>();
    o->model = "deepseek-v3";
    o->system = "h800-node";
    auto* sub = app.add_subcommand("report", "Capacity report: DeepSeek-V3 on H800 nodes by default");
    sub->add_option("--model", o->model, "Model id or path");
    sub->add_option("--system", o->system, "System (node) id");
    add_format_option(sub, ctx);
    sub->callback([o, &ctx] {
        const auto& db = ctx.db();
        const model::ModelArch m = db.model(o->model);
        Report r;
        const auto p = model::count_params(m);
        const double kv = model::kv_bytes_per_token(m, model::DType::bf16).value();
        const double train = model::train_flops_per_token(m, 4096).value();
        Table summary{"Model: " + m.name, {"quantity", "value"}, {}, {}};
        summary.rows = {{"parameters (total)", fixed(p.total / 1e9, 1) + " B"},
                        {"parameters (with MTP)", fixed(p.total_with_mtp() / 1e9, 1) + " B"},
                        {"parameters (active/token)", fixed(p.active / 1e9, 1) + " B"},
                        {"KV cache per token (BF16)", fixed(kv / 1e3, 3) + " KB"},
                        {"training GFLOPs/token (seq 4096)", fixed(train / 1e9, 1)},
                        {"forward GFLOPs/token (context 4096)",
                         fixed(model::forward_flops_per_token(m, 4096).value() / 1e9, 1)}};
        r.tables.push_back(std::move(summary));
        r.json["model"] = m.id;
        r.json["params_total"] = p.total;
        r.json["params_active"] = p.active;
        r.json["kv_bytes_per_token"] = kv;
        r.json["train_gflops_per_token"] = train / 1e9;

        // Memory for one node and for DeepSeek's prefill unit (4 nodes, EP32).
        r.json["memory"] = nlohmann::json::array();
        for (int nodes : {1, 4}) {
            LayoutOptions lo = *o;
            lo.nodes = nodes;
            lo.batch = 32;
            lo.context = "4096";
            const ResolvedLayout l = resolve_layout(lo, db);
            Report part;
            append_memory_report(part, l);
            r.tables.push_back(std::move(part.tables.front()));
            part.json["nodes"] = nodes;
            r.json["memory"].push_back(std::move(part.json));
        }
        ctx.emit(r);
    });
}

}  // namespace hwplan::cli

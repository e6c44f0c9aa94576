// hwplan kv: KV cache per token (paper Table 1).
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/split_list.hpp"
#include "hwdb/unit_parse.hpp"
#include "model/dtype.hpp"
#include "model/error.hpp"
#include "model/kv_cache.hpp"

namespace hwplan::cli {

namespace {

struct KvOptions {
    std::string model;
    std::string dtype = "bf16";
    std::string compare;  // comma list; empty with --compare alone
    std::string context;  // tokens per sequence; empty: per token only
};

// The models of the paper's Table 1, compared when --compare has no list.
const std::vector<std::string> kTable1 = {"deepseek-v3", "qwen2.5-72b", "llama-3.1-405b"};

}  // namespace

void add_kv_command(CLI::App& app, Context& ctx) {
    auto opts = std::make_shared<KvOptions>();
    auto* sub = app.add_subcommand("kv", "KV cache bytes per token (paper Table 1)");
    sub->add_option("--model", opts->model, "Model id or path (.yaml / HF config.json)");
    sub->add_option("--dtype", opts->dtype, "KV element type: bf16 (default), fp8, fp16, fp32, int4 ...");
    sub->add_option("--compare", opts->compare,
                                "Compare models (comma list; alone: the paper's Table 1 models)")
        ->expected(0, 1);
    sub->add_option("--context", opts->context,
                    "Also the KV of one sequence of this many tokens, sliding windows applied (e.g. 131072)");
    add_format_option(sub, ctx);
    sub->callback([opts, sub, &ctx] {
        const auto dtype = model::dtype_from_string(opts->dtype);
        if (!dtype) throw Error("unknown dtype '" + opts->dtype + "'", "--dtype");
        std::vector<std::string> ids;
        const bool compare = sub->count("--compare") > 0;
        if (compare) {
            ids = opts->compare.empty() ? kTable1 : split_list(opts->compare);
            if (!opts->model.empty()) ids.insert(ids.begin(), opts->model);
        } else {
            if (opts->model.empty()) throw Error("give --model <id|path>, or --compare", "--model");
            ids = {opts->model};
        }
        double context = 0;
        if (!opts->context.empty()) {
            context = hwdb::parse_count(opts->context, "--context");
            if (context < 1 || context > 1e9 || context != static_cast<double>(static_cast<long long>(context)))
                throw Error("expected a whole number of tokens from 1 to 1e9, got '" + opts->context + "'",
                            "--context");
        }
        Report r;
        Table t{"KV cache per token (" + std::string(model::to_string(*dtype)) + ")",
                {"model", "attention", "layers", "elements/layer", "KV/token (KB)", "multiplier"},
                {},
                {}};
        if (context > 0) {
            t.title += ", and per sequence of " + fixed(context, 0) + " tokens";
            t.columns.push_back("KV/sequence (MB)");
        }
        double base = 0;
        nlohmann::json rows = nlohmann::json::array();
        for (const auto& id : ids) {
            model::ModelArch m;
            try {
                m = ctx.db().model(id);
            } catch (const Error& e) {
                throw e.within(compare ? "--compare" : "--model");
            }
            const double kv = model::kv_bytes_per_token(m, *dtype).value();
            if (base == 0) base = kv;
            const double mult = kv / base;
            const std::string kind = m.is_mla() ? "MLA" : "GQA";
            t.rows.push_back({m.id, kind, std::to_string(m.layers),
                              fixed(model::kv_elements_per_token_per_layer(m), 0), fixed(kv / 1e3, 3),
                              fixed(mult, 2) + "x"});
            nlohmann::json row{{"model", m.id},
                               {"attention", kind},
                               {"layers", m.layers},
                               {"dtype", model::to_string(*dtype)},
                               {"kv_bytes_per_token", kv},
                               {"kv_bytes_per_token_per_layer", kv / m.layers},
                               {"multiplier", mult}};
            if (context > 0) {
                const double seq = model::kv_bytes_per_sequence(m, *dtype, context).value();
                t.rows.back().push_back(fixed(seq / 1e6, 3));
                row["context_tokens"] = context;
                row["kv_bytes_per_sequence"] = seq;
            }
            if (m.sliding_window) {
                row["sliding_window_tokens"] = m.sliding_window->window;
                row["sliding_window_layers"] = m.sliding_window->layers;
                // Per token counts every layer; a windowed layer stops growing at the window.
                t.notes.push_back(m.id + ": " + std::to_string(m.sliding_window->layers) + " of " +
                                  std::to_string(m.layers) + " layers keep at most " +
                                  std::to_string(m.sliding_window->window) +
                                  " tokens (sliding / chunked window); KV/token counts all layers" +
                                  (context > 0 ? ", KV/sequence applies the window" : ": give --context for one sequence"));
            }
            if (context > 0 && m.max_context > 0 && context > m.max_context)
                t.notes.push_back("warning: --context " + fixed(context, 0) + " exceeds " + m.id +
                                  "'s max_position_embeddings " + std::to_string(m.max_context));
            rows.push_back(std::move(row));
        }
        if (compare) {
            r.json["dtype"] = model::to_string(*dtype);
            r.json["models"] = rows;
            t.notes.push_back("KB = 1000 bytes, as in the paper. MTP modules are not counted (as in the paper).");
            t.notes.push_back(
                "Paper Table 1 prints 7.28x for LLaMA-3.1 405B; 516.096 / 70.272 = 7.34x (the paper's ratio does "
                "not follow from its own sizes; see docs/equations.md).");
        } else {
            r.json = rows[0];
        }
        r.tables.push_back(std::move(t));
        ctx.emit(r);
    });
}

}  // namespace hwplan::cli

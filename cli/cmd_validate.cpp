// hwplan validate: the model against the published reference figures of
// scenarios/references/*.yaml -- predicted vs published and the error per
// row, with median and worst error overall and per source. `--max-error`
// turns it into a check (exit code 1 when a modelled row is off by more);
// `--format markdown` prints the tables docs/validation.md is generated from
// (scripts/gen_validation_doc.sh).
#include <fmt/format.h>

#include <cmath>
#include <cctype>
#include <cstdio>
#include <optional>

#include "cli/commands.hpp"
#include "cli/layout_options.hpp"
#include "hwdb/reference_file.hpp"
#include "model/error.hpp"
#include "model/validation/validation.hpp"

namespace hwplan::cli {

namespace {

namespace val = model::validation;

struct ValidateOptions {
    std::string refs;
    std::vector<std::string> sources;
    std::vector<std::string> kinds;
    std::string format = "table";
    std::optional<double> max_error;
};

// Ids resolved through the database; serving layouts through the same code
// as `hwplan tpot` (cli/layout_options).
val::Catalog make_catalog(const hwdb::Database& db) {
    val::Catalog c;
    c.model = [&db](std::string_view id) { return db.model(id); };
    c.gpu = [&db](std::string_view id) { return db.gpu(id); };
    c.system = [&db](std::string_view id) { return db.system(id); };
    c.systems = [&db] {
        std::vector<model::System> all;
        for (const auto& [id, s] : db.systems()) all.push_back(s);
        return all;
    };
    c.setup = [&db](const val::SetupRequest& q) {
        LayoutOptions o;
        o.model = q.model;
        o.system = q.system;
        o.gpu = q.gpu;
        o.nodes = q.nodes;
        o.tp = q.tp;
        o.dp = q.dp;
        o.pp = q.pp;
        o.ep = q.ep;
        o.redundant_experts = q.redundant_experts;
        o.weights = q.weights;
        o.kv = q.kv;
        o.activations = q.activations;
        o.dispatch = q.dispatch;
        o.combine = q.combine;
        o.batch = q.batch;
        o.context = std::to_string(q.context);
        o.prompt = std::to_string(q.prompt);
        ResolvedLayout l = resolve_layout(o, db);
        return val::Setup{std::move(l.model), std::move(l.system), l.deployment, l.workload};
    };
    return c;
}

// Numbers as a person reads them: 4 significant digits, no exponent below 1e9.
std::string num(double v) {
    if (v == 0) return "0";
    const double a = std::fabs(v);
    if (a >= 1e9 || a < 1e-3) return fmt::format("{:.4g}", v);
    const int digits = a >= 1000 ? 0 : a >= 100 ? 1 : a >= 10 ? 2 : a >= 1 ? 3 : 4;
    std::string s = fmt::format("{:.{}f}", v, digits);
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    return s;
}

std::string published(const val::Reference& r) {
    std::string s;
    if (r.range) s = num(r.range->first) + "–" + num(r.range->second);
    else s = num(r.value);
    if (r.bound == val::BoundKind::upper) s = "≤ " + s;
    if (r.bound == val::BoundKind::lower) s = "≥ " + s;
    if (r.approx) s = "~" + s;
    return s;
}

std::string pct(double fraction) { return fmt::format("{:+.1f} %", 100 * fraction); }
std::string abs_pct(double fraction) { return fmt::format("{:.1f} %", 100 * fraction); }

nlohmann::json stats_json(const val::Stats& s) {
    return {{"count", s.rows},
            {"modelled", s.modelled},
            {"not_modelled", s.rows - s.modelled},
            {"median_abs_error_pct", 100 * s.median_abs_error},
            {"mean_abs_error_pct", 100 * s.mean_abs_error},
            {"max_abs_error_pct", 100 * s.max_abs_error},
            {"worst_id", s.worst_id}};
}

nlohmann::json row_json(const val::RowResult& r) {
    const val::Reference& ref = *r.ref;
    nlohmann::json j = {{"id", ref.id},
                        {"source", ref.source},
                        {"kind", val::to_string(ref.kind)},
                        {"quantity", ref.quantity},
                        {"unit", ref.unit},
                        {"published", ref.value},
                        {"bound", val::to_string(ref.bound)},
                        {"approx", ref.approx},
                        {"modelled", r.modelled},
                        {"url", ref.source_url},
                        {"where", ref.where}};
    if (ref.range) j["published_range"] = {ref.range->first, ref.range->second};
    if (r.modelled) {
        j["predicted"] = r.predicted;
        j["error_pct"] = 100 * r.error;
        j["raw_error_pct"] = 100 * r.raw_error;
        j["method"] = val::to_string(r.method);
        j["basis"] = r.basis;
    } else {
        j["reason"] = r.reason;
    }
    return j;
}

Table summary_table(const std::string& title, const std::string& group, const std::map<std::string, val::Stats>& m,
                    const val::Stats* overall) {
    Table t{title, {group, "rows", "modelled", "median |error|", "max |error|", "worst row"}, {}, {}};
    auto add = [&t](const std::string& name, const val::Stats& s) {
        t.rows.push_back({name, std::to_string(s.rows), std::to_string(s.modelled),
                          s.modelled ? abs_pct(s.median_abs_error) : "-", s.modelled ? abs_pct(s.max_abs_error) : "-",
                          s.modelled ? s.worst_id : "-"});
    };
    for (const auto& [k, s] : m) add(k, s);
    if (overall) add("all", *overall);
    return t;
}

Report build_report(const std::vector<val::RowResult>& rows, const val::Summary& sum, const ValidateOptions& o,
                    const std::string& refs_path) {
    Report rep;
    nlohmann::json jrows = nlohmann::json::array();
    Table modelled{"Predicted vs published (error = (predicted - published) / published; 0 inside a published "
                   "range or bound)",
                   {"id", "quantity", "unit", "published", "predicted", "error", "method"},
                   {},
                   {}};
    Table skipped{"Not modelled", {"id", "quantity", "reason"}, {}, {}};
    std::vector<std::string> exceeding;
    for (const auto& r : rows) {
        jrows.push_back(row_json(r));
        if (r.modelled) {
            modelled.rows.push_back({r.ref->id, r.ref->quantity, r.ref->unit, published(*r.ref), num(r.predicted),
                                     pct(r.error), std::string(val::to_string(r.method))});
            if (o.max_error && std::fabs(100 * r.error) > *o.max_error) exceeding.push_back(r.ref->id);
        } else {
            skipped.rows.push_back({r.ref->id, r.ref->quantity, r.reason});
        }
    }
    nlohmann::json by_source = nlohmann::json::object(), by_kind = nlohmann::json::object(),
                   by_method = nlohmann::json::object();
    for (const auto& [k, s] : sum.by_source) by_source[k] = stats_json(s);
    for (const auto& [k, s] : sum.by_kind) by_kind[k] = stats_json(s);
    for (const auto& [k, s] : sum.by_method) by_method[k] = stats_json(s);
    nlohmann::json summary = stats_json(sum.overall);
    summary["by_source"] = by_source;
    summary["by_kind"] = by_kind;
    summary["by_method"] = by_method;
    rep.json = {{"references_path", refs_path}, {"rows", jrows}, {"summary", summary}};
    if (o.max_error) {
        rep.json["max_error_pct"] = *o.max_error;
        rep.json["exceeding"] = exceeding;
    }
    rep.tables.push_back(std::move(modelled));
    if (!skipped.rows.empty()) rep.tables.push_back(std::move(skipped));
    rep.tables.push_back(summary_table("Summary by source (|error| over modelled rows)", "source", sum.by_source,
                                       &sum.overall));
    rep.tables.push_back(summary_table("Summary by kind", "kind", sum.by_kind, nullptr));
    rep.tables.push_back(summary_table("Summary by method", "method", sum.by_method, nullptr));
    rep.notes.push_back(fmt::format("{} reference rows from {}: {} modelled, {} not modelled; median |error| {}, "
                                    "max |error| {} ({})",
                                    sum.overall.rows, refs_path, sum.overall.modelled,
                                    sum.overall.rows - sum.overall.modelled, abs_pct(sum.overall.median_abs_error),
                                    abs_pct(sum.overall.max_abs_error), sum.overall.worst_id));
    rep.notes.push_back("spec-sheet efficiencies (model/efficiency.hpp), nothing fitted to these rows; "
                        "paper rows (conditions.mode: paper) use the paper's sec. 2.3.2 EP bound");
    return rep;
}

std::string md_cell(std::string s) {
    std::string out;
    for (char ch : s) {
        if (ch == '|') out += "\\|";
        else if (ch == '\n') out += ' ';
        else out += ch;
    }
    return out;
}

void md_table(std::string& out, const Table& t) {
    out += "### " + t.title + "\n\n|";
    for (const auto& c : t.columns) out += " " + md_cell(c) + " |";
    out += "\n|";
    for (std::size_t i = 0; i < t.columns.size(); ++i) out += "---|";
    out += "\n";
    for (const auto& row : t.rows) {
        out += "|";
        for (const auto& cell : row) out += " " + md_cell(cell) + " |";
        out += "\n";
    }
    out += "\n";
}

// Markdown for docs/validation.md: summary first, then every row.
std::string markdown(const Report& rep) {
    std::string out;
    for (const auto& n : rep.notes) out += n + ".\n\n";
    // Summaries (the last three tables) before the long row tables.
    const std::size_t n = rep.tables.size();
    for (std::size_t i = n - 3; i < n; ++i) md_table(out, rep.tables[i]);
    for (std::size_t i = 0; i + 3 < n; ++i) md_table(out, rep.tables[i]);
    return out;
}

}  // namespace

void add_validate_command(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<ValidateOptions>();
    auto* sub = app.add_subcommand("validate", "Model vs published reference measurements: error per row, median and max");
    sub->add_option("--refs", o->refs, "Reference file or folder (default: scenarios/references)");
    sub->add_option("--source", o->sources, "Only rows of these sources (file stems: paper, deepep, sglang, ...)");
    sub->add_option("--kind", o->kinds,
                    "Only rows of these kinds (measurement, paper_calculation, specification, deployment_report) "
                    "or quantities (e.g. tpot_ms)");
    sub->add_option("--format", o->format, "Output format: table (default), json, csv or markdown")
        ->check(CLI::IsMember({"table", "json", "csv", "markdown"}, CLI::ignore_case));
    sub->add_option("--max-error", o->max_error,
                    "Exit with code 1 when any modelled row's |error| exceeds PCT percent")
        ->check(CLI::NonNegativeNumber);
    sub->callback([o, &ctx] {
        const std::string fmt_name = [&] {
            std::string f = o->format;
            for (char& ch : f) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            return f;
        }();
        const std::filesystem::path path = o->refs.empty() ? hwdb::default_references_path() : std::filesystem::path(o->refs);
        std::vector<val::Reference> refs;
        try {
            refs = hwdb::load_references(path);
        } catch (const Error& e) {
            throw o->refs.empty() ? e : e.within("--refs");
        }
        std::vector<val::Reference> chosen;
        auto listed = [](const std::vector<std::string>& v, std::string_view s) {
            return v.empty() || std::find(v.begin(), v.end(), s) != v.end();
        };
        for (auto& r : refs)
            if (listed(o->sources, r.source) &&
                (listed(o->kinds, val::to_string(r.kind)) || listed(o->kinds, r.quantity)))
                chosen.push_back(std::move(r));
        if (chosen.empty()) throw Error("no reference rows match the filters", o->sources.empty() ? "--kind" : "--source");
        const val::Catalog catalog = make_catalog(ctx.db());
        const auto rows = val::evaluate_all(chosen, catalog);
        const val::Summary sum = val::summarize(rows);
        const Report rep = build_report(rows, sum, *o, path.string());
        if (fmt_name == "markdown") {
            const std::string text = markdown(rep);
            std::fwrite(text.data(), 1, text.size(), stdout);
            std::fflush(stdout);
        } else {
            ctx.format = fmt_name == "json" ? Format::json : fmt_name == "csv" ? Format::csv : Format::table;
            ctx.emit(rep);
        }
        if (o->max_error && rep.json.contains("exceeding") && !rep.json["exceeding"].empty()) {
            std::fprintf(stderr, "hwplan: %zu modelled row(s) exceed --max-error %g %%\n",
                         rep.json["exceeding"].size(), *o->max_error);
            std::fflush(stderr);
            // The report is complete; the exit code is the check's verdict.
            ctx.exit_code = 1;
        }
    });
}

}  // namespace hwplan::cli

// hwplan validate: the model against the published reference figures of
// scenarios/references/*.yaml -- predicted vs published and the error per
// row, with median and worst error overall and per source. `--max-error`
// turns it into a check (exit code 1 when a modelled row is off by more);
// `--format markdown` prints the tables docs/validation.md is generated from
// (scripts/gen_validation_doc.sh). Serving rows show where the evaluated
// step's time goes (kernel-class shares). `--cross-validate` fits the
// realistic-mode constants leave-one-source-out (model/validation/
// cross_validation.hpp) and reports the held-out errors next to the default
// and in-sample ones.
#include <fmt/format.h>

#include <cmath>
#include <cctype>
#include <cstdio>
#include <optional>

#include "cli/engine_option.hpp"
#include "cli/commands.hpp"
#include "cli/layout_options.hpp"
#include "cli/bounded_flag.hpp"
#include "hwdb/reference_file.hpp"
#include "model/error.hpp"
#include "model/validation/cross_validation.hpp"
#include "model/validation/kernel_class_shares.hpp"
#include "model/validation/validation.hpp"

namespace hwplan::cli {

namespace {

namespace val = model::validation;

struct ValidateOptions {
    std::string refs;
    std::vector<std::string> sources;
    std::vector<std::string> kinds;
    std::vector<std::string> ids;  // glob patterns (* and ?); without a wildcard, a substring
    std::string format = "table";
    std::optional<double> max_error;
    bool cross_validate = false;
    int min_fit_rows = 2;
    int min_fit_sources = 2;
    EngineOption engine;  // for rows that name no engine hwplan has
};

// Shell-style match of the whole id: '*' any run, '?' one character.
bool glob_match(std::string_view pattern, std::string_view s) {
    std::size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
    while (i < s.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == s[i])) {
            ++p;
            ++i;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = i;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            i = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

bool id_matches(const std::vector<std::string>& patterns, std::string_view id) {
    if (patterns.empty()) return true;
    for (const auto& pat : patterns) {
        const bool wild = pat.find_first_of("*?") != std::string::npos;
        if (wild ? glob_match(pat, id) : id.find(pat) != std::string_view::npos) return true;
    }
    return false;
}

// Ids resolved through the database; serving layouts through the same code
// as `hwplan tpot` (cli/layout_options).
val::Catalog make_catalog(const hwdb::Database& db) {
    val::Catalog c;
    c.model = [&db](std::string_view id) { return db.model(id); };
    c.gpu = [&db](std::string_view id) { return db.gpu(id); };
    c.system = [&db](std::string_view id) { return db.system(id); };
    c.engine = [&db](std::string_view id) { return db.engine(id); };
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

// "decode: gemm 61% attn 12% ew 9% comm 10% ovh 8%" (shares of the step;
// "hidden -5%" when overlap hides time); "-" without a breakdown.
std::string shares_text(const val::RowResult& r) {
    if (!r.breakdown) return "-";
    const auto sec = val::class_seconds(*r.breakdown);
    const double total = r.breakdown->total().value();
    if (!(total > 0)) return "-";
    std::string s = r.breakdown_phase + ":";
    for (std::size_t k = 0; k < val::kernel_class_count; ++k) {
        const double share = sec[k] / total;
        if (std::fabs(share) < 0.005) continue;
        s += fmt::format(" {} {:.0f}%", val::short_name(static_cast<val::KernelClass>(k)), 100 * share);
    }
    return s;
}

nlohmann::json breakdown_json(const model::Breakdown& b) {
    nlohmann::json j = nlohmann::json::object();
    for (std::size_t i = 0; i < model::component_count; ++i)
        j[std::string(model::component_name(static_cast<model::Component>(i)))] = 1e3 * b.seconds_[i];
    return j;
}

nlohmann::json stats_json(const val::Stats& s) {
    return {{"count", s.rows},
            {"modelled", s.modelled},
            {"not_modelled", s.rows - s.modelled},
            {"median_abs_error_pct", 100 * s.median_abs_error},
            {"mean_abs_error_pct", 100 * s.mean_abs_error},
            {"max_abs_error_pct", 100 * s.max_abs_error},
            {"p90_abs_error_pct", 100 * s.p90_abs_error},
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
        if (r.breakdown) {
            j["breakdown_phase"] = r.breakdown_phase;
            j["breakdown_ms"] = breakdown_json(*r.breakdown);
            j["step_ms"] = 1e3 * r.breakdown->total().value();
        }
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
                   {"id", "quantity", "unit", "published", "predicted", "error", "method", "step breakdown"},
                   {},
                   {}};
    Table skipped{"Not modelled", {"id", "quantity", "reason"}, {}, {}};
    std::vector<std::string> exceeding;
    for (const auto& r : rows) {
        jrows.push_back(row_json(r));
        if (r.modelled) {
            modelled.rows.push_back({r.ref->id, r.ref->quantity, r.ref->unit, published(*r.ref), num(r.predicted),
                                     pct(r.error), std::string(val::to_string(r.method)), shares_text(r)});
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
    rep.notes.push_back("serving rows run the engine they name (TensorRT-LLM and NIM: trtllm; SGLang; vLLM; gpt-fast), "
                        "others --engine " + o.engine.name + " (each row's basis says which)");
    return rep;
}

// Value of a fitted constant as printed: 3 significant digits.
std::string constant_value(double v) { return fmt::format("{:.3g}", v); }

std::string stat_cell(const val::Stats& s, double val::Stats::*field) {
    return s.modelled ? abs_pct(s.*field) : "-";
}

nlohmann::json fit_json(const val::FitResult& f) {
    nlohmann::json constants = nlohmann::json::object();
    for (const auto& c : f.constants) {
        nlohmann::json j = {{"unit", c.unit},         {"default", c.base}, {"value", c.value},
                            {"fitted", c.fitted},     {"rows", c.rows},    {"sources", c.sources}};
        if (!c.note.empty()) j["note"] = c.note;
        constants[c.name] = j;
    }
    return {{"constants", constants},
            {"training_rows", f.rows},
            {"loss_default", f.loss_base},
            {"loss_fitted", f.loss_fitted},
            {"sweeps", f.sweeps},
            {"evaluations", f.evaluations}};
}

// The cross-validation tables (returned) and JSON (into rep.json).
std::vector<Table> cross_validation_report(Report& rep, const val::CrossValidation& cv,
                                           const val::FitSettings& settings) {
    std::vector<Table> tables;
    // Per source: defaults, in-sample, cross-validated.
    Table per_source{"Cross-validated |error| per source (measurement rows; leave-one-source-out)",
                     {"source", "modelled / rows", "default median", "default p90", "in-sample median",
                      "in-sample p90", "CV median", "CV p90", "CV max", "CV worst row"},
                     {},
                     {}};
    nlohmann::json jsrc = nlohmann::json::object();
    const auto add = [&](const std::string& name, const val::SourceFigures& f) {
        const val::Stats& c = f.cross_validated;
        per_source.rows.push_back({name, fmt::format("{} / {}", c.modelled, c.rows),
                                   stat_cell(f.base, &val::Stats::median_abs_error),
                                   stat_cell(f.base, &val::Stats::p90_abs_error),
                                   stat_cell(f.in_sample, &val::Stats::median_abs_error),
                                   stat_cell(f.in_sample, &val::Stats::p90_abs_error),
                                   stat_cell(c, &val::Stats::median_abs_error),
                                   stat_cell(c, &val::Stats::p90_abs_error),
                                   stat_cell(c, &val::Stats::max_abs_error), c.modelled ? c.worst_id : "-"});
        return nlohmann::json{{"default", stats_json(f.base)},
                              {"in_sample", stats_json(f.in_sample)},
                              {"cross_validated", stats_json(c)}};
    };
    for (const auto& [name, f] : cv.by_source) {
        if (f.base.rows == 0) continue;  // no measurement rows
        jsrc[name] = add(name, f);
    }
    const nlohmann::json joverall = add("all", cv.overall);
    per_source.notes.push_back(
        "error = (predicted - published) / published (negative: predicted too low); |error| over modelled "
        "measurement rows; p90: 90th percentile");
    tables.push_back(std::move(per_source));

    // Fitted values per fold.
    std::vector<const val::Fold*> fitted_folds;
    for (const auto& f : cv.folds)
        if (f.fitted) fitted_folds.push_back(&f);
    Table values{"Fitted constants: default, in-sample and per fold (fold = source held out; '=' not fitted, "
                 "keeps its default)",
                 {"constant", "unit", "bounds", "default", "in-sample"},
                 {},
                 {}};
    for (const auto* f : fitted_folds) values.columns.push_back("w/o " + f->held_out);
    values.columns.push_back("fold min–max");
    for (std::size_t j = 0; j < settings.constants.size(); ++j) {
        const val::FittedConstant& c = settings.constants[j];
        const val::ConstantFit& in = cv.in_sample_fit.constants[j];
        std::vector<std::string> row{std::string(c.name), c.unit.empty() ? "-" : std::string(c.unit),
                                     fmt::format("[{:g}, {:g}]", c.lo, c.hi), constant_value(in.base),
                                     in.fitted ? constant_value(in.value) : "="};
        double lo = INFINITY, hi = -INFINITY;
        for (const auto* f : fitted_folds) {
            const val::ConstantFit& fc = f->fit.constants[j];
            row.push_back(fc.fitted ? constant_value(fc.value) : "=");
            if (fc.fitted) {
                lo = std::min(lo, fc.value);
                hi = std::max(hi, fc.value);
            }
        }
        row.push_back(lo <= hi ? constant_value(lo) + "–" + constant_value(hi) : "-");
        values.rows.push_back(std::move(row));
    }
    tables.push_back(std::move(values));

    // Why a constant is not fitted (in-sample, and in each fold where it differs).
    Table unfitted{"Not fitted (no constant may be set from a single row, nor from one source's rows)",
                   {"constant", "fit", "why"},
                   {},
                   {}};
    for (std::size_t j = 0; j < settings.constants.size(); ++j) {
        const auto& in = cv.in_sample_fit.constants[j];
        if (!in.fitted) unfitted.rows.push_back({in.name, "in-sample", in.note});
        for (const auto* f : fitted_folds) {
            const auto& fc = f->fit.constants[j];
            if (!fc.fitted && in.fitted) unfitted.rows.push_back({fc.name, "w/o " + f->held_out, fc.note});
        }
    }
    if (!unfitted.rows.empty()) tables.push_back(std::move(unfitted));

    Table held{"Held at their datasheet / paper values (never fitted)", {"constant", "why"}, {}, {}};
    for (const auto& h : val::realistic_held_constants()) held.rows.push_back({std::string(h.name), std::string(h.why)});
    tables.push_back(std::move(held));

    // JSON.
    nlohmann::json jconst = nlohmann::json::array();
    for (const auto& c : settings.constants)
        jconst.push_back({{"name", c.name},
                          {"unit", c.unit},
                          {"lo", c.lo},
                          {"hi", c.hi},
                          {"meaning", c.meaning},
                          {"default_source", c.default_source}});
    nlohmann::json jheld = nlohmann::json::array();
    for (const auto& h : val::realistic_held_constants()) jheld.push_back({{"name", h.name}, {"why", h.why}});
    nlohmann::json jfolds = nlohmann::json::array();
    for (const auto& f : cv.folds) {
        nlohmann::json j = {{"held_out", f.held_out}, {"fitted", f.fitted}};
        if (!f.note.empty()) j["note"] = f.note;
        if (f.fitted) j["fit"] = fit_json(f.fit);
        jfolds.push_back(j);
    }
    rep.json["cross_validation"] = {
        {"loss", "mean over training measurement rows of pseudo-Huber(|ln(1 + error)|, delta 0.02), |ln| capped at ln 10"},
        {"min_rows", settings.min_rows},
        {"min_sources", settings.min_sources},
        {"constants", jconst},
        {"held_constants", jheld},
        {"in_sample_fit", fit_json(cv.in_sample_fit)},
        {"folds", jfolds},
        {"by_source", jsrc},
        {"overall", joverall},
        {"evaluations", cv.evaluations}};
    // Per row: in-sample and cross-validated predictions.
    auto& jrows = rep.json["rows"];
    for (std::size_t i = 0; i < cv.cross_validated.size() && i < jrows.size(); ++i) {
        const auto& c = cv.cross_validated[i];
        const auto& in = cv.in_sample[i];
        if (c.modelled) {
            jrows[i]["cv_predicted"] = c.predicted;
            jrows[i]["cv_error_pct"] = 100 * c.error;
            if (c.breakdown) jrows[i]["cv_breakdown_ms"] = breakdown_json(*c.breakdown);
        }
        if (in.modelled) jrows[i]["in_sample_error_pct"] = 100 * in.error;
    }
    const val::Stats& o = cv.overall.cross_validated;
    rep.notes.push_back(fmt::format(
        "cross-validated (leave-one-source-out) over {} of {} measurement rows: median |error| {}, p90 {}, max {} "
        "({}); with the default constants: median {}, p90 {}",
        o.modelled, o.rows, abs_pct(o.median_abs_error), abs_pct(o.p90_abs_error), abs_pct(o.max_abs_error),
        o.worst_id, abs_pct(cv.overall.base.median_abs_error), abs_pct(cv.overall.base.p90_abs_error)));
    rep.notes.push_back(fmt::format(
        "fit: mean pseudo-Huber |ln(predicted / published)| (L1 beyond 2 %) over training measurement rows, coordinate descent with golden-section "
        "search within each constant's bounds; a constant needs {} rows from {} sources (no constant may be set "
        "from a single row)",
        settings.min_rows, settings.min_sources));
    return tables;
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
std::string markdown(const Report& rep, const std::vector<Table>& cv_tables) {
    std::string out;
    for (const auto& n : rep.notes) out += n + ".\n\n";
    for (const auto& t : cv_tables) md_table(out, t);
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
    sub->add_option("--id", o->ids,
                    "Only rows whose id matches PATTERN (glob with * and ?; without a wildcard, a substring)");
    sub->add_flag("--cross-validate", o->cross_validate,
                  "Fit the realistic-mode constants leave-one-source-out and report the held-out errors (slow: "
                  "about a minute; progress on stderr)");
    sub->add_option("--min-fit-rows", o->min_fit_rows,
                    "With --cross-validate: measurement rows a constant needs to be fitted (>= 2, default 2)");
    sub->add_option("--min-fit-sources", o->min_fit_sources,
                    "With --cross-validate: sources those rows must come from (>= 1, default 2)");
    add_engine_option(sub, o->engine);
    sub->add_option("--max-error", o->max_error,
                    "Exit with code 1 when any modelled row's |error| exceeds PCT percent")
        ->check(number_in(0, 1e6));  // NaN would switch the CI gate off: refused
    sub->callback([o, &ctx] {
        const std::string fmt_name = [&] {
            std::string f = o->format;
            for (char& ch : f) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            return f;
        }();
        for (const auto& id : o->ids)
            if (id.empty()) throw Error("empty pattern", "--id");
        if (o->min_fit_rows < 2)
            throw Error(fmt::format("must be at least 2 (no constant may be set from a single row), got {}",
                                    o->min_fit_rows),
                        "--min-fit-rows");
        if (o->min_fit_sources < 1)
            throw Error(fmt::format("must be at least 1, got {}", o->min_fit_sources), "--min-fit-sources");
        const std::filesystem::path path = o->refs.empty() ? hwdb::default_references_path() : std::filesystem::path(o->refs);
        std::vector<val::Reference> refs;
        try {
            refs = hwdb::load_references(path);
        } catch (const Error& e) {
            throw o->refs.empty() ? e : e.within("--refs");
        }
        std::vector<std::string> known_sources;
        for (const auto& r : refs)
            if (std::find(known_sources.begin(), known_sources.end(), r.source) == known_sources.end())
                known_sources.push_back(r.source);
        for (const auto& src : o->sources)
            if (std::find(known_sources.begin(), known_sources.end(), src) == known_sources.end()) {
                std::string list;
                for (const auto& k : known_sources) list += (list.empty() ? "" : ", ") + k;
                throw Error(fmt::format("unknown source '{}' (sources: {})", src, list), "--source");
            }
        std::vector<val::Reference> chosen;
        auto listed = [](const std::vector<std::string>& v, std::string_view s) {
            return v.empty() || std::find(v.begin(), v.end(), s) != v.end();
        };
        for (auto& r : refs)
            if (listed(o->sources, r.source) &&
                (listed(o->kinds, val::to_string(r.kind)) || listed(o->kinds, r.quantity)) && id_matches(o->ids, r.id))
                chosen.push_back(std::move(r));
        if (chosen.empty())
            throw Error("no reference rows match the filters",
                        !o->ids.empty() ? "--id" : o->sources.empty() ? "--kind" : "--source");
        const val::Catalog catalog = make_catalog(ctx.db());
        val::Options options;
        options.engine_id = o->engine.name;
        options.step.engine = resolve_engine(o->engine, ctx).traits;
        std::vector<Table> cv_tables;
        std::optional<val::CrossValidation> cv;
        val::FitSettings settings;
        settings.min_rows = o->min_fit_rows;
        settings.min_sources = o->min_fit_sources;
        if (o->cross_validate) {
            std::fprintf(stderr, "hwplan validate: finding which rows depend on which of %zu constants ...\n",
                         settings.constants.size());
            std::fflush(stderr);
            int last_fold = -1, last_sweep = -1;
            cv = val::cross_validate(chosen, catalog, options, settings,
                                     [&](const val::CrossValidationProgress& p) {
                                         if (p.fold == last_fold && p.fit.sweep == last_sweep) return;
                                         last_fold = p.fold;
                                         last_sweep = p.fit.sweep;
                                         const std::string what =
                                             p.fold == 0 ? std::string("in-sample fit (all sources)")
                                                         : fmt::format("fold {}/{} (held out: {})", p.fold, p.folds,
                                                                       p.held_out);
                                         std::fprintf(stderr, "hwplan validate: %s: sweep %d, %d evaluations, loss %.4f\n",
                                                      what.c_str(), p.fit.sweep, p.fit.evaluations, p.fit.loss);
                                         std::fflush(stderr);
                                     });
        }
        const auto rows = cv ? cv->base : val::evaluate_all(chosen, catalog, options);
        const val::Summary sum = val::summarize(rows);
        Report rep = build_report(rows, sum, *o, path.string());
        rep.json["default_engine"] = o->engine.name;
        if (cv) cv_tables = cross_validation_report(rep, *cv, settings);
        if (fmt_name == "markdown") {
            const std::string text = markdown(rep, cv_tables);
            std::fwrite(text.data(), 1, text.size(), stdout);
            std::fflush(stdout);
        } else {
            for (auto& t : cv_tables) rep.tables.push_back(std::move(t));
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

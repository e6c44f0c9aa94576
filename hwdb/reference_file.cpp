#include "hwdb/reference_file.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

#include "hwdb/atomic_file.hpp"
#include "hwdb/database.hpp"
#include "hwdb/problems.hpp"
#include "hwdb/suggest.hpp"
#include "hwdb/yaml_reader.hpp"
#include "model/error.hpp"

namespace hwplan::hwdb {

namespace {

using model::validation::BoundKind;
using model::validation::Condition;
using model::validation::Reference;
using model::validation::ReferenceKind;

// The reference files are larger than hardware entries (quotes of whole
// tables), but still text a person wrote.
constexpr std::size_t kMaxReferenceFileBytes = 8u << 20;

const std::vector<std::string> kTopKeys{"source", "references"};
const std::vector<std::string> kSourceKeys{"title", "url", "retrieved", "read_via", "version",
                                           "doi",   "commit", "publisher", "date"};
const std::vector<std::string> kEntryKeys{"id",           "quantity",   "value", "value_range", "unit",
                                          "kind",         "bound",      "approx", "published_as", "conditions",
                                          "quote",        "notes",      "source"};

class Reader {
public:
    Reader(std::string file, Problems& problems) : file_(std::move(file)), problems_(problems) {}

    std::string at(const YAML::Node& n) const { return location(file_, n.Mark()); }
    void problem(const YAML::Node& n, const std::string& message) { problems_.add(at(n), message); }

    // Unknown keys of a map, with a suggestion.
    void check_keys(const YAML::Node& map, const std::vector<std::string>& known, const std::string& prefix) {
        for (const auto& kv : map) {
            const std::string key = kv.first.Scalar();
            if (std::find(known.begin(), known.end(), key) == known.end())
                problem(kv.first, "unknown key '" + prefix + key + "'" + did_you_mean(key, known));
        }
    }

    static std::optional<double> number(const YAML::Node& n) {
        if (!n.IsScalar() || n.Tag() == "!") return std::nullopt;  // quoted: text
        const std::string& s = n.Scalar();
        double v = 0;
        const char* end = s.data() + s.size();
        auto [ptr, ec] = std::from_chars(s.data(), end, v);
        if (ec != std::errc() || ptr != end || !std::isfinite(v)) return std::nullopt;
        return v;
    }

    std::optional<std::string> text(const YAML::Node& map, const char* key, bool required, const std::string& prefix) {
        const YAML::Node n = map[key];
        if (!n) {
            if (required) problem(map, "missing required key '" + prefix + key + "'");
            return std::nullopt;
        }
        if (!n.IsScalar()) {
            problem(n, prefix + key + ": expected text");
            return std::nullopt;
        }
        return n.Scalar();
    }

    Condition condition(const YAML::Node& n, const std::string& field) {
        Condition c;
        c.where = at(n);
        if (n.IsNull()) return c;
        if (n.IsScalar()) {
            c.text = n.Scalar();
            if (auto v = number(n)) {
                c.type = Condition::Type::number;
                c.number = *v;
            } else if (n.Tag() != "!" && (c.text == "true" || c.text == "false")) {
                c.type = Condition::Type::boolean;
                c.boolean = c.text == "true";
            } else {
                c.type = Condition::Type::text;
            }
            return c;
        }
        if (n.IsSequence()) {
            c.type = Condition::Type::list;
            bool all_numbers = true;
            for (const auto& item : n) {
                if (!item.IsScalar()) {
                    problem(item, field + ": list items must be plain values");
                    continue;
                }
                c.items.push_back(item.Scalar());
                if (auto v = number(item)) c.numbers.push_back(*v);
                else all_numbers = false;
            }
            if (!all_numbers) c.numbers.clear();
            return c;
        }
        problem(n, field + ": expected a value or a list of values, got a map");
        return c;
    }

    void source(const YAML::Node& n, const std::string& prefix, std::string& title, std::string& url) {
        if (!n.IsMap()) {
            problem(n, prefix + ": expected a map (title, url, retrieved, ...)");
            return;
        }
        check_keys(n, kSourceKeys, prefix + ".");
        if (auto t = text(n, "title", true, prefix + ".")) title = *t;
        if (auto u = text(n, "url", true, prefix + ".")) url = *u;
        (void)text(n, "retrieved", false, prefix + ".");
    }

    std::optional<Reference> entry(const YAML::Node& n, const std::string& stem, const std::string& title,
                                   const std::string& url) {
        if (!n.IsMap()) {
            problem(n, "references: each entry must be a map");
            return std::nullopt;
        }
        const std::size_t before = problems_.size();
        Reference r;
        r.source = stem;
        r.where = at(n);
        r.source_title = title;
        r.source_url = url;
        check_keys(n, kEntryKeys, "");
        if (auto id = text(n, "id", true, "")) {
            r.id = *id;
            const bool ok = !id->empty() && std::all_of(id->begin(), id->end(), [](char ch) {
                return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_';
            });
            if (!ok) problem(n["id"], "id: '" + *id + "' must be lower-case letters, digits, '-', '.' or '_'");
        }
        const std::string prefix = r.id.empty() ? std::string() : r.id + ": ";
        if (auto q = text(n, "quantity", true, prefix)) r.quantity = *q;
        const YAML::Node value = n["value"];
        const YAML::Node range = n["value_range"];
        if (value && range) problem(range, prefix + "give value or value_range, not both");
        if (!value && !range) problem(n, prefix + "missing required key 'value' (or 'value_range')");
        if (value) {
            if (auto v = number(value)) r.value = *v;
            else problem(value, prefix + "value: expected a number, got '" + (value.IsScalar() ? value.Scalar() : "a collection") + "'");
        }
        if (range) {
            std::optional<double> lo, hi;
            if (range.IsSequence() && range.size() == 2) {
                lo = number(range[0]);
                hi = number(range[1]);
            }
            if (!lo || !hi || *lo > *hi)
                problem(range, prefix + "value_range: expected [low, high] with low <= high");
            else {
                r.range = std::make_pair(*lo, *hi);
                r.value = (*lo + *hi) / 2;
            }
        }
        if (auto u = text(n, "unit", true, prefix)) {
            r.unit = *u;
            const auto& known = model::validation::known_units();
            if (std::find(known.begin(), known.end(), *u) == known.end())
                problem(n["unit"], prefix + "unit: unknown unit '" + *u + "'" + did_you_mean(*u, known));
            else if (const std::string expected = model::validation::expected_unit(r.quantity);
                     !expected.empty() && expected != *u)
                problem(n["unit"], prefix + "unit: '" + *u + "' does not match quantity '" + r.quantity +
                                       "' (expected '" + expected + "')");
        }
        if (auto k = text(n, "kind", true, prefix)) {
            static const std::vector<std::string> kinds{"measurement", "deployment_report", "paper_calculation",
                                                        "specification"};
            const auto it = std::find(kinds.begin(), kinds.end(), *k);
            if (it == kinds.end())
                problem(n["kind"], prefix + "kind: expected measurement, deployment_report, paper_calculation or "
                                            "specification, got '" + *k + "'" + did_you_mean(*k, kinds));
            else r.kind = static_cast<ReferenceKind>(it - kinds.begin());
        }
        if (auto b = text(n, "bound", false, prefix)) {
            if (*b == "upper") r.bound = BoundKind::upper;
            else if (*b == "lower") r.bound = BoundKind::lower;
            else problem(n["bound"], prefix + "bound: expected upper or lower, got '" + *b + "'");
        }
        if (auto a = text(n, "approx", false, prefix)) {
            if (*a == "true") r.approx = true;
            else if (*a != "false") problem(n["approx"], prefix + "approx: expected true or false, got '" + *a + "'");
        }
        if (auto p = text(n, "published_as", false, prefix)) r.published_as = *p;
        (void)text(n, "quote", true, prefix);
        if (auto notes = text(n, "notes", false, prefix)) r.notes = *notes;
        if (const YAML::Node s = n["source"]) source(s, prefix + "source", r.source_title, r.source_url);
        const YAML::Node cond = n["conditions"];
        if (!cond) problem(n, prefix + "missing required key 'conditions'");
        else if (!cond.IsMap()) problem(cond, prefix + "conditions: expected a map of 'key: value' entries");
        else
            for (const auto& kv : cond) {
                const std::string key = kv.first.Scalar();
                if (r.conditions.count(key)) problem(kv.first, prefix + "conditions." + key + ": duplicate key");
                r.conditions[key] = condition(kv.second, prefix + "conditions." + key);
            }
        if (problems_.size() != before) return std::nullopt;
        return r;
    }

private:
    std::string file_;
    Problems& problems_;
};

}  // namespace

std::vector<Reference> parse_reference_file(std::string_view text, const std::string& file) {
    Problems problems;
    std::vector<Reference> out;
    const auto root = parse_yaml(text, file, problems);
    if (!root) {
        problems.throw_if_any();
        return out;
    }
    Reader rd(file, problems);
    if (!root->IsMap()) {
        rd.problem(*root, "expected a map with 'source' and 'references'");
        problems.throw_if_any();
    }
    rd.check_keys(*root, kTopKeys, "");
    std::string title, url;
    if (const YAML::Node s = (*root)["source"]) rd.source(s, "source", title, url);
    else rd.problem(*root, "missing required key 'source'");
    const YAML::Node refs = (*root)["references"];
    const std::string stem = std::filesystem::path(file).stem().string();
    std::map<std::string, std::string> seen;
    if (!refs) rd.problem(*root, "missing required key 'references'");
    else if (!refs.IsSequence()) rd.problem(refs, "references: expected a list of entries");
    else
        for (const auto& n : refs) {
            auto r = rd.entry(n, stem, title, url);
            if (!r) continue;
            if (auto [it, fresh] = seen.emplace(r->id, r->where); !fresh) {
                problems.add(r->where, "duplicate id '" + r->id + "' (first at " + it->second + ")");
                continue;
            }
            out.push_back(std::move(*r));
        }
    problems.throw_if_any();
    return out;
}

std::vector<Reference> load_references(const std::filesystem::path& file_or_dir) {
    namespace fs = std::filesystem;
    std::vector<fs::path> files;
    std::error_code ec;
    if (fs::is_directory(file_or_dir, ec)) {
        for (const auto& e : fs::directory_iterator(file_or_dir, ec))
            if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path());
        std::sort(files.begin(), files.end());
        if (files.empty()) throw Error("no *.yaml reference files", file_or_dir.string());
    } else {
        files.push_back(file_or_dir);
    }
    std::vector<Reference> all;
    std::map<std::string, std::string> seen;
    Problems problems;
    for (const fs::path& f : files) {
        std::vector<Reference> rows;
        try {
            rows = parse_reference_file(read_file(f, kMaxReferenceFileBytes), f.string());
        } catch (const Error& e) {
            problems.add(e);
            continue;
        }
        for (auto& r : rows) {
            if (auto [it, fresh] = seen.emplace(r.id, r.where); !fresh) {
                problems.add(r.where, "duplicate id '" + r.id + "' (first at " + it->second + ")");
                continue;
            }
            all.push_back(std::move(r));
        }
    }
    problems.throw_if_any();
    return all;
}

std::filesystem::path default_references_path(std::string_view argv0) {
    return default_data_paths(argv0).models.parent_path() / "references";
}

}  // namespace hwplan::hwdb

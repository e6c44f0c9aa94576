#pragma once
// One published reference figure (scenarios/references/*.yaml, schema in
// docs/references.md) as plain values: what was measured, the published
// number with its unit, and the conditions needed to reproduce it.
//
// hwdb/reference_file.hpp reads the files into these; model/validation/
// validation.hpp predicts each row with the model and compares. Nothing here
// does IO.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hwplan::model::validation {

enum class ReferenceKind { measurement, deployment_report, paper_calculation, specification };
[[nodiscard]] std::string_view to_string(ReferenceKind k);

// "up to" / "exceeding": the published number is a bound, not a point.
enum class BoundKind { none, upper, lower };
[[nodiscard]] std::string_view to_string(BoundKind b);

// One `conditions:` value. YAML null ("not stated") keeps type null; a list
// keeps its scalars as text, and as numbers when every item is numeric.
struct Condition {
    enum class Type { null, number, boolean, text, list };
    Type type = Type::null;
    double number = 0;
    bool boolean = false;
    std::string text;                  // the scalar as written (numbers too)
    std::vector<std::string> items;    // list items as text
    std::vector<double> numbers;       // list items as numbers (empty unless all numeric)
    std::string where;                 // file:line:col of the value
};

struct Reference {
    std::string id;
    std::string source;  // the file stem: paper, deepep, sglang, ... (the "source" grouping)
    std::string where;   // file:line:col of the entry
    std::string quantity;
    double value = 0;                        // as published (midpoint of value_range)
    std::optional<std::pair<double, double>> range;  // value_range: [lo, hi]
    std::string unit;
    ReferenceKind kind = ReferenceKind::measurement;
    BoundKind bound = BoundKind::none;
    bool approx = false;
    std::string published_as;
    std::map<std::string, Condition, std::less<>> conditions;
    std::string source_title;
    std::string source_url;
    std::string notes;

    [[nodiscard]] const Condition* condition(std::string_view key) const {
        auto it = conditions.find(key);
        return it == conditions.end() ? nullptr : &it->second;
    }
    // A numeric condition; nullopt when absent, null or not a number.
    [[nodiscard]] std::optional<double> number(std::string_view key) const {
        const Condition* c = condition(key);
        if (!c || c->type != Condition::Type::number) return std::nullopt;
        return c->number;
    }
    // A text condition (numbers and booleans as written); nullopt when absent or null.
    [[nodiscard]] std::optional<std::string> text(std::string_view key) const {
        const Condition* c = condition(key);
        if (!c || c->type == Condition::Type::null || c->type == Condition::Type::list) return std::nullopt;
        return c->text;
    }
};

// The unit a quantity name implies by its suffix (docs/references.md,
// "Quantity naming"): "ep_comm_time_us" -> "us", "*_tokens_per_s*" ->
// "tokens/s". Empty when the name does not fix the unit.
[[nodiscard]] std::string expected_unit(std::string_view quantity);

// Every unit string the reference files may use.
[[nodiscard]] const std::vector<std::string>& known_units();

}  // namespace hwplan::model::validation

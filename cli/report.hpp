#pragma once
// What a command produces, independent of how it is printed: one JSON object
// (stable keys, SI units in key names) and the same content as tables for
// people. Printers for table / json / csv live in report.cpp; commands never
// print directly.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hwplan::cli {

enum class Format { table, json, csv };

struct Table {
    std::string title;
    std::vector<std::string> columns;
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> notes;  // printed under the table (assumptions, sources)
};

struct Report {
    nlohmann::json json = nlohmann::json::object();
    std::vector<Table> tables;
    std::vector<std::string> notes;  // printed after all tables
};

// Renders the report in `format`. Table: aligned columns, titles, notes.
// CSV: every table as a CSV block ("# title" line, header, rows; blank line
// between tables). JSON: `report.json` pretty-printed.
[[nodiscard]] std::string render(const Report& report, Format format);

// Number formatting shared by every table: `digits` significant decimals,
// thousands separators off, no trailing zeros beyond what `digits` asks.
[[nodiscard]] std::string fixed(double value, int decimals);
[[nodiscard]] std::string with_commas(long long value);

}  // namespace hwplan::cli

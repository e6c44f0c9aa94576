#include "cli/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

namespace hwplan::cli {

namespace {

bool looks_numeric(const std::string& s) {
    if (s.empty()) return false;
    std::size_t digits = 0;
    for (char c : s) {
        if (std::isdigit(static_cast<unsigned char>(c))) ++digits;
        else if (!std::strchr("+-.,%xe $±~", c)) return false;
    }
    return digits > 0;
}

std::string csv_escape(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

// Display width of UTF-8 text (counts code points; enough for ±, µ, ×).
std::size_t width(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

std::string pad(const std::string& s, std::size_t w, bool right) {
    const std::size_t have = width(s);
    if (have >= w) return s;
    const std::string fill(w - have, ' ');
    return right ? fill + s : s + fill;
}

std::string render_table(const Table& t) {
    std::string out;
    if (!t.title.empty()) out += t.title + "\n";
    std::vector<std::size_t> w(t.columns.size(), 0);
    std::vector<bool> numeric(t.columns.size(), true);
    for (std::size_t c = 0; c < t.columns.size(); ++c) w[c] = width(t.columns[c]);
    for (const auto& row : t.rows)
        for (std::size_t c = 0; c < row.size() && c < w.size(); ++c) {
            w[c] = std::max(w[c], width(row[c]));
            if (!row[c].empty() && !looks_numeric(row[c])) numeric[c] = false;
        }
    const auto line = [&](const std::vector<std::string>& cells, bool header) {
        std::string l = " ";
        for (std::size_t c = 0; c < w.size(); ++c) {
            const std::string cell = c < cells.size() ? cells[c] : "";
            l += " " + pad(cell, w[c], numeric[c] && !(header && c == 0));
            if (c + 1 < w.size()) l += " ";
        }
        while (!l.empty() && l.back() == ' ') l.pop_back();
        return l + "\n";
    };
    out += line(t.columns, true);
    std::size_t total = 1;
    for (auto x : w) total += x + 2;
    out += " " + std::string(total > 1 ? total - 1 : 0, '-') + "\n";
    for (const auto& row : t.rows) out += line(row, false);
    for (const auto& n : t.notes) out += "  " + n + "\n";
    return out;
}

}  // namespace

std::string render(const Report& report, Format format) {
    std::string out;
    switch (format) {
        case Format::json: return report.json.dump(2) + "\n";
        case Format::table:
            for (std::size_t i = 0; i < report.tables.size(); ++i) {
                if (i) out += "\n";
                out += render_table(report.tables[i]);
            }
            if (!report.notes.empty()) out += "\n";
            for (const auto& n : report.notes) out += n + "\n";
            return out;
        case Format::csv:
            for (std::size_t i = 0; i < report.tables.size(); ++i) {
                const Table& t = report.tables[i];
                if (i) out += "\n";
                if (report.tables.size() > 1 && !t.title.empty()) out += "# " + t.title + "\n";
                for (std::size_t c = 0; c < t.columns.size(); ++c)
                    out += (c ? "," : "") + csv_escape(t.columns[c]);
                out += "\n";
                for (const auto& row : t.rows) {
                    for (std::size_t c = 0; c < row.size(); ++c) out += (c ? "," : "") + csv_escape(row[c]);
                    out += "\n";
                }
            }
            return out;
    }
    return out;
}

std::string fixed(double value, int decimals) {
    if (!std::isfinite(value)) return "-";
    return fmt::format("{:.{}f}", value, decimals);
}

std::string with_commas(long long value) {
    std::string digits = std::to_string(value < 0 ? -value : value);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return value < 0 ? "-" + out : out;
}

}  // namespace hwplan::cli

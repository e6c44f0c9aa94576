#include "hwdb/trace_file.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <string>

#include "hwdb/atomic_file.hpp"
#include "model/error.hpp"

namespace hwplan::hwdb {

namespace {

std::string trim(std::string s) {
    const auto a = s.find_first_not_of(" \t\r");
    if (a == std::string::npos) return {};
    const auto b = s.find_last_not_of(" \t\r");
    return s.substr(a, b - a + 1);
}

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (true) {
        const auto comma = line.find(',', pos);
        out.push_back(trim(line.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos)));
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return out;
}

double number(const std::string& text, const std::string& column, const std::string& where) {
    double v = 0;
    const char* b = text.data();
    const char* e = b + text.size();
    const auto [p, ec] = std::from_chars(b, e, v);
    if (text.empty() || ec != std::errc() || p != e || !std::isfinite(v))
        throw Error(column + ": expected a number, got '" + text + "'", where);
    return v;
}

}  // namespace

std::vector<model::serving::Request> read_trace(const std::filesystem::path& path) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) require_regular_file(path);  // a named pipe would block here forever
    std::ifstream f(path);
    if (!f) throw Error("cannot open the trace file", path.string());
    const std::string file = path.string();
    static constexpr std::array<const char*, 3> names = {"arrival_s", "input_tokens", "output_tokens"};
    std::array<std::size_t, 3> col{};
    std::size_t columns = 0;
    bool header = false;
    std::vector<model::serving::Request> out;
    std::string line;
    int n = 0;
    while (std::getline(f, line)) {
        ++n;
        const std::string where = file + ":" + std::to_string(n);
        const std::string t = trim(line);
        if (t.empty() || t[0] == '#') continue;
        const auto cells = split(t);
        if (!header) {
            for (std::size_t k = 0; k < names.size(); ++k) {
                std::size_t i = 0;
                while (i < cells.size() && cells[i] != names[k]) ++i;
                if (i == cells.size())
                    throw Error(std::string("missing column '") + names[k] +
                                    "' in the header (expected arrival_s,input_tokens,output_tokens)",
                                where);
                col[k] = i;
            }
            columns = cells.size();
            header = true;
            continue;
        }
        if (cells.size() != columns)
            throw Error("expected " + std::to_string(columns) + " columns, got " + std::to_string(cells.size()), where);
        model::serving::Request r;
        r.arrival = number(cells[col[0]], names[0], where);
        r.input = number(cells[col[1]], names[1], where);
        r.output = number(cells[col[2]], names[2], where);
        if (r.arrival < 0) throw Error("arrival_s must not be negative", where);
        if (r.input < 0) throw Error("input_tokens must not be negative, got " + cells[col[1]], where);
        if (r.output < 0) throw Error("output_tokens must not be negative, got " + cells[col[2]], where);
        if (r.input != std::floor(r.input) || r.output != std::floor(r.output))
            throw Error("token counts must be whole numbers", where);
        if (r.output < 1) throw Error("output_tokens must be at least 1", where);
        if (!out.empty() && r.arrival < out.back().arrival)
            throw Error("arrival_s goes back in time (" + cells[col[0]] + " after " +
                            std::to_string(out.back().arrival) + "): the trace must be sorted by arrival",
                        where);
        out.push_back(r);
    }
    if (!header) throw Error("empty trace: expected a header arrival_s,input_tokens,output_tokens", file + ":1");
    if (out.empty()) throw Error("the trace has no requests", file + ":" + std::to_string(n));
    return out;
}

}  // namespace hwplan::hwdb

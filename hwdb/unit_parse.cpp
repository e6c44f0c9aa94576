#include "hwdb/unit_parse.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <span>
#include <vector>

#include "hwdb/suggest.hpp"
#include "model/error.hpp"

namespace hwplan::hwdb {

// What the user typed, safe to quote in a one-line error: control characters
// (a newline in a quoted YAML value or a CLI argument) become '?', and a
// runaway value is cut (the message must stay readable).
std::string shown(std::string_view text) {
    std::string s(text.substr(0, 80));
    for (char& c : s)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return text.size() > 80 ? s + "..." : s;
}

std::string compact(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

namespace {

struct Bounds {
    double floor = 0;  // smallest non-zero value accepted
    double ceiling = std::numeric_limits<double>::max();
    std::string_view floor_text, ceiling_text;  // as shown in messages
};

struct UnitSymbol {
    std::string_view symbol;
    double factor;  // to the SI base (bytes, B/s, s, FLOP/s, W, USD, 1)
};

constexpr UnitSymbol kBytes[] = {{"B", 1},         {"KB", 1e3},  {"kB", 1e3},  {"MB", 1e6},  {"GB", 1e9},
    {"TB", 1e12},               {"PB", 1e15}, {"KiB", 1024.0}, {"MiB", 1048576.0},
    {"GiB", 1073741824.0},      {"TiB", 1099511627776.0}};

constexpr UnitSymbol kBandwidth[] = {{"B/s", 1},  {"KB/s", 1e3},    {"kB/s", 1e3},   {"MB/s", 1e6},    {"GB/s", 1e9},
    {"TB/s", 1e12},        {"KiB/s", 1024.0}, {"MiB/s", 1048576.0}, {"GiB/s", 1073741824.0},
    {"bps", 1.0 / 8},      {"Kbps", 1e3 / 8}, {"kbps", 1e3 / 8}, {"Mbps", 1e6 / 8},
    {"Gbps", 1e9 / 8},     {"Tbps", 1e12 / 8}, {"b/s", 1.0 / 8}, {"Kb/s", 1e3 / 8},
    {"Mb/s", 1e6 / 8},     {"Gb/s", 1e9 / 8}, {"Tb/s", 1e12 / 8}};

constexpr UnitSymbol kDuration[] = {{"s", 1},     {"ms", 1e-3}, {"us", 1e-6},
                               {"\xC2\xB5s", 1e-6},    {"ns", 1e-9}, {"min", 60},
                               {"h", 3600},            {"d", 86400}};

constexpr UnitSymbol kCompute[] = {{"FLOPS", 1}, {"GFLOPS", 1e9}, {"TFLOPS", 1e12}, {"PFLOPS", 1e15},
    {"FLOP/s", 1},          {"GFLOP/s", 1e9}, {"TFLOP/s", 1e12}, {"PFLOP/s", 1e15},
    // Integer peaks are quoted in operations per second (INT8 "TOPS").
    {"OPS", 1},             {"GOPS", 1e9},    {"TOPS", 1e12},    {"POPS", 1e15}};

constexpr UnitSymbol kPower[] = {{"W", 1}, {"kW", 1e3}, {"MW", 1e6}};

constexpr UnitSymbol kCount[] = {{"", 1},  {"k", 1e3},  {"K", 1e3},  {"M", 1e6},
                            {"B", 1e9},         {"G", 1e9},  {"T", 1e12}};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}


// Splits "3.35 TB/s" into 3.35 and "TB/s"; rejects NaN, inf and negatives.
std::pair<double, std::string_view> split_number(std::string_view text, const std::string& where,
                                                 std::string_view kind) {
    const std::string_view t = trim(text);
    double value = 0;
    const char* first = t.data();
    const char* last = t.data() + t.size();
    auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || ptr == first)
        throw Error("expected a " + std::string(kind) + " like " +
                        (kind == "size"          ? "'80 GiB'"
                         : kind == "bandwidth"   ? "'3.35 TB/s' or '400 Gbps'"
                         : kind == "duration"    ? "'2.8 us'"
                         : kind == "compute rate" ? "'989 TFLOPS'"
                         : kind == "power"       ? "'700 W'"
                         : kind == "count"       ? "'2k' or '14.8T'"
                                                 : "a number") +
                        ", got '" + shown(text) + "'",
                    where);
    if (!std::isfinite(value))
        throw Error(std::string(kind) + " must be a finite number, got '" + shown(text) + "'", where);
    if (value < 0)
        throw Error(std::string(kind) + " must not be negative, got '" + shown(text) + "'", where);
    return {value, trim(std::string_view(ptr, static_cast<std::size_t>(last - ptr)))};
}

template <std::size_t N>
double parse_with(std::string_view text, const std::string& where, std::string_view kind,
                  const UnitSymbol (&table)[N], const Bounds& bounds = {}) {
    auto [value, unit] = split_number(text, where, kind);
    for (const auto& u : table) {
        if (u.symbol != unit) continue;
        // "1e308 TB" overflows to inf once scaled; refuse it like inf itself.
        const double scaled = value * u.factor;
        if (!std::isfinite(scaled))
            throw Error(std::string(kind) + " '" + shown(text) + "' is too large to represent", where);
        if (scaled != 0 && scaled < bounds.floor)
            throw Error(std::string(kind) + " '" + shown(text) + "' is below " + std::string(bounds.floor_text) +
                            ", the smallest physically plausible value",
                        where);
        if (scaled > bounds.ceiling)
            throw Error(std::string(kind) + " '" + shown(text) + "' is implausibly large (limit " +
                            std::string(bounds.ceiling_text) + ")",
                        where);
        return scaled;
    }
    std::vector<std::string> names;
    for (const auto& u : table)
        if (!u.symbol.empty()) names.emplace_back(u.symbol);
    std::string message;
    if (unit.empty()) {
        message = std::string(kind) + " '" + shown(text) + "' has no unit (expected one of:";
    } else {
        message = "unknown " + std::string(kind) + " unit '" + shown(unit) + "' in '" + shown(text) + "'" + did_you_mean(unit, names) + " (expected one of:";
    }
    for (const auto& n : names) message += " " + n;
    message += ")";
    throw Error(message, where);
}

}  // namespace

model::Bytes parse_bytes(std::string_view text, const std::string& where) {
    return model::bytes(parse_with(text, where, "size", kBytes));
}

model::BytesPerSecond parse_bandwidth(std::string_view text, const std::string& where) {
    static const Bounds b{kMinBandwidth, kMaxBandwidth, "1 MB/s", "1 PB/s"};
    return model::bytes_per_second(parse_with(text, where, "bandwidth", kBandwidth, b));
}

model::Seconds parse_duration(std::string_view text, const std::string& where) {
    static const Bounds b{kMinDuration, kMaxDuration, "1 ns", "one year"};
    return model::seconds(parse_with(text, where, "duration", kDuration, b));
}

model::FlopsPerSecond parse_compute_rate(std::string_view text, const std::string& where) {
    static const Bounds b{kMinComputeRate, kMaxComputeRate, "1 MFLOPS", "10 EFLOPS per device"};
    return model::flops_per_second(parse_with(text, where, "compute rate", kCompute, b));
}

double parse_watts(std::string_view text, const std::string& where) {
    return parse_with(text, where, "power", kPower);
}

double parse_usd(std::string_view text, const std::string& where) {
    std::string_view t = trim(text);
    bool dollar = false;
    if (!t.empty() && t.front() == '$') {
        t.remove_prefix(1);
        dollar = true;
    }
    if (!dollar && t.size() > 3 && t.substr(t.size() - 3) == "USD") t = trim(t.substr(0, t.size() - 3));
    try {
        return parse_with(t, where, "count", kCount);
    } catch (const Error&) {
        throw Error("expected a price like '$30000', '$2.5M' or '30000 USD', got '" + shown(text) + "'",
                    where);
    }
}

double parse_count(std::string_view text, const std::string& where) {
    return parse_with(text, where, "count", kCount);
}

double parse_per_second(std::string_view text, const std::string& where) {
    std::string_view t = trim(text);
    if (t.size() < 2 || t.substr(t.size() - 2) != "/s")
        throw Error("expected a rate like '300/s', got '" + shown(text) + "'", where);
    return parse_count(t.substr(0, t.size() - 2), where);
}

double parse_number(std::string_view text, const std::string& where, double lo, double hi) {
    const std::string_view t = trim(text);
    double value = 0;
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (ec == std::errc::result_out_of_range)
        throw Error("'" + shown(text) + "' is out of range (expected " + compact(lo) + " to " + compact(hi) + ")",
                    where);
    if (ec != std::errc() || ptr != t.data() + t.size() || t.empty())
        throw Error("expected a number, got '" + shown(text) + "'", where);
    if (!std::isfinite(value)) throw Error("must be a finite number, got '" + shown(text) + "'", where);
    if (value < lo || value > hi)
        throw Error("must be between " + compact(lo) + " and " + compact(hi) + ", got '" + shown(text) + "'", where);
    return value;
}

long long parse_whole(std::string_view text, const std::string& where, long long lo, long long hi) {
    const std::string_view t = trim(text);
    // A leading '-' is a sign here, not "negative count" (split_number's
    // message); the range below says what is allowed.
    const bool negative = !t.empty() && t.front() == '-';
    double v = negative ? -parse_count(t.substr(1), where) : parse_count(t, where);
    const std::string range = "between " + std::to_string(lo) + " and " + std::to_string(hi);
    if (v < static_cast<double>(lo) || v > static_cast<double>(hi))
        throw Error("must be a whole number " + range + ", got '" + shown(text) + "'", where);
    if (v != std::floor(v)) throw Error("must be a whole number " + range + ", got '" + shown(text) + "'", where);
    return static_cast<long long>(v);
}

}  // namespace hwplan::hwdb

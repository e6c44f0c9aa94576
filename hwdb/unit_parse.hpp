#pragma once
// The one place where unit strings typed by people become quantities:
// "3.35 TB/s", "400 Gbps", "80 GiB", "989 TFLOPS", "1979 TOPS", "2.8 us", "700 W",
// "14.8T".
//
// Decimal prefixes are powers of 1000 (vendors' GB, TB/s, Gbps); binary ones
// (KiB, MiB, GiB, TiB) are powers of 1024. Bits ("Gbps", "Gb/s") are divided
// by 8. A number without a unit is rejected where a unit is expected, so
// "80" never silently means 80 bytes. Every error names the text, where it
// came from (`where`: "file.yaml:3:14", "--bandwidth"), and the closest valid
// unit when the typo is near one ("400 Gbs" -> did you mean 'Gbps'?).

#include <string>
#include <string_view>

#include "model/units.hpp"

namespace hwplan::hwdb {

[[nodiscard]] model::Bytes parse_bytes(std::string_view text, const std::string& where);
[[nodiscard]] model::BytesPerSecond parse_bandwidth(std::string_view text, const std::string& where);
[[nodiscard]] model::Seconds parse_duration(std::string_view text, const std::string& where);
[[nodiscard]] model::FlopsPerSecond parse_compute_rate(std::string_view text, const std::string& where);
[[nodiscard]] double parse_watts(std::string_view text, const std::string& where);
[[nodiscard]] double parse_usd(std::string_view text, const std::string& where);  // "$2.5M", "30000 USD"
// Counts with an optional SI suffix: "300", "2k", "2K", "1.5M", "14.8T", "7B".
[[nodiscard]] double parse_count(std::string_view text, const std::string& where);
// Events per second: "300/s", "300 /s", "1.2k/s".
[[nodiscard]] double parse_per_second(std::string_view text, const std::string& where);

// Physical bounds (docs/hardening.md, "Bounds"). A value of exactly zero is
// passed through (the caller decides whether "none" is allowed); a non-zero
// value outside [floor, ceiling] is refused, so "1e-300 GB/s" never turns into
// a 300-digit time and "1e308 s" never into an infinite plan.
inline constexpr double kMinBandwidth = 1e6;       // 1 MB/s: below a 10 Mbit Ethernet
inline constexpr double kMaxBandwidth = 1e15;      // 1 PB/s: ~100x any 2025 GPU's HBM
inline constexpr double kMinDuration = 1e-9;       // 1 ns: below one GPU clock cycle
inline constexpr double kMaxDuration = 3.16e7;     // one year
inline constexpr double kMinComputeRate = 1e6;     // 1 MFLOP/s
inline constexpr double kMaxComputeRate = 1e19;    // 10 EFLOP/s per device: ~500x a B200 at FP4

// A plain number without unit in [lo, hi] (finite; NaN and inf refused).
[[nodiscard]] double parse_number(std::string_view text, const std::string& where, double lo, double hi);

// A whole number in [lo, hi], with the optional count suffixes of
// parse_count ("2k"). The range is checked on the parsed double before any
// integer conversion, so "2147483648", "1e12" or "-1" never wraps.
[[nodiscard]] long long parse_whole(std::string_view text, const std::string& where, long long lo, long long hi);

// User text made safe for a one-line message: control characters become '?'
// and anything past 80 characters is cut ("...").
[[nodiscard]] std::string shown(std::string_view text);

// A number in a message: "1e+06", "65536", "0.5" (never 309 digits).
[[nodiscard]] std::string compact(double v);

}  // namespace hwplan::hwdb

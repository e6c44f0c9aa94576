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

}  // namespace hwplan::hwdb

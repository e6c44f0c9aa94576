// libFuzzer target: the unit-string parsers ("400 Gbps", "80 GiB", "$2.5M").
// The first byte picks the parser (the eight unit parsers, parse_whole,
// parse_number); the rest is the text. A parsed value must be finite,
// non-negative and inside its bounds (the parsers promise that).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "hwdb/unit_parse.hpp"
#include "tests/fuzz/fuzz_common.hpp"

using namespace hwplan;
using namespace hwplan::hwdb;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view text = fuzz::as_text(data + 1, size - 1);
    const std::string where = "--fuzz";
    try {
        double v = 0;
        switch (data[0] % 10) {
            case 0: v = parse_bytes(text, where).value(); break;
            case 1: {
                v = parse_bandwidth(text, where).value();
                // The physical bounds (docs/hardening.md, "Bounds"): zero or inside them.
                if (v != 0 && (v < kMinBandwidth || v > kMaxBandwidth)) fuzz::fail("bandwidth out of bounds", std::string(text));
                break;
            }
            case 2: {
                v = parse_duration(text, where).value();
                if (v != 0 && (v < kMinDuration || v > kMaxDuration)) fuzz::fail("duration out of bounds", std::string(text));
                break;
            }
            case 3: v = parse_compute_rate(text, where).value(); break;
            case 4: v = parse_watts(text, where); break;
            case 5: v = parse_usd(text, where); break;
            case 6: v = parse_count(text, where); break;
            case 7: v = parse_per_second(text, where); break;
            case 8: {
                // Integer flags: the result is inside the range, whatever the text.
                const long long w = parse_whole(text, where, 1, 65536);
                if (w < 1 || w > 65536) fuzz::fail("parse_whole out of range", std::string(text));
                v = static_cast<double>(w);
                break;
            }
            default: {
                v = parse_number(text, where, 0, 1e6);
                if (v > 1e6) fuzz::fail("parse_number out of range", std::string(text));
                break;
            }
        }
        if (!std::isfinite(v) || v < 0) fuzz::fail("parsed value not finite and >= 0", std::string(text));
    } catch (const Error& e) {
        fuzz::check_error(e);
    }
    return 0;
}

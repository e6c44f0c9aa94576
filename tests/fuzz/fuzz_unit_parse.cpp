// libFuzzer target: the unit-string parsers ("400 Gbps", "80 GiB", "$2.5M").
// The first byte picks the parser; the rest is the text. A parsed value
// must be finite and non-negative (the parsers promise that).

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
        switch (data[0] % 8) {
            case 0: v = parse_bytes(text, where).value(); break;
            case 1: v = parse_bandwidth(text, where).value(); break;
            case 2: v = parse_duration(text, where).value(); break;
            case 3: v = parse_compute_rate(text, where).value(); break;
            case 4: v = parse_watts(text, where); break;
            case 5: v = parse_usd(text, where); break;
            case 6: v = parse_count(text, where); break;
            default: v = parse_per_second(text, where); break;
        }
        if (!std::isfinite(v) || v < 0) fuzz::fail("parsed value not finite and >= 0", std::string(text));
    } catch (const Error& e) {
        fuzz::check_error(e);
    }
    return 0;
}

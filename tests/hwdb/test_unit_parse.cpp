// Unit strings -> SI quantities (hwdb/unit_parse.hpp): every kind, and the
// errors people actually make.

#include <catch2/catch.hpp>

#include <string>

#include "hwdb/unit_parse.hpp"
#include "model/error.hpp"

using namespace hwplan;
using namespace hwplan::hwdb;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

TEST_CASE("bandwidths: decimal bytes and bits per second", "[hwdb]") {
    struct Case {
        const char* text;
        double bytes_per_s;
    };
    const auto c = GENERATE(values<Case>({
        {"400 Gbps", 50e9},  // a 400G NIC is 50 GB/s per direction
        {"400 Gb/s", 50e9},
        {"800Gbps", 100e9},
        {"3.35 TB/s", 3.35e12},  // H100 HBM3
        {"900 GB/s", 900e9},
        {"50 GB/s", 50e9},
        {"1 GiB/s", 1073741824.0},
        {"  200 GB/s ", 200e9},
    }));
    CAPTURE(c.text);
    CHECK_THAT(parse_bandwidth(c.text, "test").value(), WithinRel(c.bytes_per_s, 1e-12));
}

TEST_CASE("sizes: decimal vendors' GB and binary GiB", "[hwdb]") {
    struct Case {
        const char* text;
        double bytes;
    };
    const auto c = GENERATE(values<Case>({
        {"80 GiB", 80.0 * 1073741824.0},
        {"80 GB", 80e9},
        {"70.272 KB", 70272.0},
        {"50 MiB", 50.0 * 1048576.0},
        {"2 TiB", 2.0 * 1099511627776.0},
        {"512 B", 512.0},
    }));
    CAPTURE(c.text);
    CHECK_THAT(parse_bytes(c.text, "test").value(), WithinRel(c.bytes, 1e-12));
}

TEST_CASE("durations, compute rates, power, prices, counts and rates", "[hwdb]") {
    CHECK_THAT(parse_duration("2.8 us", "t").value(), WithinRel(2.8e-6, 1e-12));
    CHECK_THAT(parse_duration("3.33 \xC2\xB5s", "t").value(), WithinRel(3.33e-6, 1e-12));
    CHECK_THAT(parse_duration("14.76 ms", "t").value(), WithinRel(14.76e-3, 1e-12));
    CHECK_THAT(parse_duration("450 ns", "t").value(), WithinRel(450e-9, 1e-12));
    CHECK_THAT(parse_compute_rate("989 TFLOPS", "t").value(), WithinRel(989e12, 1e-12));
    CHECK_THAT(parse_compute_rate("2.25 PFLOPS", "t").value(), WithinRel(2.25e15, 1e-12));
    CHECK_THAT(parse_compute_rate("1979 TOPS", "t").value(), WithinRel(1979e12, 1e-12));
    CHECK_THAT(parse_watts("700 W", "t"), WithinRel(700.0, 1e-12));
    CHECK_THAT(parse_watts("4.6 kW", "t"), WithinRel(4600.0, 1e-12));
    CHECK_THAT(parse_usd("$30000", "t"), WithinRel(30000.0, 1e-12));
    CHECK_THAT(parse_usd("$2.5M", "t"), WithinRel(2.5e6, 1e-12));
    CHECK_THAT(parse_usd("30000 USD", "t"), WithinRel(30000.0, 1e-12));
    CHECK_THAT(parse_count("14.8T", "t"), WithinRel(14.8e12, 1e-12));
    CHECK_THAT(parse_count("2k", "t"), WithinRel(2000.0, 1e-12));
    CHECK_THAT(parse_count("300", "t"), WithinRel(300.0, 1e-12));
    CHECK_THAT(parse_per_second("300/s", "t"), WithinRel(300.0, 1e-12));
    CHECK_THAT(parse_per_second("1.2k/s", "t"), WithinRel(1200.0, 1e-12));
}

TEST_CASE("unit errors name the text, the place and the closest unit", "[hwdb]") {
    struct Case {
        const char* kind;
        const char* text;
        const char* expected;
    };
    const auto c = GENERATE(values<Case>({
        {"bandwidth", "400 Gbs", "did you mean 'Gbps'?"},
        {"bandwidth", "3.35 TBs", "did you mean 'TB/s'?"},
        {"bandwidth", "400", "has no unit"},
        {"bandwidth", "nan GB/s", "finite"},
        {"bandwidth", "-50 GB/s", "must not be negative"},
        {"bandwidth", "fast", "expected a bandwidth"},
        {"size", "80", "has no unit"},
        {"size", "80 GiBs", "did you mean 'GiB'?"},
        {"size", "inf GB", "finite"},
        {"duration", "2.8 usec", "unknown duration unit 'usec'"},
        {"compute", "989 TFLOP", "did you mean"},
        {"power", "700 Watt", "unknown power unit 'Watt'"},
        {"usd", "thirty", "expected a price"},
        {"count", "2x", "unknown count unit 'x'"},
        {"rate", "300", "expected a rate like '300/s'"},
    }));
    CAPTURE(c.kind, c.text);
    const std::string kind = c.kind;
    try {
        if (kind == "bandwidth") (void)parse_bandwidth(c.text, "gpus/x.yaml:3:19");
        else if (kind == "size") (void)parse_bytes(c.text, "gpus/x.yaml:3:19");
        else if (kind == "duration") (void)parse_duration(c.text, "gpus/x.yaml:3:19");
        else if (kind == "compute") (void)parse_compute_rate(c.text, "gpus/x.yaml:3:19");
        else if (kind == "power") (void)parse_watts(c.text, "gpus/x.yaml:3:19");
        else if (kind == "usd") (void)parse_usd(c.text, "gpus/x.yaml:3:19");
        else if (kind == "count") (void)parse_count(c.text, "gpus/x.yaml:3:19");
        else (void)parse_per_second(c.text, "gpus/x.yaml:3:19");
        FAIL("no error for '" << c.text << "'");
    } catch (const Error& e) {
        CHECK_THAT(e.what(), Contains(c.expected));
        CHECK(e.where() == "gpus/x.yaml:3:19");
    }
}

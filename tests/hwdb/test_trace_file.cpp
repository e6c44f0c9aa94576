// Trace files for `hwplan serve --trace` (hwdb/trace_file.hpp).
#include <catch2/catch.hpp>

#include <string>

#include "hwdb/trace_file.hpp"
#include "model/error.hpp"

using Catch::Matchers::Contains;

namespace {
std::string trace(const std::string& name) { return std::string(HWPLAN_TEST_DATA_DIR) + "/traces/" + name; }

std::string error_of(const std::string& name) {
    try {
        (void)hwplan::hwdb::read_trace(trace(name));
    } catch (const hwplan::Error& e) {
        return e.what();
    }
    return "no error";
}
}  // namespace

TEST_CASE("Trace: a good trace reads every request in order", "[hwdb][serving]") {
    const auto r = hwplan::hwdb::read_trace(trace("poisson_20rps.csv"));
    REQUIRE(r.size() == 400);
    CHECK(r.front().arrival == Approx(0.0196));
    CHECK(r.front().input == 179);
    CHECK(r.front().output == 211);
    for (std::size_t i = 1; i < r.size(); ++i) CHECK(r[i].arrival >= r[i - 1].arrival);
}

TEST_CASE("Trace: bad traces name the file and line", "[hwdb][serving]") {
    CHECK_THAT(error_of("unsorted.csv"), Contains("unsorted.csv:4") && Contains("sorted"));
    CHECK_THAT(error_of("negative_length.csv"), Contains("negative_length.csv:3") && Contains("negative"));
    CHECK_THAT(error_of("missing_column.csv"), Contains("missing_column.csv:1") && Contains("output_tokens"));
    CHECK_THAT(error_of("not_a_number.csv"), Contains("not_a_number.csv:5") && Contains("'abc'"));
    CHECK_THAT(error_of("no_such_file.csv"), Contains("cannot open"));
}

// CLI tests of `hwplan gemm`: roofline times, bound, bad input.
#include <catch2/catch.hpp>

#include "cli/cli_json.hpp"

using namespace hwplan::test;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

TEST_CASE("CLI: hwplan gemm at M = 1 is memory-bound, at M = 8192 compute-bound", "[cli]") {
    const auto small = hwplan_json({"gemm", "--gpu", "h100-sxm", "--m", "1", "--n", "4096", "--k", "4096"});
    CHECK(small["bound"] == "memory");
    // (4096 x 4096 x 2 + 2 x 4096 x 2) B at 85 % of the H100's HBM, plus 2 us per kernel.
    const double hbm = 3.35e12;
    CHECK_THAT(small["roofline_us"].get<double>(), WithinRel(33570816.0 / (hbm * 0.85) * 1e6, 0.02));
    CHECK_THAT(small["time_us"].get<double>(), WithinRel(small["roofline_us"].get<double>() + 2.0, 1e-9));
    const auto big = hwplan_json({"gemm", "--gpu", "h100-sxm", "--m", "8192", "--n", "8192", "--k", "8192"});
    CHECK(big["bound"] == "compute");
    CHECK(big["achieved_tflops"].get<double>() < big["peak_tflops"].get<double>());
    CHECK(big["flops"].get<double>() == 2.0 * 8192 * 8192 * 8192);
}

TEST_CASE("CLI: hwplan gemm in FP8 is faster than BF16 when compute-bound", "[cli]") {
    const std::vector<std::string> shape = {"gemm", "--gpu", "h800-sxm", "--m", "4096", "--n", "7168", "--k", "16384"};
    auto fp8 = shape;
    fp8.insert(fp8.end(), {"--dtype", "fp8"});
    const auto a = hwplan_json(fp8);
    const auto b = hwplan_json(shape);
    CHECK(a["math_dtype"] == "fp8");
    CHECK(a["time_us"].get<double>() < b["time_us"].get<double>());
}

TEST_CASE("CLI: hwplan gemm bad input exits 2 naming the flag", "[cli]") {
    using Case = std::tuple<std::vector<std::string>, std::string>;
    const auto [args, expected] = GENERATE(values<Case>({
        {{"gemm", "--gpu", "h10", "--m", "1", "--n", "1", "--k", "1"}, "--gpu"},
        {{"gemm", "--gpu", "h100-sxm", "--m", "0", "--n", "1", "--k", "1"}, "--m"},
        {{"gemm", "--gpu", "h100-sxm", "--m", "1", "--n", "-4", "--k", "1"}, "--n"},
        {{"gemm", "--gpu", "h100-sxm", "--m", "1", "--n", "1", "--k", "x"}, "--k"},
        {{"gemm", "--gpu", "h100-sxm", "--m", "1", "--n", "1", "--k", "1", "--dtype", "fp9"}, "--dtype"},
        {{"gemm", "--gpu", "h100-sxm", "--m", "1", "--n", "1"}, "--k"},
    }));
    CAPTURE(args);
    const auto r = run_hwplan(args);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains(expected));
    CHECK(r.out.empty());
}

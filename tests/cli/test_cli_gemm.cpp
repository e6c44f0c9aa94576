// CLI tests of `hwplan gemm`: times, bound, the tile plan, bad input.
#include <catch2/catch.hpp>

#include "cli/cli_json.hpp"

using namespace hwplan::test;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

TEST_CASE("CLI: hwplan gemm at M = 1 is memory-bound, at M = 8192 compute-bound", "[cli]") {
    const auto small = hwplan_json({"gemm", "--gpu", "h100-sxm", "--m", "1", "--n", "4096", "--k", "4096"});
    CHECK(small["bound"] == "memory");
    // (4096 x 4096 x 2 + 2 x 4096 x 2) B at 85 % of the H100's HBM, 1 us of
    // pipeline fill, plus 2 us per kernel.
    const double hbm = 3.35e12;
    CHECK_THAT(small["memory_us"].get<double>(), WithinRel(33570816.0 / (hbm * 0.85) * 1e6, 1e-9));
    CHECK_THAT(small["pipeline_latency_us"].get<double>(), WithinRel(1.0, 1e-12));
    CHECK_THAT(small["roofline_us"].get<double>(), WithinRel(33570816.0 / (hbm * 0.85) * 1e6 + 1.0, 1e-9));
    CHECK_THAT(small["time_us"].get<double>(), WithinRel(small["roofline_us"].get<double>() + 2.0, 1e-9));
    CHECK(small["compute_us"].get<double>() < small["memory_us"].get<double>());
    const auto big = hwplan_json({"gemm", "--gpu", "h100-sxm", "--m", "8192", "--n", "8192", "--k", "8192"});
    CHECK(big["bound"] == "compute");
    CHECK(big["achieved_tflops"].get<double>() < big["peak_tflops"].get<double>());
    CHECK(big["flops"].get<double>() == 2.0 * 8192 * 8192 * 8192);
}

TEST_CASE("CLI: hwplan gemm shows the tile plan it chose", "[cli]") {
    // 8192^3 BF16 on 132 SMs: 128x192 tiles, 64 x 43 = 2752 of them, 21 waves
    // (tests/model/test_kernel_costs.cpp has the arithmetic).
    const auto big = hwplan_json({"gemm", "--gpu", "h100-sxm", "--m", "8192", "--n", "8192", "--k", "8192"});
    CHECK(big["sms"] == 132);
    CHECK(big["plan"]["tile_m"] == 128);
    CHECK(big["plan"]["tile_n"] == 192);
    CHECK(big["plan"]["tiles"].get<double>() == 2752);
    CHECK(big["plan"]["waves"].get<double>() == 21);
    CHECK(big["plan"]["split_k"].get<double>() == 1);
    CHECK(big["compute_efficiency"].get<double>() > 0.75);
    // Decode shape: 32 tiles of 64x128 split K 4 ways over the idle SMs.
    const auto small = hwplan_json({"gemm", "--gpu", "h100-sxm", "--m", "16", "--n", "4096", "--k", "14336"});
    CHECK(small["plan"]["tile_m"] == 64);
    CHECK(small["plan"]["tiles"].get<double>() == 32);
    CHECK(small["plan"]["split_k"].get<double>() == 4);
    CHECK(small["plan"]["waves"].get<double>() == 1);
    // SMs reserved for communication: fewer SMs, more waves.
    const auto rest =
        hwplan_json({"gemm", "--gpu", "h100-sxm", "--m", "8192", "--n", "8192", "--k", "8192", "--comm-sms", "20"});
    CHECK(rest["sms"] == 112);
    CHECK(rest["plan"]["waves"].get<double>() > 21);
    // The table names the plan too.
    const auto r = run_hwplan({"gemm", "--gpu", "h100-sxm", "--m", "8192", "--n", "8192", "--k", "8192"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("128 x 192"));
    CHECK_THAT(r.out, Contains("21 on 132 SMs"));
}

TEST_CASE("CLI: hwplan gemm grouped: rows per group padded to the tile", "[cli]") {
    // 8 experts x 65 rows: 8 row tiles of 128, not ceil(520 / 128) = 5.
    const auto g = hwplan_json({"gemm", "--gpu", "h800-sxm", "--m", "520", "--n", "4096", "--k", "7168", "--groups", "8",
                                "--dtype", "fp8"});
    const double tiles = g["plan"]["tiles"].get<double>();
    CHECK(tiles == 8 * 4096 / g["plan"]["tile_n"].get<double>());
    CHECK(g["groups"] == 8);
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

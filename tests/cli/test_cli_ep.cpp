// CLI tests of `hwplan ep` on the built binary: the paper's sec. 2.3.2
// numbers (golden), the 7168 and GB200 variants, MTP, the realistic mode, and
// bad input.
#include <catch2/catch.hpp>

#include "cli/cli_json.hpp"

using namespace hwplan::test;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

// Source: arXiv 2505.09343 sec. 2.3.2; exact arithmetic (tolerance 1e-9).
TEST_CASE("CLI: hwplan ep --paper gives 120.96 us, 241.92 us, 14.76 ms, ~67 tokens/s", "[cli][golden]") {
    const auto j = hwplan_json({"ep", "--paper"});
    CHECK(j["mode"] == "paper");
    CHECK_THAT(j["comm_us"].get<double>(), WithinRel(120.96, 1e-9));
    CHECK_THAT(j["layer_us"].get<double>(), WithinRel(241.92, 1e-9));
    CHECK_THAT(j["step_ms"].get<double>(), WithinAbs(14.76, 0.005));
    CHECK(static_cast<int>(j["tokens_per_s"].get<double>()) == 67);
    // The real hidden size is printed beside the paper's "7K".
    bool found = false;
    for (const auto& v : j["variants"])
        if (v["name"] == "hidden_7168") {
            found = true;
            CHECK_THAT(v["comm_us"].get<double>(), WithinRel(123.86304, 1e-9));
        }
    CHECK(found);
    const auto table = run_hwplan({"ep", "--paper"});
    REQUIRE(table.exit_code == 0);
    CHECK_THAT(table.out,
               Contains("120.96") && Contains("241.92") && Contains("14.76") && Contains("123.86") && Contains("6.72"));
}

TEST_CASE("CLI: hwplan ep --paper --bandwidth 900GB/s gives 6.72 us and ~1200 tokens/s", "[cli][golden]") {
    const auto j = hwplan_json({"ep", "--paper", "--bandwidth", "900GB/s"});
    CHECK_THAT(j["comm_us"].get<double>(), WithinRel(6.72, 1e-9));
    CHECK_THAT(j["tokens_per_s"].get<double>(), WithinRel(1200.0, 0.02));
    // Unit strings go through hwdb's parser: 400 Gbps is the CX7's 50 GB/s.
    const auto cx7 = hwplan_json({"ep", "--paper", "--bandwidth", "400 Gbps"});
    CHECK_THAT(cx7["comm_us"].get<double>(), WithinRel(120.96, 1e-9));
}

TEST_CASE("CLI: hwplan ep --paper --mtp-acceptance 0.85 shows ~1.8x tokens/s", "[cli][golden]") {
    const auto j = hwplan_json({"ep", "--paper", "--mtp-acceptance", "0.85"});
    CHECK_THAT(j["tokens_per_step"].get<double>(), WithinRel(1.85, 1e-12));
    CHECK(j["mtp_speedup"].get<double>() >= 1.8);
    CHECK(j["mtp_speedup"].get<double>() <= 1.9);
    CHECK_THAT(j["step_ms"].get<double>(), WithinAbs(14.76, 0.005));
}

TEST_CASE("CLI: hwplan ep --paper with the model and system from the database", "[cli]") {
    const auto j = hwplan_json({"ep", "--paper", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "4"});
    CHECK_THAT(j["comm_us"].get<double>(), WithinRel(123.86304, 1e-9));  // hidden 7168, 9 experts, 50 GB/s
    const auto gb = hwplan_json(
        {"ep", "--paper", "--model", "deepseek-v3", "--system", "gb200-nvl72", "--redundant-experts", "32"});
    CHECK_THAT(gb["comm_us"].get<double>(), WithinRel(123.86304 * 50 / 900, 1e-9));
}

TEST_CASE("CLI: hwplan ep realistic mode splits NVLink and RDMA; node-limited routing saves RDMA", "[cli]") {
    const auto j = hwplan_json({"ep", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "8", "--tokens",
                                "128", "--algorithm", "forwarding"});
    CHECK(j["mode"] == "realistic");
    for (const char* key : {"comm_us", "layer_us", "step_ms", "tokens_per_s"}) CHECK(j[key].get<double>() > 0);
    CHECK(j["dispatch_rdma_bytes"].get<double>() > 0);
    CHECK(j["node_limited_routing"].get<bool>());
    CHECK(j["remote_domains_per_token"].get<double>() < j["unrestricted_remote_domains_per_token"].get<double>());
    const auto one_node = hwplan_json({"ep", "--model", "deepseek-v3", "--system", "h800-node", "--tokens", "128"});
    CHECK(one_node["dispatch_rdma_bytes"].get<double>() == 0);
    CHECK(one_node["comm_us"].get<double>() < j["comm_us"].get<double>());
}

TEST_CASE("CLI: hwplan ep bad input exits 2 naming the flag", "[cli]") {
    using Case = std::tuple<std::vector<std::string>, std::string>;
    const auto [args, expected] = GENERATE(values<Case>({
        {{"ep", "--paper", "--bandwidth", "0GB/s"}, "--bandwidth"},
        {{"ep", "--paper", "--bandwidth", "fast"}, "--bandwidth"},
        {{"ep", "--paper", "--tokens", "0"}, "--tokens"},
        {{"ep", "--paper", "--mtp-acceptance", "1.5"}, "--mtp-acceptance"},
        {{"ep", "--model", "deepseek-v3", "--system", "h800-node", "--ep", "3"}, "--ep"},
        {{"ep", "--model", "llama-3.1-8b", "--system", "h800-node"}, "dense"},
        {{"ep", "--model", "deepseek-v3"}, "--system"},
    }));
    CAPTURE(args);
    const auto r = run_hwplan(args);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains(expected));
    CHECK(r.out.empty());
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') <= 2);
}

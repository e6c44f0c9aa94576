// CLI tests of --fabric on `hwplan ep` and `hwplan tpot`: the deployment's
// scale-out fabric sets the EP latency and shows in the output; bad values
// name the flag.
#include <catch2/catch.hpp>

#include "cli/cli_json.hpp"

using namespace hwplan::test;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

TEST_CASE("CLI: hwplan ep --fabric uses the fabric's latency", "[cli][topology]") {
    const std::vector<std::string> base = {"ep", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "18",
                                           "--tokens", "16"};
    auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> a = base;
        a.insert(a.end(), extra.begin(), extra.end());
        return hwplan_json(a);
    };
    const auto ib = with({"--fabric", "ft2", "--fabric-link", "ib"});
    const auto roce = with({"--fabric", "ft2", "--fabric-link", "roce"});
    const auto ft3 = with({"--fabric", "ft3", "--fabric-link", "ib"});
    // 144 NIC ports: more than a 32-port leaf, so cross-leaf (paper: IB 3.7 us, RoCE 5.6 us).
    CHECK_THAT(ib["rdma_latency_us"].get<double>(), WithinRel(3.7, 1e-9));
    CHECK_THAT(roce["rdma_latency_us"].get<double>(), WithinRel(5.6, 1e-9));
    CHECK(roce["comm_us"].get<double>() > ib["comm_us"].get<double>());
    // 144 endpoints fit in one FT3 pod: the same three switches as FT2.
    CHECK_THAT(ft3["rdma_latency_us"].get<double>(), WithinRel(3.7, 1e-9));
    const auto table = run_hwplan({"ep", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "18",
                                   "--fabric", "mpft"});
    REQUIRE(table.exit_code == 0);
    CHECK_THAT(table.out, Contains("Scale-out fabric: MPFT"));
}

TEST_CASE("CLI: hwplan tpot --fabric reports the fabric and slows a RoCE step", "[cli][topology]") {
    const std::vector<std::string> base = {"tpot", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "18",
                                           "--batch", "32", "--context", "4096"};
    auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> a = base;
        a.insert(a.end(), extra.begin(), extra.end());
        return hwplan_json(a);
    };
    const auto ib = with({"--fabric", "ft2", "--fabric-link", "ib"});
    const auto roce = with({"--fabric", "ft2", "--fabric-link", "roce"});
    REQUIRE(ib.contains("fabric"));
    CHECK_THAT(ib["fabric"]["label"].get<std::string>(), Contains("FT2"));
    CHECK(roce["ep"]["dispatch_us"].get<double>() > ib["ep"]["dispatch_us"].get<double>());
    CHECK(roce["tpot_ms"].get<double>() >= ib["tpot_ms"].get<double>());
    CHECK_FALSE(with({})["tpot_ms"].is_null());
}

TEST_CASE("CLI: bad --fabric values name the flag, exit 2", "[cli][topology]") {
    const auto unknown = run_hwplan({"ep", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "4",
                                     "--fabric", "torus"});
    CHECK(unknown.exit_code == 2);
    CHECK_THAT(unknown.err, Contains("--fabric") && Contains("ft2, ft3, mpft or cheapest"));
    const auto link = run_hwplan({"tpot", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "4",
                                  "--fabric", "ft2", "--fabric-link", "ethernet"});
    CHECK(link.exit_code == 2);
    CHECK_THAT(link.err, Contains("--fabric-link"));
    // 4096 nodes x 8 NICs = 32768 ports: more than a radix-64 two-tier tree holds.
    const auto big = run_hwplan({"ep", "--model", "deepseek-v3", "--system", "h800-node", "--nodes", "4096",
                                 "--ep", "256", "--fabric", "ft2"});
    CHECK(big.exit_code == 2);
    CHECK_THAT(big.err, Contains("--fabric"));
    const auto nofabric = run_hwplan({"tpot", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--fabric", "ft2"});
    CHECK(nofabric.exit_code == 2);
    CHECK_THAT(nofabric.err, Contains("--fabric") && Contains("NIC"));
}

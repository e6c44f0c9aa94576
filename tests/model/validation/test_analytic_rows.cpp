// model/validation/analytic_rows.cpp and outside_rows.cpp: small analytic
// rows come out of their formulas (hand-computed here), and rows that are
// not physics (deployment inputs, prices, traffic) say so.
#include <catch2/catch.hpp>

#include "model/error.hpp"
#include "tests/model/validation/conditions.hpp"
#include "model/validation/validation.hpp"
#include "tests/model/fixtures.hpp"
#include "tests/model/step_fixtures.hpp"

using namespace hwplan;
using namespace hwplan::model;
using namespace hwplan::model::validation;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

Catalog small_catalog() {
    Catalog c;
    c.model = [](std::string_view id) -> ModelArch {
        if (id == "deepseek-v3") return test::deepseek_v3();
        if (id == "llama-3.1-8b") return test::llama31_8b();
        throw Error("unknown model '" + std::string(id) + "'");
    };
    c.gpu = [](std::string_view id) -> Gpu {
        if (id == "h800-sxm") return test::h800_gpu();
        throw Error("unknown GPU '" + std::string(id) + "'");
    };
    c.system = [](std::string_view id) -> System {
        if (id == "h800-node") return test::h800_node();
        throw Error("unknown system '" + std::string(id) + "'");
    };
    c.setup = [](const SetupRequest&) -> Setup { throw Error("no layouts"); };
    return c;
}

using test::num;
using test::txt;

Reference row(std::string quantity, double value, std::map<std::string, Condition, std::less<>> cond) {
    Reference r;
    r.id = "t";
    r.source = "test";
    r.quantity = std::move(quantity);
    r.value = value;
    r.conditions = std::move(cond);
    return r;
}

}  // namespace

TEST_CASE("Table 5 latencies come back from the latency fit", "[model][validation]") {
    const Catalog c = small_catalog();
    // IB: 2.8 / 3.7 us at 1 / 3 switches -> 0.45 us per switch, 2.35 us endpoint.
    const RowResult same = evaluate(row("end_to_end_latency_us", 2.8, {{"link", txt("ib")}, {"path", txt("same_leaf")}}), c);
    REQUIRE(same.modelled);
    CHECK_THAT(same.predicted, WithinAbs(2.35 + 0.45, 1e-9));
    const RowResult cross = evaluate(row("end_to_end_latency_us", 3.7, {{"link", txt("roce")}, {"path", txt("cross_leaf")}}), c);
    REQUIRE(cross.modelled);
    CHECK_THAT(cross.predicted, WithinAbs(2.6 + 3 * 1.0, 1e-9));
    CHECK_FALSE(evaluate(row("end_to_end_latency_us", 1, {{"link", txt("ib")}, {"path", txt("moon")}}), c).modelled);
}

TEST_CASE("Nodes per token, PCIe lanes and dense MLA compute rows", "[model][validation]") {
    const Catalog c = small_catalog();
    const RowResult nodes = evaluate(row("max_nodes_per_token", 4, {{"model", txt("deepseek-v3")}}), c);
    REQUIRE(nodes.modelled);
    CHECK(nodes.predicted == 4);  // DeepSeek-V3: top-4 of 8 groups
    CHECK_FALSE(evaluate(row("max_nodes_per_token", 4, {{"model", txt("llama-3.1-8b")}}), c).modelled);

    // 160 lanes x 32 GT/s x 128/130 / 8 = 630.15 GB/s (the paper rounds to 4 GB/s per lane: 640).
    const RowResult pcie = evaluate(row("pcie_bw_per_node_gbps", 640, {{"pcie_gen", num(5)}, {"pcie_lanes", num(160)}}), c);
    REQUIRE(pcie.modelled);
    CHECK_THAT(pcie.predicted, WithinRel(160 * 32.0 * 128 / 130 / 8, 1e-12));

    // H800 BF16 989 TFLOPS x 0.65.
    const RowResult mla = evaluate(
        row("attention_tflops", 660, {{"gpu", txt("h800-sxm")}, {"kernel", txt("mla_decode_dense")}}), c);
    REQUIRE(mla.modelled);
    CHECK_THAT(mla.predicted, WithinRel(989 * 0.65, 1e-12));
    const RowResult sparse = evaluate(
        row("attention_tflops", 410, {{"gpu", txt("h800-sxm")}, {"kernel", txt("mla_decode_sparse")}}), c);
    CHECK_FALSE(sparse.modelled);
    CHECK_THAT(sparse.reason, Contains("sparse"));
}

TEST_CASE("Rows that are not physics say what they are", "[model][validation]") {
    const Catalog c = small_catalog();
    const RowResult price = evaluate(row("price_per_mtok_usd", 2.19, {}), c);
    CHECK_FALSE(price.modelled);
    CHECK_THAT(price.reason, Contains("price"));
    const RowResult unit = evaluate(row("deployment_unit_nodes", 4, {}), c);
    CHECK_THAT(unit.reason, Contains("deployment choice"));
    const RowResult traffic = evaluate(row("kv_cache_hit_rate_pct", 56.3, {}), c);
    CHECK_THAT(traffic.reason, Contains("traffic"));
    // An unknown quantity still says there is no evaluator.
    CHECK_THAT(evaluate(row("warp_speed", 9, {}), c).reason, Contains("no evaluator"));
}

TEST_CASE("NCCL bus bandwidth: ring = link rate, NVLink SHARP all-reduce moves S (1 + 1/n) each way", "[model][validation]") {
    const Catalog c = small_catalog();
    // H800: 200 GB/s per direction x eta_nvlink 0.8 = 160 GB/s.
    const double B = 200 * 0.8;
    const RowResult ring = evaluate(
        row("nccl_busbw_gbps", 160, {{"hardware", txt("h800-node")}, {"gpus", num(8)}, {"collective", txt("all_gather")}}),
        c);
    REQUIRE(ring.modelled);
    CHECK_THAT(ring.predicted, WithinRel(B, 1e-12));
    const auto nvls = [&](const char* q) {
        const RowResult res = evaluate(
            row(q, 1, {{"hardware", txt("h800-node")}, {"gpus", num(8)}, {"collective", txt("all_reduce")}}), c);
        REQUIRE(res.modelled);
        return res.predicted;
    };
    CHECK_THAT(nvls("nccl_allreduce_algbw_gbps"), WithinRel(B / 1.125, 1e-12));          // 142.2
    CHECK_THAT(nvls("nccl_allreduce_busbw_gbps"), WithinRel(B / 1.125 * 1.75, 1e-12));   // 248.9
    // Ring all-reduce when the row says so.
    const RowResult forced = evaluate(row("nccl_allreduce_busbw_gbps", 1,
                                          {{"hardware", txt("h800-node")},
                                           {"gpus", num(8)},
                                           {"collective", txt("all_reduce")},
                                           {"algorithm", txt("ring")}}),
                                      c);
    CHECK_THAT(forced.predicted, WithinRel(B, 1e-12));
}

TEST_CASE("MLPerf rows say which inputs the log summary lacks; complete rows go to the serving evaluator",
          "[model][validation]") {
    Catalog c = small_catalog();
    std::map<std::string, Condition, std::less<>> cond{{"model", txt("deepseek-v3")},
                                                       {"scenario", txt("Offline")},
                                                       {"mlperf_version", txt("v4.1")},
                                                       {"hardware", txt("h800-node")},
                                                       {"gpus", num(8)}};
    const RowResult bare = evaluate(row("output_tokens_per_s_total", 1, cond), c);
    CHECK_FALSE(bare.modelled);
    CHECK_THAT(bare.reason, Contains("prompt lengths") && Contains("layout") && Contains("precision"));
    cond["input_len"] = num(300);
    cond["output_len"] = num(265);
    cond["tp"] = num(1);
    cond["weight_dtype"] = txt("fp8");
    // Everything stated: the serving evaluator runs (and meets this
    // catalog's "no layouts").
    CHECK_THAT(evaluate(row("output_tokens_per_s_total", 1, cond), c).reason, Contains("no layouts"));
}

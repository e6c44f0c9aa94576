// model/validation/offload_rows.cpp: the KTransformers rows are modelled on
// the box their conditions name (host "<cpu>-<sockets>s" + GPU), with the
// row's expert count, socket binding and weight format, and the prediction
// is offload_decode / offload_prefill of exactly that setting.
#include <catch2/catch.hpp>

#include "model/error.hpp"
#include "model/offload.hpp"
#include "tests/model/validation/conditions.hpp"
#include "model/validation/validation.hpp"
#include "tests/model/fixtures.hpp"
#include "tests/model/step_fixtures.hpp"

using namespace hwplan;
using namespace hwplan::model;
using namespace hwplan::model::validation;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

namespace {

System showcase_box() {
    System s = test::hybrid_box();
    s.id = "ktransformers-6454s";
    s.host->id = "xeon-gold-6454s-2s";
    s.host->sockets = 2;
    s.host->memory_capacity = gibibytes(1024);
    s.host->memory_bandwidth = gigabytes_per_second(614.4);
    s.host->matrix_peak = teraflops_per_second(144.2);
    return s;
}

Catalog box_catalog() {
    Catalog c;
    c.model = [](std::string_view id) -> ModelArch {
        if (id == "deepseek-v3") return test::deepseek_v3();
        throw Error("unknown model '" + std::string(id) + "'");
    };
    c.gpu = [](std::string_view) -> Gpu { throw Error("no GPUs"); };
    c.system = [](std::string_view) -> System { throw Error("no systems by id"); };
    c.setup = [](const SetupRequest&) -> Setup { throw Error("no layouts"); };
    c.systems = [] { return std::vector<System>{test::h800_node(), showcase_box()}; };
    return c;
}

using test::num;
using test::txt;

// ktrans-v02-single-6exp-decode / -prefill as in ktransformers.yaml.
Reference ktrans_row(std::string quantity, int sockets_used, int top_k) {
    Reference r;
    r.id = "ktrans-test";
    r.source = "ktransformers";
    r.quantity = std::move(quantity);
    r.unit = "tokens/s";
    r.value = 10;
    r.conditions["model"] = txt("deepseek-v3");
    r.conditions["engine"] = txt("ktransformers v0.2");
    r.conditions["cpu"] = txt("xeon-gold-6454s");
    r.conditions["sockets"] = num(2);
    r.conditions["sockets_used"] = num(sockets_used);
    r.conditions["gpu"] = txt("rtx-4090");
    r.conditions["batch"] = num(1);
    r.conditions["top_k"] = num(top_k);
    r.conditions["input_len"] = num(500);
    r.conditions["weight_dtype"] = txt("q4_k_m (int4)");
    r.conditions["offload"] = txt("routed experts on CPU (int4 GGUF), MLA/KV cache and shared expert on GPU");
    return r;
}

}  // namespace

TEST_CASE("KTransformers decode row: offload_decode of the row's setting on the named box", "[model][validation]") {
    const Reference r = ktrans_row("output_tokens_per_s_per_user", 1, 6);
    const RowResult res = evaluate(r, box_catalog());
    INFO(res.reason);
    REQUIRE(res.modelled);
    CHECK(res.method == Method::realistic);
    CHECK_THAT(res.basis, Contains("ktransformers-6454s"));

    ModelArch v3 = test::deepseek_v3();
    std::get<Moe>(v3.ffn).top_k = 6;
    OffloadOptions o;
    o.cpu_expert_bits = kQ4KmExpertBits;
    o.sockets_used = 1;
    o.cpu_isa_share = kAvx512ShareOfAmx;
    Workload w;
    w.batch = 1;
    w.context = 500;  // no output length stated: the prompt's KV
    const OffloadStep d = offload_decode(v3, showcase_box(), w, o);
    CHECK_THAT(res.predicted, WithinRel(d.tokens_per_s_per_user, 1e-12));
    // Hand computation of the CPU part: 58 layers x 6 experts x 3 x 7168 x
    // 2048 weights x 4.84375 bits from one socket's 307.2 GB/s x 0.6.
    CHECK_THAT(d.cpu_time.value(), WithinRel(58 * 6 * 3.0 * 7168 * 2048 * 4.84375 / 8 / (307.2e9 * 0.6), 1e-9));
    CHECK(res.predicted < 1 / d.cpu_time.value());  // the GPU part adds time
}

TEST_CASE("KTransformers rows: two sockets beat one, six experts beat eight", "[model][validation]") {
    const Catalog c = box_catalog();
    const auto tps = [&](std::string q, int sockets, int k) {
        const RowResult res = evaluate(ktrans_row(std::move(q), sockets, k), c);
        INFO(res.reason);
        REQUIRE(res.modelled);
        return res.predicted;
    };
    CHECK(tps("output_tokens_per_s_per_user", 2, 8) > tps("output_tokens_per_s_per_user", 1, 8));
    CHECK(tps("output_tokens_per_s_per_user", 1, 6) > tps("output_tokens_per_s_per_user", 1, 8));
    CHECK(tps("input_tokens_per_s", 2, 8) > tps("input_tokens_per_s", 1, 8));
    CHECK(tps("input_tokens_per_s", 1, 6) > tps("input_tokens_per_s", 1, 8));
}

TEST_CASE("KTransformers prefill row: offload_prefill of the prompt", "[model][validation]") {
    const RowResult res = evaluate(ktrans_row("input_tokens_per_s", 2, 8), box_catalog());
    INFO(res.reason);
    REQUIRE(res.modelled);
    OffloadOptions o;
    o.cpu_expert_bits = kQ4KmExpertBits;
    o.sockets_used = 2;
    o.cpu_isa_share = kAvx512ShareOfAmx;
    Workload w;
    w.batch = 1;
    w.prompt = 500;
    CHECK_THAT(res.predicted, WithinRel(offload_prefill(test::deepseek_v3(), showcase_box(), w, o).tokens_per_s, 1e-12));
}

TEST_CASE("Hybrid rows that cannot be modelled say why", "[model][validation]") {
    Reference r = ktrans_row("output_tokens_per_s_per_user", 2, 8);
    r.conditions["engine"] = txt("llama.cpp");
    CHECK_THAT(evaluate(r, box_catalog()).reason, Contains("layers"));
    r = ktrans_row("output_tokens_per_s_per_user", 2, 8);
    r.conditions["cpu"] = txt("epyc-9999");
    const RowResult none = evaluate(r, box_catalog());
    CHECK_FALSE(none.modelled);
    CHECK_THAT(none.reason, Contains("epyc-9999-2s"));
}

TEST_CASE("A hybrid row that states only a price runs on the hwdb box of that price", "[model][validation]") {
    // The paper's "~20 TPS on a ~$10,000 server with a consumer GPU".
    Catalog c = box_catalog();
    System priced = test::hybrid_box();
    priced.id = "ten-k-box";
    priced.price_usd = 9900;
    System dear = showcase_box();
    dear.price_usd = 15000;  // more than 10 % off the budget: not chosen
    c.systems = [priced, dear] { return std::vector<System>{dear, priced}; };
    Reference r;
    r.id = "paper-ktransformers-v3-local";
    r.source = "paper";
    r.quantity = "output_tokens_per_s_per_user";
    r.unit = "tokens/s";
    r.value = 20;
    r.conditions["model"] = txt("deepseek-v3");
    r.conditions["engine"] = txt("ktransformers");
    r.conditions["system_cost_usd"] = num(10000);
    r.conditions["batch"] = num(1);
    const RowResult res = evaluate(r, c);
    INFO(res.reason);
    REQUIRE(res.modelled);
    CHECK_THAT(res.basis, Contains("ten-k-box"));
    OffloadOptions o;
    o.cpu_expert_bits = kQ4KmExpertBits;  // not stated: KTransformers' Q4_K_M
    Workload w;
    w.batch = 1;
    w.context = 4096;
    CHECK_THAT(res.predicted, WithinRel(offload_decode(test::deepseek_v3(), priced, w, o).tokens_per_s_per_user, 1e-12));
    r.conditions["system_cost_usd"] = num(3000);
    CHECK_THAT(evaluate(r, c).reason, Contains("within 10 %"));
}

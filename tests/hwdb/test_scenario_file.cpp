// Scenario files (hwdb/scenario_file.hpp): the shipped scenarios load, every
// field reaches the Scenario value, and bad files name the field and line.

#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "hwdb/atomic_file.hpp"
#include "hwdb/database.hpp"
#include "hwdb/scenario_file.hpp"
#include "model/error.hpp"
#include "temp_dir.hpp"

using namespace hwplan;
using namespace hwplan::hwdb;
using namespace hwplan::model::planner;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using Catch::Matchers::WithinRel;

namespace {

const Database& db() {
    const std::filesystem::path src = HWPLAN_SOURCE_DIR;
    static const Database d =
        Database::load({src / "hwdb" / "data", src / "scenarios" / "models", src / "hwdb" / "profiles"});
    return d;
}

Scenario parse(const std::string& text) { return parse_scenario(text, "s.yaml", db(), "."); }

std::string error_of(const std::string& text) {
    try {
        (void)parse(text);
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

const std::string kMinimal = R"(model: llama-3.1-8b
systems: [h100-node]
workload:
  input: {mean: 1000}
  output: {mean: 200}
sla:
  tpot: 20 ms
)";

}  // namespace

TEST_CASE("the shipped scenarios load and validate", "[hwdb]") {
    const std::filesystem::path dir = std::filesystem::path(HWPLAN_SOURCE_DIR) / "scenarios";
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().extension() != ".yaml") continue;
        CAPTURE(e.path().string());
        CHECK_NOTHROW((void)load_scenario(e.path(), db()));
        ++n;
    }
    CHECK(n >= 3);
}

TEST_CASE("deepseek-v3-h800.yaml: every field as written", "[hwdb]") {
    const Scenario s = load_scenario(std::filesystem::path(HWPLAN_SOURCE_DIR) / "scenarios/deepseek-v3-h800.yaml", db());
    CHECK(s.model.id == "deepseek-v3");
    REQUIRE(s.systems.size() == 1);
    CHECK(s.systems[0].system.id == "h800-node");
    CHECK(s.systems[0].price_per_gpu_hour_usd == 2);
    CHECK(s.cost.basis == CostBasis::rental);
    CHECK(s.cost.pue == 1.3);
    CHECK_THAT(*s.workload.output_tokens_per_s, WithinRel(1.94e6, 1e-12));
    CHECK(s.workload.input.mean == 3300);
    CHECK(s.workload.input.shape == LengthShape::lognormal);
    CHECK(s.workload.output.cv == 1.5);
    CHECK_THAT(s.workload.prefix_hit_rate, WithinRel(0.563, 1e-12));
    CHECK(s.workload.prefill_chunk == 16384);
    CHECK(s.sla.tpot->value.value() == Approx(0.05));
    CHECK_FALSE(s.sla.tpot->percentile);
    CHECK(*s.sla.ttft->percentile == 90);
    CHECK(*s.sla.min_tokens_per_s_per_user == 20);
    CHECK(s.constraints.weights == std::vector<model::DType>{model::DType::fp8});
    REQUIRE(s.constraints.mtp.size() == 2);
    CHECK(s.constraints.mtp[1].depth == 1);
    CHECK(s.constraints.mtp[1].acceptance == std::vector<double>{0.85});
    CHECK(s.search.aggregated);
    CHECK(s.search.disaggregated);
    CHECK(s.search.pd_ratios.empty());
    CHECK(s.search.redundant_experts == std::vector<int>{0, 32});
    CHECK(s.search.comm_sms == 20);
    CHECK_THAT(s.where("sla.tpot"), Contains("deepseek-v3-h800.yaml:"));
}

TEST_CASE("scenario defaults: prices from hwdb, mean targets, fixed lengths", "[hwdb]") {
    const Scenario s = parse(kMinimal);
    CHECK(s.name == "s");
    CHECK(s.systems[0].price_per_gpu_hour_usd == db().system("h100-node").price_per_gpu_hour_usd);
    CHECK(s.systems[0].node_price_usd == db().system("h100-node").price_usd);
    CHECK(s.workload.input.shape == LengthShape::fixed);
    CHECK_FALSE(s.workload.requests_per_s);
    CHECK_FALSE(s.sla.ttft);
    CHECK(s.search.aggregated);
    CHECK(s.search.disaggregated);
    CHECK(s.where("sla.tpot") == "s.yaml:7:9");
}

TEST_CASE("scenario forms: percent, ratios, rates, uniform lengths, price overrides", "[hwdb]") {
    const Scenario s = parse(R"(model: llama-3.1-8b
systems: [h100-node, h200-node]
cost:
  basis: capex
  amortisation_years: 5
  usd_per_kwh: $0.08
  prices:
    h200-node: {price: $400000}
workload:
  requests_per_s: 1.5k/s
  input: {distribution: uniform, min: 0, max: 4k}
  output: {mean: 500, distribution: exponential}
  prefix_hit_rate: 0.25
sla:
  tpot: 40 ms
  tpot_percentile: p99
  ttft: 800 ms
constraints:
  overlap: [none, dual-micro-batch]
  max_gpus: 64
search:
  modes: [disaggregated]
  pd_ratios: [1:4, 0.5]
  step_mode: paper
)");
    CHECK(s.cost.basis == CostBasis::capex);
    CHECK(s.cost.amortisation_years == 5);
    CHECK(s.cost.usd_per_kwh == 0.08);
    CHECK(s.systems[1].node_price_usd == 400000);
    CHECK(s.systems[0].node_price_usd == db().system("h100-node").price_usd);
    CHECK(*s.workload.requests_per_s == 1500);
    CHECK(s.workload.input.mean == 2000);
    CHECK(s.workload.input.max == 4000);
    CHECK(s.workload.output.shape == LengthShape::exponential);
    CHECK(s.workload.prefix_hit_rate == 0.25);
    CHECK(*s.sla.tpot->percentile == 99);
    CHECK_FALSE(s.sla.ttft->percentile);
    CHECK(s.constraints.overlap.size() == 2);
    CHECK(*s.constraints.max_gpus == 64);
    CHECK_FALSE(s.search.aggregated);
    CHECK(s.search.pd_ratios == std::vector<double>{0.25, 0.5});
    CHECK(s.search.step_mode == model::StepMode::paper);
}

TEST_CASE("bad scenarios: every problem at once, each with its line and field", "[hwdb]") {
    const std::string e = error_of(R"(model: deepseek-v3
systems: [h80-node]
workload:
  input: {mean: 2k}
  output: {mean: 300, distribution: lognorm}
  prefix_hit_rate: 1.5
sla:
  tpot: 50
  ttft_percentil: 90
constraints:
  weights: [fp9]
search:
  decode_nodez: [1]
)");
    CHECK_THAT(e, StartsWith("s.yaml:2:10: systems: unknown system 'h80-node' (did you mean 'h800-node'?)"));
    CHECK_THAT(e, Contains("s.yaml:5:37: workload.output.distribution: unknown value 'lognorm' (did you mean 'lognormal'?)"));
    CHECK_THAT(e, Contains("s.yaml:6:20: workload.prefix_hit_rate: must be between 0 and 1 (exclusive)"));
    CHECK_THAT(e, Contains("s.yaml:8:9: sla.tpot: duration '50' has no unit"));
    CHECK_THAT(e, Contains("s.yaml:9:3: unknown key 'sla.ttft_percentil' (did you mean 'ttft_percentile'?)"));
    CHECK_THAT(e, Contains("s.yaml:11:12: constraints.weights: unknown value 'fp9' (did you mean 'fp8'?)"));
    CHECK_THAT(e, Contains("s.yaml:13:3: unknown key 'search.decode_nodez' (did you mean 'decode_nodes'?)"));
}

TEST_CASE("bad scenarios: one line each", "[hwdb]") {
    const auto with = [](const std::string& from, const std::string& to) {
        std::string t = kMinimal;
        const auto pos = t.find(from);
        REQUIRE(pos != std::string::npos);
        return error_of(t.replace(pos, from.size(), to));
    };
    CHECK_THAT(with("model: llama-3.1-8b", "model: llama-9"), Contains("s.yaml:1:8: model: unknown model 'llama-9'"));
    CHECK_THAT(with("model: llama-3.1-8b", "model: missing/model.yaml"), Contains("s.yaml:1:8: model:"));
    CHECK_THAT(with("  tpot: 20 ms", "  tpot: 20 GB"), Contains("s.yaml:7:9: sla.tpot:"));
    CHECK_THAT(with("  tpot: 20 ms", "  tpot: -5 ms"), Contains("sla.tpot"));
    CHECK_THAT(with("  tpot: 20 ms", "  tpot: 20 ms\n  tpot_percentile: 100"), Contains("sla.tpot_percentile"));
    CHECK_THAT(with("  tpot: 20 ms", "  tput: 20 ms"), Contains("(did you mean 'tpot'?)"));
    CHECK_THAT(with("sla:\n  tpot: 20 ms\n", "sla:\n  note: x\n"), Contains("give at least one of ttft, tpot"));
    CHECK_THAT(with("  output: {mean: 200}\n", ""), Contains("missing required key 'workload.output'"));
    CHECK_THAT(with("  input: {mean: 1000}", "  input: {mean: 1000, distribution: lognormal}"),
               Contains("missing required key 'workload.input.cv'"));
    CHECK_THAT(with("systems: [h100-node]", "systems: [h100-node, h100-node]"), Contains("listed twice"));
    CHECK_THAT(with("systems: [h100-node]", "systems: [h100-node]\ncost: {prices: {h200-node: {price: $1}}}"),
               Contains("unknown key 'cost.prices.h200-node'"));
    CHECK_THAT(with("systems: [h100-node]", "systems: [h100-node]\nconstraints: {mtp: [on]}"),
               Contains("constraints.mtp: 'on' needs mtp_acceptance"));
    CHECK_THAT(with("systems: [h100-node]", "systems: [h100-node]\nsearch: {modes: []}"), Contains("search.modes"));
    CHECK_THAT(with("systems: [h100-node]", "systems: [ai-pc]"), Contains("has no price_per_gpu_hour"));
    CHECK_THAT(with("  input: {mean: 1000}", "  input: {mean: 1000}\n  requests_per_s: 5/s\n  output_tokens_per_s: 1k"),
               Contains("not both"));
    CHECK_THAT(error_of("model: [unclosed\n"), StartsWith("s.yaml:"));
    CHECK_THAT(error_of(""), Contains("empty"));
}

TEST_CASE("mutated scenario files give a Scenario or an Error, never a crash", "[hwdb]") {
    const std::string base = read_file(std::filesystem::path(HWPLAN_SOURCE_DIR) / "scenarios/deepseek-v3-h800.yaml");
    std::mt19937 rng(20250505);
    int errors = 0;
    for (int i = 0; i < 300; ++i) {
        std::string t = base;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            const std::size_t pos = rng() % t.size();
            switch (rng() % 4) {
                case 0: t[pos] = static_cast<char>(32 + rng() % 95); break;     // printable noise
                case 1: t.erase(pos, 1 + rng() % 20); break;                    // deletion
                case 2: t.insert(pos, t.substr(rng() % t.size(), 1 + rng() % 30)); break;  // duplication
                default: t.resize(pos); break;                                  // truncation
            }
        }
        try {
            (void)parse(t);
        } catch (const Error& e) {
            ++errors;
            CHECK_FALSE(std::string(e.what()).empty());
        }
    }
    CHECK(errors > 100);
}

// Engine files (hwdb/data/engines/*.yaml): the shipped ones load and say
// what the physics needs; bad files are rejected with file:line:col.
#include <catch2/catch.hpp>

#include <string>

#include "hwdb/database.hpp"
#include "hwdb/engine_file.hpp"
#include "hwdb/problems.hpp"
#include "model/error.hpp"

using namespace hwplan;
using namespace hwplan::hwdb;
using Catch::Matchers::Contains;

namespace {

const Database& shipped() {
    const std::filesystem::path src = HWPLAN_SOURCE_DIR;
    static const Database db = Database::load({src / "hwdb" / "data", src / "scenarios" / "models", src / "hwdb" / "profiles"});
    return db;
}

const std::string good = R"(id: e
name: An engine
cuda_graphs: true
attention: flashinfer
mla_attention: flash-mla
fuses:
  norm_residual: true
  rope: true
  rope_kv_write: false
  silu_mul: true
  quantize: true
  qkv_gemm: true
  gate_up_gemm: true
launch_overhead: 5 us
source: test
)";

std::string problems_of(const std::string& text) {
    Problems p;
    const auto e = parse_engine(text, "engines/e.yaml", "e", p);
    CHECK_FALSE(e);
    try {
        p.throw_if_any();
    } catch (const Error& err) {
        return err.what();
    }
    return {};
}

}  // namespace

TEST_CASE("the shipped engines load: vllm, sglang, trtllm, pytorch-graph, pytorch-eager", "[hwdb]") {
    const auto& db = shipped();
    for (const char* id : {"vllm", "sglang", "trtllm", "pytorch-graph", "pytorch-eager"}) {
        CAPTURE(id);
        const model::Engine& e = db.engine(id);
        CHECK(e.id == id);
        CHECK_FALSE(e.source.empty());
        CHECK(e.traits.launch_overhead.value() > 0);
    }
    CHECK(db.engine(default_engine_id).id == "vllm");
    // The plain-PyTorch engines fuse nothing and differ only in the graph.
    const auto& g = db.engine("pytorch-graph").traits;
    const auto& x = db.engine("pytorch-eager").traits;
    CHECK(g.fuses == model::EngineFusions{false, false, false, false, false, false, false});
    CHECK(g.cuda_graphs);
    CHECK_FALSE(x.cuda_graphs);
    CHECK(g.fuses == x.fuses);
    CHECK(g.unfused == x.unfused);
    CHECK(g.unfused.rms_norm == model::OpCost{8, 36});
    CHECK(db.engine("trtllm").traits.fuses.rope_kv_write);
}

TEST_CASE("an unknown engine id lists the known ones", "[hwdb]") {
    CHECK_THROWS_WITH(shipped().engine("vlm"), Contains("did you mean 'vllm'") && Contains("pytorch-graph"));
}

TEST_CASE("a good engine file parses", "[hwdb]") {
    Problems p;
    const auto e = parse_engine(good, "engines/e.yaml", "e", p);
    REQUIRE(e);
    CHECK(e->traits.attention == model::AttentionKernel::flashinfer);
    CHECK(e->traits.launch_overhead == model::microseconds(5));
}

TEST_CASE("engine files reject unknown keys, bad kernels and missing fusions with file:line", "[hwdb]") {
    // An unknown key, with its line and a suggestion.
    CHECK_THAT(problems_of(good + "cuda_graph: true\n"),
               Contains("engines/e.yaml:16:1") && Contains("unknown key 'cuda_graph'"));
    std::string bad_attention = good;
    bad_attention.replace(bad_attention.find("flashinfer"), 10, "flash-attention-4");
    CHECK_THAT(problems_of(bad_attention), Contains("engines/e.yaml:4") && Contains("flash-mla"));
    std::string missing = good;
    missing.erase(missing.find("  quantize: true\n"), 17);
    CHECK_THAT(problems_of(missing), Contains("fuses.quantize"));
    std::string cache_only = good;
    cache_only.replace(cache_only.find("  rope: true"), 12, "  rope: false");
    cache_only.replace(cache_only.find("rope_kv_write: false"), 20, "rope_kv_write: true");
    CHECK_THAT(problems_of(cache_only), Contains("rope_kv_write"));
    CHECK_THAT(problems_of(good + "unfused:\n  rms_norm: {kernels: 0, bytes_per_element: 36 B}\n"),
               Contains("unfused.rms_norm.kernels"));
    CHECK_THAT(problems_of(good + "unfused:\n  layer_norm: {kernels: 2, bytes_per_element: 8 B}\n"),
               Contains("layer_norm"));
}

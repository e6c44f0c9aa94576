// What-if files (hwdb/what_if_file.hpp), the GUI's one-deployment state: the
// serving engine (`engine:`) defaults to vllm, round-trips through
// what_if_yaml for every engine of the database, and an unknown engine is
// reported with file:line and the known engines.

#include <catch2/catch.hpp>

#include <string>

#include "hwdb/database.hpp"
#include "hwdb/what_if_file.hpp"
#include "model/error.hpp"
#include "temp_dir.hpp"

using namespace hwplan;
using namespace hwplan::hwdb;
using Catch::Matchers::Contains;

namespace {

const Database& db() {
    const std::filesystem::path src = HWPLAN_SOURCE_DIR;
    static const Database d =
        Database::load({src / "hwdb" / "data", src / "scenarios" / "models", src / "hwdb" / "profiles"});
    return d;
}

WhatIfFile parse(const std::string& text) { return parse_what_if(text, "w.yaml", db(), "."); }

std::string error_of(const std::string& text) {
    try {
        (void)parse(text);
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

const std::string kLlama = "what_if:\n  model: llama-3.1-8b\n  system: h100-node\n  batch: 1\n";

}  // namespace

TEST_CASE("what-if file: no engine key means the default engine, and the YAML names it", "[hwdb][what_if]") {
    const WhatIfFile f = parse(kLlama);
    CHECK(f.scenario.engine == default_engine_id);
    CHECK(f.scenario.engine == "vllm");
    CHECK(WhatIf{}.engine == "vllm");
    // Keys at their defaults are written too, so a saved file says which engine it ran.
    CHECK_THAT(what_if_yaml(f), Contains("engine: vllm"));
}

TEST_CASE("what-if file: engine round-trips through what_if_yaml for every engine", "[hwdb][what_if]") {
    REQUIRE(db().engines().size() >= 6);  // vllm, sglang, trtllm, gpt-fast, pytorch-graph, pytorch-eager
    std::string previous = "vllm";
    for (const auto& [id, engine] : db().engines()) {
        CAPTURE(id);
        WhatIfFile f = parse(kLlama);
        f.scenario.engine = id;
        f.pinned = f.scenario;
        f.pinned->engine = previous;  // A and B on different engines, each kept
        const std::string text = what_if_yaml(f);
        CHECK_THAT(text, Contains("engine: " + id));
        const WhatIfFile back = parse(text);
        CHECK(back.scenario.engine == id);
        REQUIRE(back.pinned);
        CHECK(back.pinned->engine == previous);
        CHECK(back == f);
        previous = id;
    }
}

TEST_CASE("what-if file: engine read from the file, saved and loaded", "[hwdb][what_if]") {
    test::TempDir dir;
    const auto path = dir.write("eager.yaml", kLlama + "  engine: pytorch-eager\n");
    const WhatIfFile f = load_what_if(path, db());
    CHECK(f.scenario.engine == "pytorch-eager");
    const auto saved = dir.path() / "saved.yaml";
    save_what_if(saved, f);
    CHECK(load_what_if(saved, db()) == f);
}

TEST_CASE("what-if file: an unknown engine is reported at its line with the known engines", "[hwdb][what_if]") {
    // Line 5: the `engine:` key of `what_if:`.
    const std::string msg = error_of(kLlama + "  engine: vlm\n");
    CAPTURE(msg);
    CHECK_THAT(msg, Contains("w.yaml:5:"));
    CHECK_THAT(msg, Contains("engine"));
    CHECK_THAT(msg, Contains("'vlm'"));
    for (const auto& [id, engine] : db().engines()) CHECK_THAT(msg, Contains(id));

    // In the pinned scenario: its own line (7), and both problems at once.
    const std::string both =
        error_of(kLlama + "  engine: eager\npinned:\n  model: llama-3.1-8b\n  system: h100-node\n  engine: trt\n");
    CAPTURE(both);
    CHECK_THAT(both, Contains("w.yaml:5:"));
    CHECK_THAT(both, Contains("'eager'"));
    CHECK_THAT(both, Contains("w.yaml:9:"));
    CHECK_THAT(both, Contains("'trt'"));

    // Not a word: a location too.
    CHECK_THAT(error_of(kLlama + "  engine: [vllm]\n"), Contains("w.yaml:5:"));
}

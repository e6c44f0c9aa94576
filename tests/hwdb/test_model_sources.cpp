// Where models come from: a model folder (DIR/config.json), a HuggingFace id
// resolved from the local hub cache (no network), and a model database folder
// with HF-style trees and one broken file.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "hwdb/database.hpp"
#include "model/error.hpp"
#include "temp_dir.hpp"

using namespace hwplan;
using namespace hwplan::hwdb;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

std::string hf_text(const std::string& name) {
    std::ifstream in(fs::path(HWPLAN_TEST_DATA_DIR) / "hf" / (name + ".json"));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

const Database& shipped() {
    const fs::path src = HWPLAN_SOURCE_DIR;
    static const Database db =
        Database::load({src / "hwdb" / "data", src / "scenarios" / "models", src / "hwdb" / "profiles"});
    return db;
}

// Sets an environment variable for one scope.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) {
        if (const char* v = std::getenv(name)) saved_ = v;
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (saved_) ::setenv(name_, saved_->c_str(), 1);
        else ::unsetenv(name_);
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
    std::optional<std::string> saved_;
};

}  // namespace

TEST_CASE("--model DIR reads DIR/config.json, named after the folder", "[hwdb][sources]") {
    test::TempDir tmp;
    tmp.write("Qwen3-30B-A3B/config.json", hf_text("qwen3-30b-a3b"));
    const auto m = shipped().model((tmp.path() / "Qwen3-30B-A3B").string());
    CHECK(m.id == "qwen3-30b-a3b");
    CHECK(m.layers == 48);
    fs::create_directories(tmp.path() / "empty");
    CHECK_THROWS_WITH(shipped().model((tmp.path() / "empty").string()),
                      Contains("is a directory without a config.json"));
}

TEST_CASE("org/name resolves from a HuggingFace hub cache, refs/main first", "[hwdb][sources]") {
    test::TempDir tmp;
    const fs::path repo = tmp.path() / "hub" / "models--openai--gpt-oss-20b";
    tmp.write("hub/models--openai--gpt-oss-20b/snapshots/aaaa/config.json", hf_text("gpt-oss-20b"));
    tmp.write("hub/models--openai--gpt-oss-20b/snapshots/bbbb/config.json", hf_text("gpt-oss-120b"));
    tmp.write("hub/models--openai--gpt-oss-20b/refs/main", "aaaa\n");
    const std::vector<fs::path> roots{tmp.path() / "nowhere", tmp.path() / "hub"};
    const auto found = find_in_hf_cache("openai/gpt-oss-20b", roots);
    REQUIRE(found);
    CHECK(*found == repo / "snapshots" / "aaaa" / "config.json");
    CHECK_FALSE(find_in_hf_cache("openai/gpt-oss-120b", roots));

    SECTION("through Database::model with HF_HOME") {
        const ScopedEnv home("HF_HOME", tmp.path().string());
        const ScopedEnv hub("HF_HUB_CACHE", (tmp.path() / "hub").string());
        const auto m = shipped().model("openai/gpt-oss-20b");
        CHECK(m.id == "gpt-oss-20b");
        CHECK(m.layers == 24);  // the refs/main snapshot, not the other one
        CHECK_THROWS_WITH(shipped().model("openai/gpt-oss-999b"),
                          Contains("nor in the local HuggingFace cache") &&
                              Contains((tmp.path() / "hub" / "models--openai--gpt-oss-999b").string()) &&
                              Contains("huggingface-cli download openai/gpt-oss-999b"));
    }
    SECTION("without refs/main the newest snapshot") {
        fs::remove(repo / "refs" / "main");
        CHECK(find_in_hf_cache("openai/gpt-oss-20b", roots).has_value());
    }
}

TEST_CASE("a models folder with HF-style trees and one bad file loads the rest", "[hwdb][sources]") {
    test::TempDir tmp;
    const fs::path src = HWPLAN_SOURCE_DIR;
    fs::copy(src / "scenarios" / "models", tmp.path() / "models", fs::copy_options::recursive);
    tmp.write("models/GPT-OSS-120B/config.json", hf_text("gpt-oss-120b"));
    tmp.write("models/broken/config.json", R"({"model_type": "rwkv", "num_hidden_layers": 4})");
    tmp.write("models/half.yaml", "id: half\nlayers: x\n");
    const Database db = Database::load({src / "hwdb" / "data", tmp.path() / "models", src / "hwdb" / "profiles"});
    CHECK(db.models().count("gpt-oss-120b") == 1);
    CHECK(db.models().count("deepseek-v3") == 1);  // the built-in ones are still there
    CHECK(db.gpus().count("h100-sxm") == 1);
    REQUIRE(db.model_problems().size() == 2);
    CHECK_THAT(db.model_problems()[0] + db.model_problems()[1], Contains("unsupported model_type 'rwkv'"));
    CHECK_THAT(db.model_problems()[0] + db.model_problems()[1], Contains("half.yaml:2:9"));
    CHECK_THROWS_WITH(db.model("broken"), Contains("was skipped"));
}

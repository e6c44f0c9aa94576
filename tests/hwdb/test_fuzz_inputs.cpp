// Fuzz-style robustness: thousands of random byte edits of the shipped files
// must each either load or throw hwplan::Error - never crash, hang or throw
// anything else. Deterministic (fixed seed) so failures reproduce. The
// libFuzzer targets (HWPLAN_FUZZ) explore further; this keeps the basics in
// every test run.

#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "hwdb/atomic_file.hpp"
#include "hwdb/database.hpp"
#include "hwdb/hardware_files.hpp"
#include "hwdb/model_file.hpp"
#include "hwdb/problems.hpp"
#include "model/error.hpp"

using namespace hwplan;
using namespace hwplan::hwdb;
namespace fs = std::filesystem;

namespace {

std::string mutate(std::string s, std::mt19937& rng) {
    static const std::string interesting[] = {"\n", ":", "{", "}", "[", "]", "-", "\"", "'", "#", "&a", "*a",
                                              "!!int", "nan", "-1", "0", "1e999", "\xff", "\t", " ",
                                              "99999999999999999999", "null", "~", "? ", "|", ">", "---"};
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < edits && !s.empty(); ++i) {
        const std::size_t pos = rng() % s.size();
        switch (rng() % 4) {
            case 0: s.erase(pos, 1 + rng() % 8); break;
            case 1: s.insert(pos, interesting[rng() % std::size(interesting)]); break;
            case 2: s[pos] = static_cast<char>(rng() % 256); break;
            default: s.resize(pos); break;  // truncation
        }
    }
    return s;
}

}  // namespace

TEST_CASE("mutated hardware, model and config.json files never crash the loaders", "[hwdb]") {
    const fs::path src = HWPLAN_SOURCE_DIR;
    const std::string kind = GENERATE("gpus", "nics", "switches", "cpus", "systems", "models", "hf");
    const fs::path dir = kind == "models" ? src / "scenarios" / "models"
                         : kind == "hf"   ? fs::path(HWPLAN_TEST_DATA_DIR) / "hf"
                                          : src / "hwdb" / "data" / kind;
    std::mt19937 rng(20250515);
    int loaded = 0, refused = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const std::string original = read_file(entry.path());
        const std::string file = entry.path().filename().string();
        const std::string stem = entry.path().stem().string();
        for (int i = 0; i < 150; ++i) {
            const std::string text = mutate(original, rng);
            Problems problems;
            try {
                bool ok = false;
                if (kind == "gpus") ok = parse_gpu(text, file, stem, problems).has_value();
                else if (kind == "nics") ok = parse_nic(text, file, stem, problems).has_value();
                else if (kind == "switches") ok = parse_switch(text, file, stem, problems).has_value();
                else if (kind == "cpus") ok = parse_cpu(text, file, stem, problems).has_value();
                else if (kind == "systems") ok = parse_system(text, file, stem, problems).has_value();
                else if (kind == "models")
                    ok = parse_model_yaml(text, file, stem, IdRule::must_match_stem, problems).has_value();
                else {
                    (void)import_hf_config(text, file, stem);
                    ok = true;
                }
                // Either a value or at least one problem, never neither.
                CHECK(ok == problems.empty());
                (ok ? loaded : refused) += 1;
                if (!problems.empty()) CHECK(std::string(problems.to_error().what()).find('\n') == std::string::npos);
            } catch (const Error& e) {
                ++refused;
                CHECK(std::string(e.what()).find('\n') == std::string::npos);
            }
        }
    }
    CAPTURE(kind, loaded, refused);
    CHECK(refused > 0);
}

// libFuzzer target: the YAML model loader (scenarios/models/*.yaml), both
// as a database file (id must match the stem) and as a file given by path.

#include <cstddef>
#include <cstdint>

#include "hwdb/hardware_files.hpp"
#include "hwdb/model_file.hpp"
#include "tests/fuzz/fuzz_common.hpp"

using namespace hwplan;
using namespace hwplan::hwdb;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > kMaxInputFileBytes) return 0;
    const std::string_view text = fuzz::as_text(data, size);
    (void)looks_like_json(text);
    for (const IdRule rule : {IdRule::must_match_stem, IdRule::default_to_stem}) {
        Problems problems;
        try {
            const auto m = parse_model_yaml(text, "fuzz.yaml", "fuzz", rule, problems);
            if (m.has_value() != problems.empty()) fuzz::fail("value and problems disagree", std::string(text));
            if (!m) fuzz::check_error(problems.to_error());
        } catch (const Error& e) {
            fuzz::check_error(e);
        }
    }
    return 0;
}

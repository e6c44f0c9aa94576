// libFuzzer target: the HuggingFace config.json importer.

#include <cstddef>
#include <cstdint>
#include <string>

#include "hwdb/database.hpp"
#include "hwdb/hardware_files.hpp"
#include "tests/fuzz/fuzz_common.hpp"

using namespace hwplan;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > hwdb::kMaxInputFileBytes) return 0;
    try {
        (void)hwdb::import_hf_config(fuzz::as_text(data, size), "config.json", "fuzz");
    } catch (const Error& e) {
        fuzz::check_error(e);
    }
    return 0;
}

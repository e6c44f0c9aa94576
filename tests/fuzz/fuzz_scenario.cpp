// libFuzzer target: the capacity-planning scenario loader (scenarios/*.yaml)
// against the shipped hardware and model database, loaded once.

#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "hwdb/database.hpp"
#include "hwdb/hardware_files.hpp"
#include "hwdb/scenario_file.hpp"
#include "tests/fuzz/fuzz_common.hpp"

using namespace hwplan;

namespace {

const hwdb::Database& database() {
    static const hwdb::Database db = hwdb::Database::load(hwdb::default_data_paths());
    return db;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > hwdb::kMaxInputFileBytes) return 0;
    const auto& db = database();
    try {
        (void)hwdb::parse_scenario(fuzz::as_text(data, size), "fuzz.yaml", db,
                                   std::filesystem::path(HWPLAN_SOURCE_DIR) / "scenarios");
    } catch (const Error& e) {
        fuzz::check_error(e);
    }
    return 0;
}

// libFuzzer target: the calibration probe-output parser (hwplan-probe-gpu /
// hwplan-probe-net YAML, hwdb/probe_file).

#include <cstddef>
#include <cstdint>

#include "hwdb/hardware_files.hpp"
#include "hwdb/probe_file.hpp"
#include "tests/fuzz/fuzz_common.hpp"

using namespace hwplan;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > hwdb::kMaxInputFileBytes) return 0;
    try {
        (void)hwdb::parse_probe(fuzz::as_text(data, size), "probe.yaml");
    } catch (const Error& e) {
        fuzz::check_error(e);
    }
    return 0;
}

// libFuzzer target: the hwdb hardware loaders (hwdb/data/{gpus,nics,
// switches,cpus,systems}/*.yaml). Each input goes through all five parsers,
// so one corpus covers every kind: a GPU file fed to parse_nic exercises the
// unknown-key and missing-key paths of the NIC schema.

#include <cstddef>
#include <cstdint>

#include "hwdb/hardware_files.hpp"
#include "tests/fuzz/fuzz_common.hpp"

using namespace hwplan;
using namespace hwplan::hwdb;

namespace {

template <class Parse>
void run(Parse parse, std::string_view text) {
    Problems problems;
    try {
        const bool ok = parse(text, "fuzz.yaml", "fuzz", problems).has_value();
        // A value exactly when there was no problem (the parse_* contract).
        if (ok != problems.empty()) fuzz::fail("value and problems disagree", std::string(text));
        if (!ok) fuzz::check_error(problems.to_error());
    } catch (const Error& e) {
        fuzz::check_error(e);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > kMaxInputFileBytes) return 0;  // the loaders refuse these before parsing
    const std::string_view text = fuzz::as_text(data, size);
    run(parse_gpu, text);
    run(parse_nic, text);
    run(parse_switch, text);
    run(parse_cpu, text);
    run(parse_system, text);
    return 0;
}

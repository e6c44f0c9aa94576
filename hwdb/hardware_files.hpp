#pragma once
// One hardware file -> one value type: hwdb/data/{gpus,nics,switches,cpus,
// systems}/<id>.yaml. The schema of each kind is in docs/hwdb.md; every key
// is canonical (no aliases), unknown keys are errors with a suggestion, every
// number carries its unit, and `id` must equal the file stem.
//
// The parse_* functions record every problem in `problems` and return
// nullopt when there was any; the read_* wrappers read a file and throw one
// hwplan::Error instead. Database::load uses the former to report the whole
// database at once.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "hwdb/problems.hpp"
#include "model/cpu.hpp"
#include "model/gpu.hpp"
#include "model/nic.hpp"
#include "model/switch.hpp"
#include "model/system.hpp"

namespace hwplan::hwdb {

// A system names its parts by id; they are resolved once every file is read.
struct Reference {
    std::string id;
    std::string where;  // "systems/h800-node.yaml:4:6", for "unknown GPU" errors
};

struct SystemFile {
    model::System system;  // gpu/nic/fabric_switch/host still empty
    Reference gpu;
    std::optional<Reference> nic;
    std::optional<Reference> fabric_switch;
    std::optional<Reference> host;
};

// Size limit for one hardware or model file (they are a few KB).
inline constexpr std::size_t kMaxInputFileBytes = 1u << 20;

// `file` names the source in messages; `expected_id` is the file stem.
[[nodiscard]] std::optional<model::Gpu> parse_gpu(std::string_view text, const std::string& file,
                                                  std::string_view expected_id, Problems& problems);
[[nodiscard]] std::optional<model::Nic> parse_nic(std::string_view text, const std::string& file,
                                                  std::string_view expected_id, Problems& problems);
[[nodiscard]] std::optional<model::Switch> parse_switch(std::string_view text, const std::string& file,
                                                        std::string_view expected_id, Problems& problems);
[[nodiscard]] std::optional<model::Cpu> parse_cpu(std::string_view text, const std::string& file,
                                                  std::string_view expected_id, Problems& problems);
[[nodiscard]] std::optional<SystemFile> parse_system(std::string_view text, const std::string& file,
                                                     std::string_view expected_id, Problems& problems);

[[nodiscard]] model::Gpu read_gpu_file(const std::filesystem::path& path);
[[nodiscard]] model::Nic read_nic_file(const std::filesystem::path& path);
[[nodiscard]] model::Switch read_switch_file(const std::filesystem::path& path);
[[nodiscard]] model::Cpu read_cpu_file(const std::filesystem::path& path);
[[nodiscard]] SystemFile read_system_file(const std::filesystem::path& path);

}  // namespace hwplan::hwdb

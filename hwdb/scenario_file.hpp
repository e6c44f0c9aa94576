#pragma once
// Capacity-planning scenario files (scenarios/*.yaml; schema in
// docs/scenarios.md) -> model::planner::Scenario.
//
// Parsing reuses the hwdb YAML reader: every problem of the file is reported
// at once, each with file:line:col, unknown keys with a did-you-mean, every
// quantity with its unit ("50 ms", "$2", "300/s"). System ids are resolved
// against the hardware database, the model by id or by path (relative to the
// scenario file); prices not given in the scenario come from the system's
// hwdb entry. The result is validated (model::planner::validate) before it
// is returned.

#include <filesystem>
#include <string>
#include <string_view>

#include "hwdb/database.hpp"
#include "model/planner/scenario.hpp"

namespace hwplan::hwdb {

// `file` names the text in messages; relative model paths are resolved
// against `base_dir`. Throws hwplan::Error listing every problem.
[[nodiscard]] model::planner::Scenario parse_scenario(std::string_view text, const std::string& file,
                                                      const Database& db, const std::filesystem::path& base_dir);

// Reads and parses a scenario file.
[[nodiscard]] model::planner::Scenario load_scenario(const std::filesystem::path& path, const Database& db);

}  // namespace hwplan::hwdb

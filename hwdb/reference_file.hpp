#pragma once
// Published reference measurements (scenarios/references/*.yaml; schema in
// docs/references.md) -> model::validation::Reference rows for
// `hwplan validate`.
//
// Every problem of a file is reported at once with file:line:col: unknown
// keys (with a did-you-mean), a unit that is not one of the known units or
// does not match the quantity's suffix ("ep_comm_time_us" must be in "us"),
// a missing id/quantity/value/unit/kind, a value that is not a number,
// value and value_range both or neither, duplicate ids (also across files).

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "model/validation/reference.hpp"

namespace hwplan::hwdb {

// One file's text; `file` names it in messages, its stem becomes each row's
// `source` grouping. Throws hwplan::Error listing every problem.
[[nodiscard]] std::vector<model::validation::Reference> parse_reference_file(std::string_view text,
                                                                             const std::string& file);

// A file, or every *.yaml of a directory (sorted by name). Ids must be unique
// over everything loaded.
[[nodiscard]] std::vector<model::validation::Reference> load_references(const std::filesystem::path& file_or_dir);

// scenarios/references beside the model database (source tree or installed
// share/hwplan/references).
[[nodiscard]] std::filesystem::path default_references_path(std::string_view argv0 = {});

}  // namespace hwplan::hwdb

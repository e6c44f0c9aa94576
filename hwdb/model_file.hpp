#pragma once
// Model description files: our YAML schema (scenarios/models/<id>.yaml, see
// docs/hwdb.md) or a HuggingFace config.json. Internal to hwdb/ and its
// tests; the public entry points are load_model_file and import_hf_config in
// hwdb/database.hpp.

#include <optional>
#include <string>
#include <string_view>

#include "hwdb/problems.hpp"
#include "model/model_arch.hpp"

namespace hwplan::hwdb {

enum class IdRule {
    must_match_stem,  // database files: `id` and `source` required, id == file stem
    default_to_stem,  // a file given by path: `id` optional (defaults to the stem)
};

// Parses and validates (model::validate) a YAML model description; every
// problem goes to `problems` with file:line:col, nullopt when there was any.
[[nodiscard]] std::optional<model::ModelArch> parse_model_yaml(std::string_view text, const std::string& file,
                                                               std::string_view stem, IdRule rule,
                                                               Problems& problems);

// True when `text` is JSON (first non-space character '{'), not YAML.
[[nodiscard]] bool looks_like_json(std::string_view text);

}  // namespace hwplan::hwdb

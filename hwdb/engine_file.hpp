#pragma once
// One serving-engine file -> model::Engine: hwdb/data/engines/<id>.yaml
// (schema in docs/hwdb.md, "Engines"). Like the hardware files: canonical
// keys only, unknown keys rejected with file:line:col and a suggestion,
// times with units, `id` equal to the file stem, every value sourced.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "hwdb/problems.hpp"
#include "model/engine.hpp"

namespace hwplan::hwdb {

[[nodiscard]] std::optional<model::Engine> parse_engine(std::string_view text, const std::string& file,
                                                        std::string_view expected_id, Problems& problems);
[[nodiscard]] model::Engine read_engine_file(const std::filesystem::path& path);

}  // namespace hwplan::hwdb

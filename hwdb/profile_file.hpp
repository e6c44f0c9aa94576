#pragma once
// Calibration profile files (hwplan calibrate fit -o profile.yaml; schema in
// docs/calibration.md, "Profile file"): provenance, fitted parameters and the
// residuals of every fit. Written atomically (hwdb/atomic_file.hpp); read
// back with every problem reported as file:line:col. Written numbers keep 10
// significant digits, so save -> load reproduces a profile to 1e-9.

#include <filesystem>
#include <string>
#include <string_view>

#include "model/calibration/profile.hpp"

namespace hwplan::hwdb {

[[nodiscard]] std::string profile_to_yaml(const model::calibration::Profile& p);
void save_profile(const std::filesystem::path& path, const model::calibration::Profile& p);

// Throws hwplan::Error listing every problem.
[[nodiscard]] model::calibration::Profile parse_profile(std::string_view text, const std::string& file);
[[nodiscard]] model::calibration::Profile load_profile(const std::filesystem::path& path);

}  // namespace hwplan::hwdb

#pragma once
// Raw output of the calibration probes (hwplan-probe-gpu, hwplan-probe-net;
// schemas in docs/calibration.md) -> model/calibration sample value types.
//
// Every problem of a file is reported at once, each as file:line:col with the
// field it concerns ("samples[3].time_s: expected a positive number, got
// 'fast'"). Keys the probe may add later are ignored, and so are samples with
// a tag this hwplan does not know (counted in ignored_samples), as the
// schemas promise; a newer schema_version is refused.

#include <filesystem>
#include <string>
#include <string_view>
#include <variant>

#include "model/calibration/samples.hpp"

namespace hwplan::hwdb {

using ProbeRun = std::variant<model::calibration::GpuProbeRun, model::calibration::NetProbeRun>;

// `file` names the text in messages and is recorded as RunInfo::file.
// Dispatches on `hwplan_probe: gpu|net`. Throws hwplan::Error listing every
// problem.
[[nodiscard]] ProbeRun parse_probe(std::string_view text, const std::string& file);
[[nodiscard]] ProbeRun load_probe(const std::filesystem::path& path);

}  // namespace hwplan::hwdb

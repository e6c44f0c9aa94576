#pragma once
// Formats a Report as YAML (the raw-sample format `hwplan calibrate fit`
// reads; schema in docs/calibration.md, "GPU probe output").

#include "record.hpp"

#include <string>

namespace probe {

std::string to_yaml(const Report& report);

// Floats always carry a '.' and a signed exponent ("1.25e-06") so that YAML
// 1.1 readers (PyYAML) also read a number, not a string; 10 significant
// digits, trailing zeros dropped.
std::string format_double(double v);

// Writes `text` to `path` atomically: `path`.tmp, then rename. On failure the
// temp file is removed and an error message is returned (empty on success).
std::string write_file_atomically(const std::string& path, const std::string& text);

}  // namespace probe

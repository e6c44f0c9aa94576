#pragma once
// Request traces for `hwplan serve --trace`: CSV with a header naming the
// columns arrival_s, input_tokens, output_tokens (any order; other columns
// are ignored), one request per line, arrivals in seconds and non-decreasing.
//
//   arrival_s,input_tokens,output_tokens
//   0.000,2048,500
//   0.004,1830,212
//
// Blank lines and lines starting with '#' are skipped. Every problem
// (missing column, non-number, negative or fractional length, output below 1,
// unsorted arrival) is an hwplan::Error whose `where` is "file:line".

#include <filesystem>
#include <vector>

#include "model/serving/simulation.hpp"

namespace hwplan::hwdb {

[[nodiscard]] std::vector<model::serving::Request> read_trace(const std::filesystem::path& path);

}  // namespace hwplan::hwdb

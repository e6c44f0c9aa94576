#pragma once
// The raw YAML the probe prints (schema `hwplan_probe: net`, version 1) and
// the atomic write of it. Measurements produce records; this file formats them.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "placement.hpp"

namespace hwplan::probe_net {

// One key of a sample; the key's name carries its SI unit (_s, _bytes_per_s, bytes).
using Value = std::variant<std::int64_t, double, std::string, std::vector<std::int64_t>>;
struct Field {
    std::string key;
    Value value;
};
// A sample: an ordered flow mapping, `tag` first.
using Record = std::vector<Field>;

struct RunInfo {
    std::string probe_version;
    std::string git_revision;
    std::string date;  // ISO 8601 UTC
    std::string command;
    std::string mode;  // quick | full
    std::string buffers;  // host | gpu
    std::string gpu_name;  // rank 0's GPU in gpu mode
    double elapsed_s = 0;
    double timer_tick_s = 0;
    Record settings;
    const Placement* placement = nullptr;
};

[[nodiscard]] std::string render_yaml(const RunInfo& info, const std::vector<Record>& samples);

// Writes `text` to stdout, or to `path` through `path`.tmp + rename. Returns an
// error message, empty on success; on failure nothing is left at `path`.tmp.
[[nodiscard]] std::string write_output(const std::string& path, const std::string& text);

// Checks early that `path`.tmp can be created in `path`'s directory (and removes it).
[[nodiscard]] std::string check_output_writable(const std::string& path);

}  // namespace hwplan::probe_net

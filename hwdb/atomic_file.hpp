#pragma once
// Files are written whole or not at all: the content goes to a temporary file
// beside the target, is flushed, then renamed over it. A failure (disk full,
// bad directory, a crash) leaves the old file, or nothing, never half a file.

#include <filesystem>
#include <string_view>

namespace hwplan::hwdb {

// Throws hwplan::Error naming `path` on failure; the temporary is removed.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

// Reads a whole file; throws hwplan::Error naming `path` when it cannot.
// Files larger than `max_bytes` are refused (inputs are small; a 100 MB
// "config" is a mistake, not a model).
[[nodiscard]] std::string read_file(const std::filesystem::path& path,
                                    std::size_t max_bytes = 16u << 20);

}  // namespace hwplan::hwdb

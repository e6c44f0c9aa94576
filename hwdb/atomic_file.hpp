#pragma once
// Files are written whole or not at all: the content goes to a temporary file
// beside the target, is flushed, then renamed over it. A failure (disk full,
// a file-size limit, bad directory, SIGINT/SIGTERM) leaves the old file, or
// nothing, never half a file and never the temporary.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace hwplan::hwdb {

// Throws hwplan::Error naming `path` on failure; the temporary is removed.
// While the temporary exists, SIGINT, SIGTERM and SIGHUP unlink it before the
// process dies (then re-raise), and SIGXFSZ is ignored so that a file-size
// limit is an EFBIG error ("cannot write: File too large"), not a kill.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

// Refuses an output path that would hurt: the same file (by device and inode)
// as one of `inputs` ("sweep s.yaml --out s.yaml"), something that exists and
// is not a regular file (a device node such as /dev/full, a FIFO, a
// directory), or a symbolic link unless `force` (the rename would replace the
// link, not what it points to). Throws hwplan::Error naming `flag`.
void check_output_path(const std::filesystem::path& out, const std::vector<std::filesystem::path>& inputs,
                       bool force, const std::string& flag);

// Throws hwplan::Error naming `path` unless it is a regular file (following
// symlinks): a named pipe would block the reader forever, a device never ends.
void require_regular_file(const std::filesystem::path& path);

// Reads a whole file; throws hwplan::Error naming `path` when it cannot.
// Files larger than `max_bytes` are refused (inputs are small; a 100 MB
// "config" is a mistake, not a model), and so are FIFOs and devices (opened
// non-blocking, checked before the first read).
[[nodiscard]] std::string read_file(const std::filesystem::path& path,
                                    std::size_t max_bytes = 16u << 20);

}  // namespace hwplan::hwdb

#pragma once

namespace hwplan::cli {

// The whole CLI: parse, dispatch, print. Returns the process exit code:
// 0 on success, 2 on bad input (one line on stderr naming the bad value and
// where it came from), 1 on an internal failure.
[[nodiscard]] int run(int argc, char** argv);

}  // namespace hwplan::cli

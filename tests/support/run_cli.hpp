#pragma once
// Runs a built binary (the real `hwplan`, a probe) as a child process and
// captures what it printed, for CLI tests that check exit codes and parse JSON.

#include <string>
#include <vector>

namespace hwplan::test {

struct CliResult {
    int exit_code = -1;
    std::string out;  // stdout
    std::string err;  // stderr
};

// Runs `binary args...` directly (no shell), optionally feeding `stdin_text`.
CliResult run_binary(const std::string& binary, const std::vector<std::string>& args,
                     const std::string& stdin_text = {});

// Runs the hwplan CLI under test.
CliResult run_hwplan(const std::vector<std::string>& args);

// A fresh empty directory under the system temp dir, removed by the caller.
std::string make_temp_dir(const std::string& prefix = "hwplan-test");

// Absolute path of a file in the source tree ("scenarios/models/deepseek-v3.yaml").
std::string source_path(const std::string& relative);

}  // namespace hwplan::test

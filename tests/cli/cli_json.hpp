#pragma once
// Helpers for CLI tests: run `hwplan ... --format json` and parse its output.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/run_cli.hpp"

namespace hwplan::test {

// Runs hwplan with `args` + `--format json`; requires exit 0 and valid JSON.
inline nlohmann::json hwplan_json(std::vector<std::string> args) {
    args.push_back("--format");
    args.push_back("json");
    const CliResult r = run_hwplan(args);
    INFO("stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
}

}  // namespace hwplan::test

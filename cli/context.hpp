#pragma once
// State shared by the commands of one CLI invocation: where the databases
// are, the database itself (loaded on first use), and the output format.

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>

#include "cli/report.hpp"
#include "hwdb/database.hpp"

namespace hwplan::cli {

class Context {
public:
    explicit Context(std::string argv0) : argv0_(std::move(argv0)) {}

    // Loads the databases on first use (so `hwplan --help` does not).
    [[nodiscard]] const hwdb::Database& db();

    Format format = Format::table;
    std::string hardware_dir;  // --data-dir override
    std::string models_dir;    // --models-dir override
    // What `hwplan` returns after a command ran to the end: 0, or 1 when a
    // command's check failed after its report was printed (validate --max-error).
    int exit_code = 0;

    // Prints the report to stdout in the chosen format.
    void emit(const Report& report) const;

private:
    std::string argv0_;
    std::optional<hwdb::Database> db_;
};

// Adds `--format table|json|csv` to a subcommand, bound to ctx.format.
void add_format_option(CLI::App* sub, Context& ctx);

}  // namespace hwplan::cli

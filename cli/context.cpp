#include "cli/context.hpp"

#include <cstdio>
#include <map>

namespace hwplan::cli {

const hwdb::Database& Context::db() {
    if (!db_) {
        hwdb::DataPaths paths = hwdb::default_data_paths(argv0_);
        if (!hardware_dir.empty()) paths.hardware = hardware_dir;
        if (!models_dir.empty()) paths.models = models_dir;
        db_.emplace(hwdb::Database::load(paths));
        // A broken model file is skipped, not fatal: say so once, on stderr.
        for (const auto& problem : db_->model_problems())
            std::fprintf(stderr, "warning: model file skipped: %s\n", problem.c_str());
    }
    return *db_;
}

void Context::emit(const Report& report) const {
    const std::string text = render(report, format);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

void add_format_option(CLI::App* sub, Context& ctx) {
    static const std::map<std::string, Format> formats{
        {"table", Format::table}, {"json", Format::json}, {"csv", Format::csv}};
    sub->add_option("--format", ctx.format, "Output format: table (default), json or csv")
        ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case));
}

}  // namespace hwplan::cli

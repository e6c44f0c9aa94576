#include <cstdlib>
#include <system_error>

#include "hwdb/database.hpp"

namespace hwplan::hwdb {

namespace fs = std::filesystem;

namespace {

// The running executable's folder: /proc/self/exe on Linux, else argv[0]
// when it names a path. Empty when neither works.
fs::path exe_dir(std::string_view argv0) {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec || exe.empty()) {
        exe = fs::path(std::string(argv0));
        if (exe.empty() || !exe.has_parent_path()) return {};
        exe = fs::absolute(exe, ec);
        if (ec) return {};
    }
    return exe.parent_path();
}

fs::path from_env(const char* name) {
    const char* v = std::getenv(name);
    return (v && *v) ? fs::path(v) : fs::path();
}

}  // namespace

DataPaths default_data_paths(std::string_view argv0) {
    DataPaths p{HWPLAN_SOURCE_DATA_DIR, HWPLAN_SOURCE_MODELS_DIR, HWPLAN_SOURCE_PROFILES_DIR};
    // An installed tree: <prefix>/bin/hwplan beside <prefix>/share/hwplan/.
    if (const fs::path dir = exe_dir(argv0); !dir.empty()) {
        const fs::path share = dir.parent_path() / "share" / "hwplan";
        std::error_code ec;
        if (fs::is_directory(share / "data", ec)) {
            p.hardware = share / "data";
            if (fs::is_directory(share / "models", ec)) p.models = share / "models";
            if (fs::is_directory(share / "profiles", ec)) p.profiles = share / "profiles";
        }
    }
    if (auto e = from_env("HWPLAN_DATA"); !e.empty()) p.hardware = e;
    if (auto e = from_env("HWPLAN_MODELS"); !e.empty()) p.models = e;
    if (auto e = from_env("HWPLAN_PROFILES"); !e.empty()) p.profiles = e;
    return p;
}

}  // namespace hwplan::hwdb

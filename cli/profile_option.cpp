#include "cli/profile_option.hpp"
#include "cli/bounded_flag.hpp"

#include <filesystem>

#include "hwdb/profile_file.hpp"
#include "model/error.hpp"

namespace hwplan::cli {

void add_profile_options(CLI::App* sub, ProfileOptions& o) {
    sub->add_option("--profile", o.file,
                    "Calibration profile (hwplan calibrate fit -o FILE): fitted kernel curves, "
                    "measured links, intervals")
        ->check(non_empty());
    sub->add_option("--profile-from", o.from,
                    "Borrow a measured GPU's profile from the profiles folder (e.g. h100-sxm); scaled to this GPU's "
                    "peaks and labelled extrapolated")
        ->check(non_empty());
}

std::optional<LoadedProfile> load_profile_option(const ProfileOptions& o, Context& ctx) {
    if (!o.file.empty() && !o.from.empty()) throw Error("give --profile or --profile-from, not both", "--profile-from");
    if (!o.file.empty()) {
        try {
            return LoadedProfile{hwdb::load_profile(o.file), o.file};
        } catch (const Error& e) {
            throw e.within("--profile");
        }
    }
    if (!o.from.empty()) {
        const std::filesystem::path dir = ctx.db().paths().profiles;
        const std::filesystem::path file = dir / (o.from + ".yaml");
        std::error_code ec;
        if (!std::filesystem::is_regular_file(file, ec))
            throw Error("no profile '" + o.from + "' in " + dir.string() +
                            " (measure one: docs/calibration.md, \"H100 validation\"; or set $HWPLAN_PROFILES)",
                        "--profile-from");
        try {
            return LoadedProfile{hwdb::load_profile(file), o.from + " (" + file.string() + ")"};
        } catch (const Error& e) {
            throw e.within("--profile-from");
        }
    }
    return std::nullopt;
}

nlohmann::json profile_json(const LoadedProfile& p, bool extrapolated, const std::vector<std::string>& links) {
    const auto& pr = p.profile;
    nlohmann::json j = {{"source", p.source},
                        {"created", pr.created},
                        {"measured_gpu", pr.gpu ? pr.gpu->device.name : std::string()},
                        {"measured_hwdb_id", pr.spec.gpu_id},
                        {"measured_date", pr.gpu ? pr.gpu->run.date : (pr.net.empty() ? "" : pr.net.front().run.date)},
                        {"extrapolated", extrapolated}};
    if (!links.empty()) j["links"] = links;
    return j;
}

std::string profile_note(const LoadedProfile& p, bool extrapolated, const std::string& target) {
    const auto& pr = p.profile;
    std::string s = "calibrated with profile " + p.source;
    if (pr.gpu) s += " (measured on " + pr.gpu->device.name + ", " + pr.gpu->run.date + ")";
    if (extrapolated && pr.gpu) s += "; EXTRAPOLATED: efficiency curves scaled to " + target + "'s peaks";
    s += "; +/- = 10th-90th percentile band of the fit residuals";
    return s;
}

std::string with_interval(double value, double lo, double hi, int decimals) {
    return fixed(value, decimals) + " +" + fixed(std::max(0.0, hi - value), decimals) + "/-" +
           fixed(std::max(0.0, value - lo), decimals);
}

}  // namespace hwplan::cli

#pragma once
// `--profile FILE` / `--profile-from GPU` shared by gemm, tpot, ep and plan:
// loads a calibration profile (hwdb/profile_file.hpp) and describes how it
// was used in the JSON output (`profile`, `extrapolated`) and table notes.
//   --profile FILE       a profile file (hwplan calibrate fit -o FILE)
//   --profile-from GPU   the profile of a measured GPU from the profiles
//                        folder ($HWPLAN_PROFILES, hwdb/profiles/GPU.yaml)
// A profile measured on another GPU than the one predicted for lends its
// efficiency curves scaled to the target's peaks: "extrapolated".

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/context.hpp"
#include "model/calibration/profile.hpp"
#include "model/gpu.hpp"

namespace hwplan::cli {

struct ProfileOptions {
    std::string file;
    std::string from;
};

void add_profile_options(CLI::App* sub, ProfileOptions& o);

struct LoadedProfile {
    model::calibration::Profile profile;
    std::string source;  // the file as given, or "GPU (profiles folder)"
};

// nullopt when neither flag was given. Errors name the flag.
[[nodiscard]] std::optional<LoadedProfile> load_profile_option(const ProfileOptions& o, Context& ctx);

// {"source", "measured_gpu", "date", "extrapolated", "links"} for the output.
[[nodiscard]] nlohmann::json profile_json(const LoadedProfile& p, bool extrapolated,
                                          const std::vector<std::string>& links = {});

// One sentence for table notes.
[[nodiscard]] std::string profile_note(const LoadedProfile& p, bool extrapolated, const std::string& target);

// "12.34 +0.56/-0.78": a value and its interval as shown in tables.
[[nodiscard]] std::string with_interval(double value, double lo, double hi, int decimals);

}  // namespace hwplan::cli

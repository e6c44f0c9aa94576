#pragma once
// A decode step (and prefill) evaluated with a calibration profile, with its
// interval: what `hwplan tpot --profile` and the GUI's deployment panel both
// compute, in one place so the two give the same numbers.
//
// On each side of the residual band (apply.hpp, Side) the system takes the
// profile's measured links (apply_links), the step options its fitted
// efficiencies (calibration().eff) and the step model its fitted kernel curves
// (calibrated_model). The nominal side is the prediction; lo and hi bound it.

#include <optional>

#include "model/calibration/apply.hpp"
#include "model/calibration/profile.hpp"
#include "model/deployment.hpp"
#include "model/model_arch.hpp"
#include "model/step_time.hpp"
#include "model/system.hpp"
#include "model/workload.hpp"

namespace hwplan::model::calibration {

struct ProfiledSide {
    DecodeStep decode;
    std::optional<PrefillStep> prefill;  // when w.prompt > 0
};

// One side of the band. `o.efficiencies` is the base the profile's fits replace.
[[nodiscard]] ProfiledSide profiled_side(const Profile& p, const ModelArch& m, const System& s, const Deployment& d,
                                         const Workload& w, const StepOptions& o, Side side);

struct ProfiledStep {
    DecodeStep decode;                   // nominal
    std::optional<PrefillStep> prefill;  // nominal, when w.prompt > 0
    Seconds tpot_lo = seconds(0), tpot_hi = seconds(0);
    Seconds ttft_lo = seconds(0), ttft_hi = seconds(0);  // 0 without a prefill
};

// The nominal side with the lo and hi sides' TPOT (and TTFT) as its interval.
[[nodiscard]] ProfiledStep profiled_step(const Profile& p, const ModelArch& m, const System& s, const Deployment& d,
                                         const Workload& w, const StepOptions& o);

}  // namespace hwplan::model::calibration

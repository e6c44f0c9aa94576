#include "model/calibration/profiled_step.hpp"

namespace hwplan::model::calibration {

ProfiledSide profiled_side(const Profile& p, const ModelArch& m, const System& system, const Deployment& d,
                           const Workload& w, const StepOptions& options, Side side) {
    System s = system;
    StepOptions o = options;
    const Efficiencies base = o.efficiencies;
    (void)apply_links(p, s, base, side);
    o.efficiencies = calibration(p, base, side).eff;
    ProfiledSide r;
    r.decode = decode_step(m, s, d, w, o, calibrated_model(p, s.gpu, base, d.comm_sms, side));
    if (w.prompt > 0) {
        // As model::prefill does: the throughput all-to-all holds its SMs.
        const int comm_sms = d.comm_sms > 0 ? d.comm_sms : (d.ep > 1 ? o.efficiencies.prefill_comm_sms : 0);
        r.prefill = prefill(m, s, d, w, o, calibrated_model(p, s.gpu, base, comm_sms, side));
    }
    return r;
}

ProfiledStep profiled_step(const Profile& p, const ModelArch& m, const System& s, const Deployment& d,
                           const Workload& w, const StepOptions& o) {
    ProfiledSide nominal = profiled_side(p, m, s, d, w, o, Side::nominal);
    const ProfiledSide lo = profiled_side(p, m, s, d, w, o, Side::lo);
    const ProfiledSide hi = profiled_side(p, m, s, d, w, o, Side::hi);
    ProfiledStep r;
    r.decode = std::move(nominal.decode);
    r.prefill = std::move(nominal.prefill);
    r.tpot_lo = lo.decode.tpot;
    r.tpot_hi = hi.decode.tpot;
    if (r.prefill) {
        r.ttft_lo = lo.prefill->ttft;
        r.ttft_hi = hi.prefill->ttft;
    }
    return r;
}

}  // namespace hwplan::model::calibration

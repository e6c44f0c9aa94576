#include "cli/step_flags.hpp"
#include "cli/bounded_flag.hpp"

#include "model/error.hpp"
#include "model/layout.hpp"

namespace hwplan::cli {

void add_step_flags(CLI::App* sub, StepFlags& f) {
    sub->add_option("--mtp", f.mtp, "MTP draft tokens per step (default 1 when --mtp-acceptance is given)")
        ->transform(whole_in(0, 16));
    sub->add_option("--mtp-acceptance", f.mtp_acceptance, "MTP acceptance rate(s), e.g. 0.85 or 0.85,0.7")
        ->delimiter(',');
    sub->add_option("--overlap", f.overlap, "none, dual (two micro-batches, default) or ideal");
    sub->add_option("--micro-batches", f.micro_batches, "Micro-batches for --overlap dual (default 2)")
        ->transform(whole_in(1, 1024));
    sub->add_option("--comm-sms", f.comm_sms, "SMs reserved for communication kernels (e.g. 20)")
        ->transform(whole_in(0, 4096));
}

model::Overlap overlap_flag(const std::string& v) {
    if (v == "none") return model::Overlap::none;
    if (v == "dual" || v == "dual-micro-batch") return model::Overlap::dual_micro_batch;
    if (v == "ideal" || v == "paper-ideal") return model::Overlap::paper_ideal;
    throw Error("expected none, dual or ideal, got '" + v + "'", "--overlap");
}

void apply_step_flags(const StepFlags& f, const model::ModelArch& m, const model::System& s, model::Deployment& d) {
    d.overlap = overlap_flag(f.overlap);
    d.micro_batches = f.micro_batches;
    d.comm_sms = f.comm_sms;
    d.mtp.depth = f.mtp > 0 ? f.mtp : (f.mtp_acceptance.empty() ? 0 : 1);
    d.mtp.acceptance = f.mtp_acceptance;
    if (d.mtp.depth > 0 && d.mtp.acceptance.empty())
        throw Error("--mtp " + std::to_string(d.mtp.depth) + " needs an acceptance rate", "--mtp-acceptance");
    for (double a : d.mtp.acceptance)
        if (!(a >= 0 && a <= 1)) throw Error("acceptance rates must be between 0 and 1", "--mtp-acceptance");
    if (auto p = model::layout_problem(m, s, d)) {
        const std::string& text = *p;
        const char* flag = text.find("comm_sms") != std::string::npos        ? "--comm-sms"
                           : text.find("micro_batches") != std::string::npos ? "--micro-batches"
                                                                             : "--system";
        throw Error(text, flag);
    }
}

}  // namespace hwplan::cli

#pragma once
// The step-schedule flags every command that evaluates decode steps takes
// (tpot, serve): --overlap, --micro-batches, --comm-sms, --mtp,
// --mtp-acceptance. One place so their meaning, defaults and errors agree.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "model/deployment.hpp"
#include "model/model_arch.hpp"
#include "model/system.hpp"

namespace hwplan::cli {

struct StepFlags {
    std::string overlap = "dual";
    int micro_batches = 2;
    int comm_sms = 0;
    int mtp = 0;  // 0 with acceptance rates given: one draft token
    std::vector<double> mtp_acceptance;
};

void add_step_flags(CLI::App* sub, StepFlags& f);

// "none", "dual" / "dual-micro-batch", "ideal" / "paper-ideal"; errors name --overlap.
[[nodiscard]] model::Overlap overlap_flag(const std::string& v);

// Sets overlap, micro-batches, communication SMs and MTP on `d` and checks
// the layout again; errors name the flag.
void apply_step_flags(const StepFlags& f, const model::ModelArch& m, const model::System& s, model::Deployment& d);

}  // namespace hwplan::cli

// hwplan gemm: the time of one GEMM C[m x n] = A[m x k] · W[k x n] on a GPU
// from the tiled spec-sheet model (model/kernel_costs.hpp, gemm_terms) -- the
// same function the step model uses for every projection and expert -- and
// the plan it chose: CTA tile, tiles, split-K, waves, bound.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/profile_option.hpp"
#include "hwdb/unit_parse.hpp"
#include "model/calibration/apply.hpp"
#include "model/error.hpp"
#include "model/kernel_costs.hpp"

namespace hwplan::cli {

namespace {

struct GemmOptions {
    std::string gpu;
    std::string m, n, k;
    std::string dtype = "bf16";
    int comm_sms = 0;
    std::string groups = "1";
    ProfileOptions profile;
};

double dim(const std::string& text, const char* flag) {
    const double v = hwdb::parse_count(text, flag);
    if (!(v >= 1) || v > 1e12) throw Error("must be a positive size, got '" + text + "'", flag);
    return v;
}

}  // namespace

void add_gemm_command(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<GemmOptions>();
    auto* sub = app.add_subcommand("gemm", "Time of one GEMM on a GPU: tile plan over the SMs vs the HBM stream (spec-sheet model)");
    sub->add_option("--gpu", o->gpu, "GPU id, e.g. h100-sxm")->required();
    sub->add_option("--m", o->m, "Rows of A and C (tokens), e.g. 4096 or 4k")->required();
    sub->add_option("--n", o->n, "Columns of W and C (output features)")->required();
    sub->add_option("--k", o->k, "Inner dimension (input features)")->required();
    sub->add_option("--dtype", o->dtype, "Weight dtype: bf16 (default), fp8, int8, fp4, int4, fp32");
    sub->add_option("--groups", o->groups, "Grouped GEMM: number of weight matrices (experts); m is the total rows");
    sub->add_option("--comm-sms", o->comm_sms, "SMs reserved for communication")->check(CLI::NonNegativeNumber);
    add_profile_options(sub, o->profile);
    add_format_option(sub, ctx);
    sub->callback([o, &ctx] {
        const model::Gpu* gpu = nullptr;
        try {
            gpu = &ctx.db().gpu(o->gpu);
        } catch (const Error& e) {
            throw e.within("--gpu");
        }
        const auto dtype = model::dtype_from_string(o->dtype);
        if (!dtype)
            throw Error("unknown dtype '" + o->dtype + "' (expected bf16, fp8, int8, fp4, int4, fp32)", "--dtype");
        if (gpu->sms > 0 && o->comm_sms >= gpu->sms)
            throw Error("must be below the GPU's " + std::to_string(gpu->sms) + " SMs", "--comm-sms");
        const model::GemmShape g{dim(o->m, "--m"), dim(o->n, "--n"), dim(o->k, "--k"), *dtype,
                                 dim(o->groups, "--groups")};
        const auto prof = load_profile_option(o->profile, ctx);
        namespace cal = model::calibration;
        const auto model_for = [&](cal::Side side) {
            return prof ? cal::calibrated_model(prof->profile, *gpu, model::default_efficiencies(), o->comm_sms, side)
                        : model::KernelCostModel::for_gpu(*gpu, model::default_efficiencies(), o->comm_sms);
        };
        const auto k = model_for(cal::Side::nominal);
        const model::DType math = k.math_dtype(*dtype);
        if (!(k.peak(math).value() > 0) || !(k.memory_bandwidth.value() > 0))
            throw Error(gpu->id + " has no " + std::string(model::to_string(math)) + " peak or memory bandwidth",
                        "--gpu");
        const model::KernelCost c = k.gemm(g);
        const double t = c.total().value();
        const auto terms = k.gemm_terms(k.gemm_format(*dtype), g.m, g.n, g.k, g.groups);
        const bool tiled = terms.tile_m > 0 && !k.gemm_curve(math);
        Report r;
        r.json = {{"gpu", gpu->id},
                  {"m", g.m},
                  {"n", g.n},
                  {"k", g.k},
                  {"groups", g.groups},
                  {"dtype", model::to_string(*dtype)},
                  {"math_dtype", model::to_string(math)},
                  {"time_us", t * 1e6},
                  {"roofline_us", model::to_us(c.time)},
                  {"overhead_us", model::to_us(c.overhead)},
                  {"flops", c.flops.value()},
                  {"bytes", c.bytes.value()},
                  {"bound", model::to_string(c.bound)},
                  {"efficiency", c.efficiency},
                  {"compute_efficiency", terms.eta_c},
                  {"compute_us", terms.compute * 1e6},
                  {"memory_us", terms.memory * 1e6},
                  {"pipeline_latency_us", terms.latency * 1e6},
                  {"sms", k.sms},
                  {"achieved_tflops", c.flops.value() / t / 1e12},
                  {"achieved_gbps", c.bytes.value() / t / 1e9},
                  {"peak_tflops", model::to_tflops(k.peak(math))}};
        if (tiled)
            r.json["plan"] = {{"tile_m", terms.tile_m},   {"tile_n", terms.tile_n}, {"tiles", terms.tiles},
                              {"split_k", terms.split_k}, {"waves", terms.waves}};
        Table tab{fmt::format("GEMM on {}: m {} x n {} x k {}{} ({} weights, {} math)", gpu->id, g.m, g.n, g.k,
                              g.groups > 1 ? fmt::format(" in {} groups", g.groups) : "", model::to_string(*dtype),
                              model::to_string(math)),
                  {"quantity", "value"},
                  {},
                  {}};
        tab.rows = {{"time (us)", fixed(t * 1e6, 2)},
                    {"roofline (us)", fixed(model::to_us(c.time), 2)},
                    {"kernel overhead (us)", fixed(model::to_us(c.overhead), 2)},
                    {"GFLOP", fixed(c.flops.value() / 1e9, 3)},
                    {"MB moved", fixed(c.bytes.value() / 1e6, 3)},
                    {"bound", std::string(model::to_string(c.bound))},
                    {"compute (us)", fixed(terms.compute * 1e6, 2)},
                    {"memory (us)", fixed(terms.memory * 1e6, 2)},
                    {"pipeline fill + drain (us)", fixed(terms.latency * 1e6, 2)},
                    {"efficiency applied", fixed(c.efficiency, 3)},
                    {"achieved TFLOPS", fixed(c.flops.value() / t / 1e12, 1)},
                    {"achieved GB/s", fixed(c.bytes.value() / t / 1e9, 0)}};
        if (tiled)
            tab.rows.insert(tab.rows.begin() + 6,
                            {{"CTA tile", fmt::format("{} x {}", terms.tile_m, terms.tile_n)},
                             {"output tiles", fixed(terms.tiles, 0)},
                             {"split-K", fixed(terms.split_k, 0)},
                             {"waves", fmt::format("{} on {} SMs", fixed(terms.waves, 0), k.sms)}});
        tab.notes.push_back(
            "time = max(tiles in waves over the SMs at the tensor / shared-memory rate, bytes / (HBM x eta_m)) "
            "+ pipeline fill + kernel overhead (docs/equations.md, \"GEMM\")");
        if (prof) {
            // The interval: every fit at the 10th / 90th percentile of its residuals.
            const double lo = model_for(cal::Side::lo).gemm(g).total().value();
            const double hi = model_for(cal::Side::hi).gemm(g).total().value();
            const bool extra = cal::extrapolated(prof->profile, *gpu);
            r.json["time_us_lo"] = lo * 1e6;
            r.json["time_us_hi"] = hi * 1e6;
            r.json["extrapolated"] = extra;
            r.json["profile"] = profile_json(*prof, extra);
            tab.rows.front() = {"time (us)", with_interval(t * 1e6, lo * 1e6, hi * 1e6, 2)};
            tab.notes.front() =
                k.gemm_curve(math)
                    ? "time = fixed + (Tc^p + Tm^p)^(1/p) with the profile's fitted GEMM curve + kernel overhead "
                      "(docs/equations.md, \"Calibration fits\")"
                    : "the profile has no GEMM curve for " + std::string(model::to_string(math)) +
                          " math: spec-sheet roofline with the profile's overheads";
            tab.notes.push_back(profile_note(*prof, extra, gpu->id));
        }
        r.tables.push_back(std::move(tab));
        ctx.emit(r);
    });
}

}  // namespace hwplan::cli

// hwplan calibrate fit|report: turn the probes' raw YAML (hwplan-probe-gpu,
// hwplan-probe-net) into a calibration profile, and print a profile's fits
// with their residuals (docs/calibration.md).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>

#include "cli/commands.hpp"
#include "hwdb/atomic_file.hpp"
#include "hwdb/suggest.hpp"
#include "hwdb/unit_parse.hpp"
#include "hwdb/probe_file.hpp"
#include "hwdb/profile_file.hpp"
#include "model/calibration/fit.hpp"
#include "model/error.hpp"

namespace hwplan::cli {

namespace {

namespace cal = model::calibration;

struct FitOptions {
    std::vector<std::string> inputs;
    std::string output;
    std::string gpu;
    std::vector<std::string> holdout;
    bool force = false;
};

std::string now_utc() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string pct(double v) { return fixed(100 * v, 1) + " %"; }

std::string band_text(const cal::Residuals& r) {
    return "x" + fixed(std::exp(r.log_lo), 3) + " .. x" + fixed(std::exp(r.log_hi), 3);
}

nlohmann::json residuals_json(const cal::Residuals& r) {
    return {{"count", r.count},
            {"rms_rel_error", r.rms_rel_error},
            {"median_rel_error", r.median_rel_error},
            {"max_rel_error", r.max_rel_error},
            {"log_lo", r.log_lo},
            {"log_hi", r.log_hi}};
}

nlohmann::json curve_json(const cal::SaturationCurve& c) {
    return {{"name", c.name},
            {"latency_s", c.latency()},
            {"bandwidth_bytes_per_s", c.bandwidth()},
            {"knee_bytes", c.knee_bytes()},
            {"break_bytes", c.break_bytes},
            {"small_alpha_s", c.small.alpha_s},
            {"small_bandwidth_bytes_per_s", c.small.bandwidth},
            {"min_bytes", c.min_bytes},
            {"max_bytes", c.max_bytes},
            {"efficiency", c.efficiency},
            {"residuals", residuals_json(c.residuals)}};
}

std::string bytes_text(double b) {
    if (b >= 1 << 30) return fixed(b / (1 << 30), 2) + " GiB";
    if (b >= 1 << 20) return fixed(b / (1 << 20), 2) + " MiB";
    if (b >= 1 << 10) return fixed(b / (1 << 10), 1) + " KiB";
    return fixed(b, 0) + " B";
}

// Every fit of a profile and its residuals, as tables and JSON.
Report profile_report(const cal::Profile& p, const std::string& file) {
    Report r;
    nlohmann::json& j = r.json;
    j["file"] = file;
    j["created"] = p.created;
    j["command"] = p.command;
    Table prov{"Calibration profile " + file, {"field", "value"}, {}, {}};
    prov.rows.push_back({"created", p.created + " (" + p.command + ")"});
    if (p.gpu) {
        const auto& d = p.gpu->device;
        const std::string locked = d.clocks_locked ? (*d.clocks_locked ? "locked" : "not locked") : "lock unknown";
        prov.rows.push_back(
            {"GPU", d.name + " (" + p.spec.gpu_id + "), " + std::to_string(d.sm_count) + " SMs, " + d.uuid});
        prov.rows.push_back(
            {"clocks", fixed(d.sm_clock_mhz, 0) + " MHz SM, " + fixed(d.mem_clock_mhz, 0) + " MHz memory, " + locked +
                           (d.power_limit_w ? ", power limit " + fixed(*d.power_limit_w, 0) + " W" : "")});
        prov.rows.push_back({"software", "driver " + d.driver_version.value_or("?") + ", CUDA " +
                                             d.cuda_runtime_version + ", cuBLASLt " + d.cublaslt_version + ", NCCL " +
                                             d.nccl_version.value_or("none")});
        prov.rows.push_back({"GPU probe", p.gpu->run.probe_version + " (" + p.gpu->run.git_revision + "), " +
                                              p.gpu->run.mode + ", " + p.gpu->run.date});
        j["gpu"] = {{"name", d.name},         {"uuid", d.uuid},          {"hwdb_id", p.spec.gpu_id},
                    {"sm_count", d.sm_count}, {"date", p.gpu->run.date}, {"probe_version", p.gpu->run.probe_version}};
    }
    j["net"] = nlohmann::json::array();
    for (const auto& n : p.net) {
        prov.rows.push_back({"net probe", n.run.probe_version + ", " + n.run.mode + ", " + n.run.date + ", " +
                                              std::to_string(n.mpi.world_size) + " ranks on " +
                                              std::to_string(n.mpi.host_count) + " host(s), " + n.mpi.library});
        j["net"].push_back(
            {{"date", n.run.date}, {"ranks", n.mpi.world_size}, {"hosts", n.mpi.host_count}, {"mpi", n.mpi.library}});
    }
    r.tables.push_back(std::move(prov));

    j["gemm"] = nlohmann::json::array();
    if (!p.gemm.empty()) {
        Table t{
            "GEMM curves: t = fixed + (Tc^p + Tm^p)^(1/p), eta_c = peak_fraction x M/(M+half_m) x "
            "N/(N+half_n) x K/(K+half_k) x wave",
            {"dtype", "peak frac", "half_m", "half_n", "half_k", "mem eff", "fixed us", "p", "tile", "n", "rms err",
             "max err", "band", "hold-out median/max"},
            {},
            {}};
        for (const auto& g : p.gemm) {
            const auto& c = g.curve;
            t.rows.push_back({std::string(model::to_string(g.dtype)), fixed(c.peak_fraction, 3), fixed(c.half_m, 1),
                              fixed(c.half_n, 0), fixed(c.half_k, 0), fixed(c.memory_efficiency, 3),
                              fixed(c.fixed_s * 1e6, 2), c.blend == 0 ? "max" : std::to_string(c.blend),
                              c.tile_m > 0 ? std::to_string(c.tile_m) + "x" + std::to_string(c.tile_n) : "-",
                              std::to_string(g.residuals.count), pct(g.residuals.rms_rel_error),
                              pct(g.residuals.max_rel_error), band_text(g.residuals),
                              g.holdout.empty()
                                  ? "-"
                                  : pct(g.holdout.median_rel_error) + " / " + pct(g.holdout.max_rel_error) + " (" +
                                        std::to_string(g.holdout.count) + ")"});
            nlohmann::json gj = {{"dtype", model::to_string(g.dtype)},
                                 {"peak_fraction", c.peak_fraction},
                                 {"half_m", c.half_m},
                                 {"half_n", c.half_n},
                                 {"half_k", c.half_k},
                                 {"memory_efficiency", c.memory_efficiency},
                                 {"fixed_s", c.fixed_s},
                                 {"blend", c.blend},
                                 {"tile_m", c.tile_m},
                                 {"tile_n", c.tile_n},
                                 {"residuals", residuals_json(g.residuals)}};
            if (!g.holdout.empty()) gj["holdout"] = residuals_json(g.holdout);
            j["gemm"].push_back(gj);
        }
        t.notes.push_back("efficiencies relative to " + p.spec.gpu_id + "'s spec sheet: BF16 " +
                          fixed(p.spec.bf16_flops / 1e12, 0) + " TFLOPS, FP8 " + fixed(p.spec.fp8_flops / 1e12, 0) +
                          " TFLOPS, HBM " + fixed(p.spec.memory_bandwidth / 1e9, 0) + " GB/s");
        t.notes.push_back(
            "err = |predicted / measured - 1|; band = 10th..90th percentile of measured / predicted "
            "(the interval of every prediction made with the fit)");
        r.tables.push_back(std::move(t));
    }
    if (p.attention || p.launch) {
        Table t{"Attention and launch fits", {"fit", "parameters", "n", "rms err", "max err", "band"}, {}, {}};
        if (p.attention) {
            const auto& a = *p.attention;
            t.rows.push_back({"attention (decode)",
                              "compute eff " + fixed(a.compute_efficiency, 3) + ", memory eff " +
                                  fixed(a.memory_efficiency, 3) + ", fixed " + fixed(a.fixed_s * 1e6, 2) + " us, p " +
                                  (a.blend == 0 ? std::string("max") : std::to_string(a.blend)),
                              std::to_string(a.residuals.count), pct(a.residuals.rms_rel_error),
                              pct(a.residuals.max_rel_error), band_text(a.residuals)});
            j["attention"] = {{"compute_efficiency", a.compute_efficiency},
                              {"memory_efficiency", a.memory_efficiency},
                              {"fixed_s", a.fixed_s},
                              {"blend", a.blend},
                              {"residuals", residuals_json(a.residuals)}};
        }
        if (p.launch) {
            const auto& l = *p.launch;
            t.rows.push_back(
                {"launch / graph node",
                 "graph node " + fixed(l.graph_node_s * 1e6, 3) + " us (+" + fixed(l.graph_base_s * 1e6, 2) +
                     " us per replay), back-to-back " + fixed(l.back_to_back_s * 1e6, 2) + " us, enqueue " +
                     fixed(l.host_enqueue_s * 1e6, 2) + " us, roundtrip " + fixed(l.roundtrip_s * 1e6, 2) + " us",
                 std::to_string(l.residuals.count), pct(l.residuals.rms_rel_error), pct(l.residuals.max_rel_error),
                 band_text(l.residuals)});
            j["launch"] = {{"graph_node_s", l.graph_node_s},     {"graph_base_s", l.graph_base_s},
                           {"back_to_back_s", l.back_to_back_s}, {"host_enqueue_s", l.host_enqueue_s},
                           {"roundtrip_s", l.roundtrip_s},       {"residuals", residuals_json(l.residuals)}};
        }
        r.tables.push_back(std::move(t));
    }
    j["curves"] = nlohmann::json::array();
    if (!p.curves.empty()) {
        Table t{"Saturation curves: t = alpha + bytes / beta (two regimes split at 'break' where clearly better)",
                {"curve", "alpha us", "beta GB/s", "knee", "break", "eff", "range", "n", "rms err", "max err"},
                {},
                {}};
        for (const auto& c : p.curves) {
            t.rows.push_back(
                {c.name, fixed(c.latency() * 1e6, 3), fixed(c.bandwidth() / 1e9, 2), bytes_text(c.knee_bytes()),
                 c.two_regimes() ? bytes_text(c.break_bytes) : "-", c.efficiency > 0 ? fixed(c.efficiency, 3) : "-",
                 bytes_text(c.min_bytes) + " .. " + bytes_text(c.max_bytes), std::to_string(c.residuals.count),
                 pct(c.residuals.rms_rel_error), pct(c.residuals.max_rel_error)});
            j["curves"].push_back(curve_json(c));
        }
        t.notes.push_back(
            "alpha = small-size latency, beta = large-size bandwidth, knee = alpha x beta (half the "
            "bandwidth reached); graph_node uses nodes for bytes");
        r.tables.push_back(std::move(t));
    }
    j["links"] = nlohmann::json::array();
    if (!p.links.empty()) {
        Table t{"Links (override the hardware database for ep / tpot / plan with --profile)",
                {"link class", "source", "latency us", "bandwidth GB/s", "knee", "rms err", "max err"},
                {},
                {}};
        for (const auto& l : p.links) {
            t.rows.push_back({l.link_class, l.source, fixed(l.latency_s() * 1e6, 3), fixed(l.bandwidth() / 1e9, 2),
                              bytes_text(l.knee_bytes()), pct(l.curve.residuals.rms_rel_error),
                              pct(l.curve.residuals.max_rel_error)});
            nlohmann::json lj = curve_json(l.curve);
            lj["link_class"] = l.link_class;
            lj["source"] = l.source;
            j["links"].push_back(lj);
        }
        t.notes.push_back("intra_host replaces the scale-up (NVLink) link, inter_host the scale-out NIC per GPU");
        r.tables.push_back(std::move(t));
    }
    return r;
}

void fit_command(const FitOptions& o, const std::string& command, Context& ctx) {
    {
        // Before anything is read: -o must not be one of the probe files, a device or a link.
        std::vector<std::filesystem::path> ins(o.inputs.begin(), o.inputs.end());
        hwdb::check_output_path(o.output, ins, o.force, "-o");
    }
    std::optional<cal::GpuProbeRun> gpu;
    std::vector<cal::NetProbeRun> net;
    for (const auto& in : o.inputs) {
        hwdb::ProbeRun run = hwdb::load_probe(in);
        if (auto* g = std::get_if<cal::GpuProbeRun>(&run)) {
            if (gpu)
                throw Error("a second GPU probe file (" + gpu->run.file + " is the first); one GPU per profile", in);
            if (g->transfers.empty() && g->gemms.empty() && g->attention.empty() && g->launches.empty() &&
                g->graphs.empty() && g->nccl.empty())
                throw Error(
                    "holds decode-step samples only: those are the reference for validation "
                    "(calibrate/validate_h100.sh), not fit input",
                    in);
            gpu = std::move(*g);
        } else {
            net.push_back(std::move(std::get<cal::NetProbeRun>(run)));
        }
    }
    cal::SpecPeaks spec;
    if (gpu) {
        const model::Gpu* g = nullptr;
        if (!o.gpu.empty()) {
            try {
                g = &ctx.db().gpu(o.gpu);
            } catch (const Error& e) {
                throw e.within("--gpu");
            }
        } else {
            for (const auto& [id, cand] : ctx.db().gpus())
                if (cand.name == gpu->device.name) g = &cand;
            if (!g)
                throw Error("the GPU probe measured '" + gpu->device.name +
                                "'; give its hardware-database id (e.g. --gpu h100-sxm) for the spec peaks",
                            "--gpu");
        }
        if (g->sms > 0 && gpu->device.sm_count > 0 && g->sms != gpu->device.sm_count)
            throw Error(g->id + " has " + std::to_string(g->sms) + " SMs but the measured device has " +
                            std::to_string(gpu->device.sm_count) + "; wrong GPU id?",
                        "--gpu");
        spec.gpu_id = g->id;
        spec.bf16_flops = model::peak_flops(*g, model::DType::bf16).value();
        spec.fp8_flops = g->fp8_peak.value();
        spec.memory_bandwidth = g->memory_bandwidth.value();
        spec.pcie_bandwidth = g->pcie_bandwidth.value();
        spec.sms = g->sms;
    } else if (!o.gpu.empty()) {
        throw Error("only network probe files given; --gpu needs a GPU probe file", "--gpu");
    }
    // A --holdout naming no GEMM shape of the probe held nothing out, silently.
    for (const auto& h : o.holdout) {
        std::vector<std::string> shapes;
        if (gpu)
            for (const auto& s : gpu->gemms)
                if (std::find(shapes.begin(), shapes.end(), s.shape) == shapes.end()) shapes.push_back(s.shape);
        if (std::find(shapes.begin(), shapes.end(), h) == shapes.end())
            throw Error("no GEMM sample of the probe has shape '" + hwdb::shown(h) + "'" + hwdb::did_you_mean(h, shapes),
                        "--holdout");
    }
    cal::FitOptions fo;
    fo.holdout_shapes = o.holdout;
    cal::Profile p = cal::fit_profile(gpu ? &*gpu : nullptr, net, spec, fo);
    p.created = now_utc();
    p.command = command;
    p.hwplan_version = HWPLAN_CLI_VERSION;
    try {
        hwdb::save_profile(o.output, p);
    } catch (const Error& e) {
        throw e.within("-o");
    }
    Report r = profile_report(p, o.output);
    r.json["output"] = o.output;
    ctx.emit(r);
}

}  // namespace

void add_calibrate_command(CLI::App& app, Context& ctx) {
    auto* sub = app.add_subcommand("calibrate", "Fit probe measurements into a calibration profile; print one");
    sub->require_subcommand(1);
    auto o = std::make_shared<FitOptions>();
    auto* fit = sub->add_subcommand("fit", "Fit hwplan-probe-gpu / hwplan-probe-net output into a profile");
    fit->add_option("inputs", o->inputs, "Probe output files: at most one GPU file and any number of net files")
        ->required();
    fit->add_option("-o,--output", o->output, "Profile file to write (atomically)")->required();
    fit->add_flag("--force", o->force, "Let -o replace a symbolic link");
    fit->add_option("--gpu", o->gpu, "Hardware-database id of the measured GPU (default: matched by name)");
    fit->add_option("--holdout", o->holdout, "GEMM shapes to leave out of the fit and report as hold-out error")
        ->delimiter(',');
    add_format_option(fit, ctx);
    fit->callback([o, &ctx, fit] {
        std::string command = "hwplan calibrate fit";
        for (const auto& in : o->inputs) command += " " + in;
        if (!o->gpu.empty()) command += " --gpu " + o->gpu;
        for (const auto& h : o->holdout) command += " --holdout " + h;
        command += " -o " + o->output;
        (void)fit;
        fit_command(*o, command, ctx);
    });
    auto file = std::make_shared<std::string>();
    auto* rep = sub->add_subcommand("report", "Print a profile's fits and their residuals");
    rep->add_option("profile", *file, "Profile file")->required();
    add_format_option(rep, ctx);
    rep->callback([file, &ctx] { ctx.emit(profile_report(hwdb::load_profile(*file), *file)); });
}

}  // namespace hwplan::cli

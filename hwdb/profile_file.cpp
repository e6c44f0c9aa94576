#include "hwdb/profile_file.hpp"

#include <fmt/format.h>

#include "hwdb/atomic_file.hpp"
#include "hwdb/gpu_device_fields.hpp"
#include "hwdb/plain_fields.hpp"
#include "hwdb/problems.hpp"
#include "hwdb/yaml_reader.hpp"
#include "hwdb/unit_parse.hpp"

namespace hwplan::hwdb {

namespace {

using namespace model::calibration;

constexpr int kProfileSchema = 1;

// YAML double-quoted string (JSON-compatible escapes).
std::string q(std::string_view s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                if (c < 0x20)
                    out += fmt::format("\\x{:02x}", c);
                else
                    out += ch;
        }
    }
    return out + "\"";
}

std::string num(double v) { return fmt::format("{:.10e}", v); }
template <class T>
std::string opt(const std::optional<T>& v) {
    if (!v) return "null";
    if constexpr (std::is_same_v<T, std::string>)
        return q(*v);
    else
        return num(*v);
}

std::string residuals_yaml(const Residuals& r) {
    return fmt::format(
        "{{count: {}, rms_rel_error: {}, median_rel_error: {}, max_rel_error: {}, log_lo: {}, log_hi: {}}}", r.count,
        num(r.rms_rel_error), num(r.median_rel_error), num(r.max_rel_error), num(r.log_lo), num(r.log_hi));
}

std::string run_yaml(const RunInfo& r) {
    return fmt::format(
        "{{file: {}, probe_version: {}, git_revision: {}, date: {}, command: {}, mode: {}, elapsed_s: {}}}", q(r.file),
        q(r.probe_version), q(r.git_revision), q(r.date), q(r.command), q(r.mode), num(r.elapsed_s));
}

std::string curve_fields(const SaturationCurve& c) {
    return fmt::format(
        "alpha_s: {}, bandwidth_bytes_per_s: {}, break_bytes: {}, large_alpha_s: {}, "
        "large_bandwidth_bytes_per_s: {}, knee_bytes: {}, min_bytes: {}, max_bytes: {}, efficiency: {},\n"
        "     residuals: {}",
        num(c.small.alpha_s), num(c.small.bandwidth), num(c.break_bytes), num(c.large.alpha_s), num(c.large.bandwidth),
        num(c.knee_bytes()), num(c.min_bytes), num(c.max_bytes), num(c.efficiency), residuals_yaml(c.residuals));
}

// ------------------------------------------------------------------ reading

Residuals read_residuals(PlainFields& f, const std::string& file, Problems& pr, std::string_view key = "residuals",
                         Need need = Need::required) {
    Residuals r;
    auto n = f.child(key, need);
    if (!n) return r;
    std::string prefix = f.name(key);
    prefix.resize(prefix.size() - 2);
    PlainFields m(*n, file, prefix, pr);
    if (!m.ok()) return r;
    r.count = m.integer("count", Need::required, 0).value_or(0);
    r.rms_rel_error = m.number("rms_rel_error", Need::optional, false).value_or(0);
    r.median_rel_error = m.number("median_rel_error", Need::required, false).value_or(0);
    r.max_rel_error = m.number("max_rel_error", Need::required, false).value_or(0);
    r.log_lo = m.real("log_lo", Need::required).value_or(0);
    r.log_hi = m.real("log_hi", Need::required).value_or(0);
    if (r.log_lo > 0) m.problem("log_lo", "must be <= 0");
    if (r.log_hi < 0) m.problem("log_hi", "must be >= 0");
    return r;
}

RunInfo read_run(PlainFields& f, std::string_view key, const std::string& file, Problems& pr) {
    RunInfo r;
    auto n = f.child(key, Need::required);
    if (!n) return r;
    std::string prefix = f.name(key);
    prefix.resize(prefix.size() - 2);
    PlainFields m(*n, file, prefix, pr);
    if (!m.ok()) return r;
    r.file = m.text("file", Need::optional).value_or("");
    r.probe_version = m.text("probe_version", Need::required).value_or("");
    r.git_revision = m.text("git_revision", Need::optional).value_or("");
    r.date = m.text("date", Need::required).value_or("");
    r.command = m.text("command", Need::optional).value_or("");
    r.mode = m.text("mode", Need::optional).value_or("");
    r.elapsed_s = m.number("elapsed_s", Need::optional, false).value_or(0);
    return r;
}

std::string prefix_of(PlainFields& f, std::string_view key) {
    std::string p = f.name(key);
    p.resize(p.size() - 2);
    return p;
}

SaturationCurve read_curve(PlainFields& m, const std::string& file, Problems& pr) {
    SaturationCurve c;
    c.name = m.text("name", Need::optional).value_or("");
    c.small.alpha_s = m.number("alpha_s", Need::required, false).value_or(0);
    c.small.bandwidth = m.number("bandwidth_bytes_per_s", Need::required).value_or(0);
    c.break_bytes = m.number("break_bytes", Need::optional, false).value_or(0);
    c.large = c.small;
    if (c.break_bytes > 0) {
        c.large.alpha_s = m.number("large_alpha_s", Need::required, false).value_or(0);
        c.large.bandwidth = m.number("large_bandwidth_bytes_per_s", Need::required).value_or(0);
    } else {
        (void)m.number("large_alpha_s", Need::optional, false);
        (void)m.number("large_bandwidth_bytes_per_s", Need::optional, false);
    }
    c.min_bytes = m.number("min_bytes", Need::optional, false).value_or(0);
    c.max_bytes = m.number("max_bytes", Need::optional, false).value_or(0);
    c.efficiency = m.number("efficiency", Need::optional, false).value_or(0);
    c.residuals = read_residuals(m, file, pr);
    return c;
}

bool valid_blend(int b) { return b == 0 || b == 1 || b == 2 || b == 4 || b == 8 || b == 16; }

void read_fits(PlainFields& fits, const std::string& file, Problems& pr, Profile& p) {
    if (auto l = fits.child("launch", Need::optional)) {
        PlainFields m(*l, file, "fits.launch", pr);
        if (m.ok()) {
            LaunchFit f;
            f.back_to_back_s = m.number("back_to_back_s", Need::optional, false).value_or(0);
            f.host_enqueue_s = m.number("host_enqueue_s", Need::optional, false).value_or(0);
            f.roundtrip_s = m.number("roundtrip_s", Need::optional, false).value_or(0);
            f.graph_node_s = m.number("graph_node_s", Need::optional, false).value_or(0);
            f.graph_base_s = m.number("graph_base_s", Need::optional, false).value_or(0);
            f.residuals = read_residuals(m, file, pr);
            p.launch = f;
        }
    }
    if (auto g = fits.child("gemm", Need::optional)) {
        if (!g->IsSequence()) fits.problem("gemm", "expected a list");
        std::size_t i = 0;
        for (const auto& node : g->IsSequence() ? *g : YAML::Node()) {
            PlainFields m(node, file, "fits.gemm[" + std::to_string(i++) + "]", pr);
            if (!m.ok()) continue;
            GemmFit f;
            const auto dt = m.text("dtype", Need::required);
            if (dt && *dt != "bf16" && *dt != "fp8") m.problem("dtype", "expected bf16 or fp8, got '" + shown(*dt) + "'");
            f.dtype = dt && *dt == "fp8" ? model::DType::fp8 : model::DType::bf16;
            f.curve.peak_fraction = m.number("peak_fraction", Need::required).value_or(0);
            f.curve.half_m = m.number("half_m", Need::required, false).value_or(0);
            f.curve.half_n = m.number("half_n", Need::required, false).value_or(0);
            f.curve.half_k = m.number("half_k", Need::required, false).value_or(0);
            f.curve.memory_efficiency = m.number("memory_efficiency", Need::required).value_or(0);
            f.curve.fixed_s = m.number("fixed_s", Need::required, false).value_or(0);
            f.curve.blend = m.integer("blend", Need::required, 0, 16).value_or(0);
            if (!valid_blend(f.curve.blend)) m.problem("blend", "expected 0, 1, 2, 4, 8 or 16");
            f.curve.tile_m = m.integer("tile_m", Need::optional, 0, 4096).value_or(0);
            f.curve.tile_n = m.integer("tile_n", Need::optional, 0, 4096).value_or(0);
            if ((f.curve.tile_m > 0) != (f.curve.tile_n > 0)) m.problem("tile_n", "tile_m and tile_n go together");
            f.residuals = read_residuals(m, file, pr);
            f.holdout = read_residuals(m, file, pr, "holdout", Need::optional);
            for (const auto& other : p.gemm)
                if (other.dtype == f.dtype) m.problem("dtype", "a second GEMM fit for the same dtype");
            p.gemm.push_back(f);
        }
    }
    if (auto a = fits.child("attention", Need::optional)) {
        PlainFields m(*a, file, "fits.attention", pr);
        if (m.ok()) {
            AttentionFit f;
            f.compute_efficiency = m.number("compute_efficiency", Need::required).value_or(0);
            f.memory_efficiency = m.number("memory_efficiency", Need::required).value_or(0);
            f.fixed_s = m.number("fixed_s", Need::required, false).value_or(0);
            f.blend = m.integer("blend", Need::required, 0, 16).value_or(0);
            if (!valid_blend(f.blend)) m.problem("blend", "expected 0, 1, 2, 4, 8 or 16");
            f.residuals = read_residuals(m, file, pr);
            p.attention = f;
        }
    }
    if (auto c = fits.child("curves", Need::optional)) {
        if (!c->IsSequence()) fits.problem("curves", "expected a list");
        std::size_t i = 0;
        for (const auto& node : c->IsSequence() ? *c : YAML::Node()) {
            PlainFields m(node, file, "fits.curves[" + std::to_string(i++) + "]", pr);
            if (!m.ok()) continue;
            SaturationCurve curve = read_curve(m, file, pr);
            if (curve.name.empty()) m.problem("name", "missing (required)");
            p.curves.push_back(std::move(curve));
        }
    }
    if (auto l = fits.child("links", Need::optional)) {
        if (!l->IsSequence()) fits.problem("links", "expected a list");
        std::size_t i = 0;
        for (const auto& node : l->IsSequence() ? *l : YAML::Node()) {
            PlainFields m(node, file, "fits.links[" + std::to_string(i++) + "]", pr);
            if (!m.ok()) continue;
            LinkFit f;
            f.link_class = m.text("link_class", Need::required).value_or("");
            if (!f.link_class.empty() && f.link_class != "intra_host" && f.link_class != "inter_host")
                m.problem("link_class", "expected intra_host or inter_host, got '" + f.link_class + "'");
            f.source = m.text("source", Need::optional).value_or("net");
            (void)m.number("latency_s", Need::optional, false);  // derived; written for people
            (void)m.number("knee_bytes", Need::optional, false);
            f.curve = read_curve(m, file, pr);
            for (const auto& other : p.links)
                if (other.link_class == f.link_class) m.problem("link_class", "a second fit for " + f.link_class);
            p.links.push_back(std::move(f));
        }
    }
}

}  // namespace

std::string profile_to_yaml(const Profile& p) {
    std::string y;
    y += "# hwplan calibration profile: fitted from probe output by `hwplan calibrate fit`.\n";
    y += "# Schema and meaning of every field: docs/calibration.md, \"Profile file\". SI units.\n";
    y += fmt::format("hwplan_profile: {}\n", p.schema_version);
    y += "created: " + q(p.created) + "\n";
    y += "command: " + q(p.command) + "\n";
    y += "hwplan_version: " + q(p.hwplan_version) + "\n";
    if (p.gpu) {
        const GpuDevice& d = p.gpu->device;
        y += "gpu:\n";
        y += "  hwdb_id: " + q(p.spec.gpu_id) + "\n";
        y += fmt::format(
            "  spec: {{bf16_flops_per_s: {}, fp8_flops_per_s: {}, memory_bandwidth_bytes_per_s: {}, "
            "pcie_bandwidth_bytes_per_s: {}, sms: {}}}\n",
            num(p.spec.bf16_flops), num(p.spec.fp8_flops), num(p.spec.memory_bandwidth), num(p.spec.pcie_bandwidth),
            p.spec.sms);
        y += "  name: " + q(d.name) + "\n";
        y += "  uuid: " + q(d.uuid) + "\n";
        y += "  pci_bus_id: " + q(d.pci_bus_id) + "\n";
        y += "  compute_capability: " + q(d.compute_capability) + "\n";
        y += fmt::format("  sm_count: {}\n", d.sm_count);
        y += "  sm_clock_mhz: " + num(d.sm_clock_mhz) + "\n";
        y += "  mem_clock_mhz: " + num(d.mem_clock_mhz) + "\n";
        y += "  memory_bytes: " + num(d.memory_bytes) + "\n";
        y += "  l2_bytes: " + num(d.l2_bytes) + "\n";
        y += std::string("  clocks_locked: ") + (d.clocks_locked ? (*d.clocks_locked ? "true" : "false") : "unknown") +
             "\n";
        y += "  sm_clock_max_mhz: " + opt(d.sm_clock_max_mhz) + "\n";
        y += "  sm_clock_applications_mhz: " + opt(d.sm_clock_applications_mhz) + "\n";
        y += "  sm_clock_measured_mhz: " + opt(d.sm_clock_measured_mhz) + "\n";
        y += "  power_limit_w: " + opt(d.power_limit_w) + "\n";
        y += "  driver_version: " + opt(d.driver_version) + "\n";
        y += "  cuda_driver_version: " + q(d.cuda_driver_version) + "\n";
        y += "  cuda_runtime_version: " + q(d.cuda_runtime_version) + "\n";
        y += "  cublaslt_version: " + q(d.cublaslt_version) + "\n";
        y += "  nccl_version: " + opt(d.nccl_version) + "\n";
        y += "  topology: " + opt(d.topology) + "\n";
        y += fmt::format("  visible_gpus: {}\n", d.visible_gpus);
        y += "  probe: " + run_yaml(p.gpu->run) + "\n";
    }
    if (!p.net.empty()) {
        y += "net:\n";
        for (const auto& n : p.net) {
            y += "  - probe: " + run_yaml(n.run) + "\n";
            y += "    buffers: " + q(n.buffers) + "\n";
            std::string hosts;
            for (const auto& h : n.mpi.hosts) hosts += (hosts.empty() ? "" : ", ") + q(h);
            y += fmt::format("    mpi: {{library: {}, world_size: {}, host_count: {}, cuda_aware: {}, hosts: [{}]}}\n",
                             q(n.mpi.library), n.mpi.world_size, n.mpi.host_count, q(n.mpi.cuda_aware), hosts);
        }
    }
    y += "fits:\n";
    if (p.launch) {
        const LaunchFit& l = *p.launch;
        y += fmt::format(
            "  launch: {{back_to_back_s: {}, host_enqueue_s: {}, roundtrip_s: {}, graph_node_s: {}, graph_base_s: {},\n"
            "           residuals: {}}}\n",
            num(l.back_to_back_s), num(l.host_enqueue_s), num(l.roundtrip_s), num(l.graph_node_s), num(l.graph_base_s),
            residuals_yaml(l.residuals));
    }
    if (!p.gemm.empty()) {
        y += "  gemm:\n";
        for (const auto& g : p.gemm) {
            const model::GemmCurve& c = g.curve;
            y += fmt::format(
                "    - {{dtype: {}, peak_fraction: {}, half_m: {}, half_n: {}, half_k: {}, memory_efficiency: {},\n"
                "       fixed_s: {}, blend: {}, tile_m: {}, tile_n: {},\n"
                "       residuals: {}",
                model::to_string(g.dtype), num(c.peak_fraction), num(c.half_m), num(c.half_n), num(c.half_k),
                num(c.memory_efficiency), num(c.fixed_s), c.blend, c.tile_m, c.tile_n, residuals_yaml(g.residuals));
            if (!g.holdout.empty()) y += ",\n       holdout: " + residuals_yaml(g.holdout);
            y += "}\n";
        }
    }
    if (p.attention) {
        const AttentionFit& a = *p.attention;
        y += fmt::format(
            "  attention: {{compute_efficiency: {}, memory_efficiency: {}, fixed_s: {}, blend: {},\n"
            "              residuals: {}}}\n",
            num(a.compute_efficiency), num(a.memory_efficiency), num(a.fixed_s), a.blend, residuals_yaml(a.residuals));
    }
    if (!p.curves.empty()) {
        y += "  curves:\n";
        for (const auto& c : p.curves) y += "    - {name: " + q(c.name) + ", " + curve_fields(c) + "}\n";
    }
    if (!p.links.empty()) {
        y += "  links:\n";
        for (const auto& l : p.links)
            y += fmt::format("    - {{link_class: {}, source: {}, latency_s: {}, name: {},\n     {}}}\n", l.link_class,
                             l.source, num(l.latency_s()), q(l.curve.name), curve_fields(l.curve));
    }
    return y;
}

void save_profile(const std::filesystem::path& path, const Profile& p) {
    // A profile hwplan writes must be one hwplan loads: parse what would be
    // written first, and write nothing when it does not load (a fit from
    // non-physical samples once wrote 1e-300 s times the loader refuses).
    const std::string text = profile_to_yaml(p);
    try {
        (void)parse_profile(text, path.string());
    } catch (const Error& e) {
        throw Error("the fitted profile would not load, so it is not written (" + e.message() + ")", e.where());
    }
    write_file_atomically(path, text);
}

Profile parse_profile(std::string_view text, const std::string& file) {
    Problems pr;
    const auto root = parse_yaml(text, file, pr);
    pr.throw_if_any();
    PlainFields top(*root, file, "", pr);
    Profile p;
    const auto version = top.integer("hwplan_profile", Need::required, 1, 1000);
    if (!version) {
        pr.throw_if_any();
    }
    if (*version > kProfileSchema)
        top.problem("hwplan_profile", "version " + std::to_string(*version) + " is newer than this hwplan reads (" +
                                          std::to_string(kProfileSchema) + ")");
    p.schema_version = *version;
    p.created = top.text("created", Need::required).value_or("");
    p.command = top.text("command", Need::optional).value_or("");
    p.hwplan_version = top.text("hwplan_version", Need::optional).value_or("");
    if (auto g = top.child("gpu", Need::optional)) {
        PlainFields m(*g, file, "gpu", pr);
        if (m.ok()) {
            GpuProvenance gp;
            GpuDevice& d = gp.device;
            p.spec.gpu_id = m.text("hwdb_id", Need::required).value_or("");
            if (auto s = m.child("spec", Need::required)) {
                PlainFields sm(*s, file, "gpu.spec", pr);
                if (sm.ok()) {
                    p.spec.bf16_flops = sm.number("bf16_flops_per_s", Need::required).value_or(0);
                    p.spec.fp8_flops = sm.number("fp8_flops_per_s", Need::optional, false).value_or(0);
                    p.spec.memory_bandwidth = sm.number("memory_bandwidth_bytes_per_s", Need::required).value_or(0);
                    p.spec.pcie_bandwidth = sm.number("pcie_bandwidth_bytes_per_s", Need::optional, false).value_or(0);
                    p.spec.sms = sm.integer("sms", Need::optional, 0, 100000).value_or(0);
                }
            }
            d = read_gpu_device(m, true);
            gp.run = read_run(m, "probe", file, pr);
            p.gpu = gp;
        }
    }
    if (auto n = top.child("net", Need::optional)) {
        if (!n->IsSequence()) top.problem("net", "expected a list of network probe runs");
        std::size_t i = 0;
        for (const auto& node : n->IsSequence() ? *n : YAML::Node()) {
            PlainFields m(node, file, "net[" + std::to_string(i++) + "]", pr);
            if (!m.ok()) continue;
            NetProvenance np;
            np.run = read_run(m, "probe", file, pr);
            np.buffers = m.text("buffers", Need::optional).value_or("host");
            if (auto mpi = m.child("mpi", Need::required)) {
                PlainFields mm(*mpi, file, prefix_of(m, "mpi"), pr);
                if (mm.ok()) {
                    np.mpi.library = mm.text("library", Need::optional).value_or("");
                    np.mpi.world_size = mm.integer("world_size", Need::required, 1, 10'000'000).value_or(0);
                    np.mpi.host_count = mm.integer("host_count", Need::required, 1, 10'000'000).value_or(0);
                    np.mpi.cuda_aware = mm.text("cuda_aware", Need::optional).value_or("unknown");
                    if (auto h = mm.child("hosts", Need::optional); h && h->IsSequence())
                        for (const auto& e : *h)
                            if (e.IsScalar()) np.mpi.hosts.push_back(e.Scalar());
                }
            }
            p.net.push_back(std::move(np));
        }
    }
    if (auto f = top.child("fits", Need::required)) {
        PlainFields fits(*f, file, "fits", pr);
        if (fits.ok()) read_fits(fits, file, pr, p);
    }
    if (pr.empty() && p.curves.empty() && p.gemm.empty() && !p.attention && !p.launch && p.links.empty())
        top.problem("fits", "no fits");
    if (pr.empty() && !p.gemm.empty() && !p.gpu) top.problem("gpu", "GEMM fits need the gpu section (its spec peaks)");
    pr.throw_if_any();
    return p;
}

Profile load_profile(const std::filesystem::path& path) { return parse_profile(read_file(path), path.string()); }

}  // namespace hwplan::hwdb

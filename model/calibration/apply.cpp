#include "model/calibration/apply.hpp"

#include <algorithm>
#include <cmath>

#include "model/calibration/fit.hpp"

namespace hwplan::model::calibration {

namespace {

double fraction(double v) { return std::clamp(v, 1e-3, 1.0); }

}  // namespace

double band_factor(const Residuals& r, Side side) {
    switch (side) {
        case Side::lo:
            return std::exp(r.log_lo);
        case Side::hi:
            return std::exp(r.log_hi);
        case Side::nominal:
            break;
    }
    return 1.0;
}

bool extrapolated(const Profile& p, const Gpu& target) { return !p.gpu || p.spec.gpu_id != target.id; }

Calibration calibration(const Profile& p, const Efficiencies& base, Side side) {
    Calibration c;
    c.eff = base;
    if (p.launch && p.launch->valid())
        c.eff.kernel_overhead = seconds(p.launch->graph_node_s * band_factor(p.launch->residuals, side));
    const double overhead = c.eff.kernel_overhead.value();
    for (const auto& g : p.gemm) {
        // Scaling every rate by 1/f and the fixed time by f scales the
        // curve's time by exactly f.
        const double f = band_factor(g.residuals, side);
        GemmCurve curve = g.curve;
        curve.peak_fraction /= f;
        curve.memory_efficiency /= f;
        curve.fixed_s *= f;
        (g.dtype == DType::fp8 ? c.kernels.gemm_fp8 : c.kernels.gemm_bf16) = curve;
    }
    if (p.attention && p.attention->valid()) {
        const double f = band_factor(p.attention->residuals, side);
        c.kernels.attention = true;
        c.kernels.attention_blend = p.attention->blend;
        c.kernels.attention_fixed_s = p.attention->fixed_s * f;
        c.eff.attention_compute = p.attention->compute_efficiency / f;
        c.eff.attention_memory = p.attention->memory_efficiency / f;
    }
    if (const SaturationCurve* e = p.curve("elementwise"); e && e->efficiency > 0) {
        const double f = band_factor(e->residuals, side);
        c.eff.elementwise = e->efficiency / f;
        c.kernels.elementwise_fixed_s = std::max(0.0, e->latency() - overhead) * f;
    }
    const SaturationCurve* h = p.curve("hbm_read");
    if (!h) h = p.curve("hbm_copy");
    if (h && h->efficiency > 0) c.eff.hbm = fraction(h->efficiency / band_factor(h->residuals, side));
    if (const SaturationCurve* x = p.curve("pcie_h2d"); x && x->efficiency > 0)
        c.eff.pcie = fraction(x->efficiency / band_factor(x->residuals, side));
    return c;
}

KernelCostModel calibrated_model(const Profile& p, const Gpu& target, const Efficiencies& base, int comm_sms,
                                 Side side) {
    const Calibration c = calibration(p, base, side);
    KernelCostModel k = KernelCostModel::for_gpu(target, c.eff, comm_sms);
    k.calibrated = c.kernels;
    return k;
}

std::vector<std::string> apply_links(const Profile& p, System& s, const Efficiencies& eff, Side side) {
    std::vector<std::string> applied;
    if (const LinkFit* l = p.link("intra_host"); l && l->bandwidth() > 0 && eff.nvlink > 0) {
        const double f = band_factor(l->curve.residuals, side);
        s.scale_up_bandwidth = bytes_per_second(l->bandwidth() / f / eff.nvlink);
        s.scale_up_latency = seconds(std::max(l->latency_s() * f, 1e-12));
        applied.emplace_back("intra_host");
    }
    if (const LinkFit* l = p.link("inter_host");
        l && l->bandwidth() > 0 && eff.rdma > 0 && s.nic && s.nics_per_node > 0 && s.gpus_per_node > 0) {
        const double f = band_factor(l->curve.residuals, side);
        // scale_out_bandwidth_per_gpu() = nic.bandwidth · ports · nics / gpus.
        const double per_nic_port = l->bandwidth() / f * s.gpus_per_node / (s.nic->ports * s.nics_per_node);
        s.nic->bandwidth = bytes_per_second(per_nic_port / eff.rdma);
        s.nic->latency = seconds(std::max(l->latency_s() * f, 1e-12));
        applied.emplace_back("inter_host");
    }
    return applied;
}

void apply_effective_peaks(const Profile& p, Gpu& g, const Efficiencies& defaults) {
    if (const GemmFit* b = p.gemm_fit(DType::bf16)) {
        g.bf16_peak = g.bf16_peak * (b->curve.peak_fraction / defaults.gemm.peak_fraction);
        g.memory_bandwidth = g.memory_bandwidth * (b->curve.memory_efficiency / defaults.hbm);
    }
    if (const GemmFit* f = p.gemm_fit(DType::fp8); f && g.fp8_peak.value() > 0)
        g.fp8_peak = g.fp8_peak * (f->curve.peak_fraction / defaults.gemm.peak_fraction);
}

}  // namespace hwplan::model::calibration

#include "model/calibration/fit.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <cstdio>
#include <set>
#include <tuple>

#include "model/calibration/least_squares.hpp"
#include "model/error.hpp"

namespace hwplan::model::calibration {

namespace {

// As in saturation.cpp: no timing is trusted to better than ~2 %.
constexpr double kSigmaFloor = 0.02;
constexpr double kHuber = 2.0;
// The blends a fit may choose ((Tc^p + Tm^p)^(1/p); 0 = max).
constexpr int kBlends[] = {0, 1, 2, 4, 8, 16};

double weight_of(const Timing& t) {
    const double s = log_sigma(t.p10, t.p90);
    return 1.0 / std::sqrt(s * s + kSigmaFloor * kSigmaFloor);
}

bool usable(const Timing& t) { return t.median > 0 && std::isfinite(t.median); }

KernelCostModel spec_model(const SpecPeaks& spec) {
    KernelCostModel k;
    k.bf16_peak = flops_per_second(spec.bf16_flops);
    k.fp8_peak = flops_per_second(spec.fp8_flops);
    k.fp32_peak = flops_per_second(spec.bf16_flops / 16);
    k.memory_bandwidth = bytes_per_second(spec.memory_bandwidth);
    k.sms = spec.sms;
    return k;
}

// The step model's GEMM evaluation with `curve` for `dtype` (the probe's
// bf16 or fp8 inputs): fitter and predictions share one formula.
struct GemmEvaluator {
    KernelCostModel k;
    KernelCostModel::GemmFormat f;
    GemmEvaluator(const KernelCostModel& base, const GemmCurve& curve, DType dtype) : k(base) {
        (dtype == DType::fp8 ? k.calibrated.gemm_fp8 : k.calibrated.gemm_bf16) = curve;
        f = k.gemm_format(dtype);
    }
    [[nodiscard]] double seconds(const GemmSample& s) const {
        const double groups = std::max(1, s.experts);
        return k.gemm_seconds(f, s.m * groups, s.n, s.k, groups);
    }
};

double gemm_model_seconds(const KernelCostModel& base, const GemmCurve& curve, DType dtype, const GemmSample& s) {
    return GemmEvaluator(base, curve, dtype).seconds(s);
}

// Runs IRLS (Huber) + Levenberg-Marquardt on a log-residual model. `predict`
// maps parameters to predicted times for every point; returns the parameters.
template <class Predict>
Eigen::VectorXd robust_fit(const Predict& predict, const std::vector<double>& measured,
                           const std::vector<double>& weights, Eigen::VectorXd x0, const Eigen::VectorXd& lo,
                           const Eigen::VectorXd& hi, double* cost_out) {
    const int n = static_cast<int>(measured.size());
    std::vector<double> huber(measured.size(), 1.0);
    std::vector<double> pred(measured.size());
    LeastSquaresResult r;
    for (int pass = 0; pass < 3; ++pass) {
        const ResidualFunction f = [&](const Eigen::VectorXd& x, Eigen::VectorXd& res) {
            predict(x, pred);
            for (int i = 0; i < n; ++i) res[i] = huber[i] * weights[i] * std::log(measured[i] / pred[i]);
        };
        r = levenberg_marquardt(f, n, x0, lo, hi);
        x0 = r.x;
        predict(r.x, pred);
        bool changed = false;
        for (int i = 0; i < n; ++i) {
            const double e = weights[i] * std::log(measured[i] / pred[i]);
            const double w = std::sqrt(huber_weight(e, kHuber));
            changed = changed || std::abs(w - huber[i]) > 1e-3;
            huber[i] = w;
        }
        if (!changed) break;
    }
    predict(r.x, pred);
    double cost = 0;
    for (int i = 0; i < n; ++i) {
        const double e = weights[i] * std::log(measured[i] / pred[i]);
        cost += e * e;
    }
    if (cost_out) *cost_out = std::isfinite(cost) ? cost : INFINITY;
    return r.x;
}

struct Tile {
    int m, n;
};
constexpr Tile kTiles[] = {{0, 0}, {128, 128}, {128, 256}};

std::vector<SizedTime> sized(const std::vector<std::pair<double, Timing>>& v) {
    std::vector<SizedTime> out;
    for (const auto& [b, t] : v)
        if (b > 0 && usable(t)) out.push_back({b, t.median, log_sigma(t.p10, t.p90)});
    return out;
}

int distinct_sizes(const std::vector<SizedTime>& v) {
    std::set<double> s;
    for (const auto& p : v) s.insert(p.bytes);
    return static_cast<int>(s.size());
}

void add_curve(Profile& p, const std::string& name, const std::vector<std::pair<double, Timing>>& points,
               double spec_bandwidth, bool two_regimes = true) {
    std::vector<SizedTime> v = sized(points);
    if (distinct_sizes(v) < 2) return;
    SaturationOptions o;
    o.allow_two_regimes = two_regimes;
    SaturationCurve c = fit_saturation(name, std::move(v), o);
    if (spec_bandwidth > 0) c.efficiency = c.bandwidth() / spec_bandwidth;
    p.curves.push_back(std::move(c));
}

// ------------------------------------------------- input sanity (issue 22)
// Refused before fitting, with the sample named: a fit over them is not a
// measurement of the machine, and used to produce profiles the loader
// refuses (1e-300 s) or 150 % of peak (identical points).

constexpr double kMinSampleSeconds = 1e-9;  // 1 ns: below one GPU clock cycle (~0.5 ns at 2 GHz)
// Spec peaks are quoted at the boost clock; a GEMM can beat them only by
// running above it, plus timer noise. 10 %: CUDA-event resolution (~0.5 us)
// on the smallest probed GEMMs (~5 us) (CUDA Programming Guide, "Events").
constexpr double kPeakTolerance = 1.10;

std::string fmt_seconds(double t) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g s", t);
    return buf;
}

std::string gemm_name(std::size_t i, const GemmSample& g) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.0fx%.0fx%.0f", g.m, g.n, g.k);
    return "gemm sample " + std::to_string(i + 1) + " (" + std::string(to_string(g.dtype)) + " " + g.shape + " " +
           buf + (g.experts > 1 ? " x" + std::to_string(g.experts) + " experts" : "") + ")";
}

void check_time(const Timing& t, const std::string& name, const std::string& file) {
    if (t.median > 0 && t.median < kMinSampleSeconds)
        throw Error(name + ": time " + fmt_seconds(t.median) + " is below 1 ns, not a physical measurement", file);
}

// `name_of(i)` names sample i; `size_of(i)` is what it measured (bytes, shape).
template <class Name, class Key>
void check_not_all_equal(std::size_t n, const std::vector<double>& medians, const Name& name_of, const Key& key_of,
                         const std::string& family, const std::string& file) {
    if (n < 3) return;
    std::set<decltype(key_of(0))> keys;
    for (std::size_t i = 0; i < n; ++i) keys.insert(key_of(i));
    if (keys.size() < 2) return;
    for (std::size_t i = 1; i < n; ++i)
        if (medians[i] != medians[0]) return;
    throw Error("all " + std::to_string(n) + " " + family + " samples (" + name_of(0) + " ... " + name_of(n - 1) +
                    ") have the same time " + fmt_seconds(medians[0]) +
                    " over different sizes: a stuck timer, not a measurement",
                file);
}

void check_gpu_samples(const GpuProbeRun& g, const SpecPeaks& spec) {
    const std::string& file = g.run.file;
    double clock = 1;  // how far above its base peak clock the GPU may run
    if (g.device.sm_clock_max_mhz && g.device.sm_clock_mhz > 0)
        clock = std::max(1.0, *g.device.sm_clock_max_mhz / g.device.sm_clock_mhz);
    for (std::size_t i = 0; i < g.transfers.size(); ++i)
        check_time(g.transfers[i].time, "transfer sample " + std::to_string(i + 1) + " (" + g.transfers[i].tag + ")",
                   file);
    for (std::size_t i = 0; i < g.gemms.size(); ++i) check_time(g.gemms[i].time, gemm_name(i, g.gemms[i]), file);
    for (std::size_t i = 0; i < g.attention.size(); ++i)
        check_time(g.attention[i].time, "attention sample " + std::to_string(i + 1), file);
    for (std::size_t i = 0; i < g.nccl.size(); ++i)
        check_time(g.nccl[i].time, "nccl sample " + std::to_string(i + 1) + " (" + g.nccl[i].op + ")", file);
    for (std::size_t i = 0; i < g.launches.size(); ++i)
        check_time(g.launches[i].time, "launch sample " + std::to_string(i + 1) + " (" + g.launches[i].kind + ")",
                   file);
    for (std::size_t i = 0; i < g.graphs.size(); ++i)
        check_time(g.graphs[i].time, "graph sample " + std::to_string(i + 1), file);

    for (DType t : {DType::bf16, DType::fp8}) {
        std::vector<std::size_t> idx;
        for (std::size_t i = 0; i < g.gemms.size(); ++i)
            if (g.gemms[i].dtype == t && usable(g.gemms[i].time)) idx.push_back(i);
        std::vector<double> med;
        for (std::size_t i : idx) med.push_back(g.gemms[i].time.median);
        check_not_all_equal(
            idx.size(), med, [&](std::size_t j) { return gemm_name(idx[j], g.gemms[idx[j]]); },
            [&](std::size_t j) {
                const GemmSample& s = g.gemms[idx[j]];
                return std::make_tuple(s.m, s.n, s.k, s.experts);
            },
            std::string(to_string(t)) + " GEMM", file);
    }
    // After the sameness check: a stuck timer is the better diagnosis than
    // the one of its samples that happens to beat the peak.
    for (std::size_t i = 0; i < g.gemms.size(); ++i) {
        const GemmSample& s = g.gemms[i];
        const double peak = s.dtype == DType::fp8 ? spec.fp8_flops : spec.bf16_flops;
        if (!(s.time.median > 0) || !(peak > 0)) continue;
        const double achieved = 2 * s.m * s.n * s.k * std::max(1, s.experts) / s.time.median;
        if (achieved > peak * clock * kPeakTolerance)
            throw Error(gemm_name(i, s) + ": " + fmt_seconds(s.time.median) + " is " +
                            std::to_string(static_cast<long long>(std::lround(100 * achieved / peak))) +
                            " % of the spec peak, more than the clocks allow",
                        file);
    }
    std::map<std::string, std::vector<std::size_t>> by_tag;
    for (std::size_t i = 0; i < g.transfers.size(); ++i)
        if (usable(g.transfers[i].time)) by_tag[g.transfers[i].tag + g.transfers[i].kind].push_back(i);
    for (const auto& entry : by_tag) {
        const std::vector<std::size_t>& idx = entry.second;  // not a structured binding: clang 14 cannot capture one
        std::vector<double> med;
        for (std::size_t i : idx) med.push_back(g.transfers[i].time.median);
        check_not_all_equal(
            idx.size(), med,
            [&](std::size_t j) { return "transfer sample " + std::to_string(idx[j] + 1) + " (" + g.transfers[idx[j]].tag + ")"; },
            [&](std::size_t j) { return g.transfers[idx[j]].bytes; }, g.transfers[idx.front()].tag + " transfer", file);
    }
}

void check_net_samples(const NetProbeRun& r) {
    for (std::size_t i = 0; i < r.links.size(); ++i)
        check_time(r.links[i].time, "link sample " + std::to_string(i + 1) + " (" + r.links[i].link_class + ")",
                   r.run.file);
    for (std::size_t i = 0; i < r.alltoall.size(); ++i)
        check_time(r.alltoall[i].time, "all-to-all sample " + std::to_string(i + 1), r.run.file);
}

}  // namespace

double kernel_overhead_s(const Profile& p, double fallback) {
    return p.launch && p.launch->valid() ? p.launch->graph_node_s : fallback;
}

double predict_gemm(const GemmCurve& curve, const GemmSample& s, const SpecPeaks& spec, double overhead_s) {
    return overhead_s + gemm_model_seconds(spec_model(spec), curve, s.dtype, s);
}

Residuals gemm_residuals(const GemmCurve& curve, DType dtype, const std::vector<GemmSample>& samples,
                         const SpecPeaks& spec, double overhead_s) {
    const GemmEvaluator ev(spec_model(spec), curve, dtype);
    std::vector<double> pred, meas;
    for (const auto& s : samples) {
        if (s.dtype != dtype || !usable(s.time)) continue;
        pred.push_back(overhead_s + ev.seconds(s));
        meas.push_back(s.time.median);
    }
    return residuals(pred, meas);
}

GemmFit fit_gemm(const std::vector<GemmSample>& all, DType dtype, const SpecPeaks& spec, double overhead_s,
                 const FitOptions& options) {
    const std::string where = std::string("gemm.") + std::string(to_string(dtype));
    const double peak = dtype == DType::fp8 ? spec.fp8_flops : spec.bf16_flops;
    if (!(peak > 0) || !(spec.memory_bandwidth > 0))
        throw Error("the GPU's spec sheet has no " + std::string(to_string(dtype)) +
                        " peak or memory bandwidth to fit efficiencies against",
                    where);
    std::vector<GemmSample> fit, held;
    for (const auto& s : all) {
        if (s.dtype != dtype || !usable(s.time) || !(s.m > 0 && s.n > 0 && s.k > 0)) continue;
        const bool out = std::find(options.holdout_shapes.begin(), options.holdout_shapes.end(), s.shape) !=
                         options.holdout_shapes.end();
        (out ? held : fit).push_back(s);
    }
    if (fit.size() < 8) throw Error("needs at least 8 GEMM samples to fit, got " + std::to_string(fit.size()), where);

    const KernelCostModel base = spec_model(spec);
    std::vector<double> measured, weights;
    double best_flops = 0, best_bw = 0;
    for (const auto& s : fit) {
        measured.push_back(s.time.median);
        weights.push_back(weight_of(s.time));
        const double g = std::max(1, s.experts);
        best_flops = std::max(best_flops, 2 * s.m * g * s.n * s.k / s.time.median);
        const double bytes = g * s.n * s.k * (dtype == DType::fp8 ? 1.0 : 2.0) +
                             g * s.m * s.k * (dtype == DType::fp8 ? 1.0 : 2.0) + g * s.m * s.n * 2.0;
        best_bw = std::max(best_bw, bytes / s.time.median);
    }
    // Parameters: ln of peak_fraction, half_m, half_n, half_k, memory_efficiency, fixed_s.
    Eigen::VectorXd lo(6), hi(6);
    lo << std::log(0.02), std::log(1e-3), std::log(1e-3), std::log(1e-3), std::log(0.02), std::log(1e-9);
    hi << std::log(1.5), std::log(8192.0), std::log(65536.0), std::log(65536.0), std::log(1.5), std::log(1e-3);
    const auto curve_of = [](const Eigen::VectorXd& x, int blend, Tile t) {
        GemmCurve c;
        c.peak_fraction = std::exp(x[0]);
        c.half_m = std::exp(x[1]);
        c.half_n = std::exp(x[2]);
        c.half_k = std::exp(x[3]);
        c.memory_efficiency = std::exp(x[4]);
        c.fixed_s = std::exp(x[5]) <= 2e-9 ? 0.0 : std::exp(x[5]);
        c.blend = blend;
        c.tile_m = t.m;
        c.tile_n = t.n;
        return c;
    };
    double best_cost = INFINITY;
    GemmCurve best;
    for (int blend : kBlends) {
        for (Tile tile : kTiles) {
            if (tile.m > 0 && spec.sms <= 0) continue;
            Eigen::VectorXd x0(6);
            x0 << std::log(std::clamp(1.1 * best_flops / peak, 0.05, 1.2)), std::log(16.0), std::log(64.0),
                std::log(64.0), std::log(std::clamp(best_bw / spec.memory_bandwidth, 0.05, 1.2)), std::log(2e-6);
            const auto predict = [&](const Eigen::VectorXd& x, std::vector<double>& pred) {
                const GemmEvaluator ev(base, curve_of(x, blend, tile), dtype);
                for (std::size_t i = 0; i < fit.size(); ++i) pred[i] = overhead_s + ev.seconds(fit[i]);
            };
            double cost = INFINITY;
            const Eigen::VectorXd x = robust_fit(predict, measured, weights, x0, lo, hi, &cost);
            if (cost < best_cost) {
                best_cost = cost;
                best = curve_of(x, blend, tile);
            }
        }
    }
    GemmFit out;
    out.dtype = dtype;
    out.curve = best;
    out.residuals = gemm_residuals(best, dtype, fit, spec, overhead_s);
    if (!held.empty()) out.holdout = gemm_residuals(best, dtype, held, spec, overhead_s);
    return out;
}

double predict_attention(const AttentionFit& f, double flops, double bytes, const SpecPeaks& spec, double overhead_s) {
    const double tc = flops / (spec.bf16_flops * f.compute_efficiency);
    const double tm = bytes / (spec.memory_bandwidth * f.memory_efficiency);
    return overhead_s + f.fixed_s + roofline_blend(tc, tm, f.blend);
}

AttentionFit fit_attention(const std::vector<AttentionSample>& all, const SpecPeaks& spec, double overhead_s) {
    std::vector<AttentionSample> v;
    for (const auto& s : all)
        if (usable(s.time) && s.bytes > 0 && s.flops > 0) v.push_back(s);
    if (v.size() < 4)
        throw Error("needs at least 4 attention samples to fit, got " + std::to_string(v.size()), "attention");
    if (!(spec.bf16_flops > 0) || !(spec.memory_bandwidth > 0))
        throw Error("the GPU's spec sheet has no BF16 peak or memory bandwidth", "attention");
    std::vector<double> measured, weights;
    double best_flops = 0, best_bw = 0;
    for (const auto& s : v) {
        measured.push_back(s.time.median);
        weights.push_back(weight_of(s.time));
        best_flops = std::max(best_flops, s.flops / s.time.median);
        best_bw = std::max(best_bw, s.bytes / s.time.median);
    }
    Eigen::VectorXd lo(3), hi(3);
    lo << std::log(0.01), std::log(0.01), std::log(1e-9);
    hi << std::log(1.5), std::log(1.5), std::log(1e-3);
    const auto fit_of = [](const Eigen::VectorXd& x, int blend) {
        AttentionFit f;
        f.compute_efficiency = std::exp(x[0]);
        f.memory_efficiency = std::exp(x[1]);
        f.fixed_s = std::exp(x[2]) <= 2e-9 ? 0.0 : std::exp(x[2]);
        f.blend = blend;
        return f;
    };
    double best_cost = INFINITY;
    AttentionFit best;
    for (int blend : kBlends) {
        Eigen::VectorXd x0(3);
        x0 << std::log(std::clamp(1.1 * best_flops / spec.bf16_flops, 0.02, 1.2)),
            std::log(std::clamp(1.1 * best_bw / spec.memory_bandwidth, 0.02, 1.2)), std::log(2e-6);
        const auto predict = [&](const Eigen::VectorXd& x, std::vector<double>& pred) {
            const AttentionFit f = fit_of(x, blend);
            for (std::size_t i = 0; i < v.size(); ++i)
                pred[i] = predict_attention(f, v[i].flops, v[i].bytes, spec, overhead_s);
        };
        double cost = INFINITY;
        const Eigen::VectorXd x = robust_fit(predict, measured, weights, x0, lo, hi, &cost);
        if (cost < best_cost) {
            best_cost = cost;
            best = fit_of(x, blend);
        }
    }
    std::vector<double> pred;
    for (const auto& s : v) pred.push_back(predict_attention(best, s.flops, s.bytes, spec, overhead_s));
    best.residuals = residuals(pred, measured);
    return best;
}

LaunchFit fit_launch(const std::vector<LaunchSample>& launches, const std::vector<GraphSample>& graphs) {
    LaunchFit f;
    for (const auto& l : launches) {
        if (!usable(l.time)) continue;
        if (l.kind == "back_to_back") f.back_to_back_s = l.time.median;
        if (l.kind == "host_enqueue") f.host_enqueue_s = l.time.median;
        if (l.kind == "roundtrip") f.roundtrip_s = l.time.median;
    }
    std::vector<std::pair<double, Timing>> pts;
    for (const auto& g : graphs) pts.emplace_back(g.nodes, g.time);
    std::vector<SizedTime> v = sized(pts);
    if (distinct_sizes(v) >= 2) {
        SaturationOptions o;
        o.allow_two_regimes = false;
        // t = base + nodes / rate: the same line as alpha-beta, nodes for bytes.
        const SaturationCurve c = fit_saturation("graph_node", std::move(v), o);
        f.graph_base_s = c.small.alpha_s;
        f.graph_node_s = c.small.bandwidth > 0 ? 1.0 / c.small.bandwidth : 0.0;
        f.residuals = c.residuals;
    }
    return f;
}

Profile fit_profile(const GpuProbeRun* gpu, const std::vector<NetProbeRun>& net, const SpecPeaks& spec,
                    const FitOptions& options) {
    Profile p;
    if (!gpu && net.empty()) throw Error("nothing to fit: give a GPU probe file and/or network probe files");
    // Links measured per class, over every network run.
    std::map<std::string, std::vector<std::pair<double, Timing>>> pingpong, bidir;
    std::map<std::string, std::vector<std::pair<double, Timing>>> alltoall;
    if (gpu) check_gpu_samples(*gpu, spec);
    for (const auto& run : net) check_net_samples(run);
    for (const auto& run : net) {
        if (run.mpi.fake_hosts > 0)
            throw Error("made with --fake-hosts " + std::to_string(run.mpi.fake_hosts) +
                            " (a testing aid: its link classes are pretend); measure without it",
                        run.run.file);
        NetProvenance np;
        np.run = run.run;
        np.buffers = run.buffers;
        np.mpi = run.mpi;
        p.net.push_back(np);
        for (const auto& s : run.links)
            (s.tag == "bidir" ? bidir : pingpong)[s.link_class].emplace_back(s.bytes, s.time);
        for (const auto& s : run.alltoall) {
            if (s.sweep != "general") continue;  // the EP points repeat sizes of the general sweep
            alltoall[s.tag + "." + std::to_string(s.ranks) + "r" + std::to_string(s.hosts) + "h"].emplace_back(
                s.send_bytes_per_rank, s.time);
        }
    }
    if (gpu) {
        p.gpu = GpuProvenance{gpu->run, gpu->device};
        p.spec = spec;
        const double hbm = spec.memory_bandwidth;
        std::map<std::string, std::vector<std::pair<double, Timing>>> transfers;
        for (const auto& t : gpu->transfers) {
            const std::string name = t.tag == "elementwise" ? "elementwise." + t.kind : t.tag;
            transfers[name].emplace_back(t.bytes, t.time);
            if (t.tag == "elementwise") transfers["elementwise"].emplace_back(t.bytes, t.time);
            if (t.tag == "peer_copy") pingpong["gpu_peer"].emplace_back(t.bytes, t.time);
        }
        for (const auto& [name, pts] : transfers) {
            if (name == "peer_copy") continue;  // fitted as the gpu_peer link below
            const bool pcie = name.rfind("pcie", 0) == 0;
            // Element-wise and HBM kernels: one alpha-beta line (their range
            // is where the kernels stream; a regime split would fit noise).
            add_curve(p, name, pts, pcie ? spec.pcie_bandwidth : hbm, pcie);
        }
        std::map<std::string, std::vector<std::pair<double, Timing>>> attn, nccl;
        for (const auto& a : gpu->attention) attn["attention." + a.layout].emplace_back(a.kv_bytes, a.time);
        for (const auto& [name, pts] : attn) add_curve(p, name, pts, hbm, false);
        for (const auto& c : gpu->nccl) nccl[c.op + "." + std::to_string(c.ranks)].emplace_back(c.bytes, c.time);
        for (const auto& [name, pts] : nccl) add_curve(p, name, pts, 0);

        LaunchFit lf = fit_launch(gpu->launches, gpu->graphs);
        if (lf.valid() || lf.back_to_back_s > 0) p.launch = lf;
        const double overhead = kernel_overhead_s(p, 2e-6);
        for (DType t : {DType::bf16, DType::fp8}) {
            const auto n =
                std::count_if(gpu->gemms.begin(), gpu->gemms.end(), [&](const GemmSample& s) { return s.dtype == t; });
            if (n == 0) continue;
            if (t == DType::fp8 && !(spec.fp8_flops > 0)) continue;
            p.gemm.push_back(fit_gemm(gpu->gemms, t, spec, overhead, options));
        }
        if (gpu->attention.size() >= 4) p.attention = fit_attention(gpu->attention, spec, overhead);
    }
    for (const auto& [cls, pts] : pingpong) {
        std::vector<SizedTime> v = sized(pts);
        if (distinct_sizes(v) < 2) continue;
        const bool peer = cls == "gpu_peer";
        // Peer copies have no latency regime worth splitting; MPI switches
        // protocol (eager -> rendezvous), hence two regimes there.
        SaturationOptions o;
        o.allow_two_regimes = !peer;
        LinkFit l;
        l.link_class = peer ? "intra_host" : cls;
        l.source = peer ? "gpu_peer" : "net";
        l.curve = fit_saturation((peer ? "peer_copy" : "pingpong." + cls), std::move(v), o);
        p.curves.push_back(l.curve);
        // The GPU's own NVLink copies describe the intra-host GPU path better
        // than MPI over host memory: they win the intra_host slot.
        auto it = std::find_if(p.links.begin(), p.links.end(),
                               [&](const LinkFit& x) { return x.link_class == l.link_class; });
        if (it == p.links.end())
            p.links.push_back(std::move(l));
        else if (peer)
            *it = std::move(l);
    }
    for (const auto& [cls, pts] : bidir) add_curve(p, "bidir." + cls, pts, 0);
    for (const auto& [name, pts] : alltoall) add_curve(p, name, pts, 0);
    std::sort(p.links.begin(), p.links.end(),
              [](const LinkFit& a, const LinkFit& b) { return a.link_class < b.link_class; });
    if (p.curves.empty() && p.gemm.empty() && !p.attention && !p.launch)
        throw Error("the probe files hold no samples that can be fitted");
    return p;
}

}  // namespace hwplan::model::calibration

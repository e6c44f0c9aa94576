// The calibration fitter on synthetic samples generated from KNOWN
// parameters plus seeded log-normal noise: it must recover the parameters
// (or, where parameters trade off, the times they predict), predict held-out
// GEMM shapes within a stated error, and keep honest residuals.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "model/calibration/apply.hpp"
#include "model/calibration/fit.hpp"
#include "model/calibration/synthetic_truth.hpp"
#include "model/calibration/residuals.hpp"
#include "model/calibration/saturation.hpp"
#include "model/error.hpp"

namespace {

using namespace hwplan::model;
using namespace hwplan::model::calibration;

// Portable normal deviates (std::normal_distribution is not specified bit for bit).
struct Noise {
    std::mt19937_64 rng;
    double sigma;
    Noise(std::uint64_t seed, double s) : rng(seed), sigma(s) {}
    double factor() {
        const double u1 = (static_cast<double>(rng() >> 11) + 0.5) / 9007199254740992.0;
        const double u2 = (static_cast<double>(rng() >> 11) + 0.5) / 9007199254740992.0;
        return std::exp(sigma * std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2));
    }
};

Timing timing(double t) { return {t, t * std::exp(-0.015), t * std::exp(0.015), 7}; }

SpecPeaks h100_spec() {
    SpecPeaks s;
    s.gpu_id = "h100-sxm";
    s.bf16_flops = 989.5e12;
    s.fp8_flops = 1979e12;
    s.memory_bandwidth = 3.35e12;
    s.pcie_bandwidth = 64e9;
    s.sms = 132;
    return s;
}

struct Shape {
    const char* name;
    double n, k;
};
const Shape kShapes[] = {{"llama-3.1-8b.qkv", 6144, 4096},      {"llama-3.1-8b.o", 4096, 4096},
                         {"llama-3.1-8b.gate_up", 28672, 4096}, {"llama-3.1-8b.down", 4096, 14336},
                         {"deepseek-v3.q_a", 1536, 7168},       {"deepseek-v3.q_b", 24576, 1536},
                         {"deepseek-v3.kv_a", 576, 7168},       {"deepseek-v3.o", 7168, 16384}};

constexpr double kOverhead = 0.7e-6;

std::vector<GemmSample> gemm_samples(const GemmCurve& truth, DType dtype, Noise& noise) {
    std::vector<GemmSample> v;
    const SpecPeaks spec = h100_spec();
    for (const auto& s : kShapes) {
        for (double m = 1; m <= 8192; m *= 2) {
            GemmSample g;
            g.dtype = dtype;
            g.shape = s.name;
            g.m = m;
            g.n = s.n;
            g.k = s.k;
            g.time = timing(predict_gemm(truth, g, spec, kOverhead) * noise.factor());
            v.push_back(g);
        }
    }
    for (double m : {1.0, 4.0, 16.0, 64.0, 256.0}) {
        GemmSample g;
        g.dtype = dtype;
        g.shape = "deepseek-v3.expert_gate_up";
        g.m = m;
        g.n = 4096;
        g.k = 7168;
        g.experts = 32;
        g.time = timing(predict_gemm(truth, g, spec, kOverhead) * noise.factor());
        v.push_back(g);
    }
    return v;
}

}  // namespace

TEST_CASE("saturation fit recovers alpha and beta from noisy samples", "[calibration]") {
    Noise noise(1, 0.02);
    std::vector<SizedTime> pts;
    const AlphaBeta truth{3.0e-6, 2.0e10};
    for (double b = 8; b <= 64e6; b *= 2) pts.push_back({b, truth.seconds(b) * noise.factor(), 0.01});
    SaturationOptions o;
    o.allow_two_regimes = false;
    const SaturationCurve c = fit_saturation("test", pts, o);
    CHECK(c.latency() == Approx(truth.alpha_s).epsilon(0.05));
    CHECK(c.bandwidth() == Approx(truth.bandwidth).epsilon(0.05));
    CHECK(c.knee_bytes() == Approx(truth.knee_bytes()).epsilon(0.1));
    CHECK(c.residuals.count == static_cast<int>(pts.size()));
    // The residuals are the noise: ~2 % RMS.
    CHECK(c.residuals.rms_rel_error > 0.005);
    CHECK(c.residuals.rms_rel_error < 0.04);
    CHECK(c.residuals.log_lo < 0);
    CHECK(c.residuals.log_hi > 0);
}

TEST_CASE("saturation fit splits an eager/rendezvous protocol switch into two regimes", "[calibration]") {
    Noise noise(2, 0.01);
    std::vector<SizedTime> pts;
    const AlphaBeta eager{1.0e-6, 5e9}, rendezvous{8.0e-6, 2.0e10};
    for (double b = 8; b <= 64e6; b *= 2) {
        const double t = b < 65536 ? eager.seconds(b) : rendezvous.seconds(b);
        pts.push_back({b, t * noise.factor(), 0.005});
    }
    const SaturationCurve c = fit_saturation("pingpong", pts);
    REQUIRE(c.two_regimes());
    CHECK(c.break_bytes > 16384);
    CHECK(c.break_bytes < 262144);
    CHECK(c.latency() == Approx(eager.alpha_s).epsilon(0.1));
    CHECK(c.bandwidth() == Approx(rendezvous.bandwidth).epsilon(0.05));
    CHECK(c.residuals.max_rel_error < 0.05);
}

TEST_CASE("saturation fit needs two sizes", "[calibration]") {
    CHECK_THROWS_AS(fit_saturation("one", {{1024, 1e-6, 0}, {1024, 1.1e-6, 0}}), hwplan::Error);
}

TEST_CASE("GEMM fit recovers the curve and predicts held-out shapes", "[calibration]") {
    Noise noise(3, 0.02);
    const GemmCurve truth = hwplan::test::synthetic_bf16_truth();
    const std::vector<GemmSample> samples = gemm_samples(truth, DType::bf16, noise);
    FitOptions o;
    o.holdout_shapes = {"deepseek-v3.q_b", "llama-3.1-8b.down"};
    const GemmFit f = fit_gemm(samples, DType::bf16, h100_spec(), kOverhead, o);
    // The large-shape efficiency and the streaming bandwidth are well
    // determined; the half-saturation constants trade off against each other
    // and are checked through the times they predict.
    CHECK(f.curve.peak_fraction == Approx(truth.peak_fraction).epsilon(0.08));
    CHECK(f.curve.memory_efficiency == Approx(truth.memory_efficiency).epsilon(0.05));
    CHECK(f.residuals.count == static_cast<int>(samples.size()) - 2 * 14);
    CHECK(f.residuals.rms_rel_error < 0.04);
    REQUIRE(f.holdout.count == 2 * 14);
    // Stated hold-out error (docs/calibration.md): median <= 4 %, max <= 10 %
    // with 2 % measurement noise.
    CHECK(f.holdout.median_rel_error < 0.04);
    CHECK(f.holdout.max_rel_error < 0.10);
    // Against the noise-free truth, every shape (fitted or held out) within 5 %.
    const SpecPeaks spec = h100_spec();
    double worst = 0;
    for (const auto& s : samples)
        worst = std::max(
            worst, std::abs(predict_gemm(f.curve, s, spec, kOverhead) / predict_gemm(truth, s, spec, kOverhead) - 1));
    CHECK(worst < 0.05);
    WARN("GEMM bf16 fit: rms " << f.residuals.rms_rel_error << ", hold-out median " << f.holdout.median_rel_error
                               << " max " << f.holdout.max_rel_error << ", worst vs truth " << worst);
}

TEST_CASE("GEMM fit without noise reproduces the generating curve's times", "[calibration]") {
    Noise noise(4, 0.0);
    GemmCurve truth = hwplan::test::synthetic_bf16_truth();
    truth.blend = 2;
    truth.tile_n = 256;
    const auto samples = gemm_samples(truth, DType::fp8, noise);
    const GemmFit f = fit_gemm(samples, DType::fp8, h100_spec(), kOverhead);
    CHECK(f.dtype == DType::fp8);
    CHECK(f.residuals.max_rel_error < 0.01);
    CHECK(f.curve.blend == 2);
}

TEST_CASE("GEMM fit refuses too few samples", "[calibration]") {
    Noise noise(5, 0.0);
    auto samples = gemm_samples(hwplan::test::synthetic_bf16_truth(), DType::bf16, noise);
    samples.resize(5);
    CHECK_THROWS_WITH(fit_gemm(samples, DType::bf16, h100_spec(), kOverhead),
                      Catch::Contains("at least 8 GEMM samples"));
}

TEST_CASE("attention fit recovers efficiencies and blend", "[calibration]") {
    Noise noise(6, 0.015);
    AttentionFit truth;
    truth.compute_efficiency = 0.55;
    truth.memory_efficiency = 0.88;
    truth.fixed_s = 2.5e-6;
    truth.blend = 8;
    const SpecPeaks spec = h100_spec();
    std::vector<AttentionSample> v;
    for (int batch : {1, 8, 32, 64})
        for (int ctx : {512, 2048, 8192, 32768}) {
            AttentionSample a;  // GQA, Llama-3.1-8B
            a.layout = "gqa";
            a.batch = batch;
            a.context = ctx;
            a.kv_bytes = 1.0 * batch * ctx * 8 * 256 * 2;
            a.bytes = a.kv_bytes + batch * 32 * 128 * 4.0;
            a.flops = 2.0 * batch * 32 * ctx * 256;
            a.time = timing(predict_attention(truth, a.flops, a.bytes, spec, kOverhead) * noise.factor());
            v.push_back(a);
            AttentionSample m = a;  // MLA, DeepSeek-V3 (compute-heavy)
            m.layout = "mla";
            m.kv_bytes = 1.0 * batch * ctx * 576 * 2;
            m.bytes = m.kv_bytes + batch * 128 * 1088 * 2.0;
            m.flops = 2.0 * batch * 128 * ctx * 1088;
            m.time = timing(predict_attention(truth, m.flops, m.bytes, spec, kOverhead) * noise.factor());
            v.push_back(m);
        }
    const AttentionFit f = fit_attention(v, spec, kOverhead);
    CHECK(f.memory_efficiency == Approx(truth.memory_efficiency).epsilon(0.05));
    CHECK(f.compute_efficiency == Approx(truth.compute_efficiency).epsilon(0.08));
    CHECK(f.residuals.rms_rel_error < 0.03);
}

TEST_CASE("launch fit: graph-node slope and launch medians", "[calibration]") {
    Noise noise(7, 0.01);
    std::vector<GraphSample> g;
    for (int nodes : {10, 50, 100, 200, 500, 1000})
        g.push_back({nodes, timing((2.5e-6 + nodes * 0.7e-6) * noise.factor())});
    const LaunchFit f = fit_launch({{"back_to_back", timing(1.9e-6)}, {"roundtrip", timing(9e-6)}}, g);
    CHECK(f.graph_node_s == Approx(0.7e-6).epsilon(0.03));
    CHECK(f.back_to_back_s == Approx(1.9e-6));
    CHECK(f.roundtrip_s == Approx(9e-6));
    CHECK(f.host_enqueue_s == 0);
    CHECK(f.valid());
}

TEST_CASE("fit_profile: links per class, fake hosts refused, empty input refused", "[calibration]") {
    Noise noise(8, 0.02);
    NetProbeRun run;
    run.run.file = "net.yaml";
    run.mpi.world_size = 16;
    run.mpi.host_count = 2;
    const AlphaBeta intra{0.4e-6, 1.5e11}, inter{3.5e-6, 4.5e10};
    for (double b = 8; b <= 256e6; b *= 4) {
        run.links.push_back({"pingpong", "intra_host", 0, 1, b, timing(intra.seconds(b) * noise.factor())});
        run.links.push_back({"pingpong", "inter_host", 0, 8, b, timing(inter.seconds(b) * noise.factor())});
    }
    const Profile p = fit_profile(nullptr, {run}, {});
    REQUIRE(p.links.size() == 2);
    const LinkFit* a = p.link("intra_host");
    const LinkFit* e = p.link("inter_host");
    REQUIRE(a);
    REQUIRE(e);
    CHECK(a->source == "net");
    CHECK(e->latency_s() == Approx(inter.alpha_s).epsilon(0.15));
    CHECK(e->bandwidth() == Approx(inter.bandwidth).epsilon(0.06));
    CHECK(a->bandwidth() == Approx(intra.bandwidth).epsilon(0.06));
    CHECK(e->knee_bytes() == Approx(inter.knee_bytes()).epsilon(0.2));
    CHECK_FALSE(p.gpu);

    NetProbeRun fake = run;
    fake.mpi.fake_hosts = 2;
    CHECK_THROWS_WITH(fit_profile(nullptr, {fake}, {}), Catch::Contains("--fake-hosts"));
    CHECK_THROWS_WITH(fit_profile(nullptr, {}, {}), Catch::Contains("nothing to fit"));
}

TEST_CASE("applying a profile: the calibrated model reproduces the fit, bands bracket it", "[calibration]") {
    Noise noise(9, 0.02);
    const SpecPeaks spec = h100_spec();
    Profile p;
    p.gpu = GpuProvenance{};
    p.spec = spec;
    p.launch = LaunchFit{};
    p.launch->graph_node_s = kOverhead;
    p.gemm.push_back(fit_gemm(gemm_samples(hwplan::test::synthetic_bf16_truth(), DType::bf16, noise), DType::bf16, spec, kOverhead));
    Gpu h100;
    h100.id = "h100-sxm";
    h100.bf16_peak = flops_per_second(spec.bf16_flops);
    h100.fp8_peak = flops_per_second(spec.fp8_flops);
    h100.memory_bandwidth = bytes_per_second(spec.memory_bandwidth);
    h100.sms = 132;
    const auto k = calibrated_model(p, h100, default_efficiencies(), 0);
    GemmSample s;
    s.dtype = DType::bf16;
    s.m = 48;
    s.n = 7168;
    s.k = 2048;
    const double t = k.gemm({s.m, s.n, s.k, DType::bf16, 1}).total().value();
    CHECK(t == Approx(predict_gemm(p.gemm[0].curve, s, spec, kOverhead)).epsilon(1e-12));
    const double lo =
        calibrated_model(p, h100, default_efficiencies(), 0, Side::lo).gemm({48, 7168, 2048}).total().value();
    const double hi =
        calibrated_model(p, h100, default_efficiencies(), 0, Side::hi).gemm({48, 7168, 2048}).total().value();
    CHECK(lo < t);
    CHECK(hi > t);
    CHECK_FALSE(extrapolated(p, h100));

    // Another GPU: the same efficiencies scaled to its peaks (memory-bound
    // GEMM: time scales with 1 / HBM bandwidth).
    Gpu h200 = h100;
    h200.id = "h200-sxm";
    h200.memory_bandwidth = bytes_per_second(4.8e12);
    CHECK(extrapolated(p, h200));
    const auto k2 = calibrated_model(p, h200, default_efficiencies(), 0);
    const double t1 = k.gemm({1, 7168, 2048}).time.value() - p.gemm[0].curve.fixed_s;
    const double t2 = k2.gemm({1, 7168, 2048}).time.value() - p.gemm[0].curve.fixed_s;
    CHECK(t2 / t1 == Approx(3.35 / 4.8).epsilon(0.02));
}

TEST_CASE("apply_links makes ep_links report the measured link", "[calibration]") {
    Profile p;
    LinkFit l;
    l.link_class = "inter_host";
    l.curve.small = l.curve.large = {3.0e-6, 30e9};
    p.links.push_back(l);
    l.link_class = "intra_host";
    l.curve.small = l.curve.large = {0.5e-6, 100e9};
    p.links.push_back(l);
    System s;
    s.gpus_per_node = 8;
    s.scale_up_domain = 8;
    s.nic = Nic{};
    s.nic->bandwidth = bytes_per_second(50e9);
    s.nic->ports = 1;
    s.nics_per_node = 8;
    const Efficiencies e = default_efficiencies();
    const auto applied = apply_links(p, s, e);
    CHECK(applied.size() == 2);
    CHECK(s.scale_out_bandwidth_per_gpu().value() * e.rdma == Approx(30e9));
    CHECK(s.scale_up_bandwidth_per_gpu().value() * e.nvlink == Approx(100e9));
    CHECK(s.nic->latency.value() == Approx(3.0e-6));
    CHECK(s.scale_up_latency.value() == Approx(0.5e-6));
}

TEST_CASE("residuals: RMS, median, max and the band", "[calibration]") {
    const std::vector<double> pred = {1, 1, 1, 1};
    const std::vector<double> meas = {1.1, 0.9, 1.0, 1.2};
    const Residuals r = residuals(pred, meas);
    CHECK(r.count == 4);
    CHECK(r.max_rel_error == Approx(std::abs(1 / 1.2 - 1)));
    CHECK(r.rms_rel_error > r.median_rel_error * 0.5);
    CHECK(r.log_lo < 0);
    CHECK(r.log_hi > 0);
    const Band b = band(r);
    CHECK(b.lo < 1);
    CHECK(b.hi > 1);
}

#pragma once
// A calibration profile: where the measurements came from (provenance copied
// from the probes' raw files) and what was fitted to them, with the residuals
// of every fit. hwdb/profile_file.hpp reads and writes it (schema in
// docs/calibration.md, "Profile file"); model/calibration/apply.hpp turns it
// into the step model's inputs. No IO here.
//
// Efficiencies in a profile are relative to the spec-sheet figures of the
// GPU it was measured on (`spec`): applying the profile to another GPU scales
// the same efficiency curves to that GPU's peaks (an extrapolation).

#include <optional>
#include <string>
#include <vector>

#include "model/calibration/residuals.hpp"
#include "model/calibration/samples.hpp"
#include "model/calibration/saturation.hpp"
#include "model/kernel_costs.hpp"

namespace hwplan::model::calibration {

// The spec-sheet figures the efficiencies of a profile are relative to
// (the hardware database entry of the measured GPU).
struct SpecPeaks {
    std::string gpu_id;           // hwdb id, "h100-sxm"
    double bf16_flops = 0;        // FLOP/s, dense
    double fp8_flops = 0;         // FLOP/s, dense (0: none)
    double memory_bandwidth = 0;  // bytes/s, HBM
    double pcie_bandwidth = 0;    // bytes/s per direction (0: unknown)
    int sms = 0;
    friend bool operator==(const SpecPeaks&, const SpecPeaks&) = default;
};

// GEMM time curve for one math rate, with its residuals over the fitted
// samples and over the held-out ones (empty when none were held out).
struct GemmFit {
    DType dtype = DType::bf16;  // bf16 | fp8 (the probe's input format)
    GemmCurve curve;
    Residuals residuals;
    Residuals holdout;
    friend bool operator==(const GemmFit&, const GemmFit&) = default;
};

// Decode attention: t = fixed_s + blend(flops / (bf16 peak · compute_eff),
// bytes / (HBM · memory_eff)) over every attention sample (GQA and MLA).
struct AttentionFit {
    double compute_efficiency = 0;
    double memory_efficiency = 0;
    double fixed_s = 0;  // beyond the per-kernel overhead
    int blend = 0;
    Residuals residuals;
    friend bool operator==(const AttentionFit&, const AttentionFit&) = default;

    [[nodiscard]] bool valid() const { return compute_efficiency > 0 && memory_efficiency > 0; }
};

// Fixed costs of kernel launches: the medians of the `launch` samples and the
// per-node cost of a CUDA graph replay (slope of replay time over nodes).
struct LaunchFit {
    double back_to_back_s = 0;  // GPU time per empty kernel, full queue (0: not measured)
    double host_enqueue_s = 0;  // host time of one launch call
    double roundtrip_s = 0;     // launch + synchronise
    double graph_node_s = 0;    // per node of a replayed graph (0: not measured)
    double graph_base_s = 0;    // replay time of an empty graph (intercept)
    Residuals residuals;        // of the graph-replay line
    friend bool operator==(const LaunchFit&, const LaunchFit&) = default;

    [[nodiscard]] bool valid() const { return graph_node_s > 0; }
};

// Alpha-beta of one network link class from the ping-pong samples:
// latency = small-message one-way time, bandwidth = large-message
// unidirectional bandwidth, knee = latency · bandwidth (the size at which
// half the bandwidth is reached).
struct LinkFit {
    std::string link_class;  // intra_host | inter_host
    std::string source;      // net | gpu_peer (which probe)
    SaturationCurve curve;
    friend bool operator==(const LinkFit&, const LinkFit&) = default;

    [[nodiscard]] double latency_s() const { return curve.latency(); }
    [[nodiscard]] double bandwidth() const { return curve.bandwidth(); }
    [[nodiscard]] double knee_bytes() const { return curve.knee_bytes(); }
};

// Provenance of the GPU measurements.
struct GpuProvenance {
    RunInfo run;
    GpuDevice device;
    friend bool operator==(const GpuProvenance&, const GpuProvenance&) = default;
};

// Provenance of one network probe run.
struct NetProvenance {
    RunInfo run;
    std::string buffers;
    MpiInfo mpi;
    friend bool operator==(const NetProvenance&, const NetProvenance&) = default;
};

struct Profile {
    int schema_version = 1;
    std::string created;  // ISO 8601 UTC, when the fit ran
    std::string command;  // the fit's command line
    std::string hwplan_version;
    std::optional<GpuProvenance> gpu;  // absent: a network-only profile
    std::vector<NetProvenance> net;
    SpecPeaks spec;  // with a GPU section; gpu_id empty otherwise

    std::vector<SaturationCurve> curves;  // hbm_read, l2_read, elementwise, pcie_h2d, nccl..., pingpong...
    std::vector<GemmFit> gemm;
    std::optional<AttentionFit> attention;
    std::optional<LaunchFit> launch;
    std::vector<LinkFit> links;
    friend bool operator==(const Profile&, const Profile&) = default;

    [[nodiscard]] const SaturationCurve* curve(std::string_view name) const {
        for (const auto& c : curves)
            if (c.name == name) return &c;
        return nullptr;
    }
    [[nodiscard]] const GemmFit* gemm_fit(DType t) const {
        for (const auto& g : gemm)
            if (g.dtype == t) return &g;
        return nullptr;
    }
    [[nodiscard]] const LinkFit* link(std::string_view link_class) const {
        for (const auto& l : links)
            if (l.link_class == link_class) return &l;
        return nullptr;
    }
};

}  // namespace hwplan::model::calibration

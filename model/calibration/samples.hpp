#pragma once
// The raw measurements of the calibration probes as plain value types: what
// hwdb/probe_file.hpp reads from `hwplan-probe-gpu` / `hwplan-probe-net` YAML
// (schemas in docs/calibration.md, "GPU probe output" and "Output schema")
// and what the fitters in this folder consume. No parsing, no IO here.
//
// Units: SI throughout (seconds, bytes, FLOP), as the probes print them.
// A sample keeps only the fields the fitters and the provenance need; the
// probes' extra diagnostics (algo ranks, launch shapes) stay in the raw file.

#include <optional>
#include <string>
#include <vector>

#include "model/dtype.hpp"

namespace hwplan::model::calibration {

// Repeated timings of one point: the median the probes report as `time_s`
// and the 10th / 90th percentiles (the measurement's own spread).
struct Timing {
    double median = 0;  // time_s
    double p10 = 0;     // time_s_p10
    double p90 = 0;     // time_s_p90
    int reps = 0;
    friend bool operator==(const Timing&, const Timing&) = default;
};

// Which probe run a sample came from, and how it was made (provenance).
struct RunInfo {
    std::string file;  // as given on the command line
    std::string probe_version;
    std::string git_revision;
    std::string date;     // ISO 8601 UTC, the run's start
    std::string command;  // the probe's command line
    std::string mode;     // quick | full | decode-step (GPU); quick | full (net)
    double elapsed_s = 0;
    friend bool operator==(const RunInfo&, const RunInfo&) = default;
};

// ---------------------------------------------------------------- GPU probe

// The measured device, copied verbatim into the profile.
struct GpuDevice {
    std::string name;  // "NVIDIA H100 80GB HBM3"
    std::string uuid;
    std::string pci_bus_id;
    std::string compute_capability;  // "9.0"
    int sm_count = 0;
    double sm_clock_mhz = 0;   // peak, cudaDevAttrClockRate
    double mem_clock_mhz = 0;  // peak
    double memory_bytes = 0;
    double l2_bytes = 0;
    std::optional<bool> clocks_locked;  // nullopt: "unknown"
    std::optional<double> sm_clock_max_mhz;
    std::optional<double> sm_clock_applications_mhz;
    std::optional<double> sm_clock_measured_mhz;
    std::optional<double> power_limit_w;
    std::optional<std::string> driver_version;
    std::string cuda_driver_version;
    std::string cuda_runtime_version;
    std::string cublaslt_version;
    std::optional<std::string> nccl_version;
    std::optional<std::string> topology;  // `nvidia-smi topo -m`
    int visible_gpus = 1;
    friend bool operator==(const GpuDevice&, const GpuDevice&) = default;
};

// A transfer measured as bytes moved in a time: hbm_read, hbm_write,
// hbm_copy, memcpy_d2d, l2_read, pcie_h2d, pcie_d2h, peer_copy, elementwise.
// `bytes` is the minimum the kernel must move (reads plus writes).
struct TransferSample {
    std::string tag;
    std::string kind;  // elementwise: rmsnorm | silu_mul; otherwise empty
    double bytes = 0;
    Timing time;
    friend bool operator==(const TransferSample&, const TransferSample&) = default;
};

// Y[m x n] = X[m x k] · W[n x k]^T via cuBLASLt; `experts` > 1 is a grouped
// GEMM of that many independent m x n x k products (m per expert).
struct GemmSample {
    DType dtype = DType::bf16;  // input format (bf16 | fp8)
    std::string shape;          // "llama-3.1-8b.qkv", "square", ...
    double m = 0, n = 0, k = 0;
    int experts = 1;
    Timing time;
    friend bool operator==(const GemmSample&, const GemmSample&) = default;
};

// One decode-attention call: `batch` sequences of one query token over
// `context` cached tokens. flops and bytes as the probe defines them (the
// same as the step model's attention work and traffic).
struct AttentionSample {
    std::string layout;  // gqa | mla
    int batch = 0;
    int context = 0;
    int q_heads = 0;
    int kv_heads = 0;
    int head_dim = 0;
    int v_head_dim = 0;
    int splits = 1;
    double kv_bytes = 0;
    double bytes = 0;  // KV + q + output
    double flops = 0;  // 2 · batch · heads · context · (head_dim + v_head_dim)
    Timing time;
    friend bool operator==(const AttentionSample&, const AttentionSample&) = default;
};

struct LaunchSample {
    std::string kind;  // back_to_back | host_enqueue | roundtrip
    Timing time;
    friend bool operator==(const LaunchSample&, const LaunchSample&) = default;
};

// Replay of a CUDA graph of `nodes` empty kernels (time is the whole replay).
struct GraphSample {
    int nodes = 0;
    Timing time;
    friend bool operator==(const GraphSample&, const GraphSample&) = default;
};

// NCCL collective over `ranks` GPUs of one process; `bytes` per rank.
struct NcclSample {
    std::string op;  // nccl_all_reduce | nccl_all_to_all
    int ranks = 0;
    double bytes = 0;
    Timing time;
    friend bool operator==(const NcclSample&, const NcclSample&) = default;
};

// The ground truth for `hwplan tpot`: a CUDA-graph-captured decode step of
// `model` on one GPU, BF16, every sequence at `context`.
struct DecodeStepSample {
    std::string model;  // llama-3.1-8b
    int batch = 0;
    int context = 0;
    Timing time;
    // Standalone per-layer times of the step's kernels (seconds).
    double qkv_s = 0, o_s = 0, gate_up_s = 0, down_s = 0, lm_head_s = 0, attention_s = 0;
    friend bool operator==(const DecodeStepSample&, const DecodeStepSample&) = default;
};

struct GpuProbeRun {
    RunInfo run;
    GpuDevice device;
    std::vector<TransferSample> transfers;
    std::vector<GemmSample> gemms;  // dense and grouped
    std::vector<AttentionSample> attention;
    std::vector<LaunchSample> launches;
    std::vector<GraphSample> graphs;
    std::vector<NcclSample> nccl;
    std::vector<DecodeStepSample> decode_steps;
    std::vector<std::string> skipped;  // "family: reason"
    int ignored_samples = 0;           // tags this hwplan does not know (newer probe)
    friend bool operator==(const GpuProbeRun&, const GpuProbeRun&) = default;
};

// ---------------------------------------------------------------- net probe

// pingpong (one-way time, half the round trip) or bidir (one exchange of
// `bytes` each way) between two ranks of a link class.
struct LinkSample {
    std::string tag;         // pingpong | bidir
    std::string link_class;  // intra_host | inter_host
    int rank_a = 0, rank_b = 0;
    double bytes = 0;
    Timing time;
    friend bool operator==(const LinkSample&, const LinkSample&) = default;
};

// MPI_Alltoall(v) over every rank; time of the slowest rank per call.
struct AllToAllSample {
    std::string tag;    // alltoall | alltoallv
    std::string sweep;  // general | ep
    int ranks = 0;
    int hosts = 0;
    double send_bytes_per_rank = 0;
    Timing time;
    friend bool operator==(const AllToAllSample&, const AllToAllSample&) = default;
};

struct MpiInfo {
    std::string library;
    int world_size = 0;
    int host_count = 0;
    int fake_hosts = 0;  // --fake-hosts testing aid: link classes are pretend, never fit
    std::string cuda_aware;
    std::vector<std::string> hosts;  // distinct host names, in rank order
    friend bool operator==(const MpiInfo&, const MpiInfo&) = default;
};

struct NetProbeRun {
    RunInfo run;
    std::string buffers;   // host | gpu
    std::string gpu_name;  // with gpu buffers
    MpiInfo mpi;
    std::vector<LinkSample> links;
    std::vector<AllToAllSample> alltoall;
    int ignored_samples = 0;
    friend bool operator==(const NetProbeRun&, const NetProbeRun&) = default;
};

}  // namespace hwplan::model::calibration

#pragma once
// Systems for the step-time tests, built in code from public spec sheets so
// model/ tests do not depend on the YAML database (the CLI tests use the
// database entries of the same names).

#include "model/deployment.hpp"
#include "model/system.hpp"
#include "model/workload.hpp"

namespace hwplan::test {

// NVIDIA H800 SXM5: H100 compute and HBM3, NVLink cut to 400 GB/s
// bidirectional (200 GB/s per direction).
inline model::Gpu h800_gpu() {
    model::Gpu g;
    g.id = "h800-sxm";
    g.memory_capacity = model::gibibytes(80);
    g.memory_bandwidth = model::gigabytes_per_second(3350);
    g.fp32_peak = model::teraflops_per_second(67);
    g.bf16_peak = model::teraflops_per_second(989);
    g.fp8_peak = model::teraflops_per_second(1979);
    g.int8_peak = model::teraflops_per_second(1979);
    g.sms = 132;
    g.scale_up_bandwidth = model::gigabytes_per_second(200);
    g.pcie_bandwidth = model::gigabytes_per_second(64);
    return g;
}

inline model::Gpu h100_gpu() {
    model::Gpu g = h800_gpu();
    g.id = "h100-sxm";
    g.scale_up_bandwidth = model::gigabytes_per_second(450);
    return g;
}

inline model::Nic cx7_400g() {
    model::Nic n;
    n.id = "cx7-400g";
    n.bandwidth = model::gigabytes_per_second(50);
    n.latency = model::microseconds(2.8);
    return n;
}

// The paper's node: 8 H800, NVLink 200 GB/s per direction, 8 CX7 400G NICs
// in 8 planes.
inline model::System h800_node() {
    model::System s;
    s.id = "h800-node";
    s.gpu = h800_gpu();
    s.gpus_per_node = 8;
    s.scale_up_domain = 8;
    s.scale_up_bandwidth = model::gigabytes_per_second(200);
    s.scale_up_latency = model::microseconds(3.33);
    s.nic = cx7_400g();
    s.nics_per_node = 8;
    s.planes = 8;
    return s;
}

// The same GPUs one per node: every EP peer is across InfiniBand.
inline model::System h800_single_gpu_nodes() {
    model::System s = h800_node();
    s.id = "h800-1gpu";
    s.gpus_per_node = 1;
    s.scale_up_domain = 1;
    s.nics_per_node = 1;
    s.planes = 1;
    return s;
}

// One H100 SXM on its own (hwplan tpot --gpu h100-sxm).
inline model::System h100_box(int gpus = 1) {
    model::System s;
    s.id = "h100-sxm";
    s.gpu = h100_gpu();
    s.gpus_per_node = gpus;
    s.scale_up_domain = gpus;
    return s;
}

// GB200 NVL72: 72 Blackwell GPUs in one NVLink domain, 900 GB/s per
// direction per GPU; one CX7 per GPU for scale-out.
inline model::System gb200_nvl72() {
    model::System s;
    s.id = "gb200-nvl72";
    s.gpu.id = "gb200";
    s.gpu.memory_capacity = model::gigabytes(186);
    s.gpu.memory_bandwidth = model::gigabytes_per_second(8000);
    s.gpu.fp32_peak = model::teraflops_per_second(80);
    s.gpu.bf16_peak = model::teraflops_per_second(2500);
    s.gpu.fp8_peak = model::teraflops_per_second(5000);
    s.gpu.fp4_peak = model::teraflops_per_second(10000);
    s.gpu.sms = 148;
    s.gpu.scale_up_bandwidth = model::gigabytes_per_second(900);
    s.gpus_per_node = 72;
    s.scale_up_domain = 72;
    s.scale_up_bandwidth = model::gigabytes_per_second(900);
    s.scale_up_latency = model::microseconds(3.33);
    s.nic = cx7_400g();
    s.nics_per_node = 72;
    return s;
}

// A KTransformers-style box: one RTX 4090 and two 12-channel DDR5 sockets.
inline model::System hybrid_box() {
    model::System s;
    s.id = "hybrid-box";
    s.gpu.id = "rtx-4090";
    s.gpu.memory_capacity = model::gibibytes(24);
    s.gpu.memory_bandwidth = model::gigabytes_per_second(1008);
    s.gpu.fp32_peak = model::teraflops_per_second(82.6);
    s.gpu.bf16_peak = model::teraflops_per_second(165.2);
    s.gpu.fp8_peak = model::teraflops_per_second(330.3);
    s.gpu.sms = 128;
    s.gpu.pcie_bandwidth = model::gigabytes_per_second(32);
    s.gpus_per_node = 1;
    s.scale_up_domain = 1;
    model::Cpu c;
    c.id = "epyc-2s";
    c.sockets = 2;
    c.cores = 32;
    c.memory_capacity = model::gibibytes(768);
    c.memory_bandwidth = model::gigabytes_per_second(1228.8);
    c.matrix_peak = model::teraflops_per_second(10.6);
    s.host = c;
    return s;
}

// Pure-EP decode layout over `nodes` nodes of `s` (tp 1, one DP replica per GPU).
inline model::Deployment ep_layout(const model::System& s, int nodes, int redundant = 0,
                                   model::DType weights = model::DType::fp8) {
    model::Deployment d;
    d.nodes = nodes;
    d.tp = 1;
    d.pp = 1;
    d.dp = nodes * s.gpus_per_node;
    d.ep = d.dp;
    d.redundant_experts = redundant;
    d.precision.weights = weights;
    return d;
}

inline model::Workload decode_workload(int batch, int context) {
    model::Workload w;
    w.batch = batch;
    w.context = context;
    return w;
}

}  // namespace hwplan::test

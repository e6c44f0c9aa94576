#pragma once
// A deployable unit: one node (server) with its GPUs, NICs and host, or a
// rack-scale scale-up domain (GB200 NVL72), or a local box (one consumer GPU
// plus a large-DRAM host for hybrid CPU/GPU inference). Everything is resolved
// to values: a System is self-contained and needs no database to evaluate.

#include <optional>
#include <string>

#include "model/cpu.hpp"
#include "model/gpu.hpp"
#include "model/nic.hpp"
#include "model/switch.hpp"
#include "model/units.hpp"

namespace hwplan::model {

struct System {
    std::string id;  // "h800-node"
    std::string name;
    Gpu gpu;
    int gpus_per_node = 1;
    // GPUs that share one NVLink domain (8 in an HGX node, 72 in an NVL72
    // rack). A "node" in hwplan is the unit that is bought and placed.
    int scale_up_domain = 1;
    // Per-GPU, per-direction scale-up bandwidth; 0 means "take the GPU's".
    // The H800 node's NVLink is 200 GB/s per direction (400 GB/s bidirectional).
    BytesPerSecond scale_up_bandwidth = bytes_per_second(0);
    Seconds scale_up_latency = seconds(0);
    std::optional<Nic> nic;  // scale-out NIC, none for a standalone box
    int nics_per_node = 0;
    int planes = 1;  // multi-plane fabric: one NIC per GPU per plane
    std::optional<Switch> fabric_switch;  // the default scale-out switch
    std::optional<Cpu> host;
    double node_overhead_watts = 0;      // CPUs, fans, NICs ... beyond the GPUs' TDP
    double price_usd = 0;                // capex of one node, 0 if unknown
    double price_per_gpu_hour_usd = 0;   // rental, 0 if unknown
    std::string source;
    friend bool operator==(const System&, const System&) = default;

    [[nodiscard]] BytesPerSecond scale_up_bandwidth_per_gpu() const {
        return scale_up_bandwidth.value() > 0 ? scale_up_bandwidth : gpu.scale_up_bandwidth;
    }
    // Scale-out bandwidth one GPU can drive, per direction (all NICs shared evenly).
    [[nodiscard]] BytesPerSecond scale_out_bandwidth_per_gpu() const {
        if (!nic || nics_per_node == 0 || gpus_per_node == 0) return bytes_per_second(0);
        return nic->bandwidth * static_cast<double>(nic->ports * nics_per_node) /
               static_cast<double>(gpus_per_node);
    }
};

}  // namespace hwplan::model

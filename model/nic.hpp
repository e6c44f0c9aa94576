#pragma once
// A scale-out network adapter. Bandwidth per port and direction.

#include <string>

#include "model/units.hpp"

namespace hwplan::model {

enum class LinkKind { infiniband, roce, ethernet, nvlink, pcie };

struct Nic {
    std::string id;    // "cx7-400g"
    std::string name;  // "NVIDIA ConnectX-7 400G"
    LinkKind kind = LinkKind::infiniband;
    BytesPerSecond bandwidth = bytes_per_second(0);  // line rate per direction (400 Gbps = 50 GB/s)
    int ports = 1;
    Seconds latency = seconds(0);  // NIC-to-NIC through one switch, small message
    double price_usd = 0;
    double power_watts = 0;
    std::string source;
    friend bool operator==(const Nic&, const Nic&) = default;
};

}  // namespace hwplan::model

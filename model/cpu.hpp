#pragma once
// A host CPU complex (all sockets of one server), for KV offload tiers and
// KTransformers-style hybrid inference where experts run on the CPU.

#include <string>

#include "model/units.hpp"

namespace hwplan::model {

struct Cpu {
    std::string id;
    std::string name;
    int sockets = 1;
    int cores = 0;                                          // all sockets
    Bytes memory_capacity = bytes(0);                       // all sockets
    BytesPerSecond memory_bandwidth = bytes_per_second(0);  // all sockets, theoretical
    FlopsPerSecond matrix_peak = flops_per_second(0);       // BF16/INT8 matrix units (AMX), all sockets
    double tdp_watts = 0;
    double price_usd = 0;
    std::string source;
    friend bool operator==(const Cpu&, const Cpu&) = default;
};

}  // namespace hwplan::model

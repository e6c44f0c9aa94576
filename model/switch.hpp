#pragma once
// A network switch SKU (scale-out): radix, port speed, per-hop latency, price.

#include <string>

#include "model/nic.hpp"
#include "model/units.hpp"

namespace hwplan::model {

struct Switch {
    std::string id;  // "ib-ndr-64p"
    std::string name;
    LinkKind kind = LinkKind::infiniband;
    int ports = 0;  // radix k
    BytesPerSecond port_bandwidth = bytes_per_second(0);  // per direction
    Seconds latency = seconds(0);                         // port-to-port, cut-through
    double price_usd = 0;
    double power_watts = 0;
    std::string source;
    friend bool operator==(const Switch&, const Switch&) = default;
};

}  // namespace hwplan::model

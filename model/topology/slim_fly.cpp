#include "model/topology/slim_fly.hpp"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "model/error.hpp"
#include "model/topology/detail.hpp"

namespace hwplan::model::topology {

namespace {

constexpr int max_q = 4096;

struct Counts {
    double n;        // endpoints
    double routers;  // 2q²
    double kp;       // k'
    double p;
    double links;
};

Counts counts(const SlimFly& t) {
    const double q = t.q;
    const double routers = 2.0 * q * q;
    const double kp = network_radix(t);
    const double p = endpoints_per_router(t);
    return {routers * p, routers, kp, p, routers * kp / 2.0};
}

}  // namespace

bool is_prime_power(int q) {
    if (q < 2) return false;
    int p = 2;
    while (p * p <= q && q % p != 0) ++p;
    if (q % p != 0) return true;  // q itself is prime
    while (q % p == 0) q /= p;
    return q == 1;
}

int slim_fly_delta(int q) {
    switch (((q % 4) + 4) % 4) {
        case 0: return 0;
        case 1: return 1;
        case 3: return -1;
        default:
            throw Error(fmt::format("q = {} is not of the form 4w + δ with δ in {{-1, 0, 1}}", q),
                        "slim_fly.q");
    }
}

void validate(const SlimFly& t) {
    if (t.q < 3 || t.q > max_q)
        throw Error(fmt::format("q must be in 3..{}, got {}", max_q, t.q), "slim_fly.q");
    (void)slim_fly_delta(t.q);
    if (t.require_prime_power && !is_prime_power(t.q))
        throw Error(fmt::format("q must be a prime power for the MMS construction, got {}", t.q),
                    "slim_fly.q");
    if (t.endpoints_per_router < 0)
        throw Error(fmt::format("endpoints_per_router must be >= 0 (0 = default), got {}",
                                t.endpoints_per_router),
                    "slim_fly.endpoints_per_router");
}

int network_radix(const SlimFly& t) {
    validate(t);
    return (3 * t.q - slim_fly_delta(t.q)) / 2;
}

int endpoints_per_router(const SlimFly& t) {
    const int kp = network_radix(t);
    return t.endpoints_per_router > 0 ? t.endpoints_per_router : (kp + 1) / 2;
}

TopologySize size(const SlimFly& t) {
    const std::int64_t routers = 2 * static_cast<std::int64_t>(t.q) * t.q;
    const int kp = network_radix(t);
    const int p = endpoints_per_router(t);
    TopologySize s;
    s.switches = routers;
    s.endpoints = routers * p;
    s.endpoint_links = s.endpoints;
    s.switch_links = routers * kp / 2;  // k' is odd only for odd q, and then 2q² is even
    s.diameter = 2;
    s.ports_per_switch = kp + p;
    return s;
}

HopCounts hops(const SlimFly& t) {
    validate(t);
    return {1, std::nullopt, 3};
}

double average_hops(const SlimFly& t) {
    const Counts c = counts(t);
    const double sum = (c.p - 1.0) * 1.0 + c.p * c.kp * 2.0 + c.p * (c.routers - 1.0 - c.kp) * 3.0;
    return sum / (c.n - 1.0);
}

BytesPerSecond bisection_bandwidth(const SlimFly& t, BytesPerSecond link_bandwidth) {
    detail::check_bandwidth(link_bandwidth);
    const Counts c = counts(t);
    return link_bandwidth * (c.links * (c.routers / 2.0) / (c.routers - 1.0));
}

BytesPerSecond all_to_all_bandwidth_per_endpoint(const SlimFly& t, BytesPerSecond link_bandwidth) {
    detail::check_bandwidth(link_bandwidth);
    const Counts c = counts(t);
    // Mean router-to-router links per destination endpoint (0 on the same router).
    const double mean_links = c.p * (c.kp * 1.0 + (c.routers - 1.0 - c.kp) * 2.0) / (c.n - 1.0);
    return link_bandwidth * std::min(1.0, 2.0 * c.links / (c.n * mean_links));
}

}  // namespace hwplan::model::topology

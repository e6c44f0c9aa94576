#pragma once
// Small helpers shared by the topology files (not part of the public surface).

#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include "model/error.hpp"
#include "model/units.hpp"

namespace hwplan::model::topology::detail {

[[nodiscard]] constexpr std::int64_t ipow(std::int64_t base, int exp) {
    std::int64_t r = 1;
    for (int i = 0; i < exp; ++i) r *= base;
    return r;
}

inline void check_bandwidth(BytesPerSecond b, const char* where = "link_bandwidth") {
    if (!std::isfinite(b.value()) || b.value() <= 0)
        throw Error(fmt::format("bandwidth must be positive and finite, got {} B/s", b.value()), where);
}

}  // namespace hwplan::model::topology::detail

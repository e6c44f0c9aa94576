#include "model/topology/paper_tables.hpp"

#include <algorithm>

#include "model/error.hpp"

namespace hwplan::model::topology {

std::vector<Table3Row> paper_table3() {
    constexpr int k = 64;
    return {
        {"FT2", FatTree{2, k, 1.0}, 2'048, 96, 2'048, 9e6, 4.39e3},
        {"MPFT", MultiPlaneFatTree{8, k, 2}, 16'384, 768, 16'384, 72e6, 4.39e3},
        {"FT3", FatTree{3, k, 1.0}, 65'536, 5'120, 131'072, 491e6, 7.5e3},
        // q = 28 is not a prime power: the paper sizes it by the MMS formulas.
        {"SF", SlimFly{28, 21, false}, 32'928, 1'568, 32'928, 146e6, 4.4e3},
        {"DF", Dragonfly{32, 16, 16, 511}, 261'632, 16'352, 384'272, 1'522e6, 5.8e3},
    };
}

std::vector<FabricLineupRow> table3_lineup(int radix) {
    if (radix < 4 || radix % 2 != 0)
        throw Error("must be an even number of ports >= 4, got " + std::to_string(radix), "radix");
    // Largest q whose k' + ceil(k'/2) ports fit in one switch.
    int q = 2;
    for (int c = 3; c < 4 * radix; ++c) {
        if (c % 4 == 2) continue;  // q = 4w + delta needs delta in {-1, 0, 1}
        const int kp = (3 * c - slim_fly_delta(c)) / 2;
        if (kp + (kp + 1) / 2 <= radix) q = c;
    }
    const int sf_kp = (3 * q - slim_fly_delta(q)) / 2;
    const int a = radix / 2;
    const int ph = std::max(1, radix / 4);
    return {
        {"FT2", FatTree{2, radix, 1.0}},
        {"MPFT", MultiPlaneFatTree{8, radix, 2}},
        {"FT3", FatTree{3, radix, 1.0}},
        {"SF", SlimFly{q, (sf_kp + 1) / 2, false}},
        {"DF", Dragonfly{a, ph, ph, std::max(2, a * ph - 1)}},
    };
}

std::vector<LatencyTableRow> paper_latency_table() {
    return {
        {"RoCE", LinkKind::roce, microseconds(3.6), microseconds(5.6)},
        {"InfiniBand", LinkKind::infiniband, microseconds(2.8), microseconds(3.7)},
        {"NVLink", LinkKind::nvlink, microseconds(3.33), std::nullopt},
    };
}

}  // namespace hwplan::model::topology

#include "model/mtp.hpp"

#include <algorithm>

namespace hwplan::model {

double mtp_acceptance(const MultiTokenPrediction& mtp, int i) {
    if (mtp.acceptance.empty() || i < 1) return 0.0;
    const auto idx = static_cast<std::size_t>(std::min<int>(i, static_cast<int>(mtp.acceptance.size())) - 1);
    return std::clamp(mtp.acceptance[idx], 0.0, 1.0);
}

double expected_tokens_per_step(const MultiTokenPrediction& mtp) {
    double expected = 1.0;
    double chain = 1.0;
    for (int i = 1; i <= mtp.depth; ++i) {
        chain *= mtp_acceptance(mtp, i);
        expected += chain;
    }
    return expected;
}

}  // namespace hwplan::model

#include "hwdb/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <numeric>

namespace hwplan::hwdb {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    const auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    std::iota(prev.begin(), prev.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t subst = prev[j - 1] + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

namespace {

std::size_t exact_edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    std::iota(prev.begin(), prev.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

}  // namespace

std::optional<std::string> closest(std::string_view word, std::span<const std::string> candidates) {
    // Case-insensitive distance first; ties go to the candidate closer with
    // case taken into account, so "Gbs" suggests "Gbps" (bits, one letter
    // missing) rather than "GB/s".
    std::optional<std::string> best;
    // A plausible typo keeps at least one character: "<<" is not a typo of "id".
    std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
    if (word.size() >= 1) limit = std::min(limit, word.size() - 1);
    std::size_t best_d = limit + 1;
    std::size_t best_exact = 0;
    for (const auto& c : candidates) {
        const std::size_t d = edit_distance(word, c);
        if (d > best_d) continue;
        const std::size_t exact = exact_edit_distance(word, c);
        if (d < best_d || (best && exact < best_exact)) {
            best_d = d;
            best_exact = exact;
            best = c;
        }
    }
    return best;
}

std::string did_you_mean(std::string_view word, std::span<const std::string> candidates) {
    if (auto c = closest(word, candidates)) return " (did you mean '" + *c + "'?)";
    return {};
}

}  // namespace hwplan::hwdb

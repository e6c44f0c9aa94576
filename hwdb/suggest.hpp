#pragma once
// "Did you mean ...?" for unknown keys, ids and unit symbols.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hwplan::hwdb {

// Levenshtein distance, case-insensitive.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is close enough to be a plausible typo
// (distance <= max(2, |word|/3), and < |word|), else nullopt. Ties go to the
// candidate that is closer when case counts ("Gbs" -> "Gbps", not "GB/s").
[[nodiscard]] std::optional<std::string> closest(std::string_view word,
                                                 std::span<const std::string> candidates);

// " (did you mean 'x'?)" or "" — ready to append to a message.
[[nodiscard]] std::string did_you_mean(std::string_view word,
                                       std::span<const std::string> candidates);

}  // namespace hwplan::hwdb

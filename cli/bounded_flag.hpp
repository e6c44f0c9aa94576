#pragma once
// CLI11 checks that run hwdb's bounded-number parser on a flag's text BEFORE
// CLI11 converts it: "--nodes 268435456" or "--redundant-experts 2147483647"
// are refused with the flag named, instead of wrapping in int arithmetic
// later (and blaming --tp). The same parser reads file fields, so a flag and
// a file field accept the same numbers (docs/hardening.md, "Bounds").

#include <CLI/CLI.hpp>
#include <string>

#include "hwdb/unit_parse.hpp"
#include "model/error.hpp"

namespace hwplan::cli {

// Planning limits for layout integers. 65536 nodes of up to 72 GPUs each is
// past any 2025 cluster (xAI Colossus: ~2e5 GPUs), and keeps
// nodes x GPUs-per-node and tp x dp x pp inside an int.
inline constexpr long long kMaxNodesFlag = 65536;
inline constexpr long long kMaxParallelFlag = 65536;  // --tp, --dp, --pp, --ep, --redundant-experts

// A whole number in [lo, hi] (suffixes as in "2k" allowed). Use it with
// `->transform(...)`: it rewrites "2k" as "2000" for CLI11's conversion.
inline CLI::Validator whole_in(long long lo, long long hi) {
    return CLI::Validator(
        [lo, hi](std::string& text) -> std::string {
            try {
                text = std::to_string(hwdb::parse_whole(text, "", lo, hi));
            } catch (const Error& e) {
                return e.message();
            }
            return {};
        },
        "INT in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

// A finite plain number in [lo, hi] (NaN and inf refused).
inline CLI::Validator number_in(double lo, double hi) {
    return CLI::Validator(
        [lo, hi](std::string& text) -> std::string {
            try {
                (void)hwdb::parse_number(text, "", lo, hi);
            } catch (const Error& e) {
                return e.message();
            }
            return {};
        },
        "NUMBER in [" + hwdb::compact(lo) + ", " + hwdb::compact(hi) + "]");
}

// A path or id that must not be empty: `--data-dir ""` silently meant "the
// built-in database", `--profile ""` "no profile".
inline CLI::Validator non_empty() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            return text.find_first_not_of(" \t") == std::string::npos ? "must not be empty" : std::string();
        },
        "");
}

}  // namespace hwplan::cli

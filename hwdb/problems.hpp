#pragma once
// Problems found while reading input files, collected so that a file (or the
// whole database) reports every mistake at once instead of one per run.
//
// Each problem has a location ("gpus/h100-sxm.yaml:7:19", "config.json") and a
// message that starts with the field it concerns ("memory_bandwidth: ...").
// They become ONE hwplan::Error on ONE line: the first problem's location is
// the error's `where`; the rest follow in its message, each with its own
// location, joined by "; ".

#include <cstddef>
#include <string>
#include <vector>

#include "model/error.hpp"

namespace hwplan::hwdb {

class Problems {
public:
    void add(std::string where, std::string message);
    void add(const Error& error) { add(error.where(), error.message()); }

    [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

    // One Error for all problems (at most `kMaxShown` spelled out, then a
    // count). Precondition: !empty().
    [[nodiscard]] Error to_error() const;
    void throw_if_any() const {
        if (!empty()) throw to_error();
    }

    static constexpr std::size_t kMaxShown = 25;

private:
    struct Entry {
        std::string where;
        std::string message;
    };
    std::vector<Entry> entries_;
};

}  // namespace hwplan::hwdb

#include "hwdb/problems.hpp"

#include <algorithm>

namespace hwplan::hwdb {

namespace {

// Errors are printed on one line: control characters (a newline inside a
// bad value, a tab) become spaces so the CLI's "one line" promise holds.
std::string one_line(std::string s) {
    std::replace_if(
        s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }, ' ');
    return s;
}

}  // namespace

void Problems::add(std::string where, std::string message) {
    // Every add counts (no de-duplication): callers compare size() before and
    // after parsing a file to know whether that file had problems.
    entries_.push_back(Entry{one_line(std::move(where)), one_line(std::move(message))});
}

Error Problems::to_error() const {
    if (entries_.empty()) return Error("no problems");
    std::string message = entries_.front().message;
    const std::size_t shown = std::min(entries_.size(), kMaxShown);
    for (std::size_t i = 1; i < shown; ++i) {
        message += "; ";
        if (!entries_[i].where.empty()) message += entries_[i].where + ": ";
        message += entries_[i].message;
    }
    if (entries_.size() > shown)
        message += "; ... and " + std::to_string(entries_.size() - shown) + " more problem(s)";
    return Error(message, entries_.front().where);
}

}  // namespace hwplan::hwdb

#pragma once
// Shared by the libFuzzer targets: what counts as a correct answer to a bad
// input. A parser may return a value or refuse with hwplan::Error (that is
// its job); any other exception, a crash, a sanitizer report or a hang is a
// bug. A refusal must be one line (the CLI prints it as one) and must say
// something.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "model/error.hpp"

namespace hwplan::fuzz {

inline std::string_view as_text(const unsigned char* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

[[noreturn]] inline void fail(const char* what, const std::string& detail) {
    std::fprintf(stderr, "fuzz invariant broken: %s: %s\n", what, detail.c_str());
    std::abort();
}

inline void check_error(const Error& e) {
    const std::string msg = e.what();
    if (msg.empty()) fail("empty error message", msg);
    if (msg.find('\n') != std::string::npos) fail("multi-line error message", msg);
}

}  // namespace hwplan::fuzz

#include "yaml_writer.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace probe {
namespace {

std::string quoted(const std::string& s) {
    std::string q = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': q += "\\\""; break;
            case '\\': q += "\\\\"; break;
            case '\n': q += "\\n"; break;
            case '\t': q += "\\t"; break;
            case '\r': q += "\\r"; break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\x%02x", c);
                    q += buf;
                } else {
                    q += static_cast<char>(c);
                }
        }
    }
    return q + "\"";
}

// Lower-case identifiers (tags, dtypes, layouts) print bare; everything else
// is quoted, so a value such as "yes", "1e3" or "9.0" stays a string.
std::string scalar(const std::string& s) {
    static const char* const reserved[] = {"yes", "no", "true", "false", "on", "off", "null", "y", "n"};
    bool ident = !s.empty() && s[0] >= 'a' && s[0] <= 'z';
    for (char c : s) ident = ident && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    for (const char* r : reserved) ident = ident && s != r;
    return ident ? s : quoted(s);
}

std::string render(const Value& v) {
    switch (v.kind) {
        case Value::Kind::null: return "null";
        case Value::Kind::boolean: return v.b ? "true" : "false";
        case Value::Kind::integer: return std::to_string(v.i);
        case Value::Kind::real: return format_double(v.d);
        case Value::Kind::text: return scalar(v.s);
    }
    return "null";
}

std::string flow(const Record& r) {
    std::string out = "{";
    bool first = true;
    for (const auto& [key, value] : r.fields()) {
        out += (first ? "" : ", ") + key + ": " + render(value);
        first = false;
    }
    return out + "}";
}

// A multi-line text becomes a literal block; tabs are expanded (nvidia-smi
// aligns its topology matrix with tabs) and trailing blanks dropped, so the
// block is plain YAML every reader accepts.
std::string literal_block(const std::string& text, const std::string& indent) {
    // Explicit indentation indicator: the first line may itself start with
    // blanks (nvidia-smi's header row does), which would otherwise set the
    // block's indentation.
    std::string out = "|2\n";
    std::string line;
    auto flush = [&] {
        while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
        out += line.empty() ? "\n" : indent + line + "\n";
        line.clear();
    };
    for (char c : text) {
        if (c == '\n') {
            flush();
        } else if (c == '\t') {
            do line += ' '; while (line.size() % 8 != 0);
        } else if (static_cast<unsigned char>(c) >= 0x20 || c == '\r') {
            line += c;
        }
    }
    if (!line.empty()) flush();
    while (out.size() > 4 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
    return out;
}

void block_mapping(std::string& out, const Record& r, const std::string& indent) {
    for (const auto& [key, value] : r.fields()) {
        out += indent + key + ": ";
        if (value.kind == Value::Kind::text && value.s.find('\n') != std::string::npos)
            out += literal_block(value.s, indent + "  ");
        else
            out += render(value) + "\n";
    }
}

void sequence(std::string& out, const char* key, const std::vector<Record>& list) {
    out += key;
    if (list.empty()) {
        out += ": []\n";
        return;
    }
    out += ":\n";
    for (const auto& r : list) out += "  - " + flow(r) + "\n";
}

}  // namespace

std::string format_double(double v) {
    if (std::isnan(v)) return ".nan";
    if (std::isinf(v)) return v > 0 ? ".inf" : "-.inf";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.9e", v);  // 10 significant digits
    std::string s(buf);
    auto e = s.find('e');
    std::string mantissa = s.substr(0, e);
    std::string exponent = s.substr(e);
    while (mantissa.size() > 2 && mantissa.back() == '0' && mantissa[mantissa.size() - 2] != '.')
        mantissa.pop_back();
    return mantissa + exponent;
}

std::string to_yaml(const Report& report) {
    std::string out;
    block_mapping(out, report.header, "");
    out += "settings: " + flow(report.settings) + "\n";
    out += "device:\n";
    block_mapping(out, report.device, "  ");
    sequence(out, "checks", report.checks);
    sequence(out, "skipped", report.skipped);
    sequence(out, "samples", report.samples);
    return out;
}

std::string write_file_atomically(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) return "cannot create " + tmp + ": " + std::strerror(errno);
    bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    int err = ok ? 0 : errno;
    if (std::fclose(f) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (ok && std::rename(tmp.c_str(), path.c_str()) != 0) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        std::remove(tmp.c_str());
        return "cannot write " + path + ": " + std::strerror(err);
    }
    return {};
}

}  // namespace probe

#pragma once
// Internal to hwdb/: typed access to one YAML map of a machine-written file
// (the probes' raw output, calibration profiles). Unlike YamlMap it reads
// plain numbers (SI floats, no units) and never complains about keys it was
// not asked for: these schemas only ever add keys. Problems are recorded with
// file:line:col and the field path, never thrown.

#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include "hwdb/problems.hpp"
#include "hwdb/yaml_reader.hpp"

namespace hwplan::hwdb {

class PlainFields {
public:
    PlainFields(const YAML::Node& node, const std::string& file, std::string prefix, Problems& problems)
        : node_(node), file_(file), prefix_(std::move(prefix)), problems_(problems) {
        ok_ = node_.IsMap();
        if (!ok_) problems_.add(location(file_, node_.Mark()), name("") + "expected a map of 'key: value' pairs");
    }
    [[nodiscard]] bool ok() const { return ok_; }
    [[nodiscard]] std::string where() const { return location(file_, node_.Mark()); }

    [[nodiscard]] std::optional<YAML::Node> child(std::string_view key, Need need) {
        if (!ok_) return std::nullopt;
        const YAML::Node v = node_[std::string(key)];
        if (!v.IsDefined() || v.IsNull()) {
            if (need == Need::required) problems_.add(where(), name(key) + "missing (required)");
            return std::nullopt;
        }
        return v;
    }

    std::optional<std::string> text(std::string_view key, Need need) {
        const auto v = scalar(key, need, "a string");
        if (!v) return std::nullopt;
        return v->Scalar();
    }

    // A finite number; `positive`: > 0, otherwise >= 0.
    std::optional<double> number(std::string_view key, Need need, bool positive = true) {
        const auto v = scalar(key, need, "a number");
        if (!v) return std::nullopt;
        const std::string& s = v->Scalar();
        double d = 0;
        std::size_t used = 0;
        try {
            d = std::stod(s, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != s.size() || !std::isfinite(d) || (positive ? !(d > 0) : !(d >= 0))) {
            problems_.add(
                location(file_, v->Mark()),
                name(key) + "expected a " + (positive ? "positive" : "non-negative") + " number, got '" + s + "'");
            return std::nullopt;
        }
        return d;
    }

    // Any finite number (log residuals are signed).
    std::optional<double> real(std::string_view key, Need need) {
        const auto v = scalar(key, need, "a number");
        if (!v) return std::nullopt;
        const std::string& s = v->Scalar();
        double d = 0;
        std::size_t used = 0;
        try {
            d = std::stod(s, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != s.size() || !std::isfinite(d)) {
            problems_.add(location(file_, v->Mark()), name(key) + "expected a number, got '" + s + "'");
            return std::nullopt;
        }
        return d;
    }

    std::optional<int> integer(std::string_view key, Need need, long long min = 0, long long max = 1'000'000'000) {
        const auto d = number(key, need, false);
        if (!d) return std::nullopt;
        if (*d != std::floor(*d) || *d < static_cast<double>(min) || *d > static_cast<double>(max)) {
            problems_.add(location(file_, node_[std::string(key)].Mark()),
                          name(key) + "expected a whole number from " + std::to_string(min) + " to " +
                              std::to_string(max) + ", got " + node_[std::string(key)].Scalar());
            return std::nullopt;
        }
        return static_cast<int>(*d);
    }

    // true | false; `unknown` (or null) gives nullopt without a problem.
    std::optional<bool> tristate(std::string_view key) {
        const auto v = scalar(key, Need::optional, "true, false or unknown");
        if (!v) return std::nullopt;
        const std::string& s = v->Scalar();
        if (s == "true") return true;
        if (s == "false") return false;
        if (s != "unknown")
            problems_.add(location(file_, v->Mark()), name(key) + "expected true, false or unknown, got '" + s + "'");
        return std::nullopt;
    }

    void problem(std::string_view key, const std::string& message) {
        const YAML::Node v = ok_ ? node_[std::string(key)] : YAML::Node();
        problems_.add(v.IsDefined() ? location(file_, v.Mark()) : where(), name(key) + message);
    }

    [[nodiscard]] std::string name(std::string_view key) const {
        std::string n = prefix_;
        if (!key.empty()) n += (n.empty() ? "" : ".") + std::string(key);
        return n.empty() ? std::string() : n + ": ";
    }

private:
    std::optional<YAML::Node> scalar(std::string_view key, Need need, std::string_view expected) {
        auto v = child(key, need);
        if (!v) return std::nullopt;
        if (!v->IsScalar()) {
            problems_.add(location(file_, v->Mark()), name(key) + "expected " + std::string(expected));
            return std::nullopt;
        }
        return v;
    }

    YAML::Node node_;
    const std::string& file_;
    std::string prefix_;
    Problems& problems_;
    bool ok_ = false;
};

}  // namespace hwplan::hwdb

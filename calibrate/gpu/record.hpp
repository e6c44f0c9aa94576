#pragma once
// Measurement records: a sample is an ordered list of {key, value} in SI units
// (seconds, bytes, bytes/s, FLOP), printed as one YAML flow mapping. Records
// are built by the measurement files and only formatted by yaml_writer.cpp
// (nvbench habit: printers separate from measurement). Host-only C++17.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace probe {

struct Value {
    enum class Kind { null, boolean, integer, real, text };
    Kind kind = Kind::null;
    bool b = false;
    std::int64_t i = 0;
    double d = 0.0;
    std::string s;
};

// Robust summary of repeated timings of one point (seconds per unit of work).
struct Timing {
    double median = 0, p10 = 0, p90 = 0, min = 0, max = 0;
    int reps = 0;   // timed repetitions
    int inner = 1;  // units of work per repetition (time is divided by it)
};

class Record {
public:
    Record& integer(const std::string& key, std::int64_t v) { return put(key, make(Value::Kind::integer, v)); }
    Record& real(const std::string& key, double v) {
        Value x;
        x.kind = Value::Kind::real;
        x.d = v;
        return put(key, std::move(x));
    }
    Record& text(const std::string& key, std::string v) {
        Value x;
        x.kind = Value::Kind::text;
        x.s = std::move(v);
        return put(key, std::move(x));
    }
    Record& boolean(const std::string& key, bool v) {
        Value x;
        x.kind = Value::Kind::boolean;
        x.b = v;
        return put(key, std::move(x));
    }
    Record& null(const std::string& key) { return put(key, Value{}); }
    // Appends (or overwrites) every field of `other`, in its order.
    Record& append(const Record& other) {
        for (const auto& f : other.fields_) put(f.first, f.second);
        return *this;
    }

    // time_s (median), time_s_p10, time_s_p90, time_s_min, time_s_max, reps.
    Record& timing(const Timing& t) {
        real("time_s", t.median);
        real("time_s_p10", t.p10);
        real("time_s_p90", t.p90);
        real("time_s_min", t.min);
        real("time_s_max", t.max);
        integer("reps", t.reps);
        return integer("iters_per_rep", t.inner);
    }

    const std::vector<std::pair<std::string, Value>>& fields() const { return fields_; }
    bool empty() const { return fields_.empty(); }

private:
    static Value make(Value::Kind k, std::int64_t v) {
        Value x;
        x.kind = k;
        x.i = v;
        return x;
    }
    Record& put(const std::string& key, Value v) {
        for (auto& f : fields_)
            if (f.first == key) {
                f.second = std::move(v);
                return *this;
            }
        fields_.emplace_back(key, std::move(v));
        return *this;
    }
    std::vector<std::pair<std::string, Value>> fields_;
};

// Everything one run prints. `header` and `device` are block mappings; the
// lists are sequences of flow mappings.
struct Report {
    Record header;                 // hwplan_probe, schema_version, ..., mode, settings
    Record settings;               // timing method
    Record device;                 // provenance of the measured GPU
    std::vector<Record> checks;    // data checks of our own kernels (name, passed, error)
    std::vector<Record> skipped;   // families or points not measured, with the reason
    std::vector<Record> samples;   // the measurements
};

}  // namespace probe

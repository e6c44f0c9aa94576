#pragma once
// Building reference-row conditions in validation tests: a number or a text
// value, as hwdb/reference_file.cpp would read them from YAML.

#include <string>
#include <utility>

#include "model/validation/reference.hpp"

namespace hwplan::test {

inline model::validation::Condition num(double v) {
    model::validation::Condition c;
    c.type = model::validation::Condition::Type::number;
    c.number = v;
    c.text = std::to_string(v);
    return c;
}

inline model::validation::Condition txt(std::string s) {
    model::validation::Condition c;
    c.type = model::validation::Condition::Type::text;
    c.text = std::move(s);
    return c;
}

}  // namespace hwplan::test

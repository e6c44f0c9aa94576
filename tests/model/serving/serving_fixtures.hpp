#pragma once
// Deployments for the serving tests, built in code (no database).
#include <string>

#include "model/planner/scenario.hpp"
#include "model/serving/serving.hpp"
#include "model/serving/simulation.hpp"
#include "model/fixtures.hpp"
#include "model/step_fixtures.hpp"

namespace hwplan::test {

struct ServingCase {
    std::string name;
    model::serving::ServingInputs inputs;
    model::planner::LengthDistribution input, output;
};

inline ServingCase llama8b_case(const std::string& name, model::planner::LengthDistribution in,
                                model::planner::LengthDistribution out, int max_batch = 0, bool disaggregated = false) {
    ServingCase c;
    c.name = name;
    auto& i = c.inputs;
    i.model = llama31_8b();
    i.system = h100_box(1);
    i.decode.tp = 1;
    i.decode.dp = 1;
    i.decode.precision.weights = model::DType::bf16;
    i.max_batch = max_batch;
    i.chunk = 2048;
    if (disaggregated) i.prefill = i.decode;
    c.input = in;
    c.output = out;
    i.input = model::serving::lengths_of(in, 0);
    i.output = model::serving::lengths_of(out, 1);
    return c;
}

}  // namespace hwplan::test

#include "model/training/pipeline_schedule.hpp"

#include <algorithm>

#include "model/error.hpp"

namespace hwplan::model::training {

std::string_view to_string(PipelineSchedule s) {
    switch (s) {
        case PipelineSchedule::one_f_one_b:
            return "1f1b";
        case PipelineSchedule::interleaved:
            return "interleaved";
        case PipelineSchedule::zero_bubble:
            return "zb1p";
        case PipelineSchedule::dualpipe:
            return "dualpipe";
    }
    return "1f1b";
}

PipelineSchedule parse_pipeline_schedule(std::string_view text, const std::string& where) {
    if (text == "1f1b") return PipelineSchedule::one_f_one_b;
    if (text == "interleaved" || text == "interleaved-1f1b") return PipelineSchedule::interleaved;
    if (text == "zb1p" || text == "zero-bubble") return PipelineSchedule::zero_bubble;
    if (text == "dualpipe") return PipelineSchedule::dualpipe;
    throw Error("unknown pipeline schedule '" + std::string(text) + "' (1f1b, interleaved, zb1p, dualpipe)", where);
}

double bubble_fraction_1f1b(int stages, int micro_batches) {
    const double p = stages;
    const double m = micro_batches;
    return (p - 1) / (m + p - 1);
}

double bubble_fraction_interleaved(int stages, int micro_batches, int virtual_stages) {
    const double p = stages;
    const double m = micro_batches;
    const double v = virtual_stages;
    return (p - 1) / (v * m + p - 1);
}

PipelineTiming pipeline_timing(PipelineSchedule s, int stages, int micro_batches, int virtual_stages,
                               const ChunkTimes& t) {
    if (stages < 1) throw Error("pipeline stages must be at least 1, got " + std::to_string(stages), "pp");
    if (micro_batches < 1)
        throw Error("micro-batches per step must be at least 1, got " + std::to_string(micro_batches),
                    "micro_batches");
    if (virtual_stages < 1)
        throw Error("virtual stages must be at least 1, got " + std::to_string(virtual_stages), "virtual_stages");
    const double p = stages;
    const double m = micro_batches;
    const double F = t.forward.value();
    const double B = t.backward_input.value();
    const double W = t.backward_weight.value();
    const double chunk = F + B + W;

    PipelineTiming r;
    double busy = m * chunk;  // one stage's own work, no idling
    double bubble = 0;
    if (stages > 1 && micro_batches < stages)
        throw Error("needs at least as many micro-batches (" + std::to_string(micro_batches) +
                        ") as pipeline stages (" + std::to_string(stages) + ")",
                    "micro_batches");
    switch (s) {
        case PipelineSchedule::one_f_one_b:
            bubble = (p - 1) * chunk;
            r.activations_in_flight = p;
            break;
        case PipelineSchedule::interleaved:
            bubble = (p - 1) * chunk / virtual_stages;
            // Megatron (Narayanan et al. 2021, sec. 2.2.2): the first stage
            // holds p micro-batches plus (p-1)/v more in the warm-up.
            r.activations_in_flight = p + (p - 1) / virtual_stages;
            break;
        case PipelineSchedule::zero_bubble:
            bubble = (p - 1) * std::max(0.0, F + B - 2 * W);
            r.activations_in_flight = p;
            break;
        case PipelineSchedule::dualpipe: {
            if (stages > 1 && stages % 2 != 0)
                throw Error("DualPipe needs an even number of pipeline stages, got " + std::to_string(stages), "pp");
            if (stages > 1 && micro_batches % 2 != 0)
                throw Error("DualPipe needs an even number of micro-batches, got " + std::to_string(micro_batches),
                            "micro_batches");
            const double pair = std::max(t.overlapped_pair.value(), 0.0);
            busy = m * pair;
            bubble = stages > 1 ? (p / 2 - 1) * std::max(0.0, pair + B - 3 * W) : 0.0;
            r.activations_in_flight = stages > 1 ? p + 1 : 1;
            r.parameter_copies = stages > 1 ? 2 : 1;
            break;
        }
    }
    if (stages == 1) {
        bubble = 0;
        r.activations_in_flight = 1;
    }
    r.step = seconds(busy + bubble);
    r.bubble = seconds(bubble);
    r.bubble_fraction = r.step.value() > 0 ? bubble / r.step.value() : 0.0;
    return r;
}

}  // namespace hwplan::model::training

#pragma once
// Pipeline-parallel schedules and their bubbles, per training step.
//
// A stage runs, for each of its m micro-batches, a forward chunk F, a backward
// chunk for the inputs B and one for the weights W (seconds per micro-batch on
// one stage; the caller puts any communication that is NOT overlapped into
// them). With p stages:
//   1F1B (PipeDream-Flush; Narayanan et al., SC'21):
//       step = (m + p - 1) · (F + B + W),      bubble fraction (p-1)/(m+p-1)
//   interleaved 1F1B, v model chunks per stage (same paper, sec. 2.2.2):
//       step = m·(F+B+W) + (p-1)·(F+B+W)/v,   bubble fraction (p-1)/(v·m+p-1)
//   ZB1P (zero bubble, Qi et al., ICLR'24; as tabulated in DeepSeek-V3 report):
//       bubble (p-1)·(F + B - 2W)
//   DualPipe (DeepSeek-V3 technical report, arXiv 2412.19437, sec. 3.2.1 and
//   Table 2): bidirectional schedule, every stage holds two chunks (2x the
//   parameters), p+1 micro-batches of activations in flight; a forward and a
//   backward chunk of two micro-batches run together so that the all-to-all
//   and PP communication of one hides under the computation of the other:
//       bubble (p/2 - 1)·(F&B + B - 3W),   F&B = time of one overlapped pair.
//   It needs p and m even.
// The bubble fraction is bubble / step (so 1F1B's is (p-1)/(m+p-1), not
// Megatron's bubble / ideal = (p-1)/m).

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "model/units.hpp"

namespace hwplan::model::training {

enum class PipelineSchedule : std::uint8_t { one_f_one_b, interleaved, zero_bubble, dualpipe };

[[nodiscard]] std::string_view to_string(PipelineSchedule s);
// "1f1b", "interleaved", "zb1p" / "zero-bubble", "dualpipe"; throws hwplan::Error otherwise.
[[nodiscard]] PipelineSchedule parse_pipeline_schedule(std::string_view text, const std::string& where);

// Per micro-batch, per stage.
struct ChunkTimes {
    Seconds forward = seconds(0);        // F
    Seconds backward_input = seconds(0); // B
    Seconds backward_weight = seconds(0);// W
    // DualPipe only: one overlapped forward+backward pair (F&B), i.e.
    // max(F + B + W computation, the pair's communication). Ignored otherwise.
    Seconds overlapped_pair = seconds(0);
    friend bool operator==(const ChunkTimes&, const ChunkTimes&) = default;

    [[nodiscard]] Seconds sequential() const { return forward + backward_input + backward_weight; }
};

struct PipelineTiming {
    Seconds step = seconds(0);    // one optimizer step (all m micro-batches)
    Seconds bubble = seconds(0);  // idle time of a stage within the step
    double bubble_fraction = 0;   // bubble / step
    double activations_in_flight = 1;  // micro-batches of one stage's activations held at the peak
    double parameter_copies = 1;       // model copies per stage (DualPipe: 2)
    friend bool operator==(const PipelineTiming&, const PipelineTiming&) = default;
};

// Bubble / step for equal chunk times (golden formulas above).
[[nodiscard]] double bubble_fraction_1f1b(int stages, int micro_batches);
[[nodiscard]] double bubble_fraction_interleaved(int stages, int micro_batches, int virtual_stages);

// Throws hwplan::Error ("pp", "micro_batches", "virtual_stages") for
// non-positive counts, DualPipe with odd p or m, or fewer micro-batches than
// stages (no steady state).
[[nodiscard]] PipelineTiming pipeline_timing(PipelineSchedule s, int stages, int micro_batches, int virtual_stages,
                                             const ChunkTimes& t);

}  // namespace hwplan::model::training

template <>
struct fmt::formatter<hwplan::model::training::PipelineTiming> : fmt::formatter<std::string_view> {
    auto format(const hwplan::model::training::PipelineTiming& t, format_context& ctx) const {
        return fmt::format_to(ctx.out(), "step {:.3f} s, bubble {:.3f} s ({:.1f} %), {:g} micro-batches in flight",
                              t.step.value(), t.bubble.value(), t.bubble_fraction * 100, t.activations_in_flight);
    }
};

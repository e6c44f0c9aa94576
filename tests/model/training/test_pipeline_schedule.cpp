// Pipeline bubbles: the published closed forms (golden) and the schedule
// timings built on them (model/training/pipeline_schedule.hpp).
#include <catch2/catch.hpp>

#include "model/error.hpp"
#include "model/training/pipeline_schedule.hpp"

using namespace hwplan::model;
using namespace hwplan::model::training;
using Catch::Matchers::WithinRel;

// Narayanan et al., SC'21 sec. 2.2: bubble/step = (p-1)/(m+p-1); interleaved
// divides the bubble by v: (p-1)/(v·m+p-1). Exact fractions, tolerance 1e-12.
TEST_CASE("1F1B bubble (p-1)/(m+p-1) and interleaved (p-1)/(v·m+p-1)", "[model][golden]") {
    CHECK_THAT(bubble_fraction_1f1b(16, 16), WithinRel(15.0 / 31.0, 1e-12));
    CHECK_THAT(bubble_fraction_1f1b(8, 32), WithinRel(7.0 / 39.0, 1e-12));
    CHECK(bubble_fraction_1f1b(1, 8) == 0.0);
    CHECK_THAT(bubble_fraction_interleaved(16, 16, 4), WithinRel(15.0 / 79.0, 1e-12));
    CHECK_THAT(bubble_fraction_interleaved(8, 32, 1), WithinRel(bubble_fraction_1f1b(8, 32), 1e-12));
}

TEST_CASE("Schedule timings reproduce the bubble formulas with equal chunks", "[model][golden]") {
    const ChunkTimes t{seconds(1.0), seconds(1.0), seconds(1.0), seconds(3.0)};
    const auto f = pipeline_timing(PipelineSchedule::one_f_one_b, 16, 48, 1, t);
    CHECK_THAT(f.step.value(), WithinRel((48 + 15) * 3.0, 1e-12));
    CHECK_THAT(f.bubble_fraction, WithinRel(bubble_fraction_1f1b(16, 48), 1e-12));
    CHECK(f.activations_in_flight == 16);
    const auto i = pipeline_timing(PipelineSchedule::interleaved, 16, 48, 4, t);
    CHECK_THAT(i.bubble_fraction, WithinRel(bubble_fraction_interleaved(16, 48, 4), 1e-12));
    CHECK_THAT(i.activations_in_flight, WithinRel(16 + 15.0 / 4, 1e-12));
}

// DeepSeek-V3 technical report (arXiv 2412.19437) Table 2: 1F1B (PP-1)(F+B),
// ZB1P (PP-1)(F+B-2W), DualPipe (PP/2-1)(F&B+B-3W); DualPipe 2x parameters,
// PP+1 activations. Hand-computed with F = 1, B = 1, W = 0.5, F&B = 2.2, PP 8.
TEST_CASE("DeepSeek-V3 Table 2: ZB1P and DualPipe bubbles", "[model][golden]") {
    const ChunkTimes t{seconds(1.0), seconds(1.0), seconds(0.5), seconds(2.2)};
    const auto zb = pipeline_timing(PipelineSchedule::zero_bubble, 8, 20, 1, t);
    CHECK_THAT(zb.bubble.value(), WithinRel(7 * (1 + 1 - 2 * 0.5), 1e-12));
    const auto one = pipeline_timing(PipelineSchedule::one_f_one_b, 8, 20, 1, t);
    CHECK_THAT(one.bubble.value(), WithinRel(7 * 2.5, 1e-12));
    const auto dp = pipeline_timing(PipelineSchedule::dualpipe, 8, 20, 1, t);
    CHECK_THAT(dp.bubble.value(), WithinRel((8 / 2 - 1) * (2.2 + 1 - 3 * 0.5), 1e-12));
    CHECK_THAT(dp.step.value(), WithinRel(20 * 2.2 + 3 * 1.7, 1e-12));
    CHECK(dp.parameter_copies == 2);
    CHECK(dp.activations_in_flight == 9);
    // Ordering of Table 2 for these chunk times: DualPipe < ZB1P < 1F1B.
    CHECK(dp.bubble < zb.bubble);
    CHECK(zb.bubble < one.bubble);
}

TEST_CASE("Bubble fraction falls with more micro-batches and rises with more stages", "[model]") {
    const int p = GENERATE(2, 4, 8, 16);
    const int m = GENERATE(16, 32, 64);
    CAPTURE(p, m);
    CHECK(bubble_fraction_1f1b(p, 2 * m) < bubble_fraction_1f1b(p, m));
    CHECK(bubble_fraction_1f1b(2 * p, m) > bubble_fraction_1f1b(p, m));
    CHECK(bubble_fraction_interleaved(p, m, 2) < bubble_fraction_1f1b(p, m));
}

TEST_CASE("Pipeline schedules reject impossible shapes", "[model]") {
    const ChunkTimes t{seconds(1.0), seconds(1.0), seconds(1.0), seconds(3.0)};
    CHECK_THROWS_AS(pipeline_timing(PipelineSchedule::dualpipe, 7, 20, 1, t), hwplan::Error);
    CHECK_THROWS_AS(pipeline_timing(PipelineSchedule::dualpipe, 8, 21, 1, t), hwplan::Error);
    CHECK_THROWS_AS(pipeline_timing(PipelineSchedule::one_f_one_b, 16, 8, 1, t), hwplan::Error);
    CHECK_THROWS_AS(pipeline_timing(PipelineSchedule::one_f_one_b, 0, 8, 1, t), hwplan::Error);
    CHECK_THROWS_AS(parse_pipeline_schedule("gpipe", "--pipeline"), hwplan::Error);
    CHECK(parse_pipeline_schedule("dualpipe", "x") == PipelineSchedule::dualpipe);
}

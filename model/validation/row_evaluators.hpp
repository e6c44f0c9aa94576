#pragma once
// Row evaluators that live outside validation.cpp, one file per family of
// reference rows (offload_rows.cpp: KTransformers-style CPU/GPU hybrid
// boxes; mlperf_rows.cpp: MLPerf Inference Offline / Server). Internal to
// model/validation: validation.cpp's predict() dispatches to them and turns
// an Outcome that is not modelled into a "not modelled" row with its reason.

#include <optional>
#include <string>

#include "model/validation/validation.hpp"

namespace hwplan::model::validation::rows {

struct Outcome {
    bool modelled = false;
    double value = 0;  // in the row's unit
    Method method = Method::realistic;
    std::string basis;   // what was evaluated (assumptions made)
    std::string reason;  // not modelled: why
};

// Rows with conditions.offload (routed experts on the CPU, the rest on one
// GPU): decode tokens/s per user and prefill tokens/s of the box named by
// conditions.cpp / sockets / gpu, through offload_decode / offload_prefill.
[[nodiscard]] Outcome offload_row(const Reference& r, const Catalog& c, const Options& o);

// MLPerf Inference Offline / Server rows (conditions.mlperf_version): what
// a prediction would need that the log summaries do not state
// (mlperf_rows.cpp); nullopt when the row states it all (then the serving
// evaluator predicts it).
[[nodiscard]] std::optional<Outcome> mlperf_row(const Reference& r, const Catalog& c, const Options& o);

// Small analytic rows (analytic_rows.cpp): the paper's Table 5 latencies
// (the latency fit, not independent), node-limited routing's nodes per
// token, PCIe lanes x per-lane rate, FlashMLA's compute-bound rate. Nullopt
// when the quantity is not one of them.
[[nodiscard]] std::optional<Outcome> analytic_row(const Reference& r, const Catalog& c, const Options& o);

// Rows whose quantity is not a consequence of the hardware and the model
// (a deployment choice hwplan takes as an input, a price, a traffic or
// dataset statistic, a model-quality figure): why hwplan does not predict
// it, or nullopt when the quantity is not one of those (outside_rows.cpp).
[[nodiscard]] std::optional<std::string> outside_the_model(const Reference& r);

}  // namespace hwplan::model::validation::rows

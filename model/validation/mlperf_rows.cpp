// MLPerf Inference datacenter rows (scenarios/references/mlperf.yaml): the
// NVIDIA closed-division log summaries give the system, the GPU count, the
// scenario and (Server) the target QPS. What a prediction needs besides:
//   * the prompt lengths of the data set: Offline throughput is
//     OSL / (ISL / R_prefill + OSL / R_decode) per GPU and Server TTFT is a
//     prefill; the OpenOrca input-length statistics are not in the source
//     (only the mean output, TOKENS_PER_SAMPLE = 265.005, for llama2-70b);
//   * the engine's parallel layout (TP x DP) and weight/KV precision, which
//     decide the per-GPU decode batch the KV cache allows and the GEMM rate:
//     not in the log summaries (the source notes FP8 as NVIDIA's Hopper
//     practice, unverified).
// Until the rows carry them, each row says which of these it lacks; a row
// that states them all goes to the serving evaluator. The model id must
// resolve (scenarios/models/llama-2-70b.yaml, mixtral-8x7b).
#include <fmt/format.h>

#include "model/error.hpp"
#include "model/validation/row_evaluators.hpp"

namespace hwplan::model::validation::rows {

std::optional<Outcome> mlperf_row(const Reference& r, const Catalog& c, const Options&) {
    Outcome out;
    const std::string scenario = r.text("scenario").value_or("");
    const std::string model = r.text("model").value_or("");
    try {
        (void)c.model(model);
    } catch (const Error& e) {
        out.reason = "model: " + e.message();
        return out;
    }
    std::vector<std::string> missing;
    if (!r.number("input_len")) missing.emplace_back("the data set's prompt lengths (ISL)");
    if (!r.number("output_len")) missing.emplace_back("its output lengths");
    if (!r.number("tp") && !r.number("dp")) missing.emplace_back("the TensorRT-LLM layout (TP x DP)");
    if (!r.text("weight_dtype")) missing.emplace_back("the weight / KV precision");
    const std::string p99 =
        r.quantity == "tpot_p99_ns"
            ? "a p99 also needs the spread of the batch over the run (the Server arrival process), which the "
              "mean-value serving evaluator does not give"
            : "";
    if (missing.empty()) {
        if (p99.empty()) return std::nullopt;
        out.reason = "MLPerf " + scenario + " " + model + ": " + p99;
        return out;
    }
    std::string what;
    for (std::size_t i = 0; i < missing.size(); ++i)
        what += (i == 0 ? "" : i + 1 == missing.size() ? " or " : ", ") + missing[i];
    out.reason = fmt::format(
        "MLPerf {} {}: the log summary does not state {}; {} depends on them (prefill share, KV-limited batch, "
        "GEMM rate){}{}",
        scenario.empty() ? "row" : scenario, model, what, r.quantity, p99.empty() ? "" : "; ", p99);
    return out;
}

}  // namespace hwplan::model::validation::rows

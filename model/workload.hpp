#pragma once
// What is asked of a deployment at one operating point.

namespace hwplan::model {

struct Workload {
    int batch = 1;        // concurrent sequences per attention (DP) replica
    int context = 4096;   // tokens already in the KV cache of each sequence (decode)
    int prompt = 0;       // prompt tokens for TTFT (0: no prefill asked)
    int output = 0;       // generated tokens per request (for e2e metrics)
    int prefill_chunk = 8192;     // chunked prefill: tokens per forward pass
    double prefix_hit_rate = 0;   // share of prompt tokens served from a KV prefix cache
    friend bool operator==(const Workload&, const Workload&) = default;
};

}  // namespace hwplan::model

#pragma once
// Expert-parallel (EP) all-to-all: MoE dispatch (tokens to their experts) and
// combine (expert outputs back), as one GPU sees it.
//
// Two levels:
//  * Paper mode (the paper's sec. 2.3.2 back-of-the-envelope):
//      t = (b_dispatch + b_combine) · tokens · experts_per_token · hidden / BW
//    (1 B FP8 + 2 B BF16) · 32 · 9 · 7000 / 50 GB/s = 120.96 us; with two
//    micro-batches and computation fully hidden a layer costs 2 t = 241.92 us,
//    61 layers 14.76 ms, ≈ 67 tokens/s per user; at 900 GB/s (GB200 NVL72)
//    t = 6.72 us, ≈ 1200 tokens/s.
//  * Realistic: bytes per token from the wire formats (FP8 with one FP32
//    scale per 128 elements, LogFMT-n, BF16), split into NVLink (same
//    scale-up domain) and RDMA (other domains) by expert placement, the
//    routing fan-out (node-limited routing or not), and one of DeepEP's two
//    algorithms; link efficiencies and latencies from an Efficiencies value.
//
// Placement assumed: routed experts laid out contiguously over the EP ranks
// (expert e on rank floor(e · ep / E)), EP ranks packed into scale-up domains;
// expert groups of the router are contiguous blocks of E / groups experts.
// Routing assumed uniform: a token picks `topk_groups` of the `groups` groups
// uniformly, then `top_k` distinct experts uniformly among the experts of the
// chosen groups (unrestricted routing: top_k of all E). The learned router is
// balanced by design (auxiliary-loss-free balancing); skew enters through
// Deployment::expert_imbalance.

#include <cstdint>
#include <string_view>

#include <fmt/format.h>

#include "model/deployment.hpp"
#include "model/efficiency.hpp"
#include "model/model_arch.hpp"
#include "model/system.hpp"
#include "model/units.hpp"

namespace hwplan::model {

// ---------------------------------------------------------------- wire sizes

// Dispatch bytes per hidden element: the dispatch dtype (or LogFMT-n: n / 8),
// plus, with `scales`, the block-scale overhead: FP8 (and other 8-bit or
// narrower formats) carry one FP32 scale per 128 elements (DeepEP / DeepGEMM
// 1x128 activation tiles, 4/128 B per element); LogFMT-n carries the tile's
// log-space min and max, assumed FP32 each (8/128 B per element).
[[nodiscard]] double dispatch_bytes_per_element(const Precisions& p, bool scales = true);
// Combine bytes per hidden element (BF16: 2; no scales).
[[nodiscard]] double combine_bytes_per_element(const Precisions& p);

// ---------------------------------------------------------------- paper mode

struct PaperEpInputs {
    double dispatch_bytes = 1.0;                          // per element on the wire (FP8)
    double combine_bytes = 2.0;                           // per element (BF16)
    double tokens = 32;                                   // tokens per GPU per micro-batch
    double experts_per_token = 9;                         // top-8 routed + 1 shared
    double hidden = 7000;                                 // the paper's "7K" (DeepSeek-V3's real hidden is 7168)
    BytesPerSecond bandwidth = gigabytes_per_second(50);  // 400 Gb/s CX7, per GPU
    int layers = 61;
    int micro_batches = 2;  // dual micro-batch overlap
    // MTP: the step keeps its per-GPU token count (the paper: MTP "increases
    // the inference batch size"), each sequence advances 1 + sum prod p.
    MultiTokenPrediction mtp;
    friend bool operator==(const PaperEpInputs&, const PaperEpInputs&) = default;
};

struct PaperEp {
    Seconds dispatch = seconds(0);  // one micro-batch
    Seconds combine = seconds(0);
    Seconds comm = seconds(0);   // dispatch + combine of one micro-batch: the paper's t
    Seconds layer = seconds(0);  // micro_batches · t: computation hidden under communication
    Seconds step = seconds(0);   // layers · layer
    double tokens_per_step = 1;  // per sequence (MTP)
    double tokens_per_s = 0;     // per user: tokens_per_step / step
    friend bool operator==(const PaperEp&, const PaperEp&) = default;
};

// Throws hwplan::Error for non-positive bandwidth, tokens, hidden or layers.
[[nodiscard]] PaperEp paper_ep(const PaperEpInputs& in);

// The paper's inputs for a model on a system: wire sizes from the
// deployment's precisions (no scales, as the paper), experts per token
// top_k + shared, the model's hidden and layers, and the per-GPU bandwidth of
// the slowest link the all-to-all crosses (scale-out when the EP group spans
// more than one scale-up domain, scale-up otherwise), nominal.
[[nodiscard]] PaperEpInputs paper_ep_inputs(const ModelArch& m, const System& s, const Deployment& d,
                                            double tokens_per_micro_batch);

// ---------------------------------------------------------------- routing

// Expected distinct values among k independent uniform draws over n (with
// replacement): n (1 - (1 - 1/n)^k). The closed form for "how many nodes does
// a token reach" when k experts are drawn independently over n nodes.
[[nodiscard]] double expected_distinct_uniform(double n, double k);

// Who takes part in one EP all-to-all.
struct EpGroup {
    int ep = 1;              // EP ranks
    int domain_ranks = 1;    // EP ranks per scale-up (NVLink) domain
    int routed_experts = 1;  // logical routed experts E
    int top_k = 1;
    int shared_dispatched = 0;  // shared experts reached through the all-to-all (0: computed locally)
    int groups = 1;             // router groups (node-limited routing) ...
    int topk_groups = 1;        // ... of which a token may use this many
    bool node_limited = false;
    double hidden = 0;
    friend bool operator==(const EpGroup&, const EpGroup&) = default;

    [[nodiscard]] int domains() const { return (ep + domain_ranks - 1) / domain_ranks; }
    [[nodiscard]] int messages_per_token() const { return top_k + shared_dispatched; }
};

// The EP group of a deployment. `shared_via_ep`: shared experts are hosted
// like routed ones and reached by the all-to-all (DeepSeek's EP320 decode);
// otherwise every GPU computes them locally (SGLang/DeepEP default).
[[nodiscard]] EpGroup ep_group(const ModelArch& m, const System& s, const Deployment& d, bool shared_via_ep = false);

struct RoutingFanout {
    double domains_hit = 0;     // expected distinct scale-up domains (nodes) one token's experts live in
    double remote_domains = 0;  // ... other than the token's own
    double gpus_hit = 0;        // expected distinct EP ranks
    double remote_gpus = 0;     // ... other than the token's own
    friend bool operator==(const RoutingFanout&, const RoutingFanout&) = default;
};

// Probability that a unit holding `unit_experts` contiguous experts receives
// none of a token's routed experts, under the routing assumed above.
[[nodiscard]] double miss_probability(const EpGroup& g, double unit_experts);
[[nodiscard]] RoutingFanout routing_fanout(const EpGroup& g);

// ---------------------------------------------------------------- realistic

enum class EpAlgorithm : std::uint8_t {
    automatic,   // direct for decode, forwarding for prefill (SGLang deepep_mode=auto)
    forwarding,  // DeepEP normal kernels: a token crosses RDMA once per destination
                 // domain, to the GPU of the same index (same plane), which forwards
                 // it over NVLink to the target GPUs; combine reduces in reverse
    direct,      // DeepEP low-latency kernels: one message per (token, expert),
                 // NVLink inside the domain, RDMA to other domains
};
[[nodiscard]] std::string_view to_string(EpAlgorithm a);

// Achieved link rates and latencies for the all-to-all, per GPU and direction.
struct EpLinks {
    BytesPerSecond nvlink = bytes_per_second(0);  // nominal scale-up · eta_nvlink
    BytesPerSecond rdma = bytes_per_second(0);    // nominal scale-out · eta_rdma
    Seconds nvlink_latency = seconds(0);
    Seconds rdma_latency = seconds(0);
    int planes = 1;  // multi-plane fabric: cross-plane messages pay an NVLink forward
    friend bool operator==(const EpLinks&, const EpLinks&) = default;
};
// Latencies: the System's (scale_up_latency, nic->latency) when set, else the
// Efficiencies' paper defaults.
[[nodiscard]] EpLinks ep_links(const System& s, const Efficiencies& e);
// ... on the deployment's fabric when it names one: the fabric's latency
// replaces the NIC's, its all-to-all share scales the scale-out rate.
[[nodiscard]] EpLinks ep_links(const System& s, const Deployment& d, const Efficiencies& e);

struct EpPass {                 // one dispatch or one combine on the slowest GPU
    Bytes nvlink = bytes(0);    // bytes one GPU sends over NVLink (mean GPU)
    Bytes rdma = bytes(0);      // bytes one GPU sends over RDMA (mean GPU)
    Seconds time = seconds(0);  // the slowest GPU: bytes · imbalance / rate + latency
    friend bool operator==(const EpPass&, const EpPass&) = default;
};

struct EpExchange {
    EpPass dispatch;
    EpPass combine;
    RoutingFanout fanout;
    friend bool operator==(const EpExchange&, const EpExchange&) = default;
    [[nodiscard]] Seconds time() const { return dispatch.time + combine.time; }
};

// One dispatch + combine of `tokens` tokens per GPU. `dispatch_message` /
// `combine_message`: bytes of one token's hidden state on the wire (see
// dispatch_bytes_per_element). `imbalance` (>= 1): the hottest GPU receives
// that multiple of the mean traffic and everyone waits for it. `automatic`
// is treated as `direct` here (the caller resolves it by phase).
[[nodiscard]] EpExchange ep_exchange(const EpGroup& g, const EpLinks& links, double tokens, Bytes dispatch_message,
                                     Bytes combine_message, EpAlgorithm algorithm, double imbalance = 1.0);
// The same with the group's routing fan-out computed once by the caller
// (routing_fanout(g)); the step model evaluates many token counts per group.
[[nodiscard]] EpExchange ep_exchange(const EpGroup& g, const RoutingFanout& fanout, const EpLinks& links, double tokens,
                                     Bytes dispatch_message, Bytes combine_message, EpAlgorithm algorithm,
                                     double imbalance = 1.0);

}  // namespace hwplan::model

template <>
struct fmt::formatter<hwplan::model::PaperEp> : fmt::formatter<std::string_view> {
    auto format(const hwplan::model::PaperEp& p, format_context& ctx) const {
        return fmt::format_to(ctx.out(), "comm {:.2f} us, layer {:.2f} us, step {:.2f} ms, {:.1f} tokens/s",
                              p.comm.value() * 1e6, p.layer.value() * 1e6, p.step.value() * 1e3, p.tokens_per_s);
    }
};

template <>
struct fmt::formatter<hwplan::model::EpExchange> : fmt::formatter<std::string_view> {
    auto format(const hwplan::model::EpExchange& x, format_context& ctx) const {
        return fmt::format_to(ctx.out(),
                              "dispatch {:.1f} us ({:.2f} MB NVLink, {:.2f} MB RDMA), combine {:.1f} us "
                              "({:.2f} MB NVLink, {:.2f} MB RDMA), {:.2f} remote domains/token",
                              x.dispatch.time.value() * 1e6, x.dispatch.nvlink.value() / 1e6,
                              x.dispatch.rdma.value() / 1e6, x.combine.time.value() * 1e6,
                              x.combine.nvlink.value() / 1e6, x.combine.rdma.value() / 1e6, x.fanout.remote_domains);
    }
};

// Small analytic reference rows, each from a formula of hwplan and the
// row's own conditions:
//   end_to_end_latency_us   topology::paper_latency_params(link) at the
//                           path's switch hops (same leaf 1, cross leaf 3,
//                           NVLink 1): the fit to this very table, so a
//                           check of the fit, not an independent prediction
//   max_nodes_per_token     node-limited routing: a token's experts lie in
//                           at most topk_groups groups, one group per node
//                           (the model's Moe::topk_groups)
//   pcie_bw_per_node_gbps   lanes x 32 GT/s x 128/130 / 8 bits per lane and
//                           direction (PCIe 5.0 base specification: 32 GT/s,
//                           128b/130b encoding) = 3.94 GB/s per lane
//   attention_tflops        dense MLA decode at the compute roof: the GPU's
//                           BF16 peak x eta_attention_compute, whose default
//                           is FlashMLA's own 660/989 (not independent)
//   nccl_*busbw / algbw     NCCL over one NVSwitch domain of n GPUs, link
//                           rate B = per-GPU per-direction NVLink x eta_nvlink.
//                           Ring (and every non-all-reduce collective): the
//                           bus bandwidth is the link rate, busbw = B.
//                           All-reduce with NVLink SHARP (NCCL's default on
//                           NVSwitch systems, the maintainer quoted in
//                           network.yaml): a reduce-scatter by multimem
//                           load-reduce (each GPU sends its S bytes once and
//                           receives its reduced S/n) then an all-gather by
//                           multimem store (sends S/n, receives S): S (1 + 1/n)
//                           each way, so algbw = B / (1 + 1/n) and nccl-tests'
//                           busbw = algbw x 2 (n - 1) / n.
#include <fmt/format.h>

#include "model/error.hpp"
#include "model/topology/latency_model.hpp"
#include "model/validation/row_evaluators.hpp"

namespace hwplan::model::validation::rows {

namespace {

Outcome made(double value, Method method, std::string basis) {
    Outcome out;
    out.modelled = true;
    out.value = value;
    out.method = method;
    out.basis = std::move(basis);
    return out;
}

Outcome skip(std::string reason) {
    Outcome out;
    out.reason = std::move(reason);
    return out;
}

Outcome table5_latency(const Reference& r) {
    const std::string link = r.text("link").value_or("");
    const std::string path = r.text("path").value_or("");
    LinkKind kind;
    if (link == "ib" || link == "infiniband") kind = LinkKind::infiniband;
    else if (link == "roce") kind = LinkKind::roce;
    else if (link == "nvlink") kind = LinkKind::nvlink;
    else return skip("conditions.link '" + link + "' is not a link layer of the paper's latency fit");
    int hops = 0;
    if (path == "same_leaf" || path == "intra_node") hops = 1;
    else if (path == "cross_leaf") hops = 3;
    else return skip("conditions.path '" + path + "' has no hop count (same_leaf, cross_leaf, intra_node)");
    const topology::LatencyParams p = topology::paper_latency_params(kind);
    return made(topology::latency(p, hops).value() * 1e6, Method::analytic,
                fmt::format("paper_latency_params({}): {:.2f} us endpoint + {} x {:.2f} us switch (fitted to this "
                            "table, not independent)",
                            link, p.endpoint_overhead.value() * 1e6, hops, p.switch_latency.value() * 1e6));
}

Outcome nccl(const Reference& r, const Catalog& c, const Options& o) {
    if (!r.text("hardware"))
        return skip(fmt::format("no hwdb system for {} {} GPU(s) over {} (hwplan has no such GPU/system entry)",
                                r.number("gpus").value_or(0), r.text("gpu").value_or("?"),
                                r.text("link").value_or("?")));
    System s;
    try {
        s = c.system(*r.text("hardware"));
    } catch (const Error& e) {
        return skip("hardware: " + e.message() + " (" + r.text("gpu").value_or("GPU not stated") + ")");
    }
    const double n = r.number("gpus").value_or(s.gpus_per_node);
    if (!(n >= 2) || n > s.scale_up_domain) return skip("needs 2 or more GPUs of one NVLink domain");
    const double eta = o.step.efficiencies.nvlink;
    const double B = to_gbps(s.scale_up_bandwidth_per_gpu()) * eta;
    const std::string collective = r.text("collective").value_or("");
    const std::string algo = r.text("algorithm").value_or("");
    const bool all_reduce = collective.rfind("all_reduce", 0) == 0;
    const bool nvls = all_reduce && algo.find("ring") == std::string::npos && s.scale_up_domain > 2;
    const std::string base = fmt::format("{}: {:.0f} GB/s NVLink x eta_nvlink {} = {:.0f} GB/s per GPU", s.id,
                                         to_gbps(s.scale_up_bandwidth_per_gpu()), eta, B);
    if (!nvls) return made(B, Method::realistic, base + ", ring / non-all-reduce: busbw = link rate");
    const double algbw = B / (1 + 1 / n);
    const double busbw = algbw * 2 * (n - 1) / n;
    const bool want_alg = r.quantity == "nccl_allreduce_algbw_gbps";
    return made(want_alg ? algbw : busbw, Method::realistic,
                base + fmt::format(", NVLink SHARP all-reduce over {}: algbw = B / (1 + 1/n) = {:.0f}, busbw = algbw "
                                   "x 2(n-1)/n = {:.0f} GB/s",
                                   n, algbw, busbw));
}

}  // namespace

std::optional<Outcome> analytic_row(const Reference& r, const Catalog& c, const Options& o) {
    const std::string& q = r.quantity;
    if (q == "end_to_end_latency_us") return table5_latency(r);
    if (q == "max_nodes_per_token") {
        ModelArch m;
        try {
            m = c.model(r.text("model").value_or(""));
        } catch (const Error& e) {
            return skip("model: " + e.message());
        }
        const auto* moe = std::get_if<Moe>(&m.ffn);
        if (!moe || moe->groups <= 1) return skip(m.id + " has no node-limited (group-limited) routing");
        return made(moe->topk_groups, Method::analytic,
                    fmt::format("{}: top-{} groups of {} (one group per node)", m.id, moe->topk_groups, moe->groups));
    }
    if (q == "pcie_bw_per_node_gbps") {
        const auto gen = r.number("pcie_gen");
        const auto lanes = r.number("pcie_lanes");
        if (!gen || !lanes || *lanes < 1) return skip("needs conditions.pcie_gen and pcie_lanes");
        if (*gen != 5) return skip(fmt::format("PCIe generation {} (only 5.0's 32 GT/s is in this evaluator)", *gen));
        const double per_lane = 32e9 * 128.0 / 130.0 / 8.0;  // bytes/s per lane and direction
        return made(*lanes * per_lane / 1e9, Method::analytic,
                    fmt::format("{} lanes x 32 GT/s x 128/130 / 8 = {:.2f} GB/s per lane, one direction", *lanes,
                                per_lane / 1e9));
    }
    if (q == "nccl_busbw_gbps" || q == "nccl_allreduce_busbw_gbps" || q == "nccl_allreduce_algbw_gbps")
        return nccl(r, c, o);
    if (q == "attention_tflops") {
        const std::string kernel = r.text("kernel").value_or("");
        if (kernel.find("sparse") != std::string::npos)
            return skip("sparse MLA decode (DeepSeek-V3.2 DSA): hwplan has no model of sparse attention's gather "
                        "and top-k selection");
        Gpu gpu;
        try {
            gpu = c.gpu(r.text("gpu").value_or(""));
        } catch (const Error& e) {
            return skip("gpu: " + e.message());
        }
        const double eta = o.step.efficiencies.attention_compute;
        return made(gpu.bf16_peak.value() * eta / 1e12, Method::realistic,
                    fmt::format("{} BF16 peak x eta_attention_compute {} (default taken from this kernel; not "
                                "independent)",
                                gpu.id, eta));
    }
    return std::nullopt;
}

}  // namespace hwplan::model::validation::rows

// KTransformers-style hybrid rows (scenarios/references/ktransformers.yaml):
// DeepSeek-V3 with the routed experts in host DRAM on the CPUs and MLA
// attention, the dense layers and the shared expert on one GPU.
//
// The box is the hwdb system whose host is "<conditions.cpu>-<sockets>s" and
// whose GPU is conditions.gpu (KTransformers' showcase machine is
// hwdb/data/systems/ktransformers-6454s.yaml). From the row's own conditions:
//   top_k         "6 experts" runs activate 6 of the 8 routed experts
//   sockets_used  1: numactl-bound to one socket and its DRAM; 2: both, with
//                 the experts copied into both NUMA nodes (USE_NUMA=1)
//   engine        KTransformers before v0.3 runs the CPU experts on
//                 llamafile's AVX-512 kernels, not AMX (doc/en/AMX.md)
//   weight_dtype  q4_k_m: llama.cpp's Q4_K_M GGUF, kQ4KmExpertBits per weight
//   input_len / output_len: decode at the mean KV length of the generation;
//                 prefill of the whole prompt in one chunk.
#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "model/error.hpp"
#include "model/offload.hpp"
#include "model/validation/row_evaluators.hpp"

namespace hwplan::model::validation::rows {

namespace {

std::string lower(std::string s) {
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

Outcome skip(std::string reason) {
    Outcome out;
    out.reason = std::move(reason);
    return out;
}

bool whole_positive(double v) { return v >= 1 && v <= 1e9 && v == std::floor(v); }

}  // namespace

Outcome offload_row(const Reference& r, const Catalog& c, const Options& o) {
    const std::string engine = lower(r.text("engine").value_or(""));
    if (engine.find("ktransformers") == std::string::npos)
        return skip(fmt::format(
            "engine '{}' offloads whole layers to the GPU (-ngl), not the routed experts; the source does not "
            "say how many layers ran on the GPU, and hwplan's hybrid model is the expert split",
            r.text("engine").value_or("not stated")));
    const auto model_id = r.text("model");
    const auto cpu = r.text("cpu");
    const auto gpu = r.text("gpu");
    const auto sockets = r.number("sockets");
    const auto budget = r.number("system_cost_usd");
    if (!c.systems) return skip("no system list in the catalog");
    std::optional<System> box;
    if (model_id && cpu && gpu && sockets && whole_positive(*sockets)) {
        // The box: host "<cpu>-<sockets>s" with this GPU.
        const std::string host_id = fmt::format("{}-{}s", *cpu, static_cast<int>(*sockets));
        for (const System& s : c.systems())
            if (s.host && s.host->id == host_id && s.gpu.id == *gpu) {
                box = s;
                break;
            }
        if (!box) return skip(fmt::format("no hwdb system with host '{}' and GPU '{}'", host_id, *gpu));
    } else if (model_id && budget) {
        // Only a price is stated (the paper's "~$10,000 server with a consumer
        // GPU"): the one-GPU hybrid box of hwdb whose price is nearest to it,
        // within 10 %.
        for (const System& s : c.systems())
            if (s.host && s.gpus_per_node == 1 && s.price_usd > 0 &&
                std::fabs(s.price_usd - *budget) <= 0.1 * *budget &&
                (!box || std::fabs(s.price_usd - *budget) < std::fabs(box->price_usd - *budget)))
                box = s;
        if (!box) return skip(fmt::format("no one-GPU hybrid box in hwdb priced within 10 % of ${:.0f}", *budget));
    } else {
        return skip("needs conditions.model and the box: cpu, sockets and gpu (or system_cost_usd)");
    }

    ModelArch m;
    try {
        m = c.model(*model_id);
    } catch (const Error& e) {
        return skip("model: " + e.message());
    }
    auto* moe = std::get_if<Moe>(&m.ffn);
    if (!moe) return skip(m.id + " has no routed experts to offload");
    std::string assumed;
    if (auto k = r.number("top_k")) {
        if (!whole_positive(*k) || *k > moe->routed_experts) return skip("conditions.top_k is not a valid expert count");
        if (static_cast<int>(*k) != moe->top_k) {
            assumed += fmt::format(", top-{} of {} routed experts (row) instead of {}", static_cast<int>(*k),
                                   moe->routed_experts, moe->top_k);
            moe->top_k = static_cast<int>(*k);
        }
    }

    OffloadOptions oo;
    const std::string wd = lower(r.text("weight_dtype").value_or(""));
    if (wd.rfind("q4_k_m", 0) == 0 || wd.empty()) {
        // Not stated: KTransformers' DeepSeek-V3 releases run the Q4_K_M GGUF.
        oo.cpu_expert_bits = kQ4KmExpertBits;
        if (wd.empty()) assumed += ", experts Q4_K_M (weight format not stated: KTransformers' DeepSeek-V3 GGUF)";
    }
    else if (!wd.empty() && wd.rfind("int4", 0) != 0) return skip("conditions.weight_dtype '" + wd + "' is not a format hwplan models for CPU experts");
    // KTransformers' GPU part: Marlin int4 linear layers, BF16 KV (the tutorial's
    // DeepSeek-V3-Chat optimize rule); both are the OffloadOptions defaults.
    if (auto used = r.number("sockets_used")) {
        if (!whole_positive(*used) || *used > *sockets) return skip("conditions.sockets_used is not a socket count");
        oo.sockets_used = static_cast<int>(*used);
    }
    oo.numa_replicated = true;  // "we copy the critical matrix on both nodes" (dual-socket runs)
    // Before v0.3 the CPU experts ran on llamafile's AVX-512 kernels; AMX came with v0.3.
    const bool pre_v03 = engine.find("v0.2") != std::string::npos || engine.find("v0.1") != std::string::npos;
    if (pre_v03) oo.cpu_isa_share = kAvx512ShareOfAmx;

    const auto in = r.number("input_len");
    int prompt = 0;
    if (in && whole_positive(*in)) prompt = static_cast<int>(*in);
    else if (r.quantity != "output_tokens_per_s_per_user") return skip("needs conditions.input_len (prompt length)");
    else assumed += ", context 4096 (prompt not stated)";
    const int output = r.number("output_len") && whole_positive(*r.number("output_len"))
                           ? static_cast<int>(*r.number("output_len"))
                           : 0;
    const Efficiencies& e = o.step.efficiencies;
    const std::string& q = r.quantity;
    const std::string variant = r.text("gpu_variant") ? " (row: " + *r.text("gpu_variant") + ", same 1008 GB/s)" : "";
    const std::string common = fmt::format(
        "offload on {}{}: experts {} bits/weight in DRAM, {} of {} socket(s){}, CPU kernels {}{}", box->id, variant,
        oo.cpu_expert_bits > 0 ? fmt::format("{:.3f}", oo.cpu_expert_bits) : std::string("4.125"),
        oo.sockets_used > 0 ? oo.sockets_used : box->host->sockets, box->host->sockets,
        oo.sockets_used == 1 ? "" : " (experts copied per NUMA node)", pre_v03 ? "AVX-512 (llamafile, pre-v0.3)" : "AMX",
        assumed);

    try {
        if (q == "input_tokens_per_s") {
            Workload w;
            w.batch = 1;
            w.prompt = prompt;
            const OffloadStep p = offload_prefill(m, *box, w, oo, e);
            if (p.step.value() <= 0) return skip("prefill: " + p.reason);
            if (!p.feasible) return skip("prefill does not fit: " + p.reason);
            Outcome out;
            out.modelled = true;
            out.value = p.tokens_per_s;
            out.basis = common + fmt::format(", prefill of {} tokens ({}-bound, CPU {:.0f} ms of {:.0f} ms)", prompt,
                                             p.bound, p.cpu_time.value() * 1e3, p.step.value() * 1e3);
            return out;
        }
        if (q == "output_tokens_per_s_per_user") {
            const auto batch = r.number("batch").value_or(1);
            if (!whole_positive(batch)) return skip("conditions.batch is not a whole number");
            Workload w;
            w.batch = static_cast<int>(batch);
            // Decode context: the mean KV length over the generation.
            w.context = prompt > 0 ? prompt + output / 2 : 4096;
            const OffloadStep d = offload_decode(m, *box, w, oo, e);
            if (d.step.value() <= 0) return skip("decode: " + d.reason);
            if (!d.feasible) return skip("decode does not fit: " + d.reason);
            Outcome out;
            out.modelled = true;
            out.value = d.tokens_per_s_per_user;
            out.basis = common + fmt::format(", decode batch {} at context {} ({}-bound, CPU {:.1f} ms of {:.1f} ms, "
                                             "{:.0f} GB/s DRAM)",
                                             w.batch, w.context, d.bound, d.cpu_time.value() * 1e3,
                                             d.step.value() * 1e3, to_gbps(d.cpu_bandwidth));
            return out;
        }
    } catch (const Error& err) {
        return skip(err.what());
    }
    return skip("no hybrid-offload evaluator for quantity '" + q + "'");
}

}  // namespace hwplan::model::validation::rows

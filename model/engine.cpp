#include "model/engine.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <cmath>
#include <utility>

#include "model/error.hpp"

namespace hwplan::model {

namespace {

constexpr std::array<std::pair<std::string_view, AttentionKernel>, 6> attention_names{{
    {"pytorch-sdpa", AttentionKernel::pytorch_sdpa},
    {"flash-attention-2", AttentionKernel::flash_attention_2},
    {"flash-attention-3", AttentionKernel::flash_attention_3},
    {"flashinfer", AttentionKernel::flashinfer},
    {"flash-mla", AttentionKernel::flash_mla},
    {"trtllm-xqa", AttentionKernel::trtllm_xqa},
}};

}  // namespace

std::string_view to_string(AttentionKernel a) {
    for (const auto& [name, kernel] : attention_names)
        if (kernel == a) return name;
    return "flashinfer";
}

std::optional<AttentionKernel> attention_kernel_from_string(std::string_view s) {
    for (const auto& [name, kernel] : attention_names)
        if (name == s) return kernel;
    return std::nullopt;
}

const std::vector<std::string_view>& attention_kernel_names() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> v;
        for (const auto& entry : attention_names) v.push_back(entry.first);
        return v;
    }();
    return names;
}

std::vector<std::string_view> fused_op_names(const EngineFusions& f) {
    std::vector<std::string_view> v;
    for (const auto& [on, name] : {std::pair{f.norm_residual, "norm_residual"}, std::pair{f.rope, "rope"},
                                   std::pair{f.rope_kv_write, "rope_kv_write"}, std::pair{f.silu_mul, "silu_mul"},
                                   std::pair{f.quantize, "quantize"}, std::pair{f.qkv_gemm, "qkv_gemm"},
                                   std::pair{f.gate_up_gemm, "gate_up_gemm"}})
        if (on) v.emplace_back(name);
    return v;
}

std::string describe(const Engine& e) {
    const auto fused = fused_op_names(e.traits.fuses);
    return fmt::format("Engine: {} ({}): {}, {} attention ({} for MLA), fuses {}", e.id, e.name,
                       e.traits.cuda_graphs ? "decode in CUDA graphs" : "eager launches", to_string(e.traits.attention),
                       to_string(e.traits.mla_attention),
                       fused.empty() ? std::string("nothing") : fmt::format("{}", fmt::join(fused, ", ")));
}

void validate(const EngineTraits& e, const std::string& where) {
    const auto time = [&](Seconds t, const char* name) {
        if (!std::isfinite(t.value()) || t.value() < 0)
            throw Error("must be a non-negative time", where + "." + name);
    };
    const auto op = [&](const OpCost& c, const char* name) {
        if (c.kernels < 1) throw Error("must launch at least one kernel", where + ".unfused." + name + ".kernels");
        if (!std::isfinite(c.bytes_per_element) || c.bytes_per_element < 0)
            throw Error("must be a non-negative byte count", where + ".unfused." + name + ".bytes_per_element");
    };
    time(e.launch_overhead, "launch_overhead");
    time(e.step_overhead, "step_overhead");
    op(e.unfused.rms_norm, "rms_norm");
    op(e.unfused.residual_add, "residual_add");
    op(e.unfused.rope, "rope");
    op(e.unfused.silu_mul, "silu_mul");
    op(e.unfused.kv_write, "kv_write");
    op(e.unfused.quantize, "quantize");
}

}  // namespace hwplan::model

#pragma once
// HuggingFace `quantization_config` -> the storage of each module class of a
// quantised checkpoint (model::CheckpointQuant). Internal to hwdb/.
//
// Supported methods: gptq, awq, compressed-tensors (int / float, group,
// channel, tensor, block and tensor_group strategies), fp8 (per-tensor and
// block-scaled), mxfp4 and modelopt (NVFP4 / FP8). Anything else is refused
// with the method named: a checkpoint is never silently priced as BF16.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "hwdb/problems.hpp"
#include "model/model_arch.hpp"

namespace hwplan::hwdb {

// Representative module names of each class, as the family's HF checkpoint
// spells them ("model.layers.0.self_attn.q_proj"); ignore / exclude patterns
// are matched against these. A class is left unquantised when every one of
// its names is excluded; a class only partly excluded is refused.
struct ModuleNames {
    std::vector<std::string> attention, dense_ffn, routed_experts, shared_experts, router, embedding, lm_head;
};

// nullopt (and problems added) when the config cannot be priced honestly.
// `hidden` approximates the input width of per-channel scales.
[[nodiscard]] std::optional<model::CheckpointQuant> read_quantization(const nlohmann::json& q,
                                                                      const ModuleNames& names, int hidden,
                                                                      const std::string& where, Problems& problems);

// `pattern` as the quantisers match module names: "re:<regex>" (compressed-
// tensors, anchored at the start like Python's re.match), otherwise a dotted
// name with `*` wildcards that matches the whole name or any run of its
// dot-separated components ("lm_head", "model.layers.*.self_attn"). With
// `substring`, AutoAWQ's rule: the pattern occurs anywhere in the name.
[[nodiscard]] bool module_matches(const std::string& pattern, const std::string& name, bool substring = false);

}  // namespace hwplan::hwdb

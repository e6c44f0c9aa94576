#pragma once
// The hardware and model databases: YAML files under hwdb/data/ (one file per
// SKU) and scenarios/models/ (one file per model, or a HuggingFace
// config.json anywhere). Loading validates everything at once and throws
// hwplan::Error with file:line:column for every problem found.

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/cpu.hpp"
#include "model/engine.hpp"
#include "model/gpu.hpp"
#include "model/model_arch.hpp"
#include "model/nic.hpp"
#include "model/switch.hpp"
#include "model/system.hpp"

namespace hwplan::hwdb {

struct DataPaths {
    std::filesystem::path hardware;  // contains gpus/ nics/ switches/ cpus/ systems/ engines/
    std::filesystem::path models;    // *.yaml model descriptions
    std::filesystem::path profiles;  // calibrated profiles (*.yaml)
};

// Where the databases are: $HWPLAN_DATA (hardware) / $HWPLAN_MODELS /
// $HWPLAN_PROFILES if set; else share/hwplan/{data,models,profiles} beside the
// executable (an installed tree); else the source tree the binary was built
// from. `argv0` may be empty.
[[nodiscard]] DataPaths default_data_paths(std::string_view argv0 = {});

class Database {
public:
    // Reads every file under `paths`; resolves system -> gpu/nic/switch/cpu
    // references. Throws hwplan::Error listing every problem with its location.
    [[nodiscard]] static Database load(const DataPaths& paths);

    // Lookups throw hwplan::Error("unknown GPU 'h10' (did you mean 'h100-sxm'?)").
    [[nodiscard]] const model::Gpu& gpu(std::string_view id) const;
    [[nodiscard]] const model::Nic& nic(std::string_view id) const;
    [[nodiscard]] const model::Switch& fabric_switch(std::string_view id) const;
    [[nodiscard]] const model::Cpu& cpu(std::string_view id) const;
    [[nodiscard]] const model::System& system(std::string_view id) const;
    // A serving engine (hwdb/data/engines/); unknown ids list the known ones.
    [[nodiscard]] const model::Engine& engine(std::string_view id) const;

    // A model by database id ("deepseek-v3") or by path to a .yaml model file
    // or a HuggingFace config.json.
    [[nodiscard]] model::ModelArch model(std::string_view id_or_path) const;

    [[nodiscard]] const std::map<std::string, model::Gpu, std::less<>>& gpus() const { return gpus_; }
    [[nodiscard]] const std::map<std::string, model::Nic, std::less<>>& nics() const { return nics_; }
    [[nodiscard]] const std::map<std::string, model::Switch, std::less<>>& switches() const { return switches_; }
    [[nodiscard]] const std::map<std::string, model::Cpu, std::less<>>& cpus() const { return cpus_; }
    [[nodiscard]] const std::map<std::string, model::System, std::less<>>& systems() const { return systems_; }
    [[nodiscard]] const std::map<std::string, model::ModelArch, std::less<>>& models() const { return models_; }
    [[nodiscard]] const std::map<std::string, model::Engine, std::less<>>& engines() const { return engines_; }
    [[nodiscard]] const DataPaths& paths() const { return paths_; }

private:
    DataPaths paths_;
    std::map<std::string, model::Gpu, std::less<>> gpus_;
    std::map<std::string, model::Nic, std::less<>> nics_;
    std::map<std::string, model::Switch, std::less<>> switches_;
    std::map<std::string, model::Cpu, std::less<>> cpus_;
    std::map<std::string, model::System, std::less<>> systems_;
    std::map<std::string, model::ModelArch, std::less<>> models_;
    std::map<std::string, model::Engine, std::less<>> engines_;
};

// The engine every command uses when none is named (vLLM: the most widely
// deployed open engine; its file says what that means).
inline constexpr std::string_view default_engine_id = "vllm";

// One model file: YAML (our schema) or JSON (HuggingFace config.json),
// chosen by content, not by extension.
[[nodiscard]] model::ModelArch load_model_file(const std::filesystem::path& path);

// HuggingFace config.json text -> ModelArch (DeepSeek-V2/V3, Llama, Qwen2/2.5,
// Qwen3, Mistral, Mixtral, Qwen2-MoE/Qwen3-MoE). `where` names the source for
// errors; `id` becomes the model id (defaults to the file stem).
[[nodiscard]] model::ModelArch import_hf_config(std::string_view json_text, const std::string& where,
                                                const std::string& id);

}  // namespace hwplan::hwdb

#pragma once
// The hardware and model databases: YAML files under hwdb/data/ (one file per
// SKU) and scenarios/models/ (one file per model, or a HuggingFace
// config.json anywhere). Loading validates everything at once and throws
// hwplan::Error with file:line:column for every problem found.

#include <filesystem>
#include <map>
#include <optional>
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
    // references. Throws hwplan::Error listing every problem with its location
    // when a hardware file is broken. A broken model file does not stop the
    // load: it is skipped, listed in model_problems(), and asking for it by
    // id gives its problem.
    [[nodiscard]] static Database load(const DataPaths& paths);

    // "<file>: <problem>" of every model file that was skipped.
    [[nodiscard]] const std::vector<std::string>& model_problems() const { return model_problems_; }

    // Lookups throw hwplan::Error("unknown GPU 'h10' (did you mean 'h100-sxm'?)").
    [[nodiscard]] const model::Gpu& gpu(std::string_view id) const;
    [[nodiscard]] const model::Nic& nic(std::string_view id) const;
    [[nodiscard]] const model::Switch& fabric_switch(std::string_view id) const;
    [[nodiscard]] const model::Cpu& cpu(std::string_view id) const;
    [[nodiscard]] const model::System& system(std::string_view id) const;
    // A serving engine (hwdb/data/engines/); unknown ids list the known ones.
    [[nodiscard]] const model::Engine& engine(std::string_view id) const;

    // A model by database id ("deepseek-v3"), by path to a .yaml model file,
    // a config.json or a folder holding one, or by HuggingFace id
    // ("Qwen/Qwen3-30B-A3B") from the local HF cache (no network).
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
    std::vector<std::string> model_problems_;
    std::map<std::string, std::string, std::less<>> broken_models_;  // id -> its problem
};

// The HuggingFace hub caches to search, in order: $HF_HUB_CACHE,
// $HF_HOME/hub, $XDG_CACHE_HOME/huggingface/hub, ~/.cache/huggingface/hub
// (huggingface_hub's own resolution order; unset variables are skipped).
[[nodiscard]] std::vector<std::filesystem::path> hf_cache_roots();

// <root>/models--<org>--<name>/snapshots/<rev>/config.json of `repo_id`
// ("org/name"): the revision refs/main names, else the newest snapshot.
// nullopt when no root has it.
[[nodiscard]] std::optional<std::filesystem::path> find_in_hf_cache(std::string_view repo_id,
                                                                    const std::vector<std::filesystem::path>& roots);

// The engine every command uses when none is named (vLLM: the most widely
// deployed open engine; its file says what that means).
inline constexpr std::string_view default_engine_id = "vllm";

// One model file: YAML (our schema) or JSON (HuggingFace config.json),
// chosen by content, not by extension.
[[nodiscard]] model::ModelArch load_model_file(const std::filesystem::path& path);

// HuggingFace config.json text -> ModelArch, by `architectures` and
// model_type (families and what is modelled: docs/hwdb.md). `where` names the
// source for errors; `id` becomes the model id (defaults to the file stem).
[[nodiscard]] model::ModelArch import_hf_config(std::string_view json_text, const std::string& where,
                                                const std::string& id);

}  // namespace hwplan::hwdb

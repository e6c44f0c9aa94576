#pragma once
// The flags that describe "this model, on this hardware, laid out like this,
// at this operating point", shared by memory / tpot / ep / serve / train.
// Resolution turns them into model/ value types and names the flag in every
// error ("--tp: 3 must divide the 128 attention heads").

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "cli/fabric_options.hpp"
#include "hwdb/database.hpp"
#include "model/deployment.hpp"
#include "model/model_arch.hpp"
#include "model/system.hpp"
#include "model/workload.hpp"

namespace hwplan::cli {

struct LayoutOptions {
    std::string model;
    std::string system;  // node id (--system) ...
    std::string gpu;     // ... or one GPU type (--gpu): tp x dp x pp GPUs in one scale-up box
    int nodes = 1;
    std::optional<int> tp, dp, pp, ep;
    int redundant_experts = 0;
    std::string weights, kv, activations, dispatch, combine;  // dtypes; empty = default
    int batch = 1;
    std::string context = "4096";
    std::string prompt = "0";
    FabricOptions fabric;
};

// `with_workload`: also --batch/--context/--prompt.
void add_layout_options(CLI::App* sub, LayoutOptions& o, bool with_workload = true);

struct ResolvedLayout {
    model::ModelArch model;
    model::System system;
    model::Deployment deployment;
    model::Workload workload;
    std::string fabric_label;  // the sized --fabric (empty: none)
};

// Resolves ids, fills defaults (dp = world / (tp x pp); ep = the largest
// divisor shared by the stage's GPUs and the routed experts; weights in the
// model's native dtype), and checks the layout. Throws hwplan::Error naming
// the offending flag.
[[nodiscard]] ResolvedLayout resolve_layout(const LayoutOptions& o, const hwdb::Database& db);

// A System made of `gpus` GPUs of one type in one scale-up box (for --gpu).
[[nodiscard]] model::System single_box_system(const model::Gpu& gpu, int gpus);

// "tp1 dp32 ep32 pp1" as printed in tables.
[[nodiscard]] std::string layout_label(const model::Deployment& d);

}  // namespace hwplan::cli

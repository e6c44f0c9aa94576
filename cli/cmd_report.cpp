// hwplan report: the default capacity report that ./run.sh prints.
// DeepSeek-V3 on H800 nodes: KV cache (Table 1), parameters and FLOPs
// (Table 2), memory per GPU for DeepSeek's published layouts; EP
// communication (sec. 2.3.2) and decode TPOT / throughput, paper bound and
// realistic model side by side; local (hybrid CPU/GPU, AI PC) deployments.
#include <fmt/format.h>

#include <algorithm>

#include "cli/commands.hpp"
#include "cli/layout_options.hpp"
#include "cli/memory_report.hpp"
#include "cli/plan_report.hpp"
#include "model/flops_per_token.hpp"
#include "model/error.hpp"
#include "model/kv_cache.hpp"
#include "model/layout.hpp"
#include "model/offload.hpp"
#include "model/param_count.hpp"
#include "model/step_time.hpp"

namespace hwplan::cli {

namespace {

// One decode deployment of the step-time section.
struct DecodeCase {
    std::string name;
    std::string system;
    int nodes = 1;
    int ep = 1;
    int redundant = 0;
    int batch = 64;  // per GPU (tp 1: one DP replica per GPU)
    bool paper = false;
    double mtp_acceptance = 0;  // 0: no MTP
};

// EP communication (paper mode) and DeepSeek-V3-style decode deployments,
// paper bound and realistic model side by side. Rows whose system is not in
// the database, or whose layout does not apply to the model, say why.
void append_step_report(Report& r, const hwdb::Database& db, const std::string& model_id,
                        const std::string& system_id) {
    // The paper's worked example.
    {
        model::PaperEpInputs in;
        Table t{"EP all-to-all, paper mode (sec. 2.3.2): (1 B + 2 B) x 32 tokens x 9 experts x hidden / BW",
                {"case", "comm us", "layer us", "step ms", "tokens/s"},
                {},
                {}};
        nlohmann::json rows = nlohmann::json::array();
        const auto row = [&](const std::string& name, const model::PaperEpInputs& x) {
            const auto p = model::paper_ep(x);
            t.rows.push_back({name, fixed(model::to_us(p.comm), 2), fixed(model::to_us(p.layer), 2),
                              fixed(model::to_ms(p.step), 2), fixed(p.tokens_per_s, 1)});
            rows.push_back({{"case", name},
                            {"comm_us", model::to_us(p.comm)},
                            {"layer_us", model::to_us(p.layer)},
                            {"step_ms", model::to_ms(p.step)},
                            {"tokens_per_s", p.tokens_per_s},
                            {"tokens_per_step", p.tokens_per_step}});
        };
        row("paper: hidden 7K, 400G CX7 (50 GB/s)", in);
        model::PaperEpInputs v = in;
        v.hidden = 7168;
        row("DeepSeek-V3's real hidden 7168", v);
        v = in;
        v.bandwidth = model::gigabytes_per_second(900);
        row("GB200 NVL72 (900 GB/s)", v);
        v = in;
        v.mtp.depth = 1;
        v.mtp.acceptance = {0.85};
        row("MTP, 1 draft at 85 % acceptance", v);
        t.notes.push_back("layer = 2 micro-batches x comm, computation hidden; paper: 120.96 us, 241.92 us, 14.76 ms, "
                          "~67 tok/s; 6.72 us and ~1200 tok/s at 900 GB/s; MTP ~1.8x.");
        r.tables.push_back(std::move(t));
        r.json["ep_paper"] = rows;
    }

    // Decode deployments.
    const std::vector<DecodeCase> cases = {
        {"EP32, 4 nodes", system_id, 4, 32, 0, 64, true, 0},
        {"EP32, 4 nodes", system_id, 4, 32, 0, 64, false, 0},
        {"EP320, 40 nodes, 64 redundant experts", system_id, 40, 320, 64, 64, true, 0},
        {"EP320, 40 nodes, 64 redundant experts", system_id, 40, 320, 64, 64, false, 0},
        {"EP320, 40 nodes, 64 redundant, MTP 0.85", system_id, 40, 320, 64, 64, false, 0.85},
        {"GB200 NVL72, EP72 + 32 redundant", "gb200-nvl72", 1, 72, 32, 64, true, 0},
        {"GB200 NVL72, EP72 + 32 redundant", "gb200-nvl72", 1, 72, 32, 64, false, 0},
    };
    Table t{"Decode: " + model_id + ", batch 64 per GPU, context 4096, FP8 weights, dual micro-batch",
            {"deployment", "mode", "GPUs", "TPOT ms", "tok/s/user", "tok/s/GPU", "EP comm/layer us", "note"},
            {},
            {}};
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& c : cases) {
        nlohmann::json j = {{"deployment", c.name}, {"mode", c.paper ? "paper" : "realistic"}, {"system", c.system}};
        std::vector<std::string> cells{c.name, c.paper ? "paper" : "realistic"};
        try {
            LayoutOptions lo;
            lo.model = model_id;
            lo.system = c.system;
            lo.nodes = c.nodes;
            lo.ep = c.ep;
            lo.redundant_experts = c.redundant;
            lo.weights = "fp8";
            lo.batch = c.batch;
            lo.context = "4096";
            ResolvedLayout l = resolve_layout(lo, db);
            if (c.mtp_acceptance > 0) {
                l.deployment.mtp.depth = 1;
                l.deployment.mtp.acceptance = {c.mtp_acceptance};
            }
            model::StepOptions so;
            so.mode = c.paper ? model::StepMode::paper : model::StepMode::realistic;
            so.engine = db.engine(hwdb::default_engine_id).traits;
            const auto d = model::decode_step(l.model, l.system, l.deployment, l.workload, so);
            const double comm = c.paper ? model::to_us(d.breakdown[model::Component::dispatch] +
                                                       d.breakdown[model::Component::combine]) /
                                              l.model.layers
                                        : model::to_us(d.ep.time()) * d.micro_batches;
            const int gpus = model::world_size(l.system, l.deployment);
            cells.insert(cells.end(), {std::to_string(gpus), fixed(model::to_ms(d.tpot), 2),
                                       fixed(d.tokens_per_s_per_user, 1), fixed(d.tokens_per_s_per_gpu, 0),
                                       fixed(comm, 1), d.feasible ? "" : d.reason});
            j.update({{"gpus", gpus},
                      {"ep", l.deployment.ep},
                      {"batch", c.batch},
                      {"context", 4096},
                      {"mtp_acceptance", c.mtp_acceptance},
                      {"tpot_ms", model::to_ms(d.tpot)},
                      {"tokens_per_s_per_user", d.tokens_per_s_per_user},
                      {"tokens_per_s_per_gpu", d.tokens_per_s_per_gpu},
                      {"ep_comm_per_layer_us", comm},
                      {"feasible", d.feasible},
                      {"reason", d.reason}});
        } catch (const Error& e) {
            cells.insert(cells.end(), {"-", "-", "-", "-", "-", e.what()});
            j["error"] = e.what();
        }
        t.rows.push_back(std::move(cells));
        rows.push_back(std::move(j));
    }
    t.notes.push_back("paper = EP all-to-all alone at nominal link rate, computation hidden (upper bound); "
                      "realistic = every kernel as a roofline with spec-sheet efficiencies + DeepEP-style "
                      "all-to-all at ~80 % of link rate (docs/equations.md, \"Step time\").");
    t.notes.push_back("EP comm/layer = dispatch + combine of all micro-batches of one MoE layer.");
    r.tables.push_back(std::move(t));
    r.json["decode"] = rows;

    // Local deployments: the paper's "~20 TPS" claims, computed from the entries.
    Table local{"Local deployment (paper sec. 2.3: 'nearly 20 TPS'), batch 1, context 4096",
                {"model", "system", "how", "tok/s", "bound", "note"},
                {},
                {}};
    nlohmann::json lrows = nlohmann::json::array();
    // Two boxes: the ~$10k build of hwdb (2x EPYC 9115) and the machine
    // KTransformers measured on (2x Xeon Gold 6454S, scenarios/references/
    // ktransformers.yaml). Experts in KTransformers' Q4_K_M GGUF, copied into
    // both NUMA nodes when one node's DRAM holds them.
    for (const char* box : {"ktransformers-server", "ktransformers-6454s"}) {
        try {
            const auto m = db.model("deepseek-v3");
            const auto& s = db.system(box);
            model::Workload w;
            w.batch = 1;
            w.context = 4096;
            model::OffloadOptions oo;
            oo.cpu_expert_bits = model::kQ4KmExpertBits;
            const auto eff = model::default_efficiencies();
            const auto x = model::offload_decode(m, s, w, oo, eff);
            local.rows.push_back({m.id, s.id, "hybrid: experts Q4_K_M on CPU, rest int4 on GPU",
                                  fixed(x.tokens_per_s_per_user, 1), x.bound, x.feasible ? "" : x.reason});
            local.notes.push_back(fmt::format(
                "{}: experts {} per NUMA node, {} socket(s) streaming local DRAM at {:.0f} % of {:.1f} GB/s each "
                "= {:.0f} GB/s (assumed, not measured), {:.1f} GB of expert weights per token (CPU {:.1f} ms, GPU "
                "{:.1f} ms per token; GPU HBM at {:.0f} %).",
                s.id, x.experts_replicated ? "copied" : "not copied", x.streaming_sockets, eff.cpu_memory * 100,
                model::to_gbps(s.host->memory_bandwidth) / std::max(1, s.host->sockets),
                model::to_gbps(x.cpu_bandwidth), x.cpu_bytes_per_step.value() / 1e9, x.cpu_time.value() * 1e3,
                x.gpu_time.value() * 1e3, eff.hbm * 100));
            lrows.push_back({{"model", m.id}, {"system", s.id}, {"tokens_per_s", x.tokens_per_s_per_user},
                             {"bound", x.bound}, {"feasible", x.feasible}, {"reason", x.reason},
                             {"cpu_bandwidth_gbps", model::to_gbps(x.cpu_bandwidth)},
                             {"experts_replicated", x.experts_replicated},
                             {"cpu_time_ms", x.cpu_time.value() * 1e3}, {"gpu_time_ms", x.gpu_time.value() * 1e3}});
        } catch (const Error& e) {
            local.rows.push_back({"deepseek-v3", box, "hybrid", "-", "-", e.what()});
        }
    }
    try {
        LayoutOptions lo;
        lo.model = "deepseek-v2";
        lo.system = "ai-pc";
        lo.weights = "int4";
        lo.batch = 1;
        lo.context = "4096";
        const ResolvedLayout l = resolve_layout(lo, db);
        const auto d = model::decode_step(l.model, l.system, l.deployment, l.workload, {});
        local.rows.push_back({l.model.id, l.system.id, "all on the SoC GPU, int4 weights, unified memory",
                              fixed(d.tokens_per_s_per_user, 1), "memory", d.feasible ? "" : d.reason});
        local.notes.push_back(fmt::format("ai-pc: {:.0f} GB/s unified memory at {:.0f} % (HBM efficiency reused), "
                                          "int4 weights with group-128 scales; {:.1f} GB per GPU in total.",
                                          model::to_gbps(l.system.gpu.memory_bandwidth),
                                          model::default_efficiencies().hbm * 100, d.memory_per_gpu.value() / 1e9));
        lrows.push_back({{"model", l.model.id}, {"system", l.system.id}, {"tokens_per_s", d.tokens_per_s_per_user},
                         {"feasible", d.feasible}, {"reason", d.reason}});
    } catch (const Error& e) {
        local.rows.push_back({"deepseek-v2", "ai-pc", "SoC", "-", "-", e.what()});
    }
    r.tables.push_back(std::move(local));
    r.json["local"] = lrows;
}

}  // namespace

void add_report_command(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<LayoutOptions>();
    o->model = "deepseek-v3";
    o->system = "h800-node";
    auto* sub = app.add_subcommand("report", "Capacity report: DeepSeek-V3 on H800 nodes by default");
    sub->add_option("--model", o->model, "Model id or path");
    sub->add_option("--system", o->system, "System (node) id");
    auto scenario = std::make_shared<std::string>();
    sub->add_option("--scenario", *scenario, "Scenario of the capacity-plan section (default: scenarios/deepseek-v3-h800.yaml)");
    add_format_option(sub, ctx);
    sub->callback([o, scenario, &ctx] {
        const auto& db = ctx.db();
        const model::ModelArch m = db.model(o->model);
        Report r;
        const auto p = model::count_params(m);
        const double kv = model::kv_bytes_per_token(m, model::DType::bf16).value();
        const double train = model::train_flops_per_token(m, 4096).value();
        Table summary{"Model: " + m.name, {"quantity", "value"}, {}, {}};
        summary.rows = {{"parameters (total)", fixed(p.total / 1e9, 1) + " B"},
                        {"parameters (with MTP)", fixed(p.total_with_mtp() / 1e9, 1) + " B"},
                        {"parameters (active/token)", fixed(p.active / 1e9, 1) + " B"},
                        {"KV cache per token (BF16)", fixed(kv / 1e3, 3) + " KB"},
                        {"training GFLOPs/token (seq 4096)", fixed(train / 1e9, 1)},
                        {"forward GFLOPs/token (context 4096)",
                         fixed(model::forward_flops_per_token(m, 4096).value() / 1e9, 1)}};
        r.tables.push_back(std::move(summary));
        r.json["model"] = m.id;
        r.json["params_total"] = p.total;
        r.json["params_active"] = p.active;
        r.json["kv_bytes_per_token"] = kv;
        r.json["train_gflops_per_token"] = train / 1e9;

        // Memory for one node and for DeepSeek's prefill unit (4 nodes, EP32).
        r.json["memory"] = nlohmann::json::array();
        for (int nodes : {1, 4}) {
            LayoutOptions lo = *o;
            lo.nodes = nodes;
            lo.batch = 32;
            lo.context = "4096";
            const ResolvedLayout l = resolve_layout(lo, db);
            Report part;
            append_memory_report(part, l);
            r.tables.push_back(std::move(part.tables.front()));
            part.json["nodes"] = nodes;
            r.json["memory"].push_back(std::move(part.json));
        }
        if (m.is_moe()) append_step_report(r, db, m.id, o->system);
        // Last: the capacity plan of scenarios/deepseek-v3-h800.yaml (cli/plan_report.hpp).
        append_plan_section(r, db, *scenario);
        ctx.emit(r);
    });
}

}  // namespace hwplan::cli

// hwplan sweep <scenario.yaml> --out f.csv: every model evaluation of the
// plan search (decode points, prefill layouts, memory-pruned layouts) as CSV,
// written atomically, with progress on stderr.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <thread>

#include <fmt/format.h>

#include "cli/bounded_flag.hpp"
#include "cli/search_size.hpp"
#include "cli/engine_option.hpp"
#include "cli/commands.hpp"
#include "cli/plan_report.hpp"
#include "hwdb/atomic_file.hpp"
#include "hwdb/scenario_file.hpp"
#include "model/planner/search.hpp"

namespace hwplan::cli {

namespace mp = model::planner;

namespace {

std::string csv_cell(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string overlap_name(model::Overlap o) {
    switch (o) {
        case model::Overlap::none: return "none";
        case model::Overlap::dual_micro_batch: return "dual-micro-batch";
        case model::Overlap::paper_ideal: return "paper-ideal";
    }
    return "?";
}

std::string points_csv(const mp::Scenario& s, const std::vector<mp::EvaluatedPoint>& points) {
    std::string out =
        "phase,system,weights,kv_cache,mtp_depth,overlap,nodes,gpus,tp,dp,pp,ep,redundant_experts,batch,"
        "context_tokens,feasible,tpot_ms,ttft_ms,tokens_per_s_per_user,tokens_per_s_per_gpu,memory_per_gpu_gb,"
        "reason\n";
    out.reserve(points.size() * 160);
    for (const auto& p : points) {
        const auto& sys = s.systems[static_cast<std::size_t>(p.system_index)].system;
        const bool decode = p.phase == mp::EvaluatedPoint::Phase::decode;
        out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.0f},{},{:.4f},{:.3f},{:.3f},{:.3f},{:.3f},{}\n",
                           decode ? "decode" : "prefill", sys.id, model::to_string(p.weights),
                           model::to_string(p.kv_cache), p.mtp_depth, overlap_name(p.overlap), p.nodes,
                           p.nodes * sys.gpus_per_node, p.tp, p.dp, p.pp, p.ep, p.redundant_experts, p.batch,
                           p.context, p.feasible ? 1 : 0, p.tpot.value() * 1e3, p.ttft.value() * 1e3,
                           p.tokens_per_s_per_user, p.tokens_per_s_per_gpu, p.memory_per_gpu.value() / 1e9,
                           csv_cell(p.reason));
    }
    return out;
}

}  // namespace

void add_sweep_command(CLI::App& app, Context& ctx) {
    struct Options {
        std::string scenario;
        std::string out;
        bool progress = false;
        int threads = 0;
        std::string engine;  // overrides the scenario's `engine:`
        bool force = false;
        double max_configurations = kDefaultMaxSweepPoints;
    };
    auto o = std::make_shared<Options>();
    auto* sub = app.add_subcommand("sweep", "Every configuration a scenario's plan search evaluates, as CSV");
    sub->add_option("scenario", o->scenario, "Scenario file (scenarios/*.yaml)")->required();
    sub->add_option("--out", o->out, "CSV file to write (atomically)")->required();
    sub->add_flag("--force", o->force, "Let --out replace a symbolic link");
    sub->add_option("--max-configurations", o->max_configurations,
                    "Refuse a sweep estimated above this many configurations (default 1e7: every point is kept "
                    "in memory and written)")
        ->check(number_in(1, 1e15));
    sub->add_flag("--progress", o->progress, "Draw a progress bar on stderr even when it is not a terminal");
    sub->add_option("--threads", o->threads, "Worker threads (default: all cores)")->check(CLI::Range(0, 1024));
    sub->add_option("--engine", o->engine, "Serving engine for every deployment (overrides the scenario's `engine:`)");
    add_format_option(sub, ctx);
    sub->callback([o, &ctx] {
        // Before the (possibly long) search: never overwrite the scenario itself, a device or a link.
        hwdb::check_output_path(o->out, {o->scenario}, o->force, "--out");
        mp::Scenario s = hwdb::load_scenario(o->scenario, ctx.db());
        if (!o->engine.empty()) s.engine = resolve_engine(o->engine, ctx, "--engine");
        check_search_size(s, o->max_configurations, o->threads, "--max-configurations", "sweep");
        mp::Progress progress;
        mp::PlanOptions po;
        po.threads = o->threads;
        po.record_points = true;
        po.progress = &progress;
        mp::PlanResult r;
        std::exception_ptr error;
        std::atomic<bool> finished{false};
        std::thread worker([&] {
            try {
                r = mp::plan(s, po);
            } catch (...) {
                error = std::current_exception();
            }
            finished = true;
        });
        const bool bar = o->progress || isatty(STDERR_FILENO);
        const auto start = std::chrono::steady_clock::now();
        auto last_line = start;
        const auto draw = [&](bool final) {
            const auto total = progress.total.load(), done = progress.done.load();
            const double frac = total ? static_cast<double>(done) / total : (final ? 1.0 : 0.0);
            if (bar) {
                constexpr int width = 40;
                const int filled = static_cast<int>(frac * width);
                fmt::print(stderr, "\r[{}{}] {:3.0f}% ({}/{} work items){}", std::string(filled, '#'),
                           std::string(width - filled, ' '), frac * 100, done, total, final ? "\n" : "");
            } else {
                fmt::print(stderr, "hwplan sweep: {:.0f}% ({}/{} work items)\n", frac * 100, done, total);
            }
            std::fflush(stderr);
        };
        while (!finished) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            const auto now = std::chrono::steady_clock::now();
            if (bar) draw(false);
            else if (now - last_line >= std::chrono::seconds(2)) {
                draw(false);
                last_line = now;
            }
        }
        worker.join();
        if (error) std::rethrow_exception(error);
        if (bar || std::chrono::steady_clock::now() - start >= std::chrono::seconds(2)) draw(true);
        hwdb::write_file_atomically(o->out, points_csv(s, r.points));

        Report rep;
        std::size_t feasible = 0;
        for (const auto& p : r.points) feasible += p.feasible ? 1 : 0;
        Table t{"Sweep: " + s.name, {"quantity", "value"}, {}, {}};
        t.rows = {{"file", o->out},
                  {"points written", std::to_string(r.points.size())},
                  {"feasible points", std::to_string(feasible)},
                  {"plans meeting the SLA", std::to_string(r.stats.plans_meeting_sla)},
                  {"configurations costed", std::to_string(r.stats.configurations)},
                  {"seconds", fixed(r.stats.seconds, 3)}};
        if (!r.feasible) t.notes.push_back("No deployment meets the SLA: " + r.reason);
        t.notes.push_back(engine_note(s.engine));
        rep.tables.push_back(std::move(t));
        rep.json = {{"out", o->out},
                    {"points", r.points.size()},
                    {"feasible_points", feasible},
                    {"plans_meeting_sla", r.stats.plans_meeting_sla},
                    {"configurations", r.stats.configurations},
                    {"feasible", r.feasible},
                    {"reason", r.reason},
                    {"seconds", r.stats.seconds},
                    {"engine", engine_json(s.engine)}};
        ctx.emit(rep);
    });
}

}  // namespace hwplan::cli

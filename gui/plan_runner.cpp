#include "gui/plan_runner.hpp"

#include <QCoreApplication>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

#include "model/error.hpp"
#include "model/planner/pareto.hpp"

namespace hwplan::gui {

namespace planner = model::planner;

planner::PlanResult merge_plan_results(std::vector<planner::PlanResult> parts, const planner::Scenario& scenario,
                                       std::size_t top) {
    planner::PlanResult out;
    std::vector<planner::Plan> front, front_tput;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        auto& p = parts[i];
        const auto fix = [&](std::vector<planner::Plan>& plans) {
            for (auto& plan : plans) plan.system_index = static_cast<int>(i);
        };
        fix(p.plans);
        fix(p.pareto);
        fix(p.pareto_throughput);
        out.feasible = out.feasible || p.feasible;
        if (!p.feasible && out.reason.empty()) {
            out.reason = parts.size() > 1 ? scenario.systems[i].system.id + ": " + p.reason : p.reason;
            out.reason_field = p.reason_field;
        }
        out.plans.insert(out.plans.end(), p.plans.begin(), p.plans.end());
        front.insert(front.end(), p.pareto.begin(), p.pareto.end());
        front_tput.insert(front_tput.end(), p.pareto_throughput.begin(), p.pareto_throughput.end());
        out.decode_context_mean = p.decode_context_mean;
        out.decode_context_sla = p.decode_context_sla;
        out.input_tokens_sla = p.input_tokens_sla;
        auto& s = out.stats;
        s.configurations += p.stats.configurations;
        s.model_evaluations += p.stats.model_evaluations;
        s.layouts += p.stats.layouts;
        s.layouts_memory_pruned += p.stats.layouts_memory_pruned;
        s.decode_points += p.stats.decode_points;
        s.plans_meeting_sla += p.stats.plans_meeting_sla;
        s.seconds += p.stats.seconds;
        s.threads = std::max(s.threads, p.stats.threads);
    }
    if (out.feasible) {
        out.reason.clear();
        out.reason_field.clear();
    }
    std::sort(out.plans.begin(), out.plans.end(), planner::plan_less);
    if (out.plans.size() > top) out.plans.resize(top);
    const auto select = [](const std::vector<planner::Plan>& all, auto x, auto y) {
        const auto idx = planner::pareto_front(
            all.size(), [&](std::size_t i) { return x(all[i]); }, [&](std::size_t i) { return y(all[i]); },
            [&](std::size_t a, std::size_t b) { return planner::plan_less(all[a], all[b]); });
        std::vector<planner::Plan> f;
        for (std::size_t i : idx) f.push_back(all[i]);
        return f;
    };
    out.pareto = select(
        front, [](const planner::Plan& p) { return p.cost_per_mtok_usd; },
        [](const planner::Plan& p) { return p.tpot.value(); });
    out.pareto_throughput = select(
        front_tput, [](const planner::Plan& p) { return -p.output_tokens_per_s_per_gpu; },
        [](const planner::Plan& p) { return -p.tokens_per_s_per_user; });
    return out;
}

PlanRunner::PlanRunner(QObject* parent) : QObject(parent) {
    poll_.setInterval(100);
    connect(&poll_, &QTimer::timeout, this, [this] {
        if (!shared_) return;
        const double total = static_cast<double>(shared_->progress.total.load());
        const double in_part = total > 0 ? shared_->progress.done.load() / total : 0.0;
        emit progressChanged(std::min(1.0, (shared_->part.load() + in_part) / shared_->parts));
    });
    connect(&watcher_, &QFutureWatcher<planner::PlanResult>::finished, this, &PlanRunner::done);
}

PlanRunner::~PlanRunner() {
    if (shared_) shared_->cancel = true;
    watcher_.waitForFinished();
}

void PlanRunner::start(const planner::Scenario& scenario, int threads, std::size_t top) {
    if (running_) return;
    auto shared = std::make_shared<Shared>();
    shared->parts = static_cast<int>(std::max<std::size_t>(1, scenario.systems.size()));
    shared_ = shared;
    running_ = true;
    emit progressChanged(0);
    poll_.start();
    watcher_.setFuture(QtConcurrent::run([shared, scenario, threads, top]() -> planner::PlanResult {
        std::vector<planner::PlanResult> parts;
        try {
            planner::validate(scenario);
            for (std::size_t i = 0; i < scenario.systems.size(); ++i) {
                if (shared->cancel) break;
                shared->part = static_cast<int>(i);
                planner::Scenario one = scenario;
                one.systems = {scenario.systems[i]};
                planner::PlanOptions o;
                o.threads = threads;
                o.top = top;
                o.progress = &shared->progress;
                parts.push_back(planner::plan(one, o));
            }
        } catch (const Error& e) {
            shared->error = e.what();
            return {};
        }
        if (shared->cancel) return {};
        return merge_plan_results(std::move(parts), scenario, top);
    }));
}

void PlanRunner::cancel() {
    if (running_ && shared_) shared_->cancel = true;
}

void PlanRunner::wait() {
    watcher_.waitForFinished();
    QCoreApplication::processEvents();  // deliver finished()
}

void PlanRunner::done() {
    poll_.stop();
    running_ = false;
    const auto shared = shared_;
    if (!shared) return;
    if (!shared->error.empty()) {
        emit failed(QString::fromStdString(shared->error));
    } else if (shared->cancel) {
        emit cancelled();
    } else {
        result_ = watcher_.result();
        emit progressChanged(1.0);
        emit finished();
    }
}

}  // namespace hwplan::gui

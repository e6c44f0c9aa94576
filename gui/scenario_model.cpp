#include "gui/scenario_model.hpp"

#include <QDateTime>
#include <QFileInfo>
#include <QUndoCommand>

#include <filesystem>

#include "hwdb/profile_file.hpp"
#include "hwdb/scenario_file.hpp"
#include "model/error.hpp"
#include "model/kv_cache.hpp"
#include "model/topology/cost_model.hpp"

namespace hwplan::gui {

namespace {

// Consecutive edits of one field closer than this merge into one undo step.
constexpr qint64 kMergeWindowMs = 800;

class EditCommand : public QUndoCommand {
public:
    EditCommand(ScenarioModel* model, hwdb::WhatIf before, hwdb::WhatIf after, const QString& text, Field field)
        : QUndoCommand(text),
          model_(model),
          before_(std::move(before)),
          after_(std::move(after)),
          field_(field),
          time_(QDateTime::currentMSecsSinceEpoch()) {}

    void redo() override { model_->apply(after_); }
    void undo() override { model_->apply(before_); }
    [[nodiscard]] int id() const override { return static_cast<int>(field_); }
    bool mergeWith(const QUndoCommand* other) override {
        const auto* o = static_cast<const EditCommand*>(other);
        if (o->field_ != field_ || o->time_ - time_ > kMergeWindowMs) return false;
        after_ = o->after_;
        time_ = o->time_;
        setText(o->text());
        return true;
    }

private:
    ScenarioModel* model_;
    hwdb::WhatIf before_;
    hwdb::WhatIf after_;
    Field field_;
    qint64 time_;
};

QString qs(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

ScenarioModel::ScenarioModel(const hwdb::Database& db, const hwdb::WhatIf& initial, QObject* parent)
    : QObject(parent), db_(db), fabric_prices_(model::topology::fit_paper_prices().prices), current_(initial) {
    try {
        results_ = compute(current_);
    } catch (const Error&) {
        current_ = hwdb::WhatIf{};
        if (!db_.systems().contains(current_.system) && !db_.systems().empty())
            current_.system = db_.systems().begin()->first;
        if (!db_.models().contains(current_.model) && !db_.models().empty())
            current_.model = db_.models().begin()->first;
        if (!db_.engines().contains(current_.engine) && !db_.engines().empty())
            current_.engine = db_.engines().begin()->first;
        results_ = compute(current_);
    }
}

const model::ModelArch& ScenarioModel::resolve_model(const std::string& ref) {
    auto it = models_.find(ref);
    if (it == models_.end()) it = models_.emplace(ref, db_.model(ref)).first;
    return it->second;
}

std::shared_ptr<const model::calibration::Profile> ScenarioModel::resolve_profile(const std::string& path) {
    if (path.empty()) return nullptr;
    auto it = profiles_.find(path);
    if (it == profiles_.end())
        it = profiles_.emplace(path, std::make_shared<const model::calibration::Profile>(hwdb::load_profile(path)))
                 .first;
    return it->second;
}

QString ScenarioModel::model_name(const std::string& ref) {
    try {
        const auto& m = resolve_model(ref);
        return qs(m.name.empty() ? m.id : m.name);
    } catch (const Error&) {
        return qs(ref);
    }
}

Results ScenarioModel::compute(const hwdb::WhatIf& w) {
    const model::ModelArch& m = resolve_model(w.model);
    const model::System& s = db_.system(w.system);
    Results r;
    const Inputs in = resolve_inputs(w, m, s, db_.engine(w.engine), resolve_profile(w.profile));
    r.evaluation = evaluate(in, fabric_prices_);
    r.metrics = metrics(r.evaluation);
    r.batch_curve = sweep(in, SweepAxis::batch);
    r.context_curve = sweep(in, SweepAxis::context);
    r.ep_values = valid_ep_values(in);
    bool in_db = false;
    for (const auto& [id, arch] : db_.models()) {
        const bool cur = arch == m;
        in_db = in_db || cur;
        r.kv_bars.push_back({id, arch.name.empty() ? id : arch.name,
                             model::kv_bytes_per_token(arch, w.kv_cache).value(), cur});
    }
    if (!in_db) r.kv_bars.push_back({m.id, m.name.empty() ? m.id : m.name,
                                     model::kv_bytes_per_token(m, w.kv_cache).value(), true});
    return r;
}

bool ScenarioModel::edit(const hwdb::WhatIf& next, const QString& description, Field field) {
    if (next == current_) return true;
    try {
        (void)resolve_model(next.model);
        (void)db_.system(next.system);
        (void)db_.engine(next.engine);
        (void)resolve_profile(next.profile);
    } catch (const Error& e) {
        emit errorOccurred(tr("Cannot apply the edit"), qs(e.what()));
        return false;
    }
    undo_.push(new EditCommand(this, current_, next, description, field));
    return true;
}

void ScenarioModel::apply(const hwdb::WhatIf& state) {
    try {
        results_ = compute(state);
        current_ = state;
    } catch (const Error& e) {
        emit errorOccurred(tr("Cannot evaluate the scenario"), qs(e.what()));
        return;
    }
    emit changed();
}

bool ScenarioModel::setProfile(const QString& path) {
    hwdb::WhatIf next = current_;
    next.profile =
        path.isEmpty() ? std::string() : std::filesystem::absolute(path.toStdString()).lexically_normal().string();
    if (!next.profile.empty()) {
        // Chosen again: read the file afresh (it may have been re-fitted since).
        profiles_.erase(next.profile);
        try {
            (void)resolve_profile(next.profile);
        } catch (const Error& e) {
            emit errorOccurred(tr("Cannot load the profile %1").arg(QFileInfo(path).fileName()), qs(e.what()));
            return false;
        }
    }
    return edit(next, next.profile.empty() ? tr("Clear profile") : tr("Set profile"), Field::profile);
}

bool ScenarioModel::open(const QString& path) {
    const std::filesystem::path p = path.toStdString();
    try {
        if (hwdb::scenario_kind(p) == hwdb::ScenarioKind::what_if) {
            const hwdb::WhatIfFile f = hwdb::load_what_if(p, db_);
            // Profiles named by the file are read afresh.
            profiles_.erase(f.scenario.profile);
            if (f.pinned) profiles_.erase(f.pinned->profile);
            Results cur = compute(f.scenario);
            Results pin;
            if (f.pinned) pin = compute(*f.pinned);
            current_ = f.scenario;
            results_ = std::move(cur);
            pinned_ = f.pinned;
            pinned_results_ = std::move(pin);
        } else {
            // A capacity-planning scenario: validate it whole, then take its
            // model and first candidate system as the what-if starting point.
            const auto scenario = hwdb::load_scenario(p, db_);
            hwdb::WhatIf w;
            w.model = hwdb::scenario_model_reference(p);
            w.system = scenario.systems.empty() ? current_.system : scenario.systems.front().system.id;
            w.comm_sms = scenario.search.comm_sms;
            w.expert_imbalance = scenario.search.expert_imbalance;
            w.step_mode = scenario.search.step_mode;
            w.engine = scenario.engine.id;  // the file's `engine:` (or the database default)
            w.batch = current_.batch;
            w.context = current_.context;
            models_.emplace(w.model, scenario.model);
            results_ = compute(w);
            current_ = w;
            pinned_.reset();
            emit planScenarioOpened(path);
        }
    } catch (const Error& e) {
        emit errorOccurred(tr("Cannot open %1").arg(QFileInfo(path).fileName()), qs(e.what()));
        return false;
    }
    undo_.clear();
    set_file(path);
    emit changed();
    return true;
}

bool ScenarioModel::save(const QString& path) {
    try {
        hwdb::save_what_if(path.toStdString(), hwdb::WhatIfFile{current_, pinned_});
    } catch (const Error& e) {
        emit errorOccurred(tr("Cannot save %1").arg(QFileInfo(path).fileName()), qs(e.what()));
        return false;
    }
    undo_.setClean();
    set_file(path);
    return true;
}

void ScenarioModel::set_file(const QString& path) {
    file_ = path;
    emit fileChanged(path);
}

void ScenarioModel::pin() {
    pinned_ = current_;
    pinned_results_ = results_;
    emit changed();
}

void ScenarioModel::unpin() {
    if (!pinned_) return;
    pinned_.reset();
    pinned_results_ = {};
    emit changed();
}

void ScenarioModel::swap() {
    if (!pinned_) return;
    std::swap(*pinned_, current_);
    std::swap(pinned_results_, results_);
    emit changed();
}

}  // namespace hwplan::gui

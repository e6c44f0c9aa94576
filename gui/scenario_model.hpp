#pragma once
// ScenarioModel: the what-if state of the main window and its results. It
// holds the current scenario (B in compare mode) and the pinned one (A),
// resolves them against the database, calls model/ through evaluation.hpp and
// emits changed() with the results in place; widgets only bind to it.
//
// Every edit goes through edit(), which records an undo step (QUndoStack):
// consecutive edits of the same field within a short interval merge into one
// step, so dragging a slider undoes in one go. Problems with files (bad YAML,
// an unknown model) are reported with errorOccurred() and leave the state as
// it was; the window shows them (the signal is the test seam: tests check it
// without a modal dialog).

#include <QObject>
#include <QString>
#include <QUndoStack>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gui/evaluation.hpp"
#include "hwdb/database.hpp"
#include "hwdb/what_if_file.hpp"

namespace hwplan::gui {

// One bar of the KV-per-token comparison (paper Table 1).
struct KvBar {
    std::string id;
    std::string name;
    double bytes_per_token = 0;
    bool current = false;
    friend bool operator==(const KvBar&, const KvBar&) = default;
};

// Everything the views show for one scenario.
struct Results {
    Evaluation evaluation;
    std::vector<Metric> metrics;
    Curve batch_curve;
    Curve context_curve;
    std::vector<int> ep_values;  // valid EP degrees (slider stops)
    std::vector<KvBar> kv_bars;  // every database model (+ the current one), at the KV dtype
};

// Fields of the what-if state, for merging undo steps of one field.
enum class Field : int {
    model = 1, system, nodes, tp, pp, dp, ep, redundant_experts, batch, context, prompt, weights, kv_cache,
    activations, dispatch, combine, overlap, micro_batches, mtp_depth, mtp_acceptance, comm_sms,
    expert_imbalance, scale_up_bandwidth, scale_out_bandwidth, step_mode, plan_point, profile, engine
};

class ScenarioModel : public QObject {
    Q_OBJECT
public:
    // `db` must outlive the model. Starts from `initial` (falls back to the
    // WhatIf defaults if it cannot be resolved).
    explicit ScenarioModel(const hwdb::Database& db, const hwdb::WhatIf& initial = {}, QObject* parent = nullptr);

    [[nodiscard]] const hwdb::Database& database() const { return db_; }
    [[nodiscard]] const hwdb::WhatIf& current() const { return current_; }
    [[nodiscard]] const Results& results() const { return results_; }
    [[nodiscard]] bool comparing() const { return pinned_.has_value(); }
    [[nodiscard]] const std::optional<hwdb::WhatIf>& pinned() const { return pinned_; }
    [[nodiscard]] const Results* pinned_results() const { return pinned_ ? &pinned_results_ : nullptr; }
    [[nodiscard]] QUndoStack* undo_stack() { return &undo_; }
    [[nodiscard]] const QString& file_path() const { return file_; }
    // Display name of a model reference (database name, or the file's id).
    [[nodiscard]] QString model_name(const std::string& ref);

    // Records an undo step and applies `next`. Returns false (and emits
    // errorOccurred) when `next` names a model, system or engine that cannot
    // be resolved; the state is then unchanged.
    bool edit(const hwdb::WhatIf& next, const QString& description, Field field);
    // Applies a state without recording it (undo/redo use this).
    void apply(const hwdb::WhatIf& state);

    // Sets (or, with an empty path, clears) the calibration profile file as
    // one undoable edit. The file is (re)loaded now; a missing or bad file
    // emits errorOccurred and keeps the state.
    bool setProfile(const QString& path);

    // Opens a what-if file, or a capacity-planning scenario (its model,
    // first system and engine become the current scenario; planScenarioOpened is
    // emitted for the planner tab). Clears the undo history.
    bool open(const QString& path);
    // Saves the current (and pinned) scenario as a what-if file.
    bool save(const QString& path);

    void pin();    // the current scenario becomes A; edits go on in B
    void unpin();  // back to one scenario
    void swap();   // exchange A and B

signals:
    void changed();  // state or results changed (current and/or pinned)
    void errorOccurred(const QString& title, const QString& message);
    void fileChanged(const QString& path);
    void planScenarioOpened(const QString& path);

private:
    // Throws hwplan::Error for an unknown model, system or engine.
    Results compute(const hwdb::WhatIf& w);
    const model::ModelArch& resolve_model(const std::string& ref);
    // The loaded profile file (null for ""); throws hwplan::Error.
    std::shared_ptr<const model::calibration::Profile> resolve_profile(const std::string& path);
    void set_file(const QString& path);

    const hwdb::Database& db_;
    model::topology::FabricPrices fabric_prices_;
    std::map<std::string, model::ModelArch> models_;  // resolved model references
    std::map<std::string, std::shared_ptr<const model::calibration::Profile>> profiles_;  // loaded, by path
    hwdb::WhatIf current_;
    Results results_;
    std::optional<hwdb::WhatIf> pinned_;
    Results pinned_results_;
    QUndoStack undo_;
    QString file_;
};

}  // namespace hwplan::gui

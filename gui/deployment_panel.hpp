#pragma once
// The deployment panel: model, system and serving-engine pickers, layout, operating point,
// precisions, overlap, MTP, SMs for communication, link-bandwidth overrides,
// the calibration profile file and the paper/realistic switch. Every widget edit becomes one
// ScenarioModel::edit(); changed() mirrors the model back into the widgets
// (with signals blocked). No computation happens here.

#include <QWidget>

#include "gui/scenario_model.hpp"

class QButtonGroup;
class QComboBox;
class QLabel;
class QSpinBox;
class QToolButton;

namespace hwplan::gui {

class SliderSpin;

class DeploymentPanel : public QWidget {
    Q_OBJECT
public:
    explicit DeploymentPanel(ScenarioModel* model, QWidget* parent = nullptr);

    // Opens a file dialog for a HuggingFace config.json or model .yaml.
    void chooseModelFile();
    // Opens a file dialog for a calibration profile (hwplan calibrate fit -o FILE).
    void chooseProfileFile();

private:
    void build();
    void sync();  // model -> widgets
    // Applies one field change to a copy of the current state and edits.
    template <class F>
    void change(Field field, const QString& text, F&& mutate);

    ScenarioModel* model_;
    QComboBox* model_combo_ = nullptr;
    QToolButton* model_file_ = nullptr;
    QComboBox* system_combo_ = nullptr;
    QComboBox* engine_combo_ = nullptr;
    QSpinBox* nodes_ = nullptr;
    QButtonGroup* mode_ = nullptr;
    QSpinBox* tp_ = nullptr;
    QSpinBox* pp_ = nullptr;
    QSpinBox* dp_ = nullptr;
    SliderSpin* ep_ = nullptr;
    QSpinBox* redundant_ = nullptr;
    SliderSpin* batch_ = nullptr;
    SliderSpin* context_ = nullptr;
    QSpinBox* prompt_ = nullptr;
    QComboBox* weights_ = nullptr;
    QComboBox* kv_ = nullptr;
    QComboBox* activations_ = nullptr;
    QComboBox* dispatch_ = nullptr;
    QComboBox* combine_ = nullptr;
    QComboBox* overlap_ = nullptr;
    QSpinBox* micro_batches_ = nullptr;
    QSpinBox* mtp_depth_ = nullptr;
    SliderSpin* mtp_acceptance_ = nullptr;
    QSpinBox* comm_sms_ = nullptr;
    SliderSpin* imbalance_ = nullptr;
    SliderSpin* scale_up_ = nullptr;
    SliderSpin* scale_out_ = nullptr;
    QLabel* layout_note_ = nullptr;
    QLabel* profile_name_ = nullptr;
    QToolButton* profile_file_ = nullptr;
    QToolButton* profile_clear_ = nullptr;
    QLabel* profile_note_ = nullptr;
};

}  // namespace hwplan::gui

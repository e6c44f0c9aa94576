#include "gui/deployment_panel.hpp"

#include <QButtonGroup>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QRadioButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include "gui/slider_spin.hpp"
#include "model/layout.hpp"

namespace hwplan::gui {

namespace {

constexpr model::DType kDTypes[] = {model::DType::fp32, model::DType::bf16, model::DType::fp16, model::DType::fp8,
                                    model::DType::int8, model::DType::fp4,  model::DType::int4};

QString qs(std::string_view s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }

QComboBox* dtype_combo(const QString& name, bool with_default, QWidget* parent) {
    auto* c = new QComboBox(parent);
    c->setObjectName(name);
    if (with_default) c->addItem(QObject::tr("checkpoint"), -1);
    for (auto t : kDTypes) c->addItem(qs(model::to_string(t)), static_cast<int>(t));
    return c;
}

QSpinBox* spin(const QString& name, int min, int max, QWidget* parent) {
    auto* s = new QSpinBox(parent);
    s->setObjectName(name);
    s->setRange(min, max);
    s->setKeyboardTracking(false);
    s->setAccelerated(true);
    return s;
}

void set_combo_data(QComboBox* c, int data) {
    const QSignalBlocker b(c);
    c->setCurrentIndex(std::max(0, c->findData(data)));
}

void set_spin(QSpinBox* s, int v) {
    const QSignalBlocker b(s);
    s->setValue(v);
}

}  // namespace

DeploymentPanel::DeploymentPanel(ScenarioModel* model, QWidget* parent) : QWidget(parent), model_(model) {
    build();
    sync();
    connect(model_, &ScenarioModel::changed, this, &DeploymentPanel::sync);
}

template <class F>
void DeploymentPanel::change(Field field, const QString& text, F&& mutate) {
    hwdb::WhatIf next = model_->current();
    mutate(next);
    if (!model_->edit(next, text, field)) sync();  // refused: show the state as it is
}

void DeploymentPanel::build() {
    auto* outer = new QVBoxLayout(this);
    const auto group = [&](const QString& title) {
        auto* box = new QGroupBox(title, this);
        auto* form = new QFormLayout(box);
        form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
        outer->addWidget(box);
        return form;
    };
    const auto& db = model_->database();

    // ---- model and hardware
    auto* hw = group(tr("Model and hardware"));
    model_combo_ = new QComboBox(this);
    model_combo_->setObjectName("modelCombo");
    for (const auto& [id, m] : db.models()) model_combo_->addItem(qs(m.name.empty() ? id : m.name), qs(id));
    model_file_ = new QToolButton(this);
    model_file_->setText(tr("Open…"));
    model_file_->setToolTip(tr("Open a HuggingFace config.json or a model .yaml"));
    auto* model_row = new QHBoxLayout;
    model_row->addWidget(model_combo_, 1);
    model_row->addWidget(model_file_);
    hw->addRow(tr("Model"), model_row);
    system_combo_ = new QComboBox(this);
    system_combo_->setObjectName("systemCombo");
    for (const auto& [id, s] : db.systems()) system_combo_->addItem(qs(s.name.empty() ? id : s.name), qs(id));
    hw->addRow(tr("System"), system_combo_);
    // The serving engine decides which kernels a step runs (fusions, attention
    // kernel, CUDA graphs, launch cost): hwdb/data/engines, `hwplan tpot --engine`.
    engine_combo_ = new QComboBox(this);
    engine_combo_->setObjectName("engineCombo");
    for (const auto& [id, e] : db.engines()) {
        engine_combo_->addItem(qs(e.name.empty() ? id : e.name), qs(id));
        engine_combo_->setItemData(engine_combo_->count() - 1, qs(id), Qt::ToolTipRole);
    }
    engine_combo_->setToolTip(tr("Serving engine: which kernels a step runs (what it fuses, its attention "
                                 "kernel, CUDA graphs, launch cost); as hwplan tpot --engine"));
    hw->addRow(tr("Engine"), engine_combo_);
    nodes_ = spin("nodesSpin", 1, 4096, this);
    hw->addRow(tr("Nodes"), nodes_);
    mode_ = new QButtonGroup(this);
    auto* realistic = new QRadioButton(tr("Realistic"), this);
    realistic->setObjectName("realisticMode");
    auto* paper = new QRadioButton(tr("Paper bound"), this);
    paper->setObjectName("paperMode");
    paper->setToolTip(tr("The paper's sec. 2.3.2 bound: EP all-to-all only, computation hidden"));
    mode_->addButton(realistic, static_cast<int>(model::StepMode::realistic));
    mode_->addButton(paper, static_cast<int>(model::StepMode::paper));
    auto* mode_row = new QHBoxLayout;
    mode_row->addWidget(realistic);
    mode_row->addWidget(paper);
    hw->addRow(tr("Mode"), mode_row);

    // ---- layout
    auto* lay = group(tr("Parallel layout"));
    tp_ = spin("tpSpin", 1, 1024, this);
    pp_ = spin("ppSpin", 1, 256, this);
    dp_ = spin("dpSpin", 0, 1'000'000, this);
    dp_->setSpecialValueText(tr("auto"));
    ep_ = new SliderSpin("ep", 0, 100'000, 0, SliderSpin::Scale::linear, this);
    ep_->setSpecialValueText(tr("auto"));
    redundant_ = spin("redundantSpin", 0, 4096, this);
    lay->addRow(tr("TP"), tp_);
    lay->addRow(tr("PP"), pp_);
    lay->addRow(tr("DP"), dp_);
    lay->addRow(tr("EP"), ep_);
    lay->addRow(tr("Redundant experts"), redundant_);
    layout_note_ = new QLabel(this);
    layout_note_->setObjectName("layoutNote");
    layout_note_->setWordWrap(true);
    lay->addRow(layout_note_);

    // ---- operating point
    auto* op = group(tr("Operating point"));
    batch_ = new SliderSpin("batch", 1, 65'536, 0, SliderSpin::Scale::log, this);
    batch_->setSliderRange(1, 1024);
    batch_->setToolTip(tr("Concurrent sequences per attention (DP) replica"));
    context_ = new SliderSpin("context", 0, 4'194'304, 0, SliderSpin::Scale::log, this);
    context_->setSliderRange(256, 262'144);
    context_->setSingleStep(1024);
    prompt_ = spin("promptSpin", 0, 4'194'304, this);
    prompt_->setSingleStep(1024);
    prompt_->setSpecialValueText(tr("none (no TTFT)"));
    op->addRow(tr("Batch"), batch_);
    op->addRow(tr("Context"), context_);
    op->addRow(tr("Prompt"), prompt_);

    // ---- precisions
    auto* pr = group(tr("Precision"));
    weights_ = dtype_combo("weightsCombo", true, this);
    kv_ = dtype_combo("kvCombo", false, this);
    activations_ = dtype_combo("activationsCombo", false, this);
    dispatch_ = dtype_combo("dispatchCombo", false, this);
    combine_ = dtype_combo("combineCombo", false, this);
    pr->addRow(tr("Weights"), weights_);
    pr->addRow(tr("KV cache"), kv_);
    pr->addRow(tr("Activations"), activations_);
    pr->addRow(tr("EP dispatch"), dispatch_);
    pr->addRow(tr("EP combine"), combine_);

    // ---- overlap, MTP, communication
    auto* ov = group(tr("Overlap, MTP, communication"));
    overlap_ = new QComboBox(this);
    overlap_->setObjectName("overlapCombo");
    overlap_->addItem(tr("none"), static_cast<int>(model::Overlap::none));
    overlap_->addItem(tr("dual micro-batch"), static_cast<int>(model::Overlap::dual_micro_batch));
    overlap_->addItem(tr("paper ideal"), static_cast<int>(model::Overlap::paper_ideal));
    micro_batches_ = spin("microBatchesSpin", 1, 16, this);
    mtp_depth_ = spin("mtpDepthSpin", 0, 8, this);
    mtp_depth_->setSpecialValueText(tr("off"));
    mtp_acceptance_ = new SliderSpin("mtpAcceptance", 0, 100, 1, SliderSpin::Scale::linear, this);
    mtp_acceptance_->setSuffix(" %");
    comm_sms_ = spin("commSmsSpin", 0, 1024, this);
    imbalance_ = new SliderSpin("imbalance", 1, 8, 2, SliderSpin::Scale::linear, this);
    imbalance_->setSingleStep(0.05);
    imbalance_->setToolTip(tr("Hot-expert load / mean expert load"));
    ov->addRow(tr("Overlap"), overlap_);
    ov->addRow(tr("Micro-batches"), micro_batches_);
    ov->addRow(tr("MTP depth"), mtp_depth_);
    ov->addRow(tr("MTP acceptance"), mtp_acceptance_);
    ov->addRow(tr("SMs for comm."), comm_sms_);
    ov->addRow(tr("Expert imbalance"), imbalance_);

    // ---- link bandwidths
    auto* bw = group(tr("Link bandwidth, per direction"));
    scale_up_ = new SliderSpin("scaleUp", 0, 100'000, 1, SliderSpin::Scale::log, this);
    scale_up_->setSliderRange(10, 2000);
    scale_up_->setSuffix(" GB/s");
    scale_out_ = new SliderSpin("scaleOut", 0, 10'000, 1, SliderSpin::Scale::log, this);
    scale_out_->setSliderRange(1, 400);
    scale_out_->setSuffix(" GB/s");
    bw->addRow(tr("Scale-up per GPU"), scale_up_);
    bw->addRow(tr("Scale-out per NIC port"), scale_out_);

    // ---- calibration profile (as `hwplan tpot --profile FILE`)
    auto* cal = group(tr("Calibration"));
    profile_name_ = new QLabel(this);
    profile_name_->setObjectName("profileName");
    profile_name_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    profile_file_ = new QToolButton(this);
    profile_file_->setObjectName("profileButton");
    profile_file_->setText(tr("Profile…"));
    profile_file_->setToolTip(tr("Use a calibration profile (hwplan calibrate fit -o FILE): fitted kernel curves, "
                                 "measured links and TPOT intervals"));
    profile_clear_ = new QToolButton(this);
    profile_clear_->setObjectName("profileClear");
    profile_clear_->setText(tr("Clear"));
    profile_clear_->setToolTip(tr("Back to the spec-sheet model"));
    auto* profile_row = new QHBoxLayout;
    profile_row->addWidget(profile_name_, 1);
    profile_row->addWidget(profile_file_);
    profile_row->addWidget(profile_clear_);
    cal->addRow(tr("Profile"), profile_row);
    profile_note_ = new QLabel(this);
    profile_note_->setObjectName("profileNote");
    profile_note_->setWordWrap(true);
    cal->addRow(profile_note_);
    outer->addStretch(1);

    // ---- edits
    using W = hwdb::WhatIf;
    connect(model_combo_, &QComboBox::activated, this, [this](int i) {
        const std::string id = model_combo_->itemData(i).toString().toStdString();
        change(Field::model, tr("Model %1").arg(model_combo_->itemText(i)), [&](W& w) {
            w.model = id;
            w.ep.reset();
            w.dp.reset();
            w.tp = 1;
        });
    });
    connect(model_file_, &QToolButton::clicked, this, &DeploymentPanel::chooseModelFile);
    connect(profile_file_, &QToolButton::clicked, this, &DeploymentPanel::chooseProfileFile);
    connect(profile_clear_, &QToolButton::clicked, this, [this] { model_->setProfile(QString()); });
    connect(system_combo_, &QComboBox::activated, this, [this](int i) {
        const std::string id = system_combo_->itemData(i).toString().toStdString();
        change(Field::system, tr("System %1").arg(system_combo_->itemText(i)), [&](W& w) {
            w.system = id;
            w.ep.reset();
            w.dp.reset();
            w.scale_up_bandwidth.reset();
            w.scale_out_bandwidth.reset();
        });
    });
    connect(engine_combo_, &QComboBox::activated, this, [this](int i) {
        const std::string id = engine_combo_->itemData(i).toString().toStdString();
        change(Field::engine, tr("Engine %1").arg(engine_combo_->itemText(i)), [&](W& w) { w.engine = id; });
    });
    connect(nodes_, &QSpinBox::valueChanged, this, [this](int v) {
        change(Field::nodes, tr("Nodes %1").arg(v), [&](W& w) {
            w.nodes = v;
            w.ep.reset();
            w.dp.reset();
        });
    });
    connect(mode_, &QButtonGroup::idClicked, this, [this](int id) {
        change(Field::step_mode, tr("Mode"), [&](W& w) { w.step_mode = static_cast<model::StepMode>(id); });
    });
    connect(tp_, &QSpinBox::valueChanged, this, [this](int v) {
        change(Field::tp, tr("TP %1").arg(v), [&](W& w) {
            w.tp = v;
            w.dp.reset();
        });
    });
    connect(pp_, &QSpinBox::valueChanged, this, [this](int v) {
        change(Field::pp, tr("PP %1").arg(v), [&](W& w) {
            w.pp = v;
            w.dp.reset();
            w.ep.reset();
        });
    });
    connect(dp_, &QSpinBox::valueChanged, this, [this](int v) {
        change(Field::dp, tr("DP %1").arg(v), [&](W& w) { w.dp = v > 0 ? std::optional<int>(v) : std::nullopt; });
    });
    connect(ep_, &SliderSpin::valueEdited, this, [this](double v) {
        const int e = static_cast<int>(v);
        change(Field::ep, tr("EP %1").arg(e), [&](W& w) { w.ep = e > 0 ? std::optional<int>(e) : std::nullopt; });
    });
    connect(redundant_, &QSpinBox::valueChanged, this, [this](int v) {
        change(Field::redundant_experts, tr("Redundant experts %1").arg(v), [&](W& w) {
            w.redundant_experts = v;
            w.ep.reset();
        });
    });
    connect(batch_, &SliderSpin::valueEdited, this, [this](double v) {
        change(Field::batch, tr("Batch %1").arg(v), [&](W& w) { w.batch = static_cast<int>(v); });
    });
    connect(context_, &SliderSpin::valueEdited, this, [this](double v) {
        change(Field::context, tr("Context %1").arg(v), [&](W& w) { w.context = static_cast<int>(v); });
    });
    connect(prompt_, &QSpinBox::valueChanged, this, [this](int v) {
        change(Field::prompt, tr("Prompt %1").arg(v), [&](W& w) { w.prompt = v; });
    });
    const auto dtype_edit = [this](QComboBox* c, Field f, const QString& what, auto set) {
        connect(c, &QComboBox::activated, this, [this, c, f, what, set](int i) {
            const int d = c->itemData(i).toInt();
            change(f, what + " " + c->itemText(i), [&](W& w) { set(w, d); });
        });
    };
    dtype_edit(weights_, Field::weights, tr("Weights"), [](W& w, int d) {
        w.weights = d < 0 ? std::nullopt : std::optional<model::DType>(static_cast<model::DType>(d));
    });
    dtype_edit(kv_, Field::kv_cache, tr("KV cache"), [](W& w, int d) { w.kv_cache = static_cast<model::DType>(d); });
    dtype_edit(activations_, Field::activations, tr("Activations"),
               [](W& w, int d) { w.activations = static_cast<model::DType>(d); });
    dtype_edit(dispatch_, Field::dispatch, tr("Dispatch"),
               [](W& w, int d) { w.dispatch = static_cast<model::DType>(d); });
    dtype_edit(combine_, Field::combine, tr("Combine"), [](W& w, int d) { w.combine = static_cast<model::DType>(d); });
    connect(overlap_, &QComboBox::activated, this, [this](int i) {
        const auto o = static_cast<model::Overlap>(overlap_->itemData(i).toInt());
        change(Field::overlap, tr("Overlap %1").arg(overlap_->itemText(i)), [&](W& w) { w.overlap = o; });
    });
    connect(micro_batches_, &QSpinBox::valueChanged, this, [this](int v) {
        change(Field::micro_batches, tr("Micro-batches %1").arg(v), [&](W& w) { w.micro_batches = v; });
    });
    connect(mtp_depth_, &QSpinBox::valueChanged, this, [this](int v) {
        change(Field::mtp_depth, tr("MTP depth %1").arg(v), [&](W& w) { w.mtp_depth = v; });
    });
    connect(mtp_acceptance_, &SliderSpin::valueEdited, this, [this](double v) {
        change(Field::mtp_acceptance, tr("MTP acceptance %1 %").arg(v), [&](W& w) {
            w.mtp_acceptance = v / 100.0;
            if (w.mtp_depth == 0) w.mtp_depth = 1;  // moving the acceptance means "MTP on"
        });
    });
    connect(comm_sms_, &QSpinBox::valueChanged, this, [this](int v) {
        change(Field::comm_sms, tr("Comm. SMs %1").arg(v), [&](W& w) { w.comm_sms = v; });
    });
    connect(imbalance_, &SliderSpin::valueEdited, this, [this](double v) {
        change(Field::expert_imbalance, tr("Expert imbalance %1").arg(v), [&](W& w) { w.expert_imbalance = v; });
    });
    connect(scale_up_, &SliderSpin::valueEdited, this, [this](double v) {
        change(Field::scale_up_bandwidth, tr("Scale-up %1 GB/s").arg(v), [&](W& w) {
            w.scale_up_bandwidth =
                v > 0 ? std::optional<model::BytesPerSecond>(model::gigabytes_per_second(v)) : std::nullopt;
        });
    });
    connect(scale_out_, &SliderSpin::valueEdited, this, [this](double v) {
        change(Field::scale_out_bandwidth, tr("Scale-out %1 GB/s").arg(v), [&](W& w) {
            w.scale_out_bandwidth =
                v > 0 ? std::optional<model::BytesPerSecond>(model::gigabytes_per_second(v)) : std::nullopt;
        });
    });
}

void DeploymentPanel::chooseModelFile() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open model"), QString(),
                                                      tr("Model files (*.json *.yaml *.yml);;All files (*)"));
    if (path.isEmpty()) return;
    change(Field::model, tr("Model %1").arg(path), [&](hwdb::WhatIf& w) {
        w.model = path.toStdString();
        w.ep.reset();
        w.dp.reset();
        w.tp = 1;
    });
}

void DeploymentPanel::chooseProfileFile() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open calibration profile"), QString(),
                                                      tr("Profiles (*.yaml *.yml);;All files (*)"));
    if (path.isEmpty()) return;
    model_->setProfile(path);
}

void DeploymentPanel::sync() {
    const hwdb::WhatIf& w = model_->current();
    const Results& r = model_->results();
    const Inputs& in = r.evaluation.in;
    {
        const QSignalBlocker b(model_combo_);
        int i = model_combo_->findData(qs(w.model));
        if (i < 0) {  // a model file: list it under its own name
            model_combo_->addItem(model_->model_name(w.model), qs(w.model));
            i = model_combo_->count() - 1;
        }
        model_combo_->setCurrentIndex(i);
    }
    {
        const QSignalBlocker b(system_combo_);
        system_combo_->setCurrentIndex(std::max(0, system_combo_->findData(qs(w.system))));
    }
    {
        const QSignalBlocker b(engine_combo_);
        engine_combo_->setCurrentIndex(std::max(0, engine_combo_->findData(qs(w.engine))));
    }
    set_spin(nodes_, w.nodes);
    {
        const QSignalBlocker b(mode_);
        if (auto* button = mode_->button(static_cast<int>(w.step_mode))) button->setChecked(true);
    }
    set_spin(tp_, w.tp);
    set_spin(pp_, w.pp);
    set_spin(dp_, w.dp.value_or(0));
    dp_->setSpecialValueText(tr("auto (%1)").arg(in.deployment.dp));
    {
        std::vector<double> stops{0};
        for (int e : r.ep_values) stops.push_back(e);
        ep_->setStops(stops);
        ep_->setValue(w.ep.value_or(0));
        ep_->setSpecialValueText(tr("auto (%1)").arg(in.deployment.ep));
        ep_->setEnabled(in.model.is_moe());
        redundant_->setEnabled(in.model.is_moe());
    }
    set_spin(redundant_, w.redundant_experts);
    batch_->setValue(w.batch);
    context_->setValue(w.context);
    set_spin(prompt_, w.prompt);
    set_combo_data(weights_, w.weights ? static_cast<int>(*w.weights) : -1);
    weights_->setItemText(0, tr("checkpoint (%1)").arg(qs(model::to_string(in.model.weights_dtype))));
    set_combo_data(kv_, static_cast<int>(w.kv_cache));
    set_combo_data(activations_, static_cast<int>(w.activations));
    set_combo_data(dispatch_, static_cast<int>(w.dispatch));
    set_combo_data(combine_, static_cast<int>(w.combine));
    set_combo_data(overlap_, static_cast<int>(w.overlap));
    set_spin(micro_batches_, w.micro_batches);
    micro_batches_->setEnabled(w.overlap == model::Overlap::dual_micro_batch);
    set_spin(mtp_depth_, w.mtp_depth);
    mtp_acceptance_->setValue(w.mtp_acceptance * 100.0);
    set_spin(comm_sms_, w.comm_sms);
    imbalance_->setValue(w.expert_imbalance);
    const model::System& sys = model_->database().systems().find(w.system)->second;
    scale_up_->setValue(w.scale_up_bandwidth ? w.scale_up_bandwidth->value() / 1e9 : 0);
    scale_up_->setSpecialValueText(tr("system (%1 GB/s)").arg(model::to_gbps(sys.scale_up_bandwidth_per_gpu())));
    scale_out_->setValue(w.scale_out_bandwidth ? w.scale_out_bandwidth->value() / 1e9 : 0);
    scale_out_->setSpecialValueText(sys.nic ? tr("system (%1 GB/s)").arg(model::to_gbps(sys.nic->bandwidth))
                                            : tr("no NIC"));
    scale_out_->setEnabled(sys.nic.has_value());
    layout_note_->setText(tr("%1 GPUs: tp%2 dp%3 pp%4 ep%5")
                              .arg(r.evaluation.gpus)
                              .arg(in.deployment.tp)
                              .arg(in.deployment.dp)
                              .arg(in.deployment.pp)
                              .arg(in.deployment.ep));
    const Evaluation& e = r.evaluation;
    profile_name_->setText(w.profile.empty() ? tr("none (spec sheet)") : QFileInfo(qs(w.profile)).fileName());
    profile_name_->setToolTip(qs(w.profile));
    profile_clear_->setEnabled(!w.profile.empty());
    QString note;
    if (!w.profile.empty()) {
        note = e.profile_gpu.empty() ? tr("No GPU measurements in the profile (links only).")
                                     : tr("Measured on %1.").arg(qs(e.profile_gpu));
        if (e.extrapolated)
            note += " " + tr("Extrapolated: efficiency curves scaled to %1's peaks.").arg(qs(in.system.gpu.id));
        note += " " + tr("Links it measured replace the system's (and any bandwidth override of them).");
    }
    profile_note_->setText(note);
    profile_note_->setVisible(!note.isEmpty());
}

}  // namespace hwplan::gui

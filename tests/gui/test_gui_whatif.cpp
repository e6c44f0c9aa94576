// The what-if window end to end, offscreen: the TPOT shown equals the CLI's
// for the same input after an edit through the batch widget; compare mode
// shows A, B and the delta; save + reopen round-trips the scenario; invalid
// YAML reports an error and keeps the scenario; undo; chart/table export; a
// calibration profile gives `hwplan tpot --profile`'s TPOT and interval.
#include <QAbstractSpinBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest/QtTest>

#include <cmath>
#include <optional>

#include "gui/comparison_model.hpp"
#include "gui/evaluation.hpp"
#include "gui/main_window.hpp"
#include "hwdb/database.hpp"
#include "hwdb/what_if_file.hpp"

using hwplan::gui::ComparisonModel;
using hwplan::gui::MainWindow;

namespace {

const char* const kScenario =
    "what_if:\n"
    "  model: deepseek-v3\n"
    "  system: h800-node\n"
    "  nodes: 4\n"
    "  batch: 32\n"
    "  context: 4096\n";

QString write(const QTemporaryDir& dir, const QString& name, const QByteArray& text) {
    const QString path = dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return {};
    f.write(text);
    return path;
}

// Types `value` into a spin box and presses Enter, as a user would.
void type_into(QAbstractSpinBox* spin, const QString& value) {
    spin->setFocus();
    spin->selectAll();
    QTest::keyClicks(spin, value);
    QTest::keyClick(spin, Qt::Key_Return);
}

// `hwplan tpot ... --format json` for the window's current scenario.
QJsonObject cli_tpot(const hwplan::hwdb::WhatIf& w) {
    const auto args = hwplan::gui::tpot_cli_args(w);
    if (!args) return {};
    QStringList a;
    for (const auto& s : *args) a << QString::fromStdString(s);
    QProcess p;
    p.start(QStringLiteral(HWPLAN_CLI_BINARY), a);
    if (!p.waitForFinished(120000) || p.exitCode() != 0) {
        qWarning() << "hwplan failed:" << a << p.readAllStandardError();
        return {};
    }
    return QJsonDocument::fromJson(p.readAllStandardOutput()).object();
}

int row_of(const ComparisonModel* m, const std::string& key) {
    for (int i = 0; i < m->rowCount(); ++i)
        if (m->rows()[static_cast<std::size_t>(i)].key == key) return i;
    return -1;
}

}  // namespace

class TestGuiWhatIf : public QObject {
    Q_OBJECT
    std::optional<hwplan::hwdb::Database> db_;
    QTemporaryDir dir_;

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);  // recent files go to a test settings file
        QCoreApplication::setOrganizationName("hwplan-test");
        QCoreApplication::setApplicationName("hwplan-gui-test");
        db_.emplace(hwplan::hwdb::Database::load(hwplan::hwdb::default_data_paths()));
        QVERIFY(dir_.isValid());
    }

    void tpot_label_matches_cli_after_batch_edit() {
        MainWindow w(*db_);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openFile(write(dir_, "tpot.yaml", kScenario)));
        QCOMPARE(w.scenarioModel()->current().batch, 32);

        auto* batch = w.findChild<QDoubleSpinBox*>("batchSpin");
        QVERIFY(batch);
        type_into(batch, "64");
        QCOMPARE(w.scenarioModel()->current().batch, 64);

        const QJsonObject cli = cli_tpot(w.scenarioModel()->current());
        QVERIFY(cli.contains("tpot_ms"));
        QCOMPARE(cli["batch"].toInt(), 64);
        const double tpot_ms = cli["tpot_ms"].toDouble();
        QVERIFY(tpot_ms > 0);
        auto* label = w.findChild<QLabel*>("tpot_msValue");
        QVERIFY(label);
        QCOMPARE(label->text(), QString::fromStdString(hwplan::gui::format_fixed(tpot_ms, 3)) + " ms");
        // Not only the rounded text: the same number.
        const double gui_ms = w.scenarioModel()->results().evaluation.decode.tpot.value() * 1e3;
        QVERIFY2(std::abs(gui_ms - tpot_ms) <= 1e-9 * tpot_ms, qPrintable(QString("gui %1 cli %2").arg(gui_ms).arg(tpot_ms)));
        QCOMPARE(w.findChild<QLabel*>("tokens_per_s_per_gpuValue")->text(),
                 QString::fromStdString(hwplan::gui::format_fixed(cli["tokens_per_s_per_gpu"].toDouble(), 0)) +
                     " tok/s");

        // The batch edit is one undo step.
        w.scenarioModel()->undo_stack()->undo();
        QCOMPARE(w.scenarioModel()->current().batch, 32);
        QCOMPARE(batch->value(), 32.0);
        w.scenarioModel()->undo_stack()->redo();
        QCOMPARE(w.scenarioModel()->current().batch, 64);
    }

    void compare_mode_shows_a_b_and_delta() {
        MainWindow w(*db_);
        w.show();
        QVERIFY(w.openFile(write(dir_, "compare.yaml", kScenario)));
        auto* model = w.scenarioModel();
        const double tpot_a = model->results().evaluation.decode.tpot.value() * 1e3;
        model->pin();
        QVERIFY(model->comparing());
        type_into(w.findChild<QDoubleSpinBox*>("batchSpin"), "128");
        QCOMPARE(model->current().batch, 128);
        QCOMPARE(model->pinned()->batch, 32);
        const double tpot_b = model->results().evaluation.decode.tpot.value() * 1e3;
        QVERIFY(tpot_b != tpot_a);

        ComparisonModel* m = w.metricsModel();
        QCOMPARE(m->columnCount(), 5);
        const int r = row_of(m, "tpot_ms");
        QVERIFY(r >= 0);
        const auto raw = [&](int col) { return m->data(m->index(r, col), ComparisonModel::RawValueRole).toDouble(); };
        QCOMPARE(raw(ComparisonModel::value_b), tpot_b);
        QCOMPARE(raw(ComparisonModel::value_a), tpot_a);
        QCOMPARE(raw(ComparisonModel::delta), tpot_b - tpot_a);
        QCOMPARE(m->data(m->index(r, ComparisonModel::delta)).toString(),
                 QString::fromStdString(hwplan::gui::format_delta(tpot_b, tpot_a, 3)));
        // Every number has its A, B and delta (when both sides have it).
        for (int i = 0; i < m->rowCount(); ++i) {
            const auto& row = m->rows()[static_cast<std::size_t>(i)];
            if (row.a && row.b)
                QCOMPARE(m->data(m->index(i, ComparisonModel::delta), ComparisonModel::RawValueRole).toDouble(),
                         *row.b - *row.a);
        }
        auto* compare = w.findChild<QLabel*>("tpot_msCompare");
        QVERIFY(compare->isVisible());
        QVERIFY2(compare->text().contains(QString::fromStdString(hwplan::gui::format_delta(tpot_b, tpot_a, 3))),
                 qPrintable(compare->text()));
        // The breakdown table compares too, and its sums are the step times.
        ComparisonModel* b = w.breakdownModel();
        const int step = row_of(b, "step");
        QVERIFY(step >= 0);
        QVERIFY(std::abs(b->rows()[static_cast<std::size_t>(step)].b.value() -
                         model->results().evaluation.decode.step.value() * 1e6) < 1e-6);

        model->swap();
        QCOMPARE(model->current().batch, 32);
        QCOMPARE(model->pinned()->batch, 128);
        model->unpin();
        QVERIFY(!model->comparing());
        QCOMPARE(m->columnCount(), 3);
        QVERIFY(!compare->isVisible());
    }

    void save_then_reopen_gives_the_same_scenario() {
        MainWindow w(*db_);
        auto* model = w.scenarioModel();
        QVERIFY(w.openFile(write(dir_, "save.yaml", kScenario)));
        hwplan::hwdb::WhatIf s = model->current();
        s.batch = 48;
        s.context = 32768;
        s.prompt = 2048;
        s.kv_cache = hwplan::model::DType::fp8;
        s.mtp_depth = 1;
        s.mtp_acceptance = 0.7;
        s.comm_sms = 20;
        s.expert_imbalance = 1.25;
        s.overlap = hwplan::model::Overlap::none;
        s.scale_up_bandwidth = hwplan::model::gigabytes_per_second(123.4);
        s.step_mode = hwplan::model::StepMode::paper;
        model->pin();
        QVERIFY(model->edit(s, "test", hwplan::gui::Field::batch));
        const QString path = dir_.filePath("saved.yaml");
        QVERIFY(w.saveFile(path));

        MainWindow other(*db_);
        QVERIFY(other.openFile(path));
        QVERIFY(other.scenarioModel()->current() == model->current());
        QVERIFY(other.scenarioModel()->pinned().has_value());
        QVERIFY(*other.scenarioModel()->pinned() == *model->pinned());
        QCOMPARE(other.scenarioModel()->results().evaluation.decode.tpot.value(),
                 model->results().evaluation.decode.tpot.value());
        QCOMPARE(other.findChild<QLabel*>("tpot_msValue")->text(), w.findChild<QLabel*>("tpot_msValue")->text());
        // The saved file is in the recent files.
        QVERIFY(QSettings().value("recentFiles").toStringList().contains(QFileInfo(path).absoluteFilePath()));
    }

    void invalid_yaml_reports_an_error_and_keeps_the_scenario() {
        MainWindow w(*db_);
        w.show();
        auto* model = w.scenarioModel();
        QVERIFY(w.openFile(write(dir_, "good.yaml", kScenario)));
        const auto before = model->current();
        const QString tpot_before = w.findChild<QLabel*>("tpot_msValue")->text();
        QSignalSpy errors(model, &hwplan::gui::ScenarioModel::errorOccurred);

        const QString broken = write(dir_, "broken.yaml", "what_if:\n  model: deepseek-v3\n  batch: [1, 2\n");
        QVERIFY(!w.openFile(broken));
        QCOMPARE(errors.count(), 1);
        QVERIFY2(errors.at(0).at(1).toString().contains("broken.yaml:"), qPrintable(errors.at(0).at(1).toString()));
        QVERIFY(model->current() == before);
        QCOMPARE(model->file_path(), dir_.filePath("good.yaml"));
        QCOMPARE(w.findChild<QLabel*>("tpot_msValue")->text(), tpot_before);
        auto* box = w.findChild<QMessageBox*>("errorDialog");
        QVERIFY(box);
        QTRY_VERIFY(box->isVisible());
        box->accept();

        // A well-formed file with a typo and an unknown model: every problem, with line:col.
        const QString typo = write(dir_, "typo.yaml",
                                   "what_if:\n  model: deepseek-v9\n  system: h800-node\n  bacth: 3\n");
        QVERIFY(!w.openFile(typo));
        QCOMPARE(errors.count(), 2);
        const QString msg = errors.at(1).at(1).toString();
        QVERIFY2(msg.contains("typo.yaml:4:") && msg.contains("batch") && msg.contains("deepseek-v9"), qPrintable(msg));
        QVERIFY(model->current() == before);
    }

    void hf_config_model_matches_cli_and_bad_model_is_refused() {
        MainWindow w(*db_);
        auto* model = w.scenarioModel();
        hwplan::hwdb::WhatIf s = model->current();
        s.model = HWPLAN_SOURCE_DIR "/tests/data/hf/mistral-7b-v0.1.json";  // not in the database
        s.system = "h100-node";
        s.nodes = 1;
        s.tp = 2;
        s.dp.reset();
        s.ep.reset();
        s.batch = 16;
        QVERIFY(model->edit(s, "HF model", hwplan::gui::Field::model));
        QVERIFY(model->results().evaluation.problem.empty());
        auto* combo = w.findChild<QComboBox*>("modelCombo");
        QCOMPARE(combo->currentData().toString(), QString::fromStdString(s.model));
        const QJsonObject cli = cli_tpot(model->current());
        QVERIFY(cli.contains("tpot_ms"));
        QCOMPARE(w.findChild<QLabel*>("tpot_msValue")->text(),
                 QString::fromStdString(hwplan::gui::format_fixed(cli["tpot_ms"].toDouble(), 3)) + " ms");

        QSignalSpy errors(model, &hwplan::gui::ScenarioModel::errorOccurred);
        hwplan::hwdb::WhatIf bad = model->current();
        bad.model = dir_.filePath("missing-config.json").toStdString();
        QVERIFY(!model->edit(bad, "bad model", hwplan::gui::Field::model));
        QCOMPARE(errors.count(), 1);
        QVERIFY(model->current() == s);
        QCOMPARE(combo->currentData().toString(), QString::fromStdString(s.model));
    }

    void calibration_profile_matches_cli_with_interval() {
        // A profile fitted from the SYNTHETIC probe file by the built CLI (the
        // numbers are made up; what matters is GUI == CLI for the same file).
        QVERIFY(QDir(dir_.path()).mkpath("profiles"));
        const QString profile = dir_.filePath("profiles/synthetic-h100.yaml");
        QProcess fit;
        fit.start(QStringLiteral(HWPLAN_CLI_BINARY),
                  {"calibrate", "fit", HWPLAN_SOURCE_DIR "/tests/data/calibration/synthetic-gpu-probe.yaml", "--gpu",
                   "h100-sxm", "-o", profile});
        QVERIFY(fit.waitForFinished(120000));
        QVERIFY2(fit.exitCode() == 0, fit.readAllStandardError().constData());

        MainWindow w(*db_);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        auto* model = w.scenarioModel();
        // The profile path is relative to the what-if file, as model paths are.
        QVERIFY(w.openFile(write(dir_, "profiled.yaml",
                                 QByteArray(kScenario) + "  prompt: 2000\n  profile: profiles/synthetic-h100.yaml\n")));
        QCOMPARE(QString::fromStdString(model->current().profile), QFileInfo(profile).absoluteFilePath());

        const auto check_against_cli = [&](bool extrapolated) {
            const QJsonObject cli = cli_tpot(model->current());
            QVERIFY(cli.contains("tpot_ms") && cli.contains("tpot_ms_lo") && cli.contains("tpot_ms_hi"));
            QCOMPARE(cli["extrapolated"].toBool(), extrapolated);
            const double tpot = cli["tpot_ms"].toDouble(), lo = cli["tpot_ms_lo"].toDouble(),
                         hi = cli["tpot_ms_hi"].toDouble();
            QVERIFY2(lo < tpot && tpot < hi, qPrintable(QString("%1 %2 %3").arg(lo).arg(tpot).arg(hi)));
            const auto& e = model->results().evaluation;
            QVERIFY(e.profiled);
            QCOMPARE(e.extrapolated, extrapolated);
            QVERIFY2(std::abs(e.decode.tpot.value() * 1e3 - tpot) <= 1e-9 * tpot,
                     qPrintable(QString("gui %1 cli %2").arg(e.decode.tpot.value() * 1e3).arg(tpot)));
            QVERIFY(std::abs(e.tpot_lo * 1e3 - lo) <= 1e-9 * lo && std::abs(e.tpot_hi * 1e3 - hi) <= 1e-9 * hi);
            QCOMPARE(w.findChild<QLabel*>("tpot_msValue")->text(),
                     QString::fromStdString(hwplan::gui::format_fixed(tpot, 3)) + " ms");
            auto* interval = w.findChild<QLabel*>("tpot_msInterval");
            QVERIFY(interval && interval->isVisible());
            QCOMPARE(interval->text(), QString::fromStdString(hwplan::gui::format_interval(tpot, lo, hi, 3)) + " ms");
            QVERIFY(w.findChild<QLabel*>("ttft_msInterval")->isVisible());
            QCOMPARE(w.findChild<QLabel*>("ttft_msValue")->text(),
                     QString::fromStdString(hwplan::gui::format_fixed(cli["ttft_ms"].toDouble(), 2)) + " ms");
            auto* label = w.findChild<QLabel*>("calibrationLabel");
            QVERIFY(label->isVisible());
            QCOMPARE(label->text().contains("EXTRAPOLATED"), extrapolated);
        };
        // Measured on an H100, predicted for H800s: extrapolated.
        check_against_cli(true);
        if (QTest::currentTestFailed()) return;
        const double profiled_ms = model->results().evaluation.decode.tpot.value();

        // The same profile on H100s is not extrapolated.
        hwplan::hwdb::WhatIf h100 = model->current();
        h100.system = "h100-node";
        QVERIFY(model->edit(h100, "system", hwplan::gui::Field::system));
        check_against_cli(false);
        if (QTest::currentTestFailed()) return;
        model->undo_stack()->undo();

        // Save and reopen keeps the profile (and the numbers).
        const QString saved = dir_.filePath("saved-profiled.yaml");
        QVERIFY(w.saveFile(saved));
        {
            MainWindow other(*db_);
            QVERIFY(other.openFile(saved));
            QVERIFY(other.scenarioModel()->current() == model->current());
            QCOMPARE(other.scenarioModel()->results().evaluation.decode.tpot.value(), profiled_ms);
            QCOMPARE(other.findChild<QLabel*>("tpot_msInterval")->text(),
                     w.findChild<QLabel*>("tpot_msInterval")->text());
        }

        // Clear goes back to the spec-sheet model (one undo step).
        auto* clear = w.findChild<QToolButton*>("profileClear");
        QVERIFY(clear && clear->isEnabled());
        QTest::mouseClick(clear, Qt::LeftButton);
        QVERIFY(model->current().profile.empty());
        QVERIFY(!model->results().evaluation.profiled);
        QVERIFY(model->results().evaluation.decode.tpot.value() != profiled_ms);
        QVERIFY(!w.findChild<QLabel*>("tpot_msInterval")->isVisible());
        QVERIFY(!w.findChild<QLabel*>("calibrationLabel")->isVisible());
        model->undo_stack()->undo();
        QCOMPARE(model->results().evaluation.decode.tpot.value(), profiled_ms);

        // A bad profile is refused with its location; the state is kept.
        QSignalSpy errors(model, &hwplan::gui::ScenarioModel::errorOccurred);
        const auto before = model->current();
        const QString bad = write(dir_, "bad-profile.yaml", "schema: 1\nkind: [\n");
        QVERIFY(!model->setProfile(bad));
        QCOMPARE(errors.count(), 1);
        const QString bad_msg = errors.at(0).at(1).toString();
        QVERIFY2(bad_msg.contains("bad-profile.yaml:"), qPrintable(bad_msg));
        QVERIFY(model->current() == before);
        QVERIFY(!w.openFile(write(dir_, "missing-profile.yaml", QByteArray(kScenario) + "  profile: nowhere.yaml\n")));
        QCOMPARE(errors.count(), 2);
        const QString msg = errors.at(1).at(1).toString();
        QVERIFY2(msg.contains("missing-profile.yaml:7:") && msg.contains("nowhere.yaml"), qPrintable(msg));
        QVERIFY(model->current() == before);
    }

    void exports_charts_and_tables() {
        MainWindow w(*db_);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openFile(write(dir_, "export.yaml", kScenario)));
        QTemporaryDir out;
        const QStringList png = w.exportCharts(out.path(), "png");
        const QStringList svg = w.exportCharts(out.path(), "svg");
        QCOMPARE(png.size(), static_cast<qsizetype>(w.charts().size()));
        QCOMPARE(svg.size(), png.size());
        for (const QString& f : png + svg) QVERIFY2(QFileInfo(f).size() > 1000, qPrintable(f));
        QFile head(svg.front());
        QVERIFY(head.open(QIODevice::ReadOnly));
        QVERIFY(head.readAll().contains("<svg"));
        const QStringList csv = w.exportTables(out.path());
        QCOMPARE(csv.size(), 2);
        QFile f(csv.front());
        QVERIFY(f.open(QIODevice::ReadOnly | QIODevice::Text));
        const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), w.metricsModel()->rowCount() + 1);
        const double tpot_ms = w.scenarioModel()->results().evaluation.decode.tpot.value() * 1e3;
        QVERIFY(lines.contains(QStringLiteral("TPOT,ms,%1").arg(QString::number(tpot_ms, 'g', 17))));
    }
};

QTEST_MAIN(TestGuiWhatIf)
#include "test_gui_whatif.moc"

// hwplan-gui: the desktop app for what-if exploration (docs/gui.md).
//
//   hwplan-gui [scenario.yaml]
//   hwplan-gui --scenario f.yaml --screenshot out.png [--tab planner] [--size 1560x980]
//
// --screenshot renders the main window offscreen (QT_QPA_PLATFORM=offscreen
// unless another platform is set), writes it as a PNG and exits; with
// --tab planner and a capacity-planning scenario it runs the plan first.
// Exit status: 0 ok, 2 bad input (unreadable scenario, bad option).
#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string_view>

#include "gui/export.hpp"
#include "gui/main_window.hpp"
#include "gui/planner_tab.hpp"
#include "gui/topology_tab.hpp"
#include "hwdb/database.hpp"
#include "model/error.hpp"

namespace {

// Runs that never show a window: a screenshot, --help, --version.
bool headless(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view a(argv[i]);
        if (a.starts_with("--screenshot") || a == "--help" || a == "-h" || a == "--version" || a == "-v") return true;
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    // These need no display.
    if (headless(argc, argv) && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setOrganizationName("hwplan");
    QApplication::setApplicationName("hwplan-gui");
    QApplication::setApplicationVersion(HWPLAN_GUI_VERSION);

    QCommandLineParser parser;
    parser.setApplicationDescription("hwplan desktop app: what-if exploration of LLM inference deployments");
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption scenario_opt("scenario", "Open this what-if or capacity-planning scenario.", "file");
    const QCommandLineOption screenshot_opt("screenshot", "Render the window to this PNG and exit.", "png");
    const QCommandLineOption tab_opt("tab", "Tab to show: what-if (default), planner or topology.", "name");
    const QCommandLineOption size_opt("size", "Window size for --screenshot, default 1560x980.", "WxH");
    parser.addOptions({scenario_opt, screenshot_opt, tab_opt, size_opt});
    parser.addPositionalArgument("scenario", "Scenario file (same as --scenario).", "[scenario.yaml]");
    parser.process(app);

    const bool screenshot = parser.isSet(screenshot_opt);
    std::optional<hwplan::hwdb::Database> db;
    try {
        db.emplace(hwplan::hwdb::Database::load(hwplan::hwdb::default_data_paths(argv[0])));
    } catch (const hwplan::Error& e) {
        std::cerr << "hwplan-gui: cannot load the database: " << e.what() << "\n";
        if (!screenshot) QMessageBox::critical(nullptr, "hwplan-gui", QString::fromStdString(e.what()));
        return 2;
    }

    hwplan::gui::MainWindow window(*db);
    window.setQuietErrors(screenshot);
    QString file = parser.value(scenario_opt);
    if (file.isEmpty() && !parser.positionalArguments().isEmpty()) file = parser.positionalArguments().front();
    if (!file.isEmpty() && !window.openFile(file)) {
        if (screenshot) return 2;
    }
    const QString tab = parser.value(tab_opt);
    if (tab == "planner")
        window.tabs()->setCurrentWidget(window.plannerTab());
    else if (tab == "topology")
        window.tabs()->setCurrentWidget(window.topologyTab());
    else if (!tab.isEmpty() && tab != "what-if") {
        std::cerr << "hwplan-gui: --tab: expected what-if, planner or topology, got '" << tab.toStdString() << "'\n";
        return 2;
    }

    if (!screenshot) {
        window.show();
        return QApplication::exec();
    }

    if (parser.isSet(size_opt)) {
        const QStringList wh = parser.value(size_opt).split('x');
        bool ok_w = false, ok_h = false;
        const int w = wh.size() == 2 ? wh[0].toInt(&ok_w) : 0, h = wh.size() == 2 ? wh[1].toInt(&ok_h) : 0;
        if (!ok_w || !ok_h || w < 200 || h < 200) {
            std::cerr << "hwplan-gui: --size: expected WxH (e.g. 1560x980)\n";
            return 2;
        }
        window.resize(w, h);
    }
    if (tab == "planner") {
        window.plannerTab()->run();
        window.plannerTab()->runner()->wait();
    }
    window.show();
    QApplication::processEvents();
    const QString err = hwplan::gui::export_screenshot(&window, parser.value(screenshot_opt));
    if (!err.isEmpty()) {
        std::cerr << "hwplan-gui: " << err.toStdString() << "\n";
        return 2;
    }
    std::cout << "wrote " << parser.value(screenshot_opt).toStdString() << "\n";
    return window.errorCount() > 0 ? 2 : 0;
}

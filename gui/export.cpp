#include "gui/export.hpp"

#include <QAbstractItemModel>
#include <QFile>
#include <QPainter>
#include <QPixmap>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QTextStream>
#include <QtCharts/QChartView>

#include "gui/comparison_model.hpp"

namespace hwplan::gui {

QString csv_field(const QString& s) {
    if (!s.contains(QLatin1Char(',')) && !s.contains(QLatin1Char('"')) && !s.contains(QLatin1Char('\n'))) return s;
    QString q = s;
    q.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + q + QLatin1Char('"');
}

QString export_chart_png(QChartView* view, const QString& path) {
    const qreal scale = 2.0;
    QPixmap pixmap(view->size() * scale);
    pixmap.setDevicePixelRatio(scale);
    pixmap.fill(Qt::white);
    {
        QPainter p(&pixmap);
        p.setRenderHint(QPainter::Antialiasing);
        view->render(&p);
    }
    if (!pixmap.save(path, "PNG")) return QObject::tr("cannot write %1").arg(path);
    return {};
}

QString export_chart_svg(QChartView* view, const QString& path) {
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(view->size());
    svg.setViewBox(QRect(QPoint(0, 0), view->size()));
    svg.setTitle(view->chart() ? view->chart()->title() : QString());
    svg.setDescription(QStringLiteral("hwplan-gui chart"));
    QPainter p;
    if (!p.begin(&svg)) return QObject::tr("cannot write %1").arg(path);
    view->render(&p);
    p.end();
    if (!QFile::exists(path)) return QObject::tr("cannot write %1").arg(path);
    return {};
}

QString export_csv(const QAbstractItemModel* model, const QString& path) {
    QString text;
    QTextStream out(&text);
    const int cols = model->columnCount();
    for (int c = 0; c < cols; ++c)
        out << (c ? "," : "") << csv_field(model->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString());
    out << "\n";
    for (int r = 0; r < model->rowCount(); ++r) {
        for (int c = 0; c < cols; ++c) {
            const QModelIndex i = model->index(r, c);
            QVariant v = model->data(i, ComparisonModel::RawValueRole);
            QString s;
            if (v.isValid() && v.canConvert<double>() && v.typeId() == QMetaType::Double)
                s = QString::number(v.toDouble(), 'g', 17);
            else
                s = model->data(i, Qt::DisplayRole).toString();
            out << (c ? "," : "") << csv_field(s);
        }
        out << "\n";
    }
    out.flush();
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Text)) return QObject::tr("cannot write %1: %2").arg(path, f.errorString());
    f.write(text.toUtf8());
    if (!f.commit()) return QObject::tr("cannot write %1: %2").arg(path, f.errorString());
    return {};
}

QString export_screenshot(QWidget* widget, const QString& path) {
    const QPixmap pixmap = widget->grab();
    if (pixmap.isNull()) return QObject::tr("nothing to capture");
    if (!pixmap.save(path, "PNG")) return QObject::tr("cannot write %1").arg(path);
    return {};
}

}  // namespace hwplan::gui

#include "gui/curves_chart.hpp"

#include <QPen>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>

#include "gui/chart_style.hpp"

namespace hwplan::gui {

namespace {

const QColor kTpotColor = palette_color(0);
const QColor kTputColor = palette_color(1);

QLineSeries* line(const QString& name, const QColor& color, Qt::PenStyle style, double width) {
    auto* s = new QLineSeries;
    s->setName(name);
    QPen pen(color);
    pen.setWidthF(width);
    pen.setStyle(style);
    s->setPen(pen);
    return s;
}

}  // namespace

CurvesChart::CurvesChart(ScenarioModel* model, SweepAxis axis, QWidget* parent)
    : QChartView(make_chart(axis == SweepAxis::batch ? tr("TPOT and throughput vs batch")
                                                     : tr("TPOT and throughput vs context")),
                 parent),
      model_(model),
      sweep_(axis),
      x_(new QLogValueAxis),
      tpot_axis_(new QValueAxis),
      tput_axis_(new QValueAxis) {
    style_view(this);
    setObjectName(axis == SweepAxis::batch ? "batchCurves" : "contextCurves");
    x_->setBase(2);
    x_->setLabelFormat("%g");
    x_->setTitleText(axis == SweepAxis::batch ? tr("batch (sequences per DP replica)") : tr("context (tokens)"));
    x_->setMinorTickCount(0);
    tpot_axis_->setTitleText(tr("TPOT ms"));
    tpot_axis_->setLabelFormat("%.0f");
    tpot_axis_->setLabelsColor(kTpotColor);
    tput_axis_->setTitleText(tr("tok/s per GPU"));
    tput_axis_->setLabelFormat("%.0f");
    tput_axis_->setLabelsColor(kTputColor);
    chart()->addAxis(x_, Qt::AlignBottom);
    chart()->addAxis(tpot_axis_, Qt::AlignLeft);
    chart()->addAxis(tput_axis_, Qt::AlignRight);
    pinned_ = make_lines(true);
    current_ = make_lines(false);
    chart()->legend()->setAlignment(Qt::AlignBottom);
    connect(model_, &ScenarioModel::changed, this, &CurvesChart::refresh);
    refresh();
}

CurvesChart::Lines CurvesChart::make_lines(bool pinned) {
    Lines l;
    const double w = pinned ? 1.2 : 2.2;
    const Qt::PenStyle solid = pinned ? Qt::DotLine : Qt::SolidLine;
    const QString tag = pinned ? tr(" (A)") : QString();
    l.tpot = line(tr("TPOT") + tag, kTpotColor, solid, w);
    l.tpot_over = line(tr("TPOT, does not fit") + tag, kTpotColor.lighter(140), Qt::DashLine, w * 0.7);
    l.tput = line(tr("tok/s/GPU") + tag, kTputColor, solid, w);
    l.tput_over = line(tr("tok/s/GPU, does not fit") + tag, kTputColor.lighter(140), Qt::DashLine, w * 0.7);
    for (QLineSeries* s : {l.tpot, l.tpot_over, l.tput, l.tput_over}) {
        chart()->addSeries(s);
        s->attachAxis(x_);
        s->attachAxis(s == l.tpot || s == l.tpot_over ? tpot_axis_ : tput_axis_);
    }
    // Markers: two scatter series would need two y axes; one per axis.
    l.marks = new QScatterSeries;
    l.marks->setName(pinned ? tr("A") : tr("current"));
    l.marks->setMarkerSize(pinned ? 8 : 11);
    l.marks->setColor(pinned ? Qt::white : Qt::black);
    l.marks->setBorderColor(Qt::black);
    chart()->addSeries(l.marks);
    l.marks->attachAxis(x_);
    l.marks->attachAxis(tpot_axis_);
    for (QLineSeries* s : {l.tpot_over, l.tput_over})
        for (QLegendMarker* m : chart()->legend()->markers(s)) m->setVisible(false);
    if (pinned)
        for (QAbstractSeries* s : {static_cast<QAbstractSeries*>(l.tpot), static_cast<QAbstractSeries*>(l.tput),
                                   static_cast<QAbstractSeries*>(l.marks)})
            for (QLegendMarker* m : chart()->legend()->markers(s)) m->setVisible(false);
    return l;
}

void CurvesChart::fill(Lines& l, const Curve& c, double& x_lo, double& x_hi, double& y1, double& y2) {
    QList<QPointF> tpot, tpot_over, tput, tput_over;
    const CurvePoint* last_fit = nullptr;
    for (const auto& p : c.points) {
        if (p.fits) {
            tpot << QPointF(p.x, p.tpot_ms);
            tput << QPointF(p.x, p.tokens_per_s_per_gpu);
            last_fit = &p;
        } else {
            if (tpot_over.isEmpty() && last_fit) {  // join the dashed part to the solid one
                tpot_over << QPointF(last_fit->x, last_fit->tpot_ms);
                tput_over << QPointF(last_fit->x, last_fit->tokens_per_s_per_gpu);
            }
            tpot_over << QPointF(p.x, p.tpot_ms);
            tput_over << QPointF(p.x, p.tokens_per_s_per_gpu);
        }
        x_lo = std::min(x_lo, p.x);
        x_hi = std::max(x_hi, p.x);
        y1 = std::max(y1, p.tpot_ms);
        y2 = std::max(y2, p.tokens_per_s_per_gpu);
    }
    l.tpot->replace(tpot);
    l.tpot_over->replace(tpot_over);
    l.tput->replace(tput);
    l.tput_over->replace(tput_over);
}

void CurvesChart::refresh() {
    double x_lo = std::numeric_limits<double>::max(), x_hi = 0, y1 = 0, y2 = 0;
    const Results& cur = model_->results();
    const Curve& c = sweep_ == SweepAxis::batch ? cur.batch_curve : cur.context_curve;
    fill(current_, c, x_lo, x_hi, y1, y2);
    const Results* pin = model_->pinned_results();
    const Curve empty;
    fill(pinned_, pin ? (sweep_ == SweepAxis::batch ? pin->batch_curve : pin->context_curve) : empty, x_lo, x_hi,
         y1, y2);
    if (x_hi <= 0) {
        x_lo = 1;
        x_hi = 2;
    }
    y1 = y1 > 0 ? y1 * 1.08 : 1;
    y2 = y2 > 0 ? y2 * 1.08 : 1;
    x_->setRange(x_lo, x_hi);
    tpot_axis_->setRange(0, y1);
    tpot_axis_->applyNiceNumbers();
    tput_axis_->setRange(0, y2);
    tput_axis_->applyNiceNumbers();
    // Mark the current points: TPOT on its own axis, throughput rescaled onto it.
    const double scale = tpot_axis_->max() / tput_axis_->max();
    const auto marks = [&](Lines& l, const Results* r) {
        QList<QPointF> pts;
        if (r) {
            const Curve& cv = sweep_ == SweepAxis::batch ? r->batch_curve : r->context_curve;
            for (const auto& p : cv.points)
                if (p.x == cv.current_x) pts << QPointF(p.x, p.tpot_ms) << QPointF(p.x, p.tokens_per_s_per_gpu * scale);
        }
        l.marks->replace(pts);
    };
    marks(current_, &cur);
    marks(pinned_, pin);
}

}  // namespace hwplan::gui

#include "gui/slider_spin.hpp"

#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QSignalBlocker>
#include <QSlider>

#include <algorithm>
#include <cmath>

namespace hwplan::gui {

namespace {
constexpr int kSteps = 1000;  // slider positions of a continuous scale
}

SliderSpin::SliderSpin(const QString& name, double min, double max, int decimals, Scale scale, QWidget* parent)
    : QWidget(parent),
      spin_(new QDoubleSpinBox(this)),
      slider_(new QSlider(Qt::Horizontal, this)),
      scale_(scale),
      slider_min_(min),
      slider_max_(max) {
    spin_->setObjectName(name + "Spin");
    slider_->setObjectName(name + "Slider");
    spin_->setRange(min, max);
    spin_->setDecimals(decimals);
    spin_->setKeyboardTracking(false);
    spin_->setAccelerated(true);
    spin_->setMinimumWidth(96);
    slider_->setRange(0, kSteps);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(slider_, 3);
    layout->addWidget(spin_, 2);
    connect(spin_, &QDoubleSpinBox::valueChanged, this, [this](double v) {
        sync_slider(v);
        emit valueEdited(v);
    });
    connect(slider_, &QSlider::valueChanged, this, [this](int pos) {
        const double v = value_at(pos);
        if (v == spin_->value()) return;
        {
            const QSignalBlocker block(spin_);
            spin_->setValue(v);
        }
        emit valueEdited(spin_->value());
    });
}

void SliderSpin::setValue(double v) {
    const QSignalBlocker b1(spin_);
    spin_->setValue(v);
    sync_slider(spin_->value());
}

double SliderSpin::value() const { return spin_->value(); }

void SliderSpin::setSliderRange(double min, double max) {
    slider_min_ = min;
    slider_max_ = max;
    sync_slider(spin_->value());
}

void SliderSpin::setStops(std::vector<double> stops) {
    stops_ = std::move(stops);
    const QSignalBlocker b(slider_);
    slider_->setRange(0, stops_.empty() ? kSteps : static_cast<int>(stops_.size()) - 1);
    slider_->setPageStep(stops_.empty() ? kSteps / 10 : 1);
    sync_slider(spin_->value());
}

void SliderSpin::setSpecialValueText(const QString& text) { spin_->setSpecialValueText(text); }
void SliderSpin::setSuffix(const QString& suffix) { spin_->setSuffix(suffix); }
void SliderSpin::setSingleStep(double step) { spin_->setSingleStep(step); }

int SliderSpin::position_of(double v) const {
    if (!stops_.empty()) {
        // The nearest stop.
        int best = 0;
        for (int i = 1; i < static_cast<int>(stops_.size()); ++i)
            if (std::abs(stops_[static_cast<std::size_t>(i)] - v) <
                std::abs(stops_[static_cast<std::size_t>(best)] - v))
                best = i;
        return best;
    }
    const double lo = slider_min_, hi = slider_max_;
    const double c = std::clamp(v, lo, hi);
    double t = 0;
    if (scale_ == Scale::log && lo > 0)
        t = std::log(c / lo) / std::log(hi / lo);
    else if (hi > lo)
        t = (c - lo) / (hi - lo);
    return static_cast<int>(std::lround(t * kSteps));
}

double SliderSpin::value_at(int position) const {
    if (!stops_.empty()) return stops_[static_cast<std::size_t>(std::clamp<int>(position, 0, static_cast<int>(stops_.size()) - 1))];
    const double t = static_cast<double>(position) / kSteps;
    const double lo = slider_min_, hi = slider_max_;
    double v = scale_ == Scale::log && lo > 0 ? lo * std::pow(hi / lo, t) : lo + t * (hi - lo);
    if (spin_->decimals() == 0) v = std::round(v);
    return std::clamp(v, spin_->minimum(), spin_->maximum());
}

void SliderSpin::sync_slider(double v) {
    const QSignalBlocker b(slider_);
    slider_->setValue(position_of(v));
}

}  // namespace hwplan::gui

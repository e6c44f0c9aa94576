#pragma once
// A spin box with a slider beside it, kept in step. The slider maps its
// positions to values linearly, logarithmically (batch, context, bandwidth)
// or onto a list of allowed stops (EP degrees). valueEdited() fires only for
// user edits (either widget), never for setValue(), so a view can mirror the
// model without feeding back into it.

#include <QWidget>

#include <vector>

class QDoubleSpinBox;
class QSlider;

namespace hwplan::gui {

class SliderSpin : public QWidget {
    Q_OBJECT
public:
    enum class Scale { linear, log };

    // `name` becomes the object names "<name>Spin" and "<name>Slider" (test handles).
    SliderSpin(const QString& name, double min, double max, int decimals, Scale scale, QWidget* parent = nullptr);

    void setValue(double v);  // no valueEdited()
    [[nodiscard]] double value() const;
    // Slider range when it differs from the spin box's (the spin box may go
    // beyond, e.g. batch up to 65,536 with a slider to 1,024).
    void setSliderRange(double min, double max);
    // Slider snaps to these values (ascending); empty: continuous.
    void setStops(std::vector<double> stops);
    // Text shown for the minimum value ("auto", "system").
    void setSpecialValueText(const QString& text);
    void setSuffix(const QString& suffix);
    void setSingleStep(double step);

    [[nodiscard]] QDoubleSpinBox* spin() const { return spin_; }
    [[nodiscard]] QSlider* slider() const { return slider_; }

signals:
    void valueEdited(double value);

private:
    [[nodiscard]] int position_of(double v) const;
    [[nodiscard]] double value_at(int position) const;
    void sync_slider(double v);

    QDoubleSpinBox* spin_;
    QSlider* slider_;
    Scale scale_;
    double slider_min_, slider_max_;
    std::vector<double> stops_;
};

}  // namespace hwplan::gui

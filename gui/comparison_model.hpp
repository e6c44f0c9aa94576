#pragma once
// A table of numbers for one scenario, or for two side by side (compare
// mode: B = current, A = pinned, and the delta B - A). One instance backs the
// metrics table, another the per-component breakdown; CSV export reads it
// through the model interface (RawValueRole gives full-precision numbers).

#include <QAbstractTableModel>

#include <optional>
#include <string>
#include <vector>

namespace hwplan::gui {

class ComparisonModel : public QAbstractTableModel {
    Q_OBJECT
public:
    struct Row {
        std::string key;  // stable id (CSV)
        std::string label;
        std::string unit;
        int decimals = 0;
        std::optional<double> b;  // current scenario; nullopt: not available
        std::optional<double> a;  // pinned scenario (compare mode)
        friend bool operator==(const Row&, const Row&) = default;
    };
    enum Column { quantity, unit, value_b, value_a, delta };
    static constexpr int RawValueRole = Qt::UserRole + 1;

    using QAbstractTableModel::QAbstractTableModel;

    // Replaces the rows; resets the model only when the row keys or the
    // compare mode change, otherwise signals dataChanged (cheap, keeps the
    // view's selection and scroll position).
    void setRows(std::vector<Row> rows, bool comparing);
    [[nodiscard]] const std::vector<Row>& rows() const { return rows_; }
    [[nodiscard]] bool comparing() const { return comparing_; }

    [[nodiscard]] int rowCount(const QModelIndex& parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex& parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    [[nodiscard]] QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

private:
    std::vector<Row> rows_;
    bool comparing_ = false;
};

}  // namespace hwplan::gui

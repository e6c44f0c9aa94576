#include "gui/comparison_model.hpp"

#include "gui/evaluation.hpp"

namespace hwplan::gui {

namespace {
QString qs(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

void ComparisonModel::setRows(std::vector<Row> rows, bool comparing) {
    bool same_shape = comparing == comparing_ && rows.size() == rows_.size();
    for (std::size_t i = 0; same_shape && i < rows.size(); ++i) same_shape = rows[i].key == rows_[i].key;
    if (!same_shape) {
        beginResetModel();
        rows_ = std::move(rows);
        comparing_ = comparing;
        endResetModel();
        return;
    }
    if (rows == rows_) return;
    rows_ = std::move(rows);
    emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

int ComparisonModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int ComparisonModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : (comparing_ ? 5 : 3);
}

QVariant ComparisonModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const Row& r = rows_[static_cast<std::size_t>(index.row())];
    const auto col = static_cast<Column>(index.column());
    if (role == Qt::TextAlignmentRole)
        return col >= value_b ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != RawValueRole) return {};
    const bool raw = role == RawValueRole;
    const auto value = [&](const std::optional<double>& v) -> QVariant {
        if (raw) return v ? QVariant(*v) : QVariant();
        return v ? qs(format_fixed(*v, r.decimals)) : QStringLiteral("–");
    };
    switch (col) {
        case quantity: return qs(r.label);
        case unit: return qs(r.unit);
        case value_b: return value(r.b);
        case value_a: return value(r.a);
        case delta:
            if (!r.a || !r.b) return raw ? QVariant() : QVariant(QStringLiteral("–"));
            return raw ? QVariant(*r.b - *r.a) : QVariant(qs(format_delta(*r.b, *r.a, r.decimals)));
    }
    return {};
}

QVariant ComparisonModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (static_cast<Column>(section)) {
        case quantity: return tr("Quantity");
        case unit: return tr("Unit");
        case value_b: return comparing_ ? tr("B (current)") : tr("Value");
        case value_a: return tr("A (pinned)");
        case delta: return tr("Δ B − A");
    }
    return {};
}

}  // namespace hwplan::gui

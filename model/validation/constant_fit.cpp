#include "model/validation/constant_fit.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "model/error.hpp"

namespace hwplan::model::validation {

namespace {

// ln 10: |ln(predicted / published)| is capped there, and a row the model
// cannot predict at some constant value costs as much (see the header).
constexpr double log_cap = 2.302585092994046;
constexpr double huber_delta = 0.02;

double pseudo_huber(double x) { return huber_delta * (std::sqrt(1 + (x / huber_delta) * (x / huber_delta)) - 1); }

// A prediction "depends" on a constant when it moves by more than this
// relative amount between the base value and a bound (far above rounding).
constexpr double dependence_threshold = 1e-9;

bool moved(const RowResult& a, const RowResult& b) {
    if (a.modelled != b.modelled) return true;
    if (!a.modelled) return false;
    const double scale = std::max(std::fabs(a.predicted), 1e-300);
    return std::fabs(a.predicted - b.predicted) > dependence_threshold * scale;
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
}

// The rows one coordinate's search re-evaluates, and their current losses.
struct Coordinate {
    int constant = 0;
    std::vector<int> rows;  // positions in the fit's row list
};

}  // namespace

double row_loss(const RowResult& r) {
    const double ratio = 1 + r.error;
    if (!r.modelled || !(ratio > 0) || !std::isfinite(ratio)) return pseudo_huber(log_cap);
    return pseudo_huber(std::min(std::fabs(std::log(ratio)), log_cap));
}

void validate(const FitSettings& s, const Options& base) {
    if (s.min_rows < 2) throw Error(fmt::format("must be at least 2 (no constant may be set from a single row), got {}", s.min_rows), "min_rows");
    if (s.min_sources < 1) throw Error(fmt::format("must be at least 1, got {}", s.min_sources), "min_sources");
    if (s.max_sweeps < 1) throw Error(fmt::format("must be at least 1, got {}", s.max_sweeps), "max_sweeps");
    if (!(s.tolerance > 0 && s.tolerance < 0.5))
        throw Error(fmt::format("must be in (0, 0.5), got {}", s.tolerance), "tolerance");
    for (const FittedConstant& c : s.constants) {
        const std::string where = "constant " + std::string(c.name);
        if (!c.get || !c.set) throw Error("has no accessors", where);
        if (!(c.lo < c.hi)) throw Error(fmt::format("bounds [{}, {}] are empty", c.lo, c.hi), where);
        const double v = c.get(base);
        if (!(v >= c.lo && v <= c.hi))
            throw Error(fmt::format("base value {} is outside its bounds [{}, {}]", v, c.lo, c.hi), where);
    }
}

Dependence find_dependence(const std::vector<Reference>& refs, const Catalog& catalog, const Options& base,
                           const std::vector<FittedConstant>& constants) {
    Dependence d;
    d.rows_of.resize(constants.size());
    std::vector<RowResult> at_base;
    at_base.reserve(refs.size());
    for (const Reference& r : refs) at_base.push_back(evaluate(r, catalog, base));
    d.evaluations += static_cast<int>(refs.size());
    for (std::size_t j = 0; j < constants.size(); ++j) {
        const FittedConstant& c = constants[j];
        Options lo = base, hi = base;
        c.set(lo, c.lo);
        c.set(hi, c.hi);
        for (std::size_t i = 0; i < refs.size(); ++i) {
            if (!at_base[i].modelled || at_base[i].method != Method::realistic) continue;
            d.evaluations += 2;
            if (moved(at_base[i], evaluate(refs[i], catalog, lo)) || moved(at_base[i], evaluate(refs[i], catalog, hi)))
                d.rows_of[j].push_back(static_cast<int>(i));
        }
    }
    return d;
}

FitResult fit_constants(const std::vector<Reference>& refs, const Catalog& catalog, const Options& base,
                        const Dependence& dependence, const std::function<bool(const Reference&)>& in_training,
                        const FitSettings& settings) {
    validate(settings, base);
    if (dependence.rows_of.size() != settings.constants.size())
        throw Error("dependence was found for another list of constants", "fit_constants");
    const auto& constants = settings.constants;
    const std::size_t n = constants.size();
    FitResult out;
    out.options = base;
    out.constants.resize(n);

    // Training measurement rows per constant, and which constants are fitted.
    std::vector<int> fit_rows;  // indices into refs: the loss's rows
    std::vector<int> position(refs.size(), -1);
    std::vector<Coordinate> coordinates;
    for (std::size_t j = 0; j < n; ++j) {
        ConstantFit& cf = out.constants[j];
        cf.name = constants[j].name;
        cf.unit = constants[j].unit;
        cf.base = cf.value = constants[j].get(base);
        std::vector<int> rows;
        std::set<std::string> sources;
        for (int i : dependence.rows_of[j]) {
            const Reference& r = refs[static_cast<std::size_t>(i)];
            if (r.kind != ReferenceKind::measurement || !in_training(r)) continue;
            rows.push_back(i);
            sources.insert(r.source);
        }
        cf.rows = static_cast<int>(rows.size());
        cf.sources.assign(sources.begin(), sources.end());
        if (cf.rows < settings.min_rows || static_cast<int>(sources.size()) < settings.min_sources) {
            cf.note = cf.rows == 0 ? "no training measurement row depends on it"
                                   : fmt::format("only {} row(s) of {} depend on it (needs {} rows of {} sources)",
                                                 cf.rows, sources.empty() ? "-" : join(cf.sources),
                                                 settings.min_rows, settings.min_sources);
            continue;
        }
        cf.fitted = true;
        Coordinate co;
        co.constant = static_cast<int>(j);
        for (int i : rows) {
            if (position[static_cast<std::size_t>(i)] < 0) {
                position[static_cast<std::size_t>(i)] = static_cast<int>(fit_rows.size());
                fit_rows.push_back(i);
            }
            co.rows.push_back(position[static_cast<std::size_t>(i)]);
        }
        coordinates.push_back(std::move(co));
    }
    out.rows = static_cast<int>(fit_rows.size());
    if (fit_rows.empty()) return out;

    std::vector<double> loss(fit_rows.size());
    for (std::size_t p = 0; p < fit_rows.size(); ++p)
        loss[p] = row_loss(evaluate(refs[static_cast<std::size_t>(fit_rows[p])], catalog, out.options));
    out.evaluations += static_cast<int>(fit_rows.size());
    const auto mean = [&] {
        double s = 0;
        for (double v : loss) s += v;
        return s / static_cast<double>(loss.size());
    };
    out.loss_base = out.loss_fitted = mean();

    // Sum of the coordinate's rows' losses at value x (others as they are now).
    std::vector<double> trial;
    const auto coordinate_loss = [&](const Coordinate& co, double x, std::vector<double>* per_row) {
        Options o = out.options;
        constants[static_cast<std::size_t>(co.constant)].set(o, x);
        double s = 0;
        if (per_row) per_row->clear();
        for (int p : co.rows) {
            const double l = row_loss(evaluate(refs[static_cast<std::size_t>(fit_rows[static_cast<std::size_t>(p)])], catalog, o));
            s += l;
            if (per_row) per_row->push_back(l);
        }
        out.evaluations += static_cast<int>(co.rows.size());
        return s;
    };

    constexpr double inv_phi = 0.6180339887498949;  // (sqrt(5) - 1) / 2
    for (int sweep = 1; sweep <= settings.max_sweeps; ++sweep) {
        const double before = out.loss_fitted;
        for (const Coordinate& co : coordinates) {
            const FittedConstant& c = constants[static_cast<std::size_t>(co.constant)];
            double current = 0;
            for (int p : co.rows) current += loss[static_cast<std::size_t>(p)];
            // Golden-section search over [lo, hi].
            double a = c.lo, b = c.hi;
            double x1 = b - inv_phi * (b - a), x2 = a + inv_phi * (b - a);
            double f1 = coordinate_loss(co, x1, nullptr), f2 = coordinate_loss(co, x2, nullptr);
            const double width = settings.tolerance * (c.hi - c.lo);
            while (b - a > width) {
                if (f1 <= f2) {
                    b = x2;
                    x2 = x1;
                    f2 = f1;
                    x1 = b - inv_phi * (b - a);
                    f1 = coordinate_loss(co, x1, nullptr);
                } else {
                    a = x1;
                    x1 = x2;
                    f1 = f2;
                    x2 = a + inv_phi * (b - a);
                    f2 = coordinate_loss(co, x2, nullptr);
                }
            }
            const double x = f1 <= f2 ? x1 : x2;
            const double fx = coordinate_loss(co, x, &trial);
            // Keep the current value unless strictly better (flat losses
            // would otherwise wander with the bracket).
            if (fx < current - 1e-12 * std::max(1.0, current)) {
                c.set(out.options, x);
                for (std::size_t k = 0; k < co.rows.size(); ++k) loss[static_cast<std::size_t>(co.rows[k])] = trial[k];
                out.loss_fitted = mean();
            }
            if (settings.progress)
                settings.progress({sweep, co.constant, out.evaluations, out.loss_fitted});
        }
        out.sweeps = sweep;
        if (before - out.loss_fitted < 1e-6) break;
    }
    for (std::size_t j = 0; j < n; ++j) out.constants[j].value = constants[j].get(out.options);
    return out;
}

}  // namespace hwplan::model::validation

#pragma once
// Fitting realistic-mode constants (fitted_constant.hpp) to published
// measurement rows. Pure and deterministic: the same rows, catalog and
// settings give the same constants, bit for bit.
//
// Which rows inform a constant: a modelled row depends on constant c when its
// prediction changes with c moved to either bound (all others at the base
// values). The dependence is found once (find_dependence); the fit then only
// re-evaluates, for each constant, the rows that depend on it.
//
// Loss: the mean over the training rows of rho(ln(1 + e)), e the row's
// effective error (validation.hpp: ln(predicted / published) for a point
// value, against the nearer end outside a range or bound, 0 inside), and
// rho the pseudo-Huber function delta * (sqrt(1 + (x / delta)^2) - 1) with
// delta = 0.02: |x| beyond a 2 % error, quadratic inside. Why this one:
// errors of a performance model are multiplicative (2x too slow and 2x too
// fast weigh the same in log space), and an L1 loss is the
// maximum-likelihood fit for Laplace-distributed errors: one row off by
// +280 % (a setup hwplan does not model) moves the fit as much as one off by
// +30 %, not ten times as much as under least squares. The quadratic core
// only makes it smooth, so a coordinate search cannot stall at a kink. A
// median would be more robust still but is piecewise constant in the
// constants, which no 1-D search descends reliably. |x| is capped at ln 10
// (a row 10x off says nothing more about a constant), and a row that becomes
// not modelled at some constant value costs that cap. Only measurement-kind
// rows count (reference.hpp: paper calculations and deployment reports are
// not measurements of these kernels).
//
// Search: cyclic coordinate descent, each coordinate by a golden-section
// search over its bounds (derivative-free; the loss is continuous but has
// kinks), keeping the current value unless the search finds a strictly lower
// loss; sweeps until one lowers the loss by less than 1e-6 or max_sweeps.
//
// "No constant may be set from a single row": a constant on which fewer than
// min_rows training rows, or rows of fewer than min_sources sources, depend
// is not fitted; it keeps its base value and the result says why.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model/validation/fitted_constant.hpp"
#include "model/validation/validation.hpp"

namespace hwplan::model::validation {

// Where a fit stands, for a progress line (the CLI prints it to stderr).
struct FitProgress {
    int sweep = 0;        // 1-based
    int constant = 0;     // index into FitSettings::constants of the coordinate just searched
    int evaluations = 0;  // row evaluations so far in this fit
    double loss = 0;      // current training loss
};

struct FitSettings {
    std::vector<FittedConstant> constants = realistic_fitted_constants();
    int min_rows = 2;     // training rows a constant needs to be fitted (>= 2: never one row)
    int min_sources = 2;  // ... and sources they must come from
    int max_sweeps = 8;
    double tolerance = 1e-3;  // golden-section bracket, as a share of the bounds' width
    std::function<void(const FitProgress&)> progress;  // optional
};

// Throws hwplan::Error naming the setting when it is out of range (min_rows
// < 2, min_sources < 1, max_sweeps < 1, tolerance not in (0, 0.5), a
// constant without accessors or with lo >= hi, or a base value outside its
// bounds).
void validate(const FitSettings& s, const Options& base);

// For every constant, the rows (indices into refs) whose prediction depends
// on it. Only rows modelled at the base options are considered.
struct Dependence {
    std::vector<std::vector<int>> rows_of;  // per constant, ascending
    int evaluations = 0;
};
[[nodiscard]] Dependence find_dependence(const std::vector<Reference>& refs, const Catalog& catalog,
                                         const Options& base, const std::vector<FittedConstant>& constants);

struct ConstantFit {
    std::string name;
    std::string unit;
    double base = 0;   // value before the fit
    double value = 0;  // after (== base when not fitted)
    bool fitted = false;
    int rows = 0;                      // training measurement rows that depend on it
    std::vector<std::string> sources;  // their sources, sorted
    std::string note;                  // why not fitted; empty when fitted
};

struct FitResult {
    Options options;  // the base options with the fitted values set
    std::vector<ConstantFit> constants;  // in FitSettings::constants order
    int rows = 0;                        // training rows in the loss
    double loss_base = 0, loss_fitted = 0;
    int sweeps = 0;
    int evaluations = 0;
};

// The loss of one row (see the header comment).
[[nodiscard]] double row_loss(const RowResult& r);

// Fits on the rows for which `in_training` is true (only measurement rows
// that depend on a constant enter the loss).
[[nodiscard]] FitResult fit_constants(const std::vector<Reference>& refs, const Catalog& catalog,
                                      const Options& base, const Dependence& dependence,
                                      const std::function<bool(const Reference&)>& in_training,
                                      const FitSettings& settings);

}  // namespace hwplan::model::validation

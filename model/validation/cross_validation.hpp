#pragma once
// Leave-one-source-out cross-validation of the fitted realistic-mode
// constants (`hwplan validate --cross-validate`). A source is a reference
// file stem (deepep, kernels, llama-serving, sglang, ...): rows of one file
// share a benchmark setup and its biases, so a row's neighbours in the same
// file are not independent evidence about it.
//
// For every source S: fit the constants (constant_fit.hpp) on the
// measurement rows of all other sources, predict every row of S with those
// constants. The cross-validated figure of S is the error of those
// predictions; S's own published values never enter its fold. A source none
// of whose rows depends on a fitted constant needs no fit: its predictions
// are the base ones (said in the fold's note).
//
// Three figures per source and overall, over measurement rows: base
// constants (the datasheet / paper defaults), in-sample (constants fitted on
// every source, the source itself included: optimistic) and cross-validated
// (the honest one).

#include <map>
#include <string>
#include <vector>

#include "model/validation/constant_fit.hpp"
#include "model/validation/validation.hpp"

namespace hwplan::model::validation {

struct Fold {
    std::string held_out;  // the source scored
    bool fitted = false;   // false: no row of held_out depends on a constant (base predictions)
    std::string note;
    FitResult fit;  // on every other source (fit.options: base when !fitted)
};

struct SourceFigures {
    Stats base, in_sample, cross_validated;  // over measurement rows
};

struct CrossValidationProgress {
    int fold = 0;  // 1-based; 0 for the in-sample fit
    int folds = 0;
    std::string_view held_out;  // empty for the in-sample fit
    FitProgress fit;
};

struct CrossValidation {
    std::vector<RowResult> base, in_sample, cross_validated;  // one per reference row, in order
    Dependence dependence;
    FitResult in_sample_fit;
    std::vector<Fold> folds;  // one per source, sorted by name
    std::map<std::string, SourceFigures> by_source;
    SourceFigures overall;
    int evaluations = 0;  // row evaluations in all
};

// `settings.progress` is ignored; `progress` (optional) gets the fold too.
[[nodiscard]] CrossValidation cross_validate(
    const std::vector<Reference>& refs, const Catalog& catalog, const Options& base, const FitSettings& settings,
    const std::function<void(const CrossValidationProgress&)>& progress = {});

// The measurement rows of `rows` (optionally of one source only).
[[nodiscard]] std::vector<const RowResult*> measurement_rows(const std::vector<RowResult>& rows,
                                                             std::string_view source = {});

}  // namespace hwplan::model::validation

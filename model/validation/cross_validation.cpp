#include "model/validation/cross_validation.hpp"

#include <set>

namespace hwplan::model::validation {

std::vector<const RowResult*> measurement_rows(const std::vector<RowResult>& rows, std::string_view source) {
    std::vector<const RowResult*> out;
    for (const RowResult& r : rows)
        if (r.ref->kind == ReferenceKind::measurement && (source.empty() || r.ref->source == source))
            out.push_back(&r);
    return out;
}

CrossValidation cross_validate(const std::vector<Reference>& refs, const Catalog& catalog, const Options& base,
                               const FitSettings& settings,
                               const std::function<void(const CrossValidationProgress&)>& progress) {
    validate(settings, base);
    CrossValidation cv;
    cv.base = evaluate_all(refs, catalog, base);
    cv.dependence = find_dependence(refs, catalog, base, settings.constants);
    cv.evaluations = static_cast<int>(refs.size()) + cv.dependence.evaluations;

    std::set<std::string> sources;
    for (const Reference& r : refs) sources.insert(r.source);
    // Sources with a row (of any kind) whose prediction moves with a constant.
    std::set<std::string> informed;
    for (const auto& rows : cv.dependence.rows_of)
        for (int i : rows) informed.insert(refs[static_cast<std::size_t>(i)].source);

    const int folds = static_cast<int>(sources.size());
    const auto with_progress = [&](int fold, std::string_view held_out) {
        FitSettings s = settings;
        s.progress = {};
        if (progress)
            s.progress = [&progress, fold, folds, held_out](const FitProgress& p) {
                progress({fold, folds, held_out, p});
            };
        return s;
    };

    cv.in_sample_fit = fit_constants(refs, catalog, base, cv.dependence, [](const Reference&) { return true; },
                                     with_progress(0, {}));
    cv.evaluations += cv.in_sample_fit.evaluations;
    cv.in_sample = evaluate_all(refs, catalog, cv.in_sample_fit.options);
    cv.evaluations += static_cast<int>(refs.size());

    cv.cross_validated = cv.base;
    int k = 0;
    for (const std::string& s : sources) {
        ++k;
        Fold f;
        f.held_out = s;
        if (!informed.count(s)) {
            f.note = "no row of this source depends on a fitted constant: base predictions";
            f.fit.options = base;
            cv.folds.push_back(std::move(f));
            continue;
        }
        f.fitted = true;
        f.fit = fit_constants(
            refs, catalog, base, cv.dependence, [&s](const Reference& r) { return r.source != s; },
            with_progress(k, s));
        cv.evaluations += f.fit.evaluations;
        for (std::size_t i = 0; i < refs.size(); ++i) {
            if (refs[i].source != s) continue;
            cv.cross_validated[i] = evaluate(refs[i], catalog, f.fit.options);
            ++cv.evaluations;
        }
        cv.folds.push_back(std::move(f));
    }

    for (const std::string& s : sources)
        cv.by_source[s] = {stats(measurement_rows(cv.base, s)), stats(measurement_rows(cv.in_sample, s)),
                           stats(measurement_rows(cv.cross_validated, s))};
    cv.overall = {stats(measurement_rows(cv.base)), stats(measurement_rows(cv.in_sample)),
                  stats(measurement_rows(cv.cross_validated))};
    return cv;
}

}  // namespace hwplan::model::validation

// model/validation/constant_fit and cross_validation on a synthetic reference
// set: GEMM and attention rows whose "published" values are the model's own
// predictions at known, perturbed efficiencies. The fit must find those
// efficiencies again, a held-out source must never enter its own fold
// (poisoning it changes nothing in that fold), and a constant that only one
// source (or one row) informs keeps its default.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "model/error.hpp"
#include "tests/model/validation/conditions.hpp"
#include "model/validation/cross_validation.hpp"
#include "model/validation/kernel_class_shares.hpp"
#include "tests/model/step_fixtures.hpp"

using namespace hwplan;
using namespace hwplan::model::validation;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

Catalog gemm_catalog() {
    Catalog c;
    c.model = [](std::string_view id) -> model::ModelArch { throw Error("unknown model '" + std::string(id) + "'"); };
    c.gpu = [](std::string_view id) -> model::Gpu {
        if (id == "h800-sxm") return test::h800_gpu();
        throw Error("unknown GPU '" + std::string(id) + "'");
    };
    c.system = [](std::string_view id) -> model::System {
        if (id == "h800-node") return test::h800_node();
        throw Error("unknown system '" + std::string(id) + "'");
    };
    c.setup = [](const SetupRequest&) -> Setup { throw Error("no layouts in this catalog"); };
    return c;
}

using test::num;
using test::txt;

Reference gemm_row(const std::string& source, int i, double m, double n, double k, const std::string& quantity) {
    Reference r;
    r.id = source + "-gemm-" + std::to_string(i);
    r.source = source;
    r.quantity = quantity;
    r.unit = quantity == "gemm_tflops" ? "TFLOP/s" : "GB/s";
    r.kind = ReferenceKind::measurement;
    r.conditions = {{"kernel", txt("dense_gemm")}, {"gpu", txt("h800-sxm")}, {"b_dtype", txt("bf16")},
                    {"m", num(m)},                 {"n", num(n)},             {"k", num(k)}};
    return r;
}

Reference attention_row(const std::string& source, int i) {
    Reference r;
    r.id = source + "-attn-" + std::to_string(i);
    r.source = source;
    r.quantity = "attention_kv_read_bw_gbps";
    r.unit = "GB/s";
    r.kind = ReferenceKind::measurement;
    r.conditions = {{"kernel", txt("flash_mla_dense")}, {"gpu", txt("h800-sxm")}};
    return r;
}

// The efficiencies the synthetic "measurements" come from.
Options truth() {
    Options o;
    o.step.efficiencies.gemm.peak_fraction = 0.78;
    o.step.efficiencies.hbm = 0.72;
    o.step.efficiencies.kernel_overhead = model::microseconds(3.5);
    return o;
}

// Three sources, each with compute-bound (large M), memory-bound (small M)
// and overhead-dominated (tiny) GEMMs, so each constant is seen by every
// source; published = predicted at truth().
std::vector<Reference> synthetic_set(const Catalog& c) {
    std::vector<Reference> refs;
    const std::string sources[] = {"alpha", "beta", "gamma"};
    int i = 0;
    for (int s = 0; s < 3; ++s) {
        const double scale = 1 + 0.25 * s;  // different shapes per source
        refs.push_back(gemm_row(sources[s], i++, 4096, 7168 * scale, 16384, "gemm_tflops"));
        refs.push_back(gemm_row(sources[s], i++, 8192, 4096, 7168 * scale, "gemm_tflops"));
        refs.push_back(gemm_row(sources[s], i++, 16, 7168, 16384 * scale, "gemm_mem_bw_gbps"));
        refs.push_back(gemm_row(sources[s], i++, 8, 24576 * scale, 1536, "gemm_mem_bw_gbps"));
        refs.push_back(gemm_row(sources[s], i++, 1, 256 * scale, 256, "gemm_tflops"));
        refs.push_back(gemm_row(sources[s], i++, 1, 512, 128 * scale, "gemm_mem_bw_gbps"));
    }
    for (Reference& r : refs) {
        const RowResult p = evaluate(r, c, truth());
        REQUIRE(p.modelled);
        r.value = p.predicted;
    }
    return refs;
}

FitSettings gemm_settings() {
    FitSettings s;
    s.constants.clear();
    for (const FittedConstant& c : realistic_fitted_constants())
        if (c.name == "gemm.peak_fraction" || c.name == "hbm" || c.name == "kernel_overhead" ||
            c.name == "attention_memory")
            s.constants.push_back(c);
    return s;
}

const ConstantFit& named(const FitResult& f, std::string_view name) {
    for (const ConstantFit& c : f.constants)
        if (c.name == name) return c;
    FAIL("no constant " << name);
    return f.constants.front();
}

}  // namespace

TEST_CASE("constant fit: the declared constants are fields with bounds around their defaults", "[model][validation]") {
    const Options base;
    const auto constants = realistic_fitted_constants();
    REQUIRE(constants.size() >= 6);
    for (const FittedConstant& c : constants) {
        INFO(c.name);
        CHECK(c.lo < c.hi);
        CHECK(c.get(base) >= c.lo);
        CHECK(c.get(base) <= c.hi);
        CHECK_FALSE(c.meaning.empty());
        CHECK_FALSE(c.default_source.empty());
        Options o = base;
        c.set(o, c.lo);  // set writes exactly the field get reads
        CHECK(c.get(o) == c.lo);
        CHECK_FALSE(o == base);
    }
    // Defaults as documented in model/efficiency.hpp; kernel overhead in us.
    CHECK(constants[0].name == "gemm.peak_fraction");
    for (const FittedConstant& c : constants)
        if (c.name == "kernel_overhead") CHECK_THAT(c.get(base), WithinRel(2.0, 1e-12));
    CHECK_NOTHROW(validate(FitSettings{}, base));
}

TEST_CASE("constant fit: dependence is what the evaluator reads", "[model][validation]") {
    const Catalog c = gemm_catalog();
    auto refs = synthetic_set(c);
    refs.push_back(attention_row("alpha", 100));  // HBM x attention_memory
    refs.back().value = 3000;
    Reference link;  // scale-up x nvlink
    link.id = "alpha-nvlink";
    link.source = "alpha";
    link.quantity = "nvlink_bw_achieved_per_gpu_gbps";
    link.unit = "GB/s";
    link.value = 160;
    link.kind = ReferenceKind::measurement;
    link.conditions = {{"hardware", txt("h800-node")}};
    refs.push_back(link);
    link.id = "alpha-nvlink-spec";  // the spec sheet: no efficiency at all
    link.quantity = "nvlink_bw_unidir_per_gpu_gbps";
    link.value = 200;
    refs.push_back(link);
    FitSettings s = gemm_settings();
    for (const FittedConstant& k : realistic_fitted_constants())
        if (k.name == "nvlink") s.constants.push_back(k);
    const Dependence d = find_dependence(refs, c, Options{}, s.constants);
    REQUIRE(d.rows_of.size() == 5);
    const auto depends = [&](std::size_t constant, std::size_t row) {
        const auto& v = d.rows_of[constant];
        return std::find(v.begin(), v.end(), static_cast<int>(row)) != v.end();
    };
    // 0 peak_fraction, 1 hbm, 2 attention_memory, 3 kernel_overhead, 4 nvlink.
    REQUIRE(s.constants[2].name == "attention_memory");
    REQUIRE(s.constants[4].name == "nvlink");
    const std::size_t attn = refs.size() - 3, achieved = refs.size() - 2, spec = refs.size() - 1;
    CHECK(d.rows_of[2] == std::vector<int>{static_cast<int>(attn)});    // only the attention row
    CHECK(d.rows_of[4] == std::vector<int>{static_cast<int>(achieved)});  // only the achieved-NVLink row
    for (std::size_t k = 0; k < 5; ++k) CHECK_FALSE(depends(k, spec));
    // Kernel benchmarks time the kernel alone (validation.cpp, gemm rows):
    // no GEMM row informs the per-kernel launch gap; the large one reads the peak share.
    for (std::size_t i = 0; i < 18; ++i) CHECK_FALSE(depends(3, i));
    CHECK(depends(0, 0));
    CHECK_FALSE(depends(0, attn));
}

TEST_CASE("constant fit: recovers the efficiencies the synthetic measurements come from", "[model][validation]") {
    const Catalog c = gemm_catalog();
    const auto refs = synthetic_set(c);
    const FitSettings s = gemm_settings();
    const Dependence d = find_dependence(refs, c, Options{}, s.constants);
    const FitResult f = fit_constants(refs, c, Options{}, d, [](const Reference&) { return true; }, s);
    CHECK(f.rows == static_cast<int>(refs.size()));
    CHECK(f.loss_base > 0.01);  // the defaults are visibly off these rows
    CHECK(f.loss_fitted < 1e-4 * f.loss_base);
    CHECK(named(f, "gemm.peak_fraction").fitted);
    CHECK_THAT(named(f, "gemm.peak_fraction").value, WithinRel(0.78, 0.005));
    CHECK_THAT(named(f, "hbm").value, WithinRel(0.72, 0.005));
    // The per-kernel gap is not in a kernel benchmark's time: not fitted, default kept.
    CHECK_FALSE(named(f, "kernel_overhead").fitted);
    CHECK(named(f, "kernel_overhead").value == 2.0);
    CHECK(f.options.step.efficiencies.gemm.peak_fraction == named(f, "gemm.peak_fraction").value);
    // No attention row: attention_memory keeps its default, and says why.
    CHECK_FALSE(named(f, "attention_memory").fitted);
    CHECK(named(f, "attention_memory").value == 0.90);
    CHECK_THAT(named(f, "attention_memory").note, Contains("no training measurement row"));
    // Deterministic: the same call gives the same constants, bit for bit.
    const FitResult again = fit_constants(refs, c, Options{}, d, [](const Reference&) { return true; }, s);
    CHECK(again.options == f.options);
}

TEST_CASE("constant fit: a constant one source (or one row) informs is not fitted", "[model][validation]") {
    const Catalog c = gemm_catalog();
    auto refs = synthetic_set(c);
    // Two attention rows, both of source alpha, 10 % below eta 0.9 x 3350.
    for (int i = 0; i < 2; ++i) {
        refs.push_back(attention_row("alpha", 100 + i));
        refs.back().value = 0.81 * 3350;
    }
    FitSettings s = gemm_settings();
    const Dependence d = find_dependence(refs, c, Options{}, s.constants);
    const FitResult f = fit_constants(refs, c, Options{}, d, [](const Reference&) { return true; }, s);
    const ConstantFit& a = named(f, "attention_memory");
    CHECK_FALSE(a.fitted);
    CHECK(a.rows == 2);
    CHECK(a.sources == std::vector<std::string>{"alpha"});
    CHECK(a.value == 0.90);
    CHECK_THAT(a.note, Contains("2 row(s) of alpha"));
    // One more row from another source: now two sources inform it and it fits.
    refs.push_back(attention_row("beta", 200));
    refs.back().value = 0.81 * 3350;
    const Dependence d2 = find_dependence(refs, c, Options{}, s.constants);
    const FitResult f2 = fit_constants(refs, c, Options{}, d2, [](const Reference&) { return true; }, s);
    CHECK(named(f2, "attention_memory").fitted);
    CHECK_THAT(named(f2, "attention_memory").value, WithinRel(0.81, 0.005));
    // A single row never sets a constant, whatever the sources setting says.
    s.min_sources = 1;
    std::vector<Reference> one{refs.back()};
    const Dependence d1 = find_dependence(one, c, Options{}, s.constants);
    const FitResult f1 = fit_constants(one, c, Options{}, d1, [](const Reference&) { return true; }, s);
    CHECK_FALSE(named(f1, "attention_memory").fitted);
    s.min_rows = 1;
    CHECK_THROWS_WITH(validate(s, Options{}), Contains("single row"));
}

TEST_CASE("cross-validation: a held-out source never enters its own fold", "[model][validation]") {
    const Catalog c = gemm_catalog();
    const auto clean = synthetic_set(c);
    auto poisoned = clean;
    for (Reference& r : poisoned)
        if (r.source == "gamma") r.value *= 5;  // absurd: would drag any fit that saw it
    const FitSettings s = gemm_settings();
    const CrossValidation a = cross_validate(clean, c, Options{}, s);
    const CrossValidation b = cross_validate(poisoned, c, Options{}, s);
    REQUIRE(a.folds.size() == 3);
    REQUIRE(b.folds.size() == 3);
    CHECK(a.folds[2].held_out == "gamma");
    CHECK(a.folds[2].fitted);
    // The fold without gamma is bit-identical; the folds that train on gamma are not.
    CHECK(a.folds[2].fit.options == b.folds[2].fit.options);
    CHECK_FALSE(a.folds[0].fit.options == b.folds[0].fit.options);
    CHECK_FALSE(a.in_sample_fit.options == b.in_sample_fit.options);
    // gamma's cross-validated predictions are the same; their errors are not.
    for (std::size_t i = 0; i < clean.size(); ++i) {
        if (clean[i].source != "gamma") continue;
        CHECK(a.cross_validated[i].predicted == b.cross_validated[i].predicted);
        CHECK_THAT(b.cross_validated[i].error, WithinAbs((1 + a.cross_validated[i].error) / 5 - 1, 1e-9));
    }
    // Clean set: every source shares the truth, so held-out errors are ~0
    // while the defaults are off.
    for (const auto& [source, f] : a.by_source) {
        INFO(source);
        CHECK(f.cross_validated.modelled == 6);
        CHECK(f.cross_validated.max_abs_error < 0.01);
        CHECK(f.base.median_abs_error > 0.02);
    }
    CHECK(a.overall.cross_validated.rows == static_cast<int>(clean.size()));
    CHECK(a.overall.cross_validated.p90_abs_error <= a.overall.cross_validated.max_abs_error);
    // Poisoned gamma is predicted from alpha and beta, hence ~80 % too low.
    CHECK_THAT(b.by_source.at("gamma").cross_validated.median_abs_error, WithinAbs(0.8, 0.01));
}

TEST_CASE("cross-validation: sources none of whose rows depend on a constant are not refitted",
          "[model][validation]") {
    const Catalog c = gemm_catalog();
    auto refs = synthetic_set(c);
    Reference link;
    link.id = "delta-nvlink";
    link.source = "delta";
    link.quantity = "nvlink_bw_unidir_per_gpu_gbps";  // analytic: spec sheet, no efficiency
    link.unit = "GB/s";
    link.value = 200;
    link.kind = ReferenceKind::measurement;
    link.conditions = {{"hardware", txt("h800-node")}};
    refs.push_back(link);
    const CrossValidation cv = cross_validate(refs, c, Options{}, gemm_settings());
    REQUIRE(cv.folds.size() == 4);
    const Fold& delta = cv.folds[2];  // alpha, beta, delta, gamma
    CHECK(delta.held_out == "delta");
    CHECK_FALSE(delta.fitted);
    CHECK_THAT(delta.note, Contains("no row of this source depends"));
    CHECK(cv.cross_validated.back().predicted == cv.base.back().predicted);
}

TEST_CASE("validation: p90 interpolates between order statistics", "[model][validation]") {
    std::vector<Reference> refs(10);
    std::vector<RowResult> rows(10);
    std::vector<const RowResult*> ptrs;
    for (int i = 0; i < 10; ++i) {
        refs[i].id = "r" + std::to_string(i);
        rows[i].ref = &refs[i];
        rows[i].modelled = true;
        rows[i].error = (i % 2 ? -1 : 1) * 0.1 * (i + 1);  // |e| = 0.1 .. 1.0
        ptrs.push_back(&rows[i]);
    }
    // numpy.percentile([0.1 .. 1.0], 90) = 0.9 + 0.1 x (1.0 - 0.9) = 0.91.
    CHECK_THAT(stats(ptrs).p90_abs_error, WithinRel(0.91, 1e-12));
}

TEST_CASE("kernel classes: every component has one, the classes sum to the step", "[model][validation]") {
    model::Breakdown b;
    for (std::size_t i = 0; i < model::component_count; ++i) b.seconds_[i] = 1e-3 * static_cast<double>(i + 1);
    b.seconds_[static_cast<std::size_t>(model::Component::overlap)] = -2e-3;
    const auto cls = class_seconds(b);
    double sum = 0;
    for (double v : cls) sum += v;
    CHECK_THAT(sum, WithinRel(b.total().value(), 1e-12));
    CHECK(kernel_class(model::Component::routed_experts) == KernelClass::gemm);
    CHECK(kernel_class(model::Component::attention_core) == KernelClass::attention);
    CHECK(kernel_class(model::Component::dispatch) == KernelClass::communication);
    CHECK(kernel_class(model::Component::all_reduce) == KernelClass::communication);
    CHECK(kernel_class(model::Component::elementwise) == KernelClass::elementwise);
    CHECK(kernel_class(model::Component::kernel_overhead) == KernelClass::overhead);
    CHECK(cls[static_cast<std::size_t>(KernelClass::overlap)] == -2e-3);
    CHECK(short_name(KernelClass::gemm) == "gemm");
}

// Request-length distributions (model/planner/distribution.hpp).
#include <catch2/catch.hpp>

#include "model/planner/distribution.hpp"

using namespace hwplan::model::planner;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("Normal quantiles match the tables", "[model]") {
    CHECK_THAT(normal_quantile(0.5), WithinAbs(0.0, 1e-12));
    CHECK_THAT(normal_quantile(0.975), WithinRel(1.959963985, 1e-8));
    CHECK_THAT(normal_quantile(0.99), WithinRel(2.326347874, 1e-8));
    CHECK_THAT(normal_quantile(0.01), WithinRel(-2.326347874, 1e-8));
    CHECK_THAT(normal_quantile(0.999), WithinRel(3.090232306, 1e-8));
}

TEST_CASE("Length quantiles by shape", "[model]") {
    const LengthDistribution fixed{1000};
    CHECK(quantile(fixed, 0.99) == 1000);
    const LengthDistribution expo{1000, LengthShape::exponential};
    CHECK_THAT(quantile(expo, 0.5), WithinRel(1000 * std::log(2.0), 1e-12));
    CHECK_THAT(quantile(expo, 0.9), WithinRel(1000 * std::log(10.0), 1e-12));
    const LengthDistribution uni{150, LengthShape::uniform, 0, 100, 200};
    CHECK_THAT(quantile(uni, 0.25), WithinRel(125.0, 1e-12));
    // Lognormal with mean m and cv c: median = m / sqrt(1 + c^2).
    const LengthDistribution logn{2000, LengthShape::lognormal, 1.0};
    CHECK_THAT(quantile(logn, 0.5), WithinRel(2000 / std::sqrt(2.0), 1e-9));
}

TEST_CASE("Quadrature points keep the mean; more points for wider shapes", "[model]") {
    for (const LengthDistribution& d :
         {LengthDistribution{800}, LengthDistribution{800, LengthShape::exponential},
          LengthDistribution{800, LengthShape::lognormal, 1.5}, LengthDistribution{800, LengthShape::uniform, 0, 100, 1500}}) {
        const auto pts = quadrature_points(d, 8);
        double sum = 0;
        for (double x : pts) sum += x;
        CHECK_THAT(sum / pts.size(), WithinRel(800.0, 1e-12));
        CHECK(pts.size() == (d.shape == LengthShape::fixed ? 1u : 8u));
        CHECK(std::is_sorted(pts.begin(), pts.end()));
    }
}

TEST_CASE("KV length per output token: E[in] + E[out^2] / (2 E[out])", "[model]") {
    // Fixed lengths: half the output on average.
    CHECK(mean_decode_context({3000}, {1000}) == 3500);
    // Exponential output: E[O^2] = 2 m^2 -> + m.
    CHECK(mean_decode_context({3000}, {1000, LengthShape::exponential}) == 4000);
    // Lognormal: E[O^2]/E[O] = m (1 + cv^2).
    CHECK_THAT(mean_decode_context({3300}, {900, LengthShape::lognormal, 1.5}), WithinRel(3300 + 900 * 3.25 / 2, 1e-12));
    // The quantile of the length-biased KV length brackets the mean, and the
    // median of fixed lengths is the midpoint.
    CHECK_THAT(decode_context_quantile({3000}, {1000}, 0.5), WithinRel(3500.0, 1e-6));
    CHECK_THAT(decode_context_quantile({3000}, {1000}, 0.9), WithinRel(3900.0, 1e-6));
    const LengthDistribution in{2000, LengthShape::lognormal, 1.0}, out{500, LengthShape::exponential};
    CHECK(decode_context_quantile(in, out, 0.9) > mean_decode_context(in, out));
    CHECK(decode_context_quantile(in, out, 0.99) > decode_context_quantile(in, out, 0.9));
}

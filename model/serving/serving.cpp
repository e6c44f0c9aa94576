// Open-loop serving model (see serving.hpp and docs/equations.md, "Serving").
//
// Residents: the sequences holding KV in a replica (prefilling + decoding)
// form a birth-death chain. With n residents each stays P + E[O'] t'(d(n))
// seconds (P the prefill sojourn, d(n) of them decoding, t' the decode time
// per token stretched by the prompt tokens sharing the steps), so the chain
// is processor sharing with a state-dependent speed: Poisson when steps are
// memory-bound (M/G/inf), geometric when compute-bound (M/G/1-PS), and its
// stationary law does not depend on the output-length distribution. Above
// the KV slots the release rate stays that of B residents and the excess
// waits for admission. Aggregated, prefill stalls make the count
// over-dispersed: the chain runs on clumps of D = 1 / (1 - rho_p)^2.
// Mean TPOT follows from Little's law on decoding sequences; its spread
// from the batch over the request's own steps (the chain, relaxing more
// slowly when steps slow down with the batch) and the prompts sharing those
// steps (aggregated: a busy period on the prefill work, at most one chunk a
// step).
//
// Prefill: prompt tokens queue FCFS for a server that takes up to C of them
// per step: M/G/1 with vacations (decode-only steps) on the prompts' work
// (Pollaczek-Khinchine mean, Cramer-Lundberg tail and exact density at 0,
// quasi-static in the slowly moving decode batch), a prompt costing its
// prefill plus its share of the decode steps it rides on.
#include "model/serving/serving.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include <fmt/format.h>

#include "model/error.hpp"
#include "model/kv_cache.hpp"
#include "model/layout.hpp"
#include "model/memory_plan.hpp"
#include "model/planner/distribution.hpp"

namespace hwplan::model::serving {

std::string_view to_string(Mode m) { return m == Mode::aggregated ? "aggregated" : "disaggregated"; }

double Lengths::mean() const {
    if (points.empty()) return 0;
    return std::accumulate(points.begin(), points.end(), 0.0) / static_cast<double>(points.size());
}
double Lengths::mean_square() const {
    if (points.empty()) return 0;
    double s = 0;
    for (double x : points) s += x * x;
    return s / static_cast<double>(points.size());
}
double Lengths::max() const { return points.empty() ? 0 : *std::max_element(points.begin(), points.end()); }

Lengths lengths_of(const planner::LengthDistribution& d, double minimum, int n) {
    Lengths l;
    if (d.shape == planner::LengthShape::fixed) n = 1;
    for (int i = 0; i < n; ++i) {
        const double x = d.shape == planner::LengthShape::fixed ? d.mean : planner::quantile(d, (i + 0.5) / n);
        l.points.push_back(std::max(minimum, std::round(x)));
    }
    return l;
}

Lengths lengths_of_samples(std::vector<double> s, int n) {
    Lengths l;
    if (s.empty()) return l;
    std::sort(s.begin(), s.end());
    if (static_cast<int>(s.size()) <= n) {
        l.points = std::move(s);
        return l;
    }
    // Mean of each of n equal slices of the sorted samples: keeps the mean exactly.
    const std::size_t m = s.size();
    for (int i = 0; i < n; ++i) {
        const std::size_t a = m * static_cast<std::size_t>(i) / static_cast<std::size_t>(n);
        const std::size_t b = m * static_cast<std::size_t>(i + 1) / static_cast<std::size_t>(n);
        double sum = 0;
        for (std::size_t k = a; k < b; ++k) sum += s[k];
        l.points.push_back(sum / static_cast<double>(b - a));
    }
    return l;
}

// ------------------------------------------------------------- step times

namespace {

double interpolate(const std::vector<double>& xs, const std::vector<double>& ys, double x) {
    if (xs.empty()) return 0;
    if (xs.size() == 1) return xs[0] > 0 ? ys[0] * x / xs[0] : ys[0];
    if (x <= xs.front()) return xs.front() > 0 ? ys.front() * x / xs.front() : ys.front();
    const auto it = std::upper_bound(xs.begin(), xs.end(), x);
    const std::size_t i = it == xs.end() ? xs.size() - 1 : static_cast<std::size_t>(it - xs.begin());
    const double x0 = xs[i - 1], x1 = xs[i];
    return ys[i - 1] + (ys[i] - ys[i - 1]) * (x - x0) / (x1 - x0);  // extrapolates linearly past the end
}

}  // namespace

double StepTimes::prefill_seconds(double prompt) const {
    return std::max(0.0, interpolate(prompt_grid, prompt_time, std::max(prompt, 1.0)));
}
double StepTimes::transfer_seconds(double prompt) const {
    if (transfer_time.empty()) return 0;
    return std::max(0.0, interpolate(prompt_grid, transfer_time, std::max(prompt, 1.0)));
}
double StepTimes::computed_tokens(double prompt) const {
    return std::max(1.0, std::ceil(prompt * (1.0 - hit_rate) - 1e-9));
}
double StepTimes::decode_seconds(int batch) const {
    if (batch <= 0) return 0;
    const std::size_t b = static_cast<std::size_t>(std::min(batch, max_batch));
    return decode[b];
}

StepTimes build_step_times(const ServingInputs& in) {
    if (in.chunk < 1) throw Error("must be at least 1, got " + std::to_string(in.chunk), "prefill_chunk");
    if (!(in.kv_hit_rate >= 0 && in.kv_hit_rate <= 1)) throw Error("must be between 0 and 1", "kv_hit_rate");
    if (in.input.points.empty() || in.output.points.empty()) throw Error("no request lengths", "lengths");
    for (double x : in.input.points)
        if (!(x >= 0) || !std::isfinite(x)) throw Error("prompt lengths must be finite and >= 0", "input");
    for (double x : in.output.points)
        if (!(x >= 1) || !std::isfinite(x)) throw Error("output lengths must be finite and >= 1", "output");
    if (in.prefill && in.prefill_units < 1) throw Error("must be at least 1", "prefill_units");
    const ModelArch& m = in.model;
    const System& s = in.system;
    const Deployment& d = in.decode;
    StepTimes st;
    st.mode = in.prefill ? Mode::disaggregated : Mode::aggregated;
    st.chunk = in.chunk;
    st.hit_rate = in.kv_hit_rate;
    st.decode_replicas = d.dp;
    st.prefill_replicas = in.prefill ? in.prefill->dp * in.prefill_units : 0;
    if (auto p = layout_problem(m, s, d)) throw Error(*p, "deployment");

    // KV length seen by an output token: prompt + a uniform share of the
    // output, output-weighted (planner::mean_decode_context, for points).
    const double eo = in.output.mean();
    st.decode_context = in.input.mean() + (eo > 0 ? in.output.mean_square() / (2 * eo) : 0);
    Workload w;
    w.batch = 1;
    w.context = std::max(1, static_cast<int>(std::lround(st.decode_context)));
    w.prefill_chunk = in.chunk;
    // Aggregated GPUs also hold one prefill chunk's activations.
    if (!in.prefill) w.prompt = static_cast<int>(std::min<double>(in.chunk, std::max(1.0, in.input.max())));
    const MemoryPlan mp = plan_memory(m, s, d, w);
    if (!mp.fits) throw Error("even one sequence does not fit: " + mp.reason, "deployment");
    int cap = std::min(mp.max_batch, 1 << 16);
    st.batch_limit = "HBM KV capacity";
    if (in.max_batch > 0 && in.max_batch < cap) {
        cap = in.max_batch;
        st.batch_limit = "--max-batch";
    }
    if (cap < 1) throw Error("no decode sequence fits beside the weights", "deployment");
    st.max_batch = cap;
    StepOptions so = in.step;
    so.check_memory = false;  // the batch is bounded by max_batch above
    st.decode.assign(static_cast<std::size_t>(cap) + 1, 0.0);
    for (int b = 1; b <= cap; ++b) {
        w.batch = b;
        const DecodeStep r = decode_step(m, s, d, w, so);
        if (!r.feasible) throw Error(r.reason, "deployment");
        st.decode[static_cast<std::size_t>(b)] = r.tpot.value();  // per token (MTP: step / tokens per step)
    }
    {
        w.batch = 2 * cap;
        const DecodeStep r = decode_step(m, s, d, w, so);
        const double t1 = st.decode.back();
        st.batch_bound_throughput = r.feasible && (2.0 * cap / r.tpot.value()) > 1.1 * (cap / t1);
    }

    // Prefill per prompt length, on a log grid over the lengths asked.
    const Deployment& pd = in.prefill ? *in.prefill : d;
    if (in.prefill) {
        if (auto p = layout_problem(m, s, pd)) throw Error(*p, "prefill deployment");
        Workload pw;
        pw.batch = 1;
        pw.prompt = static_cast<int>(std::min<double>(in.chunk, std::max(1.0, in.input.max())));
        pw.context = pw.prompt;
        pw.prefill_chunk = in.chunk;
        const MemoryPlan pm = plan_memory(m, s, pd, pw);
        if (!pm.fits) throw Error("a prefill chunk does not fit: " + pm.reason, "prefill deployment");
    }
    double lo = 1e300, hi = 0;
    for (double x : in.input.points) {
        lo = std::min(lo, std::max(1.0, x));
        hi = std::max(hi, std::max(1.0, x));
    }
    const int n = hi > lo ? 24 : 1;
    for (int i = 0; i < n; ++i) {
        const double x = n == 1 ? lo : std::round(lo * std::pow(hi / lo, static_cast<double>(i) / (n - 1)));
        if (!st.prompt_grid.empty() && x <= st.prompt_grid.back()) continue;
        Workload pw;
        pw.batch = 1;
        pw.prompt = static_cast<int>(x);
        pw.context = pw.prompt;
        pw.prefill_chunk = in.chunk;
        // At least one token is computed (the first output needs logits).
        pw.prefix_hit_rate = std::min(in.kv_hit_rate, (x - 1) / x);
        const PrefillStep r = prefill(m, s, pd, pw, in.step);
        if (!r.feasible) throw Error(r.reason, in.prefill ? "prefill deployment" : "deployment");
        const double hits = x - r.computed_tokens;
        st.prompt_grid.push_back(x);
        st.prompt_time.push_back(r.ttft.value() + hits * in.kv_load.seconds_per_hit_token);
        if (in.prefill) {
            // The prompt's KV to the decode pool over the scale-out NICs; each
            // GPU of the prefill replica sends its share (GQA heads by TP,
            // layers by PP; the MLA latent is held whole by every TP rank).
            double share = 1.0 / pd.pp;
            if (const auto* g = std::get_if<Gqa>(&m.attention))
                share *= layout_shape(m, s, pd).kv_heads_per_gpu / g->kv_heads;
            const double bytes = kv_bytes_per_sequence(m, pd.precision.kv_cache, x).value() * share;
            const double bw = s.scale_out_bandwidth_per_gpu().value() * in.step.efficiencies.rdma;
            const double lat = s.nic && s.nic->latency.value() > 0 ? s.nic->latency.value()
                                                                     : in.step.efficiencies.rdma_latency.value();
            // A single node has no scale-out path: the KV moves over NVLink.
            const double link = bw > 0 ? bw : s.scale_up_bandwidth_per_gpu().value() * in.step.efficiencies.nvlink;
            st.transfer_time.push_back(link > 0 ? bytes / link + lat : 0);
        }
    }
    return st;
}

// ---------------------------------------------------------------- analysis

namespace {

constexpr double kInf = 1e300;

// Everything the analysis needs at one per-unit rate.
struct State {
    double lambda = 0;    // per decode replica (aggregated: per replica)
    double lambda_p = 0;  // per prefill replica (disaggregated)
    double eo1 = 0;       // E[O - 1]
    double rho_p = 0;     // aggregated: share of time on prompt tokens
    double rho_s = 0;     // prefill server utilisation (token budget included)
    double rho_kv = 0;    // decode tail ratio above the KV limit (lambda / mu(B))
    int slots = 1;        // decode slots (B less the mean prefilling sequences, aggregated)
    std::vector<double> pi;  // P(n decoding-or-waiting), n = 0..slots; geometric above
    double tail = 0;      // P(n > slots)
    double mean_decoding = 0, mean_td = 0;
    double wq_mean = 0, es = 0, es2 = 0;
    double residual = 0;
    double clump = 1;            // residents per chain state (over-dispersion)
    double share = 0;            // aggregated: weight of the full-budget (fluid) step sharing
    double prefill_sojourn = 0;  // aggregated: prefill queue + residual + own prefill (holds KV)
};

double step_scale(const StepTimes& st, const State& s) {
    return st.mode == Mode::aggregated ? 1.0 / (1.0 - s.rho_p) : 1.0;
}

// Birth-death chain of the sequences holding KV in a replica (prefilling +
// decoding; above `slots` the excess waits for admission). A resident stays
// P (prefill sojourn) + O' t'(decoding) seconds, so with n residents the
// replica releases n / (P + E[O'] t'(d(n))) per second, d(n) = n - lambda P
// of them decoding (Little on the prefill stage). Flat t': Poisson (M/G/inf).
double decoding_of(const State& s, double n) {
    return std::clamp(n - s.lambda * s.prefill_sojourn, n > 0 ? 1.0 : 0.0, std::max(n, 1.0));
}

double td_at(const StepTimes& st, double b) {
    if (b <= 0) return 0;
    b = std::min(b, static_cast<double>(st.max_batch));
    const int lo = std::max(1, static_cast<int>(std::floor(b)));
    const double f = std::max(0.0, b - lo);
    return st.decode_seconds(lo) * (1 - f) + st.decode_seconds(lo + 1) * f;
}

void decode_chain(const StepTimes& st, State& s) {
    const int B = s.slots;
    const double scale = step_scale(st, s);
    // Over-dispersion: aggregated, every prompt stalls all decoders for its
    // prefill, and the prompts arriving during those stalls stall them
    // further (a branching process with offspring mean rho_p), so the count
    // of residents has variance / mean = 1 / (1 - rho_p)^2 instead of 1.
    // The chain runs on clumps of D residents (state m holds D m).
    const double D = st.mode == Mode::aggregated ? 1 / ((1 - s.rho_p) * (1 - s.rho_p)) : 1.0;
    s.clump = D;
    const int M = std::max(1, static_cast<int>(std::floor(B / D)));
    s.pi.assign(static_cast<std::size_t>(M) + 1, 0.0);
    if (s.eo1 <= 0 || s.lambda <= 0) {
        s.pi[0] = 1;
        s.tail = 0;
        s.mean_decoding = s.mean_td = 0;
        s.rho_kv = 0;
        return;
    }
    const auto ratio = [&](double m) {
        const double n = std::min(D * m, static_cast<double>(B));
        return s.lambda / D * (s.prefill_sojourn + s.eo1 * td_at(st, decoding_of(s, n)) * scale) / m;
    };
    std::vector<double> lw(static_cast<std::size_t>(M) + 1, 0.0);
    for (int j = 1; j <= M; ++j)
        lw[static_cast<std::size_t>(j)] = lw[static_cast<std::size_t>(j) - 1] + std::log(ratio(j));
    // Above the slots the release rate stays that of B residents.
    s.rho_kv = s.lambda * (s.prefill_sojourn + s.eo1 * td_at(st, decoding_of(s, B)) * scale) / B;
    const double mx = *std::max_element(lw.begin(), lw.end());
    double z = 0;
    for (int j = 0; j <= M; ++j) {
        s.pi[static_cast<std::size_t>(j)] = std::exp(lw[static_cast<std::size_t>(j)] - mx);
        z += s.pi[static_cast<std::size_t>(j)];
    }
    const double r = s.rho_kv;
    const double piB = s.pi.back();
    const double tail_mass = r < 1 ? piB * r / (1 - r) : kInf;
    z += tail_mass;
    for (double& p : s.pi) p /= z;
    s.tail = tail_mass / z;
    double resident = 0;
    s.mean_td = 0;
    for (int j = 0; j <= M; ++j) {
        const double n = std::min(D * j, static_cast<double>(B));
        resident += n * s.pi[static_cast<std::size_t>(j)];
        s.mean_td += td_at(st, decoding_of(s, n)) * s.pi[static_cast<std::size_t>(j)];
    }
    resident += B * s.tail;
    s.mean_td += td_at(st, decoding_of(s, B)) * s.tail;
    s.mean_decoding = std::max(0.0, resident - s.lambda * s.prefill_sojourn);
}

struct Means {
    double ep = 0, ep2 = 0, ec = 0;  // prefill seconds, its square, computed tokens
};

Means prompt_means(const StepTimes& st, const Lengths& in) {
    Means m;
    for (double x : in.points) {
        const double p = st.prefill_seconds(x);
        m.ep += p;
        m.ep2 += p * p;
        m.ec += st.computed_tokens(x);
    }
    const double k = static_cast<double>(in.points.size());
    m.ep /= k;
    m.ep2 /= k;
    m.ec /= k;
    return m;
}

// Work a prompt brings to the prefill server (aggregated: its prefill plus
// its share of the decode steps it rides on).
double prompt_service(const StepTimes& st, const State& s, double prompt) {
    const double p = st.prefill_seconds(prompt);
    if (st.mode == Mode::disaggregated) return p;
    const double c = st.computed_tokens(prompt) / st.chunk;
    return p + s.mean_td * ((1 - s.share) * std::ceil(c) + s.share * c);
}

double own_service(const StepTimes& st, const State& s, double prompt) {
    const double p = st.prefill_seconds(prompt);
    if (st.mode == Mode::disaggregated) return p;
    return p + std::ceil(st.computed_tokens(prompt) / st.chunk) * s.mean_td;
}

State evaluate(const StepTimes& st, double rate, const Lengths& in, const Lengths& out) {
    State s;
    const Means pm = prompt_means(st, in);
    s.lambda = rate / st.decode_replicas;
    s.eo1 = out.mean() - 1;
    if (st.mode == Mode::aggregated) {
        s.rho_p = s.lambda * pm.ep;
        s.slots = st.max_batch;
        if (s.rho_p >= 1) {
            s.rho_s = s.rho_p;
            return s;
        }
        // Sequences hold KV while prefilling too; the prefill sojourn and
        // the chain depend on each other: iterate.
        for (int it = 0; it < 4; ++it) {
            decode_chain(st, s);
            // A prompt's share of the decode steps it rides on: whole steps
            // when prompts rarely meet (light load), computed / C when the
            // budget is full (backlog); blended by the fluid utilisation.
            double fluid = 0;
            for (double x : in.points) fluid += st.prefill_seconds(x) + st.computed_tokens(x) / st.chunk * s.mean_td;
            s.share = std::min(1.0, s.lambda * fluid / static_cast<double>(in.points.size()));
            s.es = 0;
            s.es2 = 0;
            for (double x : in.points) {
                const double v = prompt_service(st, s, x);
                s.es += v;
                s.es2 += v * v;
            }
            s.es /= static_cast<double>(in.points.size());
            s.es2 /= static_cast<double>(in.points.size());
            s.rho_s = s.lambda * s.es;
            if (s.rho_s >= 1) return s;
            s.wq_mean = s.lambda * s.es2 / (2 * (1 - s.rho_s));
            s.residual = s.mean_td / 2;
            double own = 0;
            for (double x : in.points) own += own_service(st, s, x);
            own /= static_cast<double>(in.points.size());
            s.prefill_sojourn = s.wq_mean + s.residual + own;
        }
    } else {
        s.lambda_p = rate / st.prefill_replicas;
        s.es = pm.ep;
        s.es2 = pm.ep2;
        s.rho_s = s.lambda_p * pm.ep;
        s.rho_p = s.rho_s;
        if (s.rho_s < 1) s.wq_mean = s.lambda_p * s.es2 / (2 * (1 - s.rho_s));
        s.slots = st.max_batch;
        decode_chain(st, s);
    }
    return s;
}

// Allen-Cunneen: M/G/c waits scale with (1 + cv^2 of the service) / 2; the
// chain is exact for exponential outputs.
double allen_cunneen(const Lengths& out) {
    const double m = out.mean() - 1;
    if (m <= 0) return 1;
    double v = 0;
    for (double x : out.points) v += (x - 1 - m) * (x - 1 - m);
    v /= static_cast<double>(out.points.size());
    return std::max(1.0, (1 + v / (m * m)) / 2);
}

// The prefill-queue wait W2 of the M/G/1 on the prompts' work, as
// P(W2 > x) = c1 exp(-b1 x) + c2 exp(-b2 x): the Cramer-Lundberg asymptote
// C exp(-gamma x) plus a faster term fixed by P(W2 > 0) = rho and the exact
// density at 0+, lambda (1 - rho) (a prompt arriving to an idle server is
// queued behind one of rate lambda). Above the asymptote (C > rho, regular
// prompts) the second term is negative: the wait leaves its atom at 0
// gradually instead of staying at rho up to a kink.
struct WaitTail {
    double c1 = 0, b1 = 0, c2 = 0, b2 = 0;
    [[nodiscard]] double above(double x) const { return c1 * std::exp(-b1 * x) + c2 * std::exp(-b2 * x); }
};

WaitTail wait_tail(double rho, double C, double gamma, double lambda) {
    WaitTail w;
    if (!(rho > 0)) return w;
    if (!(gamma > 0)) {  // no decay found (no service time): the atom only
        w.c1 = rho;
        return w;
    }
    w.c1 = C;
    w.b1 = gamma;
    w.c2 = rho - C;
    const double slope = lambda * (1 - rho);
    if (std::abs(w.c2) < 1e-12 * rho) {
        w.c2 = 0;
        w.b2 = gamma;
    } else if (w.c2 < 0) {
        // Valid (decreasing, <= rho) while b2 > gamma.
        w.b2 = std::max((C * gamma - slope) / (C - rho), 2 * gamma);
    } else {
        w.b2 = std::max((slope - C * gamma) / (rho - C), gamma);
    }
    return w;
}

// P(W1 + W2 <= t) for independent waits: W1 (admission) an atom at 0 of
// 1 - q1 plus an exponential of mean m1; W2 (prefill queue) with the tail
// above. Closed form.
double wait_cdf(double t, double q1, double m1, const WaitTail& w2) {
    if (t < 0) return 0;
    const double g = w2.above(t);
    double c = (1 - q1) * (1 - g);
    if (q1 > 0) {
        if (m1 <= 0) {
            c += q1 * (1 - g);
        } else {
            const double a = 1 / m1;
            // int_0^t a exp(-a s) P(W2 > t - s) ds, term by term.
            const auto conv = [&](double ci, double bi) {
                if (ci == 0) return 0.0;
                if (std::abs(bi - a) <= 1e-9 * a) return ci * a * t * std::exp(-a * t);
                return ci * a * (std::exp(-a * t) - std::exp(-bi * t)) / (bi - a);
            };
            const double part = -std::expm1(-a * t) - conv(w2.c1, w2.b1) - conv(w2.c2, w2.b2);
            c += q1 * std::max(0.0, part);
        }
    }
    return std::clamp(c, 0.0, 1.0);
}

// Cramer-Lundberg asymptote of the M/G/1 wait with service times S (equally
// likely) at arrival rate lam: P(W > t) ~ C exp(-gamma t), gamma solving
// lam (E[exp(gamma S)] - 1) = gamma and C = (1 - rho) / (lam E[S exp(gamma S)]
// - 1) (= rho, 1 / gamma = the P-K conditional mean, for exponential service;
// a faster decay for regular prompts). Returns {C, gamma}; {rho, 0} if none.
std::pair<double, double> cramer_lundberg(double lam, const std::vector<double>& S, double rho) {
    double es = 0;
    for (double v : S) es += v;
    es /= static_cast<double>(S.size());
    if (!(rho > 0) || !(es > 0) || rho >= 1) return {rho, 0.0};
    const auto f = [&](double g) {
        double m = 0;
        for (double v : S) m += std::exp(std::min(700.0, g * v));
        return lam * (m / static_cast<double>(S.size()) - 1) - g;
    };
    double hi = 1 / es;
    for (int i = 0; i < 200 && f(hi) < 0; ++i) hi *= 2;
    double lo = hi / 2;
    while (lo > 1e-12 / es && f(lo) >= 0) lo /= 2;
    for (int i = 0; i < 100; ++i) {
        const double mid = 0.5 * (lo + hi);
        (f(mid) < 0 ? lo : hi) = mid;
    }
    const double g = 0.5 * (lo + hi);
    double md = 0;
    for (double v : S) md += v * std::exp(std::min(700.0, g * v));
    md /= static_cast<double>(S.size());
    const double denom = lam * md - 1;
    return {denom > 0 ? std::max(0.0, (1 - rho) / denom) : rho, g};
}

// Wait before a prompt's own prefill starts: admission W1, the prefill
// queue W2 and the rest of the step in progress when the queue reaches the
// prompt. Aggregated, the prefill server is an M/G/1 with multiple
// vacations (decode-only steps while no prompt waits), so by the
// Fuhrmann-Cooper decomposition every prompt also waits an independent
// residual vacation: uniform on (0, r_max), r_max the mean decode step.
// `n` points of it (1: its mean).
struct FirstWait {
    double q1 = 0, m1 = 0, rmax = 0;
    std::vector<WaitTail> w2;  // equally likely (quasi-static batch groups)
    // `step` > 1: every step-th batch group only (from the middle of the
    // first stride), for the many-point e2e sum.
    [[nodiscard]] double cdf(double t, int n = 8, std::size_t step = 1) const {
        if (t < 0) return 0;
        if (rmax <= 0) n = 1;
        step = std::clamp<std::size_t>(step, 1, w2.size());
        double c = 0, m = 0;
        for (std::size_t g = step / 2; g < w2.size(); g += step) {
            for (int k = 0; k < n; ++k) c += wait_cdf(t - (k + 0.5) / n * rmax, q1, m1, w2[g]);
            m += n;
        }
        return c / m;
    }
};

Percentiles percentiles(const std::function<double(double)>& cdf, double mean) {
    Percentiles p;
    p.mean = mean;
    const auto q = [&](double target) {
        double hi = std::max(mean, 1e-9);
        for (int i = 0; i < 200 && cdf(hi) < target; ++i) hi *= 2;
        double lo = 0;
        for (int i = 0; i < 60 && hi - lo > 1e-9 * hi; ++i) {
            const double mid = 0.5 * (lo + hi);
            (cdf(mid) < target ? lo : hi) = mid;
        }
        return hi;
    };
    p.p50 = q(0.50);
    p.p90 = q(0.90);
    p.p99 = q(0.99);
    return p;
}

// Variance of a window average of an M/G/inf population over the tagged
// sequence's own decode time L, relative to the population's variance:
// (2 / L^2) int_0^L (L - u) E[(D - u)^+] / E[D] du, D the others' decode times.
double window_factor(double L, const std::vector<double>& D) {
    if (L <= 0 || D.empty()) return 1;
    double ed = 0;
    for (double d : D) ed += d;
    ed /= static_cast<double>(D.size());
    if (ed <= 0) return 1;
    constexpr int n = 64;
    double sum = 0;
    for (int i = 0; i < n; ++i) {
        const double u = (i + 0.5) / n * L;
        double e = 0;
        for (double d : D) e += std::max(0.0, d - u);
        e /= static_cast<double>(D.size());
        sum += (L - u) * e / ed;
    }
    return std::clamp(2.0 / (L * L) * sum * (L / n), 0.0, 1.0);
}

}  // namespace

Capacity capacity(const StepTimes& st, const Lengths& in, const Lengths& out) {
    // Per resource: the rate at which it saturates (bisection on the state).
    const Means pm = prompt_means(st, in);
    const double eo1 = out.mean() - 1;
    Capacity c;
    if (st.mode == Mode::disaggregated) {
        const double prefill = pm.ep > 0 ? st.prefill_replicas / pm.ep : kInf;
        const double decode =
            eo1 > 0 ? st.decode_replicas * st.max_batch / (eo1 * st.decode_seconds(st.max_batch)) : kInf;
        if (prefill <= decode) {
            c.rate = prefill;
            c.bottleneck = fmt::format("prefill compute ({} prefill replica(s) per unit)", st.prefill_replicas);
        } else {
            c.rate = decode;
            c.bottleneck = st.batch_bound_throughput || st.batch_limit == "--max-batch"
                               ? fmt::format("decode KV capacity ({} sequences per replica, {})", st.max_batch,
                                             st.batch_limit)
                               : fmt::format("decode step throughput (batch {} per replica)", st.max_batch);
        }
        return c;
    }
    // Aggregated: bisection on stability of each resource.
    const auto stable = [&](double rate, int which) {
        const State s = evaluate(st, rate, in, out);
        if (which == 0) return s.rho_s < 1;                    // prefill (compute + token budget)
        return s.rho_s < 1 && s.rho_p < 1 && s.rho_kv < 1;    // decode
    };
    const auto limit = [&](int which) {
        double lo = 0, hi = pm.ep > 0 ? st.decode_replicas / pm.ep : 1.0;
        if (eo1 > 0)
            hi = std::min(hi, st.decode_replicas * st.max_batch / (eo1 * st.decode_seconds(st.max_batch)) * 1.0001);
        if (!std::isfinite(hi) || hi <= 0) hi = 1e9;
        if (stable(hi, which)) return hi;
        for (int i = 0; i < 60; ++i) {
            const double mid = 0.5 * (lo + hi);
            (stable(mid, which) ? lo : hi) = mid;
        }
        return lo;
    };
    const double prefill = limit(0);
    const double decode = limit(1);
    if (prefill <= decode * (1 + 1e-9)) {
        c.rate = prefill;
        c.bottleneck = fmt::format("prefill compute (prompt tokens, up to {} per step, share the steps with decode)",
                                   st.chunk);
    } else {
        c.rate = decode;
        c.bottleneck = st.batch_bound_throughput || st.batch_limit == "--max-batch"
                           ? fmt::format("decode KV capacity ({} sequences per replica, {})", st.max_batch,
                                         st.batch_limit)
                           : fmt::format("decode step throughput (batch {} per replica)", st.max_batch);
    }
    return c;
}

int units_needed(const Capacity& c, double fleet_rate, double headroom) {
    if (!(headroom >= 0 && headroom < 1)) throw Error("must be in [0, 1)", "headroom");
    if (!(fleet_rate >= 0)) throw Error("must not be negative", "rate");
    if (!(c.rate > 0)) throw Error("the deployment serves no requests", "deployment");
    const double n = fleet_rate / (c.rate * (1 - headroom));
    if (n > 1e9) throw Error("more than 1e9 units needed", "rate");
    return std::max(1, static_cast<int>(std::ceil(n - 1e-9)));
}

ServingResult analyze(const StepTimes& st, const Load& load) {
    if (!(load.rate > 0) || !std::isfinite(load.rate)) throw Error("must be a positive request rate", "rate");
    if (load.input.points.empty() || load.output.points.empty()) throw Error("no request lengths", "lengths");
    ServingResult r;
    r.capacity = capacity(st, load.input, load.output);
    if (load.rate >= r.capacity.rate)
        throw Error(fmt::format("{:.4g} requests/s is at or beyond the capacity of {:.4g} requests/s per unit; "
                                "bottleneck: {}",
                                load.rate, r.capacity.rate, r.capacity.bottleneck),
                    "rate");
    r.utilization = load.rate / r.capacity.rate;
    const State s = evaluate(st, load.rate, load.input, load.output);
    // The capacity is bisected on the same state, so this holds below it;
    // refuse rather than return figures of an unstable queue if it does not.
    if (!(s.rho_s < 1 && s.rho_p < 1 && s.rho_kv < 1))
        throw Error(fmt::format("{:.4g} requests/s is at or beyond the capacity of this deployment; bottleneck: {}",
                                load.rate, r.capacity.bottleneck),
                    "rate");
    const double scale = step_scale(st, s);
    const double ac = allen_cunneen(load.output);

    // Waits: admission (KV slots) and prefill queue, each atom + exponential.
    // Admission: waits with the probability the chain gives to full slots;
    // a waiting request then sees slots freed at mu(B) = lambda / rho_kv
    // while requests keep arriving: exponential of mean 1 / (mu(B) - lambda)
    // (M/M/1 above the limit), times the Allen-Cunneen factor.
    const double qa = s.tail;
    const double ma = s.lambda > 0 && s.rho_kv < 1 ? ac * s.rho_kv / (s.lambda * (1 - s.rho_kv)) : 0;
    const double wa = qa * ma;
    const bool agg = st.mode == Mode::aggregated;
    // Prefill queue wait: the M/G/1 on the prompts' work, its tail from the
    // Cramer-Lundberg asymptote and the density at 0 (wait_tail).
    // Quasi-static in the batch (aggregated): the decode batch moves over
    // seconds to minutes (the chain relaxes over a sequence's lifetime),
    // prefill waits over a few prompt times, so the prefill queue sees a
    // server whose steps are t_d(b) for the batch b of the moment. Its wait
    // is the mixture over the chain's law of the M/G/1 waits at that speed
    // (8 equally likely batch groups): heavier-tailed than one M/G/1 at the
    // mean step, since the wait is convex in the load.
    std::vector<double> speeds{1.0};
    if (agg && s.mean_td > 0 && !s.pi.empty()) {
        std::vector<std::pair<double, double>> mass;  // (probability, t_d) by state
        double tot = 0, avg = 0;
        for (std::size_t k = 0; k < s.pi.size(); ++k) {
            const double t = td_at(st, decoding_of(s, std::min(s.clump * static_cast<double>(k), 1.0 * s.slots)));
            mass.emplace_back(s.pi[k], t);
        }
        mass.emplace_back(s.tail, td_at(st, decoding_of(s, s.slots)));
        for (const auto& [q, t] : mass) {
            tot += q;
            avg += q * t;
        }
        if (tot > 0 && avg > 0) {
            avg /= tot;
            constexpr int groups = 8;
            speeds.assign(groups, 0.0);
            double acc = 0;  // probability assigned so far
            for (const auto& [q0, t] : mass) {
                double q = q0 / tot;
                while (q > 1e-15) {
                    const int g = std::min(groups - 1, static_cast<int>(acc * groups + 1e-12));
                    const double room = (g + 1.0) / groups - acc;
                    const double take = std::min(q, room > 1e-15 ? room : q);
                    speeds[static_cast<std::size_t>(g)] += take * groups * t / avg;
                    acc += take;
                    q -= take;
                    if (g == groups - 1 && room <= 1e-15) break;
                }
            }
        }
    }
    const double lam_q = agg ? s.lambda : s.lambda_p;
    std::vector<WaitTail> tails;
    for (double f : speeds) {
        State sk = s;
        sk.mean_td = s.mean_td * f;
        std::vector<double> S;
        double es = 0;
        for (double x : load.input.points) {
            S.push_back(prompt_service(st, sk, x));
            es += S.back();
        }
        es /= static_cast<double>(S.size());
        // A group at or past saturation would never drain: hold it just below.
        if (lam_q * es > 0.995)
            for (double& v : S) v *= 0.995 / (lam_q * es);
        double rho = 0;
        for (double v : S) rho += lam_q * v;
        rho /= static_cast<double>(S.size());
        const auto [c, g] = cramer_lundberg(lam_q, S, rho);
        tails.push_back(wait_tail(rho, c, g, lam_q));
    }
    // Aggregated: the admission wait precedes prefill (TTFT); disaggregated:
    // it precedes decode (after the first token).
    const double q1 = agg ? qa : 0, m1 = agg ? ma : 0;
    FirstWait fw;
    fw.q1 = q1;
    fw.m1 = m1;
    fw.rmax = 2 * s.residual;  // the decode step in progress (aggregated)
    fw.w2 = std::move(tails);

    const auto& I = load.input.points;
    const auto& O = load.output.points;
    std::vector<double> own(I.size());
    double own_mean = 0;
    for (std::size_t i = 0; i < I.size(); ++i) {
        own[i] = own_service(st, s, I[i]);
        own_mean += s.residual + own[i];
    }
    own_mean /= static_cast<double>(I.size());
    const auto ttft_cdf = [&](double t) {
        double c = 0;
        for (double o : own) c += fw.cdf(t - o);
        return c / static_cast<double>(own.size());
    };
    r.ttft = percentiles(ttft_cdf, (agg ? wa : 0) + s.wq_mean + own_mean);

    // TPOT: mean by Little's law on decoding sequences. Per request,
    //   TPOT = c t_d(b_w) + K p_eff / (O - 1) (+ transfer and admission / (O - 1), disaggregated)
    // with b_w the decode batch averaged over the sequence's lifetime
    // (normal: mean and lifetime-averaged variance of min(N + 1, slots)
    // under the chain) and, aggregated, K ~ Poisson the prompts arriving
    // while it decodes (compound Poisson matched in mean and variance by
    // prompts of p_eff = E[p^2] / E[p] seconds). c makes the mean Little's.
    const double tmean = s.eo1 > 0 ? s.mean_decoding / (s.lambda * s.eo1) : st.decode_seconds(1) * scale;
    r.step_ms = tmean * 1e3;
    double bmean = 0, bvar = 0;
    {
        double m2 = 0, mass = 0;
        for (std::size_t j = 0; j < s.pi.size(); ++j) {
            const double b = decoding_of(s, std::min<double>(s.clump * static_cast<double>(j) + 1, s.slots));
            bmean += s.pi[j] * b;
            m2 += s.pi[j] * b * b;
            mass += s.pi[j];
        }
        const double bt = decoding_of(s, s.slots);
        bmean += s.tail * bt;
        m2 += s.tail * bt * bt;
        mass += s.tail;
        bmean /= mass;
        bvar = std::max(0.0, m2 / mass - bmean * bmean);
    }
    const auto td = [&](double b) {
        b = std::clamp(b, 1.0, static_cast<double>(s.slots));
        const int lo = static_cast<int>(std::floor(b));
        const double f = b - lo;
        return st.decode_seconds(lo) * (1 - f) + st.decode_seconds(lo + 1) * f;
    };
    // The batch relaxes more slowly than an M/G/inf population when steps
    // slow down with the batch: a resident's sojourn S(n) grows with n, and
    // the linearised release rate n / S(n) recovers a deviation at
    // (1 - n S'(n) / S(n)) / S. Stretch the others' lifetimes by that factor
    // so the window keeps more of the batch's variance (compute-bound steps,
    // near capacity).
    double relax = 1;
    if (s.eo1 > 0 && bmean > 1) {
        const double sc = agg ? 1 / (1 - s.rho_p) : 1.0;
        const double n = bmean;
        const double sn = s.prefill_sojourn + s.eo1 * td_at(st, n) * sc;
        const double slope = (td_at(st, std::min(n + 1, static_cast<double>(st.max_batch))) -
                              td_at(st, std::max(n - 1, 1.0))) /
                             (std::min(n + 1, static_cast<double>(st.max_batch)) - std::max(n - 1, 1.0)) * sc;
        const double x = sn > 0 ? n * s.eo1 * slope / sn : 0;
        relax = 1 / (1 - std::clamp(x, 0.0, 0.9));
    }
    std::vector<double> lifetimes;
    for (double o : O) lifetimes.push_back((o - 1) * tmean * relax);
    const Means pmeans = prompt_means(st, load.input);
    const double p_eff = agg && pmeans.ep > 0 ? pmeans.ep2 / pmeans.ep : 0;
    double xfer = 0;
    if (!agg) {
        for (double x : I) xfer += st.transfer_seconds(x);
        xfer /= static_cast<double>(I.size());
    }
    // Aggregated, a window of decode steps that runs long (a larger batch,
    // more prompts) lets more prompts arrive and share its steps, which
    // stretch it further: a busy period on the prefill work, so deviations
    // of the window time are amplified by 1 / (1 - rho_p) (standard
    // deviation) and the prompt count is over-dispersed by its square
    // (prompts in clumps). No step carries more than one chunk of prompt
    // tokens, which bounds the prompt time per token of a short window.
    const double chunk_cap = pmeans.ec > 0 ? pmeans.ep / pmeans.ec * st.chunk : 0;
    constexpr int nb = 64;
    std::vector<double> zq(nb);
    for (int k = 0; k < nb; ++k) zq[static_cast<std::size_t>(k)] = planner::normal_quantile((k + 0.5) / nb);
    struct Pt {
        double o1 = 0, shift = 0, kmean = 0;
        std::vector<double> t;                 // c t_d(b_w) at each batch point
        std::vector<std::pair<double, double>> k;  // (added seconds per token, probability)
    };
    std::vector<Pt> pts;
    double tsum = 0;
    for (double o : O) {
        if (o <= 1) continue;
        Pt p;
        p.o1 = o - 1;
        const double L = p.o1 * tmean;
        const double sd = std::sqrt(window_factor(L, lifetimes) * bvar);
        double norm = 0;
        for (double z : zq) {
            const double v = td(bmean + sd * z);
            p.t.push_back(v);
            norm += v;
        }
        norm /= nb;
        const double base = agg ? tmean * (1 - s.rho_p) : tmean;
        // The feedback closes within the window only for prompts prefilled
        // before it ends: the share L / (L + TTFT) of them.
        const double g = L / (L + s.wq_mean + own_mean);
        const double amp = agg ? 1 / (1 - g * s.rho_p * (1 - s.tail)) : 1.0;
        const double clump = amp * amp;
        for (double& v : p.t) v = std::max(0.0, base + (v * base / norm - base) * amp);
        if (agg && p_eff > 0) {
            // Prompts that arrived while it waited for its first token are
            // prefilled during its first steps: count arrivals over TTFT + L.
            const double mu = s.lambda * (L + s.wq_mean + own_mean) * pmeans.ep / p_eff / clump;
            // Poisson(mu) weights in log space (exp(-mu) underflows near
            // capacity, where TTFT and so mu are large); a normal over 81
            // points once mu is large.
            const auto add = [&](double k) { return std::min(k * clump * p_eff / p.o1, chunk_cap); };
            if (mu > 400) {
                for (int i = -40; i <= 40; ++i) {
                    const double z = i / 8.0;
                    p.k.emplace_back(add(std::max(0.0, mu + std::sqrt(mu) * z)), std::exp(-0.5 * z * z));
                }
            } else {
                const int k1 = static_cast<int>(std::ceil(mu + 12 * std::sqrt(mu) + 20));
                for (int k = 0; k <= k1; ++k) {
                    const double w = std::exp(-mu + k * std::log(std::max(mu, 1e-300)) - std::lgamma(k + 1.0));
                    if (w > 1e-12 || k <= mu) p.k.emplace_back(add(k), w);
                }
            }
            double tot = 0;
            for (auto& kw : p.k) tot += kw.second;
            for (auto& kw : p.k) {
                kw.second /= tot;
                p.kmean += kw.first * kw.second;
            }
        } else {
            p.k.emplace_back(0.0, 1.0);
        }
        // Disaggregated: KV transfer, decode admission and the rest of the
        // decode step in progress when it joins (mean E[t_d] / 2) come
        // before the second token and count in (e2e - TTFT) / (O - 1).
        p.shift = agg ? 0 : (xfer + wa + s.mean_td / 2) / p.o1;
        tsum += tmean + p.shift;
        pts.push_back(std::move(p));
    }
    if (!pts.empty()) {
        const auto tpot_cdf = [&](double t) {
            double c = 0;
            for (const Pt& p : pts)
                for (double v : p.t)
                    for (const auto& [add, w] : p.k)
                        if (v + add + p.shift <= t) c += w;
            return c / static_cast<double>(pts.size() * nb);
        };
        r.tpot = percentiles(tpot_cdf, tsum / static_cast<double>(pts.size()));
    }

    // End to end: TTFT + (O - 1) x TPOT over prompt, output and batch points.
    const int stride = own.size() * O.size() <= 64 ? 1 : 8;
    const auto e2e_cdf = [&](double t) {
        double c = 0, n = 0;
        for (double o_ : own) {
            std::size_t pi = 0;
            for (double o : O) {
                if (o <= 1) {
                    c += fw.cdf(t - o_, 1);
                    n += 1;
                    continue;
                }
                const Pt& p = pts[pi++];
                for (int b = 0; b < nb; b += stride) {
                    if (stride > 1) {  // many length points: the prompt-arrival noise at its mean
                        const double dec = p.o1 * (p.t[static_cast<std::size_t>(b)] + p.kmean + p.shift);
                        c += fw.cdf(t - o_ - dec, 1, 4);
                    } else {
                        for (const auto& [add, w] : p.k) {
                            const double dec = p.o1 * (p.t[static_cast<std::size_t>(b)] + add + p.shift);
                            c += w * fw.cdf(t - o_ - dec, 1);
                        }
                    }
                    n += 1;
                }
            }
        }
        return c / n;
    };
    double e2e_mean = r.ttft.mean;
    {
        double dec = 0;
        for (const Pt& p : pts) dec += p.o1 * (tmean + p.shift);
        e2e_mean += dec / static_cast<double>(O.size());
    }
    r.e2e = percentiles(e2e_cdf, e2e_mean);

    r.mean_decode_batch = s.mean_decoding;
    r.prefill_share = agg ? s.rho_p : 0;
    r.prefill_utilization = s.rho_s;
    r.kv_occupancy = (s.mean_decoding + (agg ? s.lambda * (s.wq_mean + own_mean) : 0)) / st.max_batch;
    r.admission_wait_probability = qa;
    r.decode_utilization = s.rho_kv;
    return r;
}

}  // namespace hwplan::model::serving

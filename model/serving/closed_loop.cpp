// Closed-loop serving by mean-value analysis (see closed_loop.hpp and
// docs/equations.md, "Serving", "Closed loop").
//
// Per replica with N clients and B KV slots, n = min(N, B) requests are
// resident (no think time: a client is always either queued for admission
// or resident). For a throughput X the residence time R(X) follows from the
// step model, and X solves Little's law X R(X) = n (Reiser-Lavenberg mean
// value analysis, with Schweitzer's estimate that a request sees the others
// at (n - 1) / n of the time averages). The clients beyond the slots wait
// (N - n) / X for admission (Little on the admission queue).
#include "model/serving/closed_loop.hpp"

#include <algorithm>
#include <cmath>

#include "model/error.hpp"

namespace hwplan::model::serving {

namespace {

constexpr double kInf = 1e300;

// Decode step at a (mean) batch b: linear between the tabulated integers,
// and between 0 and t_d(1) below one sequence (a share b of the steps decode
// one sequence, in expectation).
double td(const StepTimes& st, double b) {
    if (b <= 0) return 0;
    b = std::min(b, static_cast<double>(st.max_batch));
    if (b < 1) return b * st.decode_seconds(1);
    const int lo = static_cast<int>(std::floor(b));
    const double f = b - lo;
    return f > 0 ? st.decode_seconds(lo) * (1 - f) + st.decode_seconds(lo + 1) * f : st.decode_seconds(lo);
}

// One component of a latency distribution: a normal N(mu, sigma^2) plus,
// with probability 1 - atom, an independent exponential of mean `tail`.
struct Component {
    double w = 1, mu = 0, sigma = 0, atom = 1, tail = 0;
};

double phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double cdf(const Component& c, double t) {
    const double x = t - c.mu;
    const double base = c.sigma > 0 ? phi(x / c.sigma) : (x >= 0 ? 1.0 : 0.0);
    if (c.atom >= 1 || !(c.tail > 0)) return base;
    const double lam = 1 / c.tail;
    double eg = 0;  // P(N + E <= t): the exponentially modified Gaussian
    if (c.sigma > 0) {
        const double e = -lam * x + 0.5 * lam * lam * c.sigma * c.sigma;
        const double z = x / c.sigma - lam * c.sigma;
        const double second = e > 700 ? 0.0 : std::exp(e) * phi(z);
        eg = std::clamp(base - second, 0.0, 1.0);
    } else {
        eg = x >= 0 ? -std::expm1(-lam * x) : 0.0;
    }
    return c.atom * base + (1 - c.atom) * eg;
}

struct Mixture {
    std::vector<Component> parts;
    double weight = 0, mean_sum = 0;
    void add(const Component& c) {
        parts.push_back(c);
        weight += c.w;
        mean_sum += c.w * (c.mu + (1 - c.atom) * c.tail);
    }
    [[nodiscard]] double at(double t) const {
        double s = 0;
        for (const auto& c : parts) s += c.w * cdf(c, t);
        return weight > 0 ? s / weight : 1;
    }
    [[nodiscard]] Percentiles percentiles() const {
        Percentiles p;
        if (!(weight > 0)) return p;
        p.mean = mean_sum / weight;
        const auto q = [&](double target) {
            double hi = std::max(p.mean, 1e-9);
            for (int i = 0; i < 200 && at(hi) < target; ++i) hi *= 2;
            double lo = 0;
            for (int i = 0; i < 80 && hi - lo > 1e-10 * hi; ++i) {
                const double mid = 0.5 * (lo + hi);
                (at(mid) < target ? lo : hi) = mid;
            }
            return hi;
        };
        p.p50 = q(0.50);
        p.p90 = q(0.90);
        p.p99 = q(0.99);
        return p;
    }
};

struct PromptPoint {
    double p = 0;      // prefill seconds
    double c = 0;      // computed tokens
    double steps = 0;  // steps of its own when alone: ceil(c / chunk)
};

// The state of one replica at throughput X (requests/s).
struct Replica {
    bool feasible = true;
    double x = 0, r = 0;     // throughput, mean residence (sent or admitted, to the last token)
    double rho = 0;          // others' prompt share of time (what stretches a decoder's steps)
    double itl = 0, base = 0;  // mean gap, decode-only step at the batch a decoder sees
    double dbar = 0, tdp = 0;  // mean decoders; decode step under a prefilling prompt
    double share = 0;        // fluid blend: prompts packed into full-budget steps
    double u = 0;            // prefill server busy with others' prompts (per step)
    double lag = 0;          // the step in progress when a request is sent
    double step = 0;         // mean step (seconds)
    double lambda_s = 0;     // others' prompts admitted per step
    double wq_steps = 0;     // prefill-queue wait in steps
    double qstep = 0;        // seconds of a queued prefill step
    double wq = 0;           // wait behind the prompts ahead (seconds)
    double own = 0;          // mean own prefill (prefill + decode steps it rides on)
    double tp = 0;           // admission to first token
};

struct Problem {
    const StepTimes& st;
    std::vector<PromptPoint> prompts;
    std::vector<double> outputs;
    double ep = 0, ec = 0, eo1 = 0;

    Problem(const StepTimes& s, const Lengths& in, const Lengths& out) : st(s) {
        for (double x : in.points) {
            PromptPoint q;
            q.p = st.prefill_seconds(x);
            q.c = st.computed_tokens(x);
            q.steps = std::ceil(q.c / st.chunk - 1e-12);
            prompts.push_back(q);
            ep += q.p;
            ec += q.c;
        }
        ep /= static_cast<double>(prompts.size());
        ec /= static_cast<double>(prompts.size());
        outputs = out.points;
        for (double o : outputs) eo1 += o - 1;
        eo1 /= static_cast<double>(outputs.size());
    }

    // Tokens of a prompt's own last piece (what is left after its whole chunks).
    [[nodiscard]] double last_piece(const PromptPoint& q) const {
        return q.c - (q.steps - 1) * st.chunk;
    }
    // Its prefill, the decode steps its chunks ride on, and the batch-mates
    // admitted with it behind it (lambda_s / 2 on average) packed into its
    // last step up to the budget.
    [[nodiscard]] double own_time(const PromptPoint& q, const Replica& s) const {
        const double room = std::max(0.0, st.chunk - last_piece(q));
        const double mates = std::min(room, 0.5 * s.lambda_s * ec) * (ec > 0 ? ep / ec : 0);
        return q.p + q.steps * s.tdp + mates;
    }

    // Residence at throughput x with n resident requests.
    [[nodiscard]] Replica at(double x, int n) const {
        Replica s;
        s.x = x;
        const double f = n > 1 ? static_cast<double>(n - 1) / n : 0.0;
        s.rho = f * x * ep;
        if (s.rho >= 1) {
            s.feasible = false;
            s.r = kInf;
            return s;
        }
        // A decoder's gap: one decode step at the batch it sees (itself and
        // the others decoding), stretched by the others' prompt tokens that
        // share its steps: itl = t_d(1 + f dbar) / (1 - rho), dbar = x E[O-1] itl.
        const double bmax = n;
        const auto gap = [&](double y) { return td(st, std::min(bmax, 1 + f * x * eo1 * y)) / (1 - s.rho); };
        double lo = td(st, 1) / (1 - s.rho), hi = td(st, bmax) / (1 - s.rho);
        if (eo1 > 0 && hi > lo) {
            for (int i = 0; i < 60; ++i) {
                const double mid = 0.5 * (lo + hi);
                (gap(mid) > mid ? lo : hi) = mid;
            }
        }
        s.itl = eo1 > 0 ? 0.5 * (lo + hi) : lo;
        s.dbar = x * eo1 * s.itl;
        s.base = td(st, std::min(bmax, 1 + f * s.dbar));
        s.tdp = td(st, f * s.dbar);
        // The prefill queue runs on the step clock: requests are sent when a
        // step ends (a decoder's last token) and admitted when the next one
        // ends, so the others' prompts arrive at lambda_s = f x s_step per
        // step, s_step the mean step (long prefill steps bring no more
        // arrivals per step than short ones). A prompt holds the server for
        // ns steps: ceil(I' / C) alone, I' / C when prompts pack into
        // full-budget steps, blended by the token load per step.
        s.step = td(st, s.dbar) / (1 - s.rho);
        s.lambda_s = f * x * s.step;
        s.share = std::min(1.0, s.lambda_s * ec / st.chunk);
        double ens = 0, ens2 = 0;
        for (const auto& q : prompts) {
            const double steps = (1 - s.share) * q.steps + s.share * q.c / st.chunk;
            ens += steps;
            ens2 += steps * steps;
        }
        const double k = static_cast<double>(prompts.size());
        ens /= k;
        ens2 /= k;
        s.u = s.lambda_s * ens;
        if (s.u >= 1) {
            s.feasible = false;
            s.r = kInf;
            return s;
        }
        // Wait from admission to the start of its own prefill, in steps: the
        // discrete-time M/G/1 with Poisson batches per step,
        // lambda_s E[ns^2] / (2 (1 - rho_s)) (residual steps of the prompt in
        // service, batch-mates and the queue ahead), each a prefill step of
        // (E[p] + E[ns] t_d) / E[ns] seconds.
        s.wq_steps = s.lambda_s * ens2 / (2 * (1 - s.u));
        s.qstep = ens > 0 ? (ep + ens * s.tdp) / ens : 0;
        s.wq = s.wq_steps * s.qstep;
        // The step in progress when it is sent (the others' step).
        s.lag = f > 0 ? s.step : 0.0;
        // Own: its prefill, the decode steps its chunks ride on, and the
        // batch-mates behind it packed into its last step (up to the budget).
        s.own = 0;
        for (const auto& q : prompts) s.own += own_time(q, s);
        s.own /= k;
        s.tp = s.lag + s.wq + s.own;
        s.r = s.tp + eo1 * s.itl;
        return s;
    }

    // Little's law on the residents: x R(x) = n.
    [[nodiscard]] Replica solve(int n) const {
        const double rmin = ep + eo1 * td(st, 1);
        double lo = 0, hi = rmin > 0 ? n / rmin : 1e9;
        for (int i = 0; i < 100; ++i) {
            const double mid = 0.5 * (lo + hi);
            const Replica s = at(mid, n);
            (s.feasible && mid * s.r < n ? lo : hi) = mid;
        }
        Replica s = at(lo, n);
        return s;
    }
};

}  // namespace

ClosedLoopResult closed_loop(const StepTimes& st, const ClosedLoopLoad& load) {
    if (load.concurrency < 1) throw Error("must be at least 1 client", "concurrency");
    if (load.units < 1) throw Error("must be at least 1", "units");
    if (load.input.points.empty() || load.output.points.empty()) throw Error("no request lengths", "lengths");
    if (st.mode != Mode::aggregated)
        throw Error("closed-loop serving is modelled for aggregated deployments only", "concurrency");
    const Problem pb(st, load.input, load.output);
    ClosedLoopResult res;
    const long long replicas = static_cast<long long>(load.units) * st.decode_replicas;
    res.replicas = static_cast<int>(std::min<long long>(replicas, 1 << 30));
    // Whole clients per replica: `extra` replicas get one more.
    const long long lo_clients = load.concurrency / replicas, extra = load.concurrency % replicas;
    struct Group {
        int clients;
        long long count;
    };
    std::vector<Group> groups;
    if (lo_clients > 0 && replicas - extra > 0) groups.push_back({static_cast<int>(lo_clients), replicas - extra});
    if (extra > 0) groups.push_back({static_cast<int>(lo_clients + 1), extra});

    Mixture ttft, itl, tpot, e2e;
    double xs = 0, busy_replicas = 0, dbar = 0, pref = 0, wa_sum = 0, wp_sum = 0, share = 0, q_sum = 0, cl = 0;
    for (const Group& g : groups) {
        const int N = g.clients;
        const int n = std::min(N, st.max_batch);
        const Replica s = pb.solve(n);
        const double X = s.x;
        const double weight = X * static_cast<double>(g.count);  // requests/s of this group
        if (N > n) res.kv_limited = true;
        const double wa = N > n ? (N - n) / X : 0.0;

        // Gaps: decode-only steps at `base`, and steps carrying prompt
        // tokens: a prompt's whole chunks, and its last piece with the
        // prompts behind it packed in up to the budget (j ~ Poisson(m) of
        // them: its batch-mates and those admitted while it waited and
        // prefilled).
        std::vector<std::pair<double, double>> pieces;  // (seconds, weight)
        const double other = pb.ec > 0 ? pb.ep / pb.ec : 0;  // seconds per token of the others' prompts
        for (const auto& q : pb.prompts) {
            const double per = q.c > 0 ? q.p / q.c : 0;
            if (q.steps > 1) pieces.emplace_back(st.chunk * per, q.steps - 1);
            const double last = pb.last_piece(q);
            const double m = s.lambda_s * (0.5 + s.wq_steps + q.steps - 1);
            double pj = std::exp(-m), cum = 0;
            for (int j = 0;; ++j) {
                const double tokens = std::min<double>(st.chunk, last + j * pb.ec);
                const bool full = tokens >= st.chunk || j >= 40;
                pieces.emplace_back(last * per + (tokens - last) * other, full ? std::max(0.0, 1 - cum) : pj);
                if (full || (j > m && 1 - cum - pj < 1e-9)) break;
                cum += pj;
                pj *= m / (j + 1);
            }
        }
        double wsum = 0, pmean = 0;
        for (const auto& [t, w] : pieces) wsum += w, pmean += t * w;
        pmean = wsum > 0 ? pmean / wsum : 0;
        // Share q of the gaps carrying a piece, so that the mean gap is itl.
        const double carried = s.rho * s.itl;  // prompt seconds per gap
        double q = pmean > 0 ? carried / pmean : 0, scale = 1;
        if (q > 1) scale = q, q = 1;
        double gap2 = (1 - q) * s.base * s.base;
        const double gw = static_cast<double>(g.count) * X * pb.eo1;  // gaps/s of the group
        if (pb.eo1 > 0) itl.add({gw * (1 - q), s.base, 0, 1, 0});
        for (const auto& [t, w] : pieces) {
            const double v = s.base + t * scale, pw = q * w / wsum;
            gap2 += pw * v * v;
            if (pb.eo1 > 0) itl.add({gw * pw, v, 0, 1, 0});
        }
        const double var = std::max(0.0, gap2 - s.itl * s.itl);
        // Admission: the wait for N - n departures of n residents whose
        // residence times R vary by cv_R; for many of them the departure
        // count is renewal-normal: variance (N - n) cv_R^2 / X^2 (a Poisson
        // count, cv_R = 1, only for exponential residence).
        double vo = 0;
        for (double o : pb.outputs) vo += (o - 1 - pb.eo1) * (o - 1 - pb.eo1);
        vo /= static_cast<double>(pb.outputs.size());
        const double cv2 = s.r > 0 ? (s.itl * s.itl * vo + pb.eo1 * var) / (s.r * s.r) : 0.0;
        const double wa_var = N > n ? (N - n) * cv2 / (X * X) : 0.0;

        const double per_point = weight / static_cast<double>(pb.prompts.size());
        const double atom = s.u > 0 ? 1 - s.u : 1;
        const double tail = s.u > 0 ? s.wq / s.u : 0;
        for (const auto& pp : pb.prompts) {
            const double own = pp.p + pp.steps * s.tdp;
            const double mu = wa + s.lag + own;
            const double sd2 = wa_var + (s.lag > 0 ? var : 0);
            ttft.add({per_point, mu, std::sqrt(sd2), atom, tail});
            for (double o : pb.outputs) {
                const double w = per_point / static_cast<double>(pb.outputs.size());
                e2e.add({w, mu + (o - 1) * s.itl, std::sqrt(sd2 + (o - 1) * var), atom, tail});
            }
        }
        for (double o : pb.outputs)
            if (o > 1)
                tpot.add({weight / static_cast<double>(pb.outputs.size()), s.itl, std::sqrt(var / (o - 1)), 1, 0});

        xs += weight;
        busy_replicas += static_cast<double>(g.count);
        dbar += s.dbar * static_cast<double>(g.count);
        pref += X * s.tp * static_cast<double>(g.count);
        wa_sum += wa * weight;
        wp_sum += (s.lag + s.wq) * weight;
        share += X * pb.ep * static_cast<double>(g.count);
        q_sum += q * weight;
        cl += N * static_cast<double>(g.count);
    }
    res.ttft = ttft.percentiles();
    res.itl = itl.percentiles();
    res.tpot = tpot.percentiles();
    res.e2e = e2e.percentiles();
    res.requests_per_s = xs;
    res.output_tokens_per_s = xs * (pb.eo1 + 1);
    res.input_tokens_per_s = xs * load.input.mean();
    if (busy_replicas > 0) {
        res.clients_per_replica = cl / busy_replicas;
        res.mean_decode_batch = dbar / busy_replicas;
        res.mean_prefilling = pref / busy_replicas;
        res.prefill_share = share / busy_replicas;
    }
    if (xs > 0) {
        res.admission_wait = wa_sum / xs;
        res.prefill_wait = wp_sum / xs;
        res.prefill_step_share = q_sum / xs;
    }
    return res;
}

}  // namespace hwplan::model::serving

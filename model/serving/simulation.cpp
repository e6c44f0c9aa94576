#include "model/serving/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <queue>
#include <utility>

#include "model/error.hpp"
#include "model/planner/distribution.hpp"

namespace hwplan::model::serving {

namespace {

// splitmix64: a portable, seedable generator (std distributions are not
// specified bit-for-bit across standard libraries).
struct Rng {
    std::uint64_t s;
    std::uint64_t next() {
        std::uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }  // (0, 1)
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
};

struct Outcome {
    double first_token = 0;  // absolute time
    double finish = 0;
};

struct Stats {
    double batch_time = 0;  // integral of the decode batch over time
    double busy = 0;        // time spent stepping
    double span = 0;        // first arrival to last finish
};

struct Prompt {
    std::size_t id;
    double remaining;  // tokens still to compute
    double per_token;  // seconds per computed token
};

// One engine. `decode`: run decode steps; `prefill`: take prompt tokens.
// Aggregated: both, KV slots counted over prefilling + decoding. Prefill
// only: no slots. Decode only: `ready` times are arrivals into decode.
void run_engine(const StepTimes& st, const std::vector<Request>& rq, const std::vector<std::size_t>& ids,
                const std::vector<double>& ready, bool prefill, bool decode, std::vector<Outcome>& out,
                Stats& stats) {
    if (ids.empty()) return;
    std::vector<std::size_t> order = ids;  // by ready time (stable: FCFS ties by id)
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return ready[a] < ready[b]; });
    using Entry = std::pair<long long, std::size_t>;  // (finishing step, id)
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> decoding;
    std::deque<std::size_t> waiting;
    std::deque<Prompt> prompts;
    std::size_t next = 0;
    long long k = 0;
    int resident = 0;
    double t = 0;
    const double start = ready[order.front()];
    const bool slots = decode;  // KV slots limit decode engines (aggregated or decode-only)
    std::vector<std::size_t> done;
    while (true) {
        if (waiting.empty() && prompts.empty() && decoding.empty()) {
            if (next == order.size()) break;
            t = std::max(t, ready[order[next]]);
        }
        while (next < order.size() && ready[order[next]] <= t) waiting.push_back(order[next++]);
        while (!waiting.empty() && (!slots || resident < st.max_batch)) {
            const std::size_t i = waiting.front();
            waiting.pop_front();
            if (prefill) {
                const double c = st.computed_tokens(rq[i].input);
                prompts.push_back({i, c, st.prefill_seconds(rq[i].input) / c});
                if (slots) ++resident;
            } else {
                // Decode-only: joins the batch now, decodes from the next step.
                decoding.emplace(k + static_cast<long long>(rq[i].output) - 1, i);
                ++resident;
            }
        }
        if (prompts.empty() && decoding.empty()) continue;  // slots full cannot happen here; wait for arrivals
        const int batch = decode ? static_cast<int>(decoding.size()) : 0;
        double step = st.decode_seconds(batch);
        double budget = st.chunk;
        done.clear();
        while (!prompts.empty() && budget > 0) {
            Prompt& p = prompts.front();
            const double piece = std::min(p.remaining, budget);
            step += piece * p.per_token;
            p.remaining -= piece;
            budget -= piece;
            if (p.remaining <= 0) {
                done.push_back(p.id);
                prompts.pop_front();
            }
        }
        stats.batch_time += batch * step;
        stats.busy += step;
        t += step;
        ++k;
        while (!decoding.empty() && decoding.top().first <= k) {
            out[decoding.top().second].finish = t;
            decoding.pop();
            --resident;
        }
        for (std::size_t i : done) {
            out[i].first_token = t;
            if (!decode || rq[i].output <= 1) {
                out[i].finish = t;
                if (slots) --resident;
            } else {
                decoding.emplace(k + static_cast<long long>(rq[i].output) - 1, i);
            }
        }
    }
    stats.span += t - start;
}

Percentiles from_samples(std::vector<double> v) {
    Percentiles p;
    if (v.empty()) return p;
    double s = 0;
    for (double x : v) s += x;
    p.mean = s / static_cast<double>(v.size());
    const auto q = [&](double f) {
        const std::size_t i =
            std::min(v.size() - 1, static_cast<std::size_t>(std::floor(f * static_cast<double>(v.size()))));
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
        return v[i];
    };
    p.p50 = q(0.50);
    p.p90 = q(0.90);
    p.p99 = q(0.99);
    return p;
}

// One replica under `clients` closed-loop clients. Requests are drawn on
// demand; the first `skip` are warm-up, the next `measured` are recorded,
// later ones only keep the clients busy until the measured ones finish.
struct ClosedSamples {
    std::vector<double> ttft, tpot, e2e, itl;
    double window_start = -1, window_end = -1;  // issue of the first / last measured request
    double requests = 0, output_tokens = 0, input_tokens = 0;  // completed / produced in the window
    double measured_output = 0, measured_input = 0;            // tokens of the measured requests
    double batch_time = 0, busy = 0, span = 0;
};

void run_closed(const StepTimes& st, int clients, const planner::LengthDistribution& input,
                const planner::LengthDistribution& output, std::size_t skip, std::size_t measured, std::size_t stride,
                bool stagger, bool drain, Rng& g, ClosedSamples& out) {
    struct Live {
        std::size_t id;
        double issued, input, output, first = 0, last = 0, remaining = 0;  // remaining: decode tokens
    };
    std::vector<Live> req;  // every request issued, by id
    std::size_t issued = 0, done_measured = 0, gap_count = 0;
    const auto issue = [&](double t) {
        Live l{issued++, t, std::max(0.0, std::round(planner::quantile(input, g.uniform()))),
               std::max(1.0, std::round(planner::quantile(output, g.uniform())))};
        req.push_back(l);
        if (req.back().id == skip) out.window_start = t;
        if (req.back().id + 1 == skip + measured) out.window_end = t;
        return req.back().id;
    };
    const auto is_measured = [&](std::size_t id) { return id >= skip && id < skip + measured; };
    std::deque<std::size_t> waiting, late;  // admission queue; sent during the step in progress
    std::deque<Prompt> prompts;
    std::vector<std::size_t> decoding;
    int resident = 0;
    double t = 0;
    // First requests: all at t = 0 (the tools' first wave), or spread
    // uniformly over a rough cycle (each client's prompt behind all others,
    // then its decode at the full batch) so that a system with fixed lengths,
    // which never mixes by itself, starts from a random phase.
    std::vector<double> starts(static_cast<std::size_t>(clients), 0.0);
    if (stagger) {
        const double cycle = clients * st.prefill_seconds(std::max(0.0, input.mean)) +
                             std::max(0.0, output.mean - 1) * st.decode_seconds(std::min(clients, st.max_batch));
        for (double& x : starts) x = g.uniform() * cycle;
        std::sort(starts.begin(), starts.end());
    }
    std::size_t started = 0;
    const auto arrivals_until = [&](double now) {
        while (started < starts.size() && starts[started] <= now) waiting.push_back(issue(starts[started++]));
    };
    std::vector<std::size_t> done, finished;
    const auto in_window = [&](double x) {
        return out.window_start >= 0 && x >= out.window_start && (out.window_end < 0 || x <= out.window_end);
    };
    while (done_measured < measured) {
        arrivals_until(t);
        if (prompts.empty() && decoding.empty() && waiting.empty()) {
            // Idle engine: what was sent during the last step starts now.
            while (!late.empty()) waiting.push_back(late.front()), late.pop_front();
            if (waiting.empty() && started < starts.size()) {
                t = starts[started];
                arrivals_until(t);
            }
        }
        while (!waiting.empty() && resident < st.max_batch) {
            const std::size_t i = waiting.front();
            waiting.pop_front();
            const double c = st.computed_tokens(req[i].input);
            prompts.push_back({i, c, st.prefill_seconds(req[i].input) / c});
            ++resident;
        }
        const int batch = static_cast<int>(decoding.size());
        double step = st.decode_seconds(batch);
        double budget = st.chunk;
        done.clear();
        while (!prompts.empty() && budget > 0) {
            Prompt& p = prompts.front();
            const double piece = std::min(p.remaining, budget);
            step += piece * p.per_token;
            p.remaining -= piece;
            budget -= piece;
            if (p.remaining <= 0) {
                done.push_back(p.id);
                prompts.pop_front();
            }
        }
        out.batch_time += batch * step;
        out.busy += step;
        t += step;
        // Sent during this step: admitted at its end.
        while (!late.empty()) waiting.push_back(late.front()), late.pop_front();
        finished.clear();
        double produced = 0;
        for (std::size_t k = 0; k < decoding.size();) {
            Live& l = req[decoding[k]];
            if (is_measured(l.id) && gap_count++ % stride == 0) out.itl.push_back(t - l.last);
            l.last = t;
            produced += 1;
            if (--l.remaining <= 0) {
                finished.push_back(l.id);
                decoding[k] = decoding.back();
                decoding.pop_back();
            } else {
                ++k;
            }
        }
        for (std::size_t i : done) {
            Live& l = req[i];
            l.first = l.last = t;
            produced += 1;
            if (in_window(t)) out.input_tokens += l.input;
            if (l.output <= 1) {
                finished.push_back(i);
            } else {
                l.remaining = l.output - 1;
                decoding.push_back(i);
            }
        }
        if (in_window(t)) out.output_tokens += produced;
        for (std::size_t i : finished) {
            const Live& l = req[i];
            --resident;
            if (in_window(t)) out.requests += 1;
            if (is_measured(i)) {
                ++done_measured;
                out.ttft.push_back(l.first - l.issued);
                out.e2e.push_back(t - l.issued);
                if (l.output > 1) out.tpot.push_back((t - l.first) / (l.output - 1));
            }
            if (is_measured(i)) out.measured_output += l.output, out.measured_input += l.input;
            // The client sends its next request at once (a whole run: while
            // requests are left, then the concurrency drains).
            if (!drain || issued < skip + measured) late.push_back(issue(t));
        }
    }
    out.span = t;
}

}  // namespace

std::vector<Request> poisson_requests(double rate, const planner::LengthDistribution& input,
                                      const planner::LengthDistribution& output, std::size_t n, std::uint64_t seed) {
    if (!(rate > 0)) throw Error("must be positive", "rate");
    Rng g{seed};
    std::vector<Request> r(n);
    double t = 0;
    for (auto& q : r) {
        t += -std::log(g.uniform()) / rate;
        q.arrival = t;
        q.input = std::max(0.0, std::round(planner::quantile(input, g.uniform())));
        q.output = std::max(1.0, std::round(planner::quantile(output, g.uniform())));
    }
    return r;
}

SimulationResult simulate(const StepTimes& st, const std::vector<Request>& rq, int units, const SimulationOptions& o) {
    if (units < 1) throw Error("must be at least 1", "units");
    for (std::size_t i = 0; i < rq.size(); ++i) {
        if (i > 0 && rq[i].arrival < rq[i - 1].arrival) throw Error("arrivals must be sorted", "requests");
        if (!(rq[i].input >= 0) || !(rq[i].output >= 1)) throw Error("bad request lengths", "requests");
    }
    SimulationResult res;
    if (rq.empty()) return res;
    Rng g{o.seed ^ 0x5eedULL};
    std::vector<Outcome> out(rq.size());
    std::vector<double> arrival(rq.size());
    for (std::size_t i = 0; i < rq.size(); ++i) arrival[i] = rq[i].arrival;
    const std::size_t dec_replicas = static_cast<std::size_t>(units) * static_cast<std::size_t>(st.decode_replicas);
    Stats stats;
    if (st.mode == Mode::aggregated) {
        std::vector<std::vector<std::size_t>> by(dec_replicas);
        for (std::size_t i = 0; i < rq.size(); ++i) by[g.below(dec_replicas)].push_back(i);
        for (const auto& ids : by) run_engine(st, rq, ids, arrival, true, true, out, stats);
    } else {
        const std::size_t pre = static_cast<std::size_t>(units) * static_cast<std::size_t>(st.prefill_replicas);
        std::vector<std::vector<std::size_t>> by(pre);
        for (std::size_t i = 0; i < rq.size(); ++i) by[g.below(pre)].push_back(i);
        Stats ps;
        for (const auto& ids : by) run_engine(st, rq, ids, arrival, true, false, out, ps);
        std::vector<double> ready(rq.size());
        for (std::size_t i = 0; i < rq.size(); ++i) ready[i] = out[i].first_token + st.transfer_seconds(rq[i].input);
        std::vector<std::vector<std::size_t>> dby(dec_replicas);
        for (std::size_t i = 0; i < rq.size(); ++i)
            if (rq[i].output > 1) dby[g.below(dec_replicas)].push_back(i);
        std::vector<Outcome> dout(rq.size());
        for (const auto& ids : dby) run_engine(st, rq, ids, ready, false, true, dout, stats);
        for (std::size_t i = 0; i < rq.size(); ++i)
            if (rq[i].output > 1) out[i].finish = dout[i].finish;
    }
    const double t0 = rq.front().arrival, t1 = rq.back().arrival;
    const double lo = t0 + o.warmup * (t1 - t0), hi = t1 - o.cooldown * (t1 - t0);
    std::vector<double> ttft, tpot, e2e;
    for (std::size_t i = 0; i < rq.size(); ++i) {
        if (rq[i].arrival < lo || rq[i].arrival > hi) continue;
        ttft.push_back(out[i].first_token - rq[i].arrival);
        e2e.push_back(out[i].finish - rq[i].arrival);
        if (rq[i].output > 1) tpot.push_back((out[i].finish - out[i].first_token) / (rq[i].output - 1));
    }
    res.requests = ttft.size();
    res.ttft = from_samples(std::move(ttft));
    res.tpot = from_samples(std::move(tpot));
    res.e2e = from_samples(std::move(e2e));
    if (stats.span > 0) {
        res.mean_decode_batch = stats.batch_time / stats.span;
        res.busy_share = stats.busy / stats.span;
    }
    return res;
}

SimulationResult simulate_closed_loop(const StepTimes& st, int concurrency, const planner::LengthDistribution& input,
                                      const planner::LengthDistribution& output, std::size_t requests, int units,
                                      const SimulationOptions& o) {
    if (units < 1) throw Error("must be at least 1", "units");
    if (concurrency < 1) throw Error("must be at least 1 client", "concurrency");
    if (st.mode != Mode::aggregated) throw Error("closed-loop simulation covers aggregated serving only", "concurrency");
    if (!(o.warmup >= 0 && o.warmup < 1)) throw Error("must be in [0, 1)", "warmup");
    const long long replicas = static_cast<long long>(units) * st.decode_replicas;
    SimulationResult res;
    std::vector<double> ttft, tpot, e2e, itl;
    Rng g{o.seed ^ 0xc105edULL};
    double span = 0, batch_time = 0, busy = 0;
    double whole_span = 0, whole_requests = 0, whole_output = 0, whole_input = 0;
    const double mean_out = std::max(1.0, output.mean);
    // About 2 M inter-token gaps kept in all (every stride-th one).
    const std::size_t stride =
        std::max<std::size_t>(1, static_cast<std::size_t>(static_cast<double>(requests) * mean_out / 2e6));
    for (long long r = 0; r < replicas; ++r) {
        const int clients = static_cast<int>(concurrency / replicas + (r < concurrency % replicas ? 1 : 0));
        if (clients == 0) continue;
        const std::size_t measured =
            std::max<std::size_t>(1, requests * static_cast<std::size_t>(clients) / static_cast<std::size_t>(concurrency));
        const std::size_t skip =
            o.whole_run ? 0
                        : std::max<std::size_t>(2 * static_cast<std::size_t>(clients),
                                                static_cast<std::size_t>(o.warmup * static_cast<double>(measured)));
        ClosedSamples cs;
        run_closed(st, clients, input, output, skip, measured, stride, o.stagger && !o.whole_run, o.whole_run, g, cs);
        ttft.insert(ttft.end(), cs.ttft.begin(), cs.ttft.end());
        tpot.insert(tpot.end(), cs.tpot.begin(), cs.tpot.end());
        e2e.insert(e2e.end(), cs.e2e.begin(), cs.e2e.end());
        itl.insert(itl.end(), cs.itl.begin(), cs.itl.end());
        const double window = cs.window_end - cs.window_start;
        if (o.whole_run) {
            // As the tool reports it: totals over the run's duration (the
            // longest replica's; all start at t = 0).
            whole_span = std::max(whole_span, cs.span);
            whole_requests += static_cast<double>(cs.ttft.size());
            whole_output += cs.measured_output;
            whole_input += cs.measured_input;
        } else if (window > 0) {
            res.requests_per_s += cs.requests / window;
            res.output_tokens_per_s += cs.output_tokens / window;
            res.input_tokens_per_s += cs.input_tokens / window;
        }
        span += cs.span;
        batch_time += cs.batch_time;
        busy += cs.busy;
    }
    if (o.whole_run && whole_span > 0) {
        res.requests_per_s = whole_requests / whole_span;
        res.output_tokens_per_s = whole_output / whole_span;
        res.input_tokens_per_s = whole_input / whole_span;
    }
    res.requests = ttft.size();
    res.ttft = from_samples(std::move(ttft));
    res.tpot = from_samples(std::move(tpot));
    res.e2e = from_samples(std::move(e2e));
    res.itl = from_samples(std::move(itl));
    if (span > 0) {
        res.mean_decode_batch = batch_time / span;
        res.busy_share = busy / span;
    }
    return res;
}

}  // namespace hwplan::model::serving

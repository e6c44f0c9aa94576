// Ping-pong between two ranks: rank a sends `bytes`, rank b sends them back.
// time_s is the one-way time, half the round trip (as OSU's osu_latency reports),
// so the α–β fit gives the one-way latency α and the link bandwidth 1/β.

#include <cstdio>

#include "series.hpp"

namespace hwplan::probe_net {

std::vector<std::size_t> pair_sizes(const Context& ctx) {
    const std::size_t max = ctx.options.max_bytes ? ctx.options.max_bytes
                            : ctx.options.quick   ? (32u << 20)
                                                  : (256u << 20);
    return geometric_sizes(8, ctx.options.quick ? 4 : 2, max);
}

std::string pair_label(const char* tag, const Pair& pair) {
    return std::string(tag) + " " + to_string(pair.link) + " ranks " + std::to_string(pair.a) + "-" +
           std::to_string(pair.b);
}

namespace {

// `iters` round trips of `count` bytes; rank 0 of `comm` sends first.
void round_trips(MPI_Comm comm, int me, const Buffer& send, const Buffer& recv, int count, int iters) {
    const int other = 1 - me;
    for (int i = 0; i < iters; ++i) {
        if (me == 0) {
            PROBE_MPI(MPI_Send(send.data(), count, MPI_BYTE, other, 1, comm));
            PROBE_MPI(MPI_Recv(recv.data(), count, MPI_BYTE, other, 1, comm, MPI_STATUS_IGNORE));
        } else {
            PROBE_MPI(MPI_Recv(recv.data(), count, MPI_BYTE, other, 1, comm, MPI_STATUS_IGNORE));
            PROBE_MPI(MPI_Send(send.data(), count, MPI_BYTE, other, 1, comm));
        }
    }
}

}  // namespace

void run_pingpong(Context& ctx, const Pair& pair, MPI_Comm comm) {
    const auto sizes = pair_sizes(ctx);
    const std::string label = pair_label("pingpong", pair);
    progress(label + ": " + std::to_string(sizes.size()) + " sizes, " +
             format_bytes(static_cast<double>(sizes.front())) + " .. " +
             format_bytes(static_cast<double>(sizes.back())));
    int me = -1;
    if (comm != MPI_COMM_NULL) PROBE_MPI(MPI_Comm_rank(comm, &me));
    double latency = 0, peak_bw = 0;
    // Allocate (and first-touch) outside the timed points, then start together.
    if (me >= 0) {
        (void)ctx.send_buffer(sizes.back());
        (void)ctx.recv_buffer(sizes.back());
    }
    PROBE_MPI(MPI_Barrier(ctx.world));
    // One untimed point of the smallest size first, so that connection set-up
    // (and, on a busy host, the scheduler settling) stays out of the first sample.
    if (me >= 0) {
        const Buffer& send = ctx.send_buffer(sizes.back());
        const Buffer& recv = ctx.recv_buffer(sizes.back());
        const int count = static_cast<int>(sizes.front());
        (void)time_loop(comm, ctx.budget, [&](int iters) { round_trips(comm, me, send, recv, count, iters); },
                        false);
    }
    for (const std::size_t n : sizes) {
        ctx.begin_point(label + ", " + format_bytes(static_cast<double>(n)));
        if (me >= 0) {
            Buffer& send = ctx.send_buffer(sizes.back());
            Buffer& recv = ctx.recv_buffer(sizes.back());
            const Expected expected{.recv_offset = 0, .src = me == 0 ? pair.b : pair.a, .src_offset = 0,
                                    .bytes = n};
            poison(recv, expected);
            const int count = static_cast<int>(n);
            Timing t = time_loop(
                comm, ctx.budget, [&](int iters) { round_trips(comm, me, send, recv, count, iters); }, false);
            verify(recv, expected);
            if (me == 0) {
                for (double& s : t.per_iter_s) s /= 2;  // round trip -> one way
                const Summary s = summarize(t.per_iter_s);
                Record r{{"tag", std::string("pingpong")},
                         {"link_class", std::string(to_string(pair.link))},
                         {"ranks", std::vector<std::int64_t>{pair.a, pair.b}},
                         {"bytes", static_cast<std::int64_t>(n)}};
                add_time_fields(r, s);
                r.push_back({"bandwidth_bytes_per_s", static_cast<double>(n) / s.median});
                r.push_back({"reps", static_cast<std::int64_t>(t.per_iter_s.size())});
                r.push_back({"iters_per_rep", static_cast<std::int64_t>(t.iters_per_rep)});
                ctx.samples.push_back(std::move(r));
                if (n == sizes.front()) latency = s.median;
                peak_bw = std::max(peak_bw, static_cast<double>(n) / s.median);
                if (!ctx.options.quick)
                    progress("  " + format_bytes(static_cast<double>(n)) + ": " + format_seconds(s.median));
            }
        }
        ctx.end_point();
    }
    char buf[128];
    std::snprintf(buf, sizeof buf, "  latency (%s) %s, peak bandwidth %.3g GB/s",
                  format_bytes(static_cast<double>(sizes.front())).c_str(), format_seconds(latency).c_str(),
                  peak_bw / 1e9);
    progress(buf);
}

}  // namespace hwplan::probe_net

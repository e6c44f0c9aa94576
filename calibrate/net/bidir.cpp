// Bidirectional exchange between two ranks: both post MPI_Irecv + MPI_Isend of
// `bytes` at once and wait for both. time_s is one exchange; the bandwidth
// counts both directions (2 * bytes / time_s), which exposes links or NICs that
// cannot send and receive at full rate together. One message in flight per
// direction (no window), so small sizes measure latency, not message rate.

#include <cstdio>

#include "series.hpp"

namespace hwplan::probe_net {

void run_bidir(Context& ctx, const Pair& pair, MPI_Comm comm) {
    const auto sizes = pair_sizes(ctx);
    const std::string label = pair_label("bidir", pair);
    progress(label + ": " + std::to_string(sizes.size()) + " sizes");
    int me = -1;
    if (comm != MPI_COMM_NULL) PROBE_MPI(MPI_Comm_rank(comm, &me));
    double peak_bw = 0;
    // Allocate (and first-touch) outside the timed points, then start together.
    if (me >= 0) {
        (void)ctx.send_buffer(sizes.back());
        (void)ctx.recv_buffer(sizes.back());
    }
    PROBE_MPI(MPI_Barrier(ctx.world));
    for (const std::size_t n : sizes) {
        ctx.begin_point(label + ", " + format_bytes(static_cast<double>(n)));
        if (me >= 0) {
            Buffer& send = ctx.send_buffer(sizes.back());
            Buffer& recv = ctx.recv_buffer(sizes.back());
            const int other = 1 - me;
            const Expected expected{.recv_offset = 0, .src = me == 0 ? pair.b : pair.a, .src_offset = 0,
                                    .bytes = n};
            poison(recv, expected);
            const int count = static_cast<int>(n);
            auto body = [&](int iters) {
                for (int i = 0; i < iters; ++i) {
                    MPI_Request req[2];
                    PROBE_MPI(MPI_Irecv(recv.data(), count, MPI_BYTE, other, 2, comm, &req[0]));
                    PROBE_MPI(MPI_Isend(send.data(), count, MPI_BYTE, other, 2, comm, &req[1]));
                    PROBE_MPI(MPI_Waitall(2, req, MPI_STATUSES_IGNORE));
                }
            };
            Timing t = time_loop(comm, ctx.budget, body, false);
            verify(recv, expected);
            if (me == 0) {
                const Summary s = summarize(t.per_iter_s);
                Record r{{"tag", std::string("bidir")},
                         {"link_class", std::string(to_string(pair.link))},
                         {"ranks", std::vector<std::int64_t>{pair.a, pair.b}},
                         {"bytes", static_cast<std::int64_t>(n)}};
                add_time_fields(r, s);
                r.push_back({"bandwidth_bytes_per_s", 2.0 * static_cast<double>(n) / s.median});
                r.push_back({"reps", static_cast<std::int64_t>(t.per_iter_s.size())});
                r.push_back({"iters_per_rep", static_cast<std::int64_t>(t.iters_per_rep)});
                ctx.samples.push_back(std::move(r));
                peak_bw = std::max(peak_bw, 2.0 * static_cast<double>(n) / s.median);
                if (!ctx.options.quick)
                    progress("  " + format_bytes(static_cast<double>(n)) + ": " + format_seconds(s.median));
            }
        }
        ctx.end_point();
    }
    char buf[96];
    std::snprintf(buf, sizeof buf, "  peak bidirectional bandwidth %.3g GB/s (both directions)", peak_bw / 1e9);
    progress(buf);
}

}  // namespace hwplan::probe_net

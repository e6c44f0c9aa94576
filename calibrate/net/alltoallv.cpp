// MPI_Alltoallv with uneven counts, like MoE token routing with hot experts:
// every rank sends `send_bytes_per_rank` in total, split over destinations
// j = 0..P-1 in proportion to 1 / (j + 1)^s (Zipf, exponent s from
// --alltoallv-zipf, default 0.5). The skew is by destination, the same for
// every sender, so rank 0 plays the GPU holding the hot expert and receives
// `recv_bytes_max_rank`; the slowest rank's time per call is reported.

#include <cmath>
#include <cstdio>
#include <numeric>

#include "series.hpp"

namespace hwplan::probe_net {
namespace {

// Bytes each rank sends to destination j; sums exactly to `total`.
std::vector<int> zipf_counts(std::size_t total, int ranks, double exponent) {
    std::vector<double> w(static_cast<size_t>(ranks));
    for (int j = 0; j < ranks; ++j) w[static_cast<size_t>(j)] = 1.0 / std::pow(j + 1.0, exponent);
    const double sum = std::accumulate(w.begin(), w.end(), 0.0);
    std::vector<int> counts(static_cast<size_t>(ranks));
    std::size_t assigned = 0;
    for (int j = 0; j < ranks; ++j) {
        const auto c = static_cast<std::size_t>(std::floor(static_cast<double>(total) * w[static_cast<size_t>(j)] / sum));
        counts[static_cast<size_t>(j)] = static_cast<int>(c);
        assigned += c;
    }
    for (int j = 0; assigned < total; j = (j + 1) % ranks, ++assigned) ++counts[static_cast<size_t>(j)];
    return counts;
}

struct VPoint {
    std::size_t send_bytes = 0;  // per rank
    bool ep = false;
    EpPoint ep_point;
    std::vector<int> counts;     // by destination, the same on every rank
};

}  // namespace

void run_alltoallv(Context& ctx) {
    const int P = ctx.size;
    const double s = ctx.options.alltoallv_zipf;
    const std::size_t cap = alltoall_buffer_cap(ctx);
    std::vector<VPoint> points;
    for (std::size_t mean : alltoall_sizes(ctx)) {
        VPoint p{mean * static_cast<std::size_t>(P), false, {}, {}};
        p.counts = zipf_counts(p.send_bytes, P, s);
        // The hot rank receives P times the largest count; keep that within the cap too.
        if (static_cast<std::size_t>(p.counts[0]) * static_cast<std::size_t>(P) > cap) break;
        points.push_back(std::move(p));
    }
    for (const EpPoint& ep : ep_points()) {
        VPoint p{ep.bytes_per_rank(), true, ep, {}};
        p.counts = zipf_counts(p.send_bytes, P, s);
        // MPI displacements are int: with a very steep skew on very many ranks the
        // hot rank's receive buffer could exceed them.
        if (static_cast<std::size_t>(p.counts[0]) * static_cast<std::size_t>(P) > (1u << 30)) {
            progress("alltoallv: skipping EP point with " + std::to_string(ep.tokens) +
                     " tokens: the hot rank would receive more than 1 GiB");
            continue;
        }
        points.push_back(std::move(p));
    }
    std::size_t send_max = 0, recv_max = 0;
    for (const auto& p : points) {
        send_max = std::max(send_max, p.send_bytes);
        recv_max = std::max(recv_max, static_cast<std::size_t>(p.counts[0]) * static_cast<std::size_t>(P));
    }
    char head[160];
    std::snprintf(head, sizeof head, "alltoallv %d ranks: %zu points, Zipf exponent %g", P, points.size(), s);
    progress(head);

    Buffer& send = ctx.send_buffer(send_max);
    Buffer& recv = ctx.recv_buffer(recv_max);
    PROBE_MPI(MPI_Barrier(ctx.world));  // allocated and first-touched everywhere: start together
    const std::size_t me = static_cast<std::size_t>(ctx.rank);
    for (const VPoint& p : points) {
        const std::vector<int>& send_counts = p.counts;
        std::vector<int> send_displs(static_cast<size_t>(P), 0);
        for (int j = 1; j < P; ++j)
            send_displs[static_cast<size_t>(j)] = send_displs[static_cast<size_t>(j - 1)] + send_counts[static_cast<size_t>(j - 1)];
        // Every sender sends me counts[me], from its offset send_displs[me].
        const int mine = send_counts[me];
        std::vector<int> recv_counts(static_cast<size_t>(P), mine);
        std::vector<int> recv_displs(static_cast<size_t>(P));
        for (int j = 0; j < P; ++j) recv_displs[static_cast<size_t>(j)] = j * mine;

        const double mean = static_cast<double>(p.send_bytes) / P;
        ctx.begin_point("alltoallv " + std::string(p.ep ? "ep" : "general") + ", " +
                        format_bytes(mean) + " per peer on average");
        std::vector<Expected> expected;
        for (int j = 0; j < P && j < 17; ++j) {
            const int src = P <= 17 ? j : (j == 16 ? P - 1 : j * P / 16);
            expected.push_back({.recv_offset = static_cast<std::size_t>(src) * static_cast<std::size_t>(mine),
                                .src = src,
                                .src_offset = static_cast<std::size_t>(send_displs[me]),
                                .bytes = static_cast<std::size_t>(mine)});
        }
        for (const auto& e : expected) poison(recv, e);
        auto body = [&](int iters) {
            for (int i = 0; i < iters; ++i)
                PROBE_MPI(MPI_Alltoallv(send.data(), send_counts.data(), send_displs.data(), MPI_BYTE,
                                        recv.data(), recv_counts.data(), recv_displs.data(), MPI_BYTE,
                                        ctx.world));
        };
        Timing t = time_loop(ctx.world, ctx.budget, body, true);
        for (const auto& e : expected) verify(recv, e);
        const std::vector<double> slowest = slowest_rank(ctx.world, t.per_iter_s);
        if (ctx.is_root()) {
            const Summary sum = summarize(slowest);
            Record r{{"tag", std::string("alltoallv")},
                     {"sweep", std::string(p.ep ? "ep" : "general")},
                     {"distribution", std::string("zipf")},
                     {"zipf_exponent", s},
                     {"ranks", static_cast<std::int64_t>(P)},
                     {"hosts", static_cast<std::int64_t>(ctx.placement.host_count)},
                     {"bytes_per_peer_mean", mean},
                     {"bytes_per_peer_max", static_cast<std::int64_t>(p.counts[0])},
                     {"send_bytes_per_rank", static_cast<std::int64_t>(p.send_bytes)},
                     {"recv_bytes_max_rank", static_cast<std::int64_t>(p.counts[0]) * P}};
            if (p.ep) add_ep_fields(r, p.ep_point);
            add_time_fields(r, sum);
            r.push_back({"reps", static_cast<std::int64_t>(slowest.size())});
            r.push_back({"iters_per_rep", static_cast<std::int64_t>(t.iters_per_rep)});
            ctx.samples.push_back(std::move(r));
            if (!ctx.options.quick || p.ep) {
                std::string line = "  " + format_bytes(mean) + " per peer on average";
                if (p.ep)
                    line += " (" + std::to_string(p.ep_point.tokens) + " tokens x " +
                            std::to_string(p.ep_point.hidden) + " x " +
                            std::to_string(p.ep_point.element_bytes) + " B)";
                progress(line + ": " + format_seconds(sum.median));
            }
        }
        ctx.end_point();
    }
}

}  // namespace hwplan::probe_net

// MPI_Alltoall over all ranks: every rank sends `bytes_per_peer` to every rank
// (itself included, as MPI counts it). time_s is the slowest rank's time per
// call. algbw = send_bytes_per_rank / time_s; busbw = algbw * (P - 1) / P, the
// nccl-tests normalisation (only the P - 1 remote blocks cross a link), which
// compares directly with a link's bandwidth.

#include <cstdio>

#include "series.hpp"

namespace hwplan::probe_net {
namespace {

// The received blocks to check: all of them up to 16 ranks, else 16 spread out plus the last.
std::vector<int> checked_sources(int size) {
    std::vector<int> src;
    if (size <= 16) {
        for (int j = 0; j < size; ++j) src.push_back(j);
    } else {
        for (int k = 0; k < 16; ++k) src.push_back(k * size / 16);
        src.push_back(size - 1);
    }
    return src;
}

struct A2aPoint {
    std::size_t bytes_per_peer = 0;
    bool ep = false;
    EpPoint ep_point;
};

}  // namespace

std::size_t alltoall_buffer_cap(const Context& ctx) {
    return ctx.options.quick ? (32u << 20) : (256u << 20);
}

std::vector<std::size_t> alltoall_sizes(const Context& ctx) {
    std::size_t max = ctx.options.quick ? (1u << 20) : (16u << 20);
    if (ctx.options.max_bytes) max = std::min<std::size_t>(max, ctx.options.max_bytes);
    max = std::min(max, alltoall_buffer_cap(ctx) / static_cast<std::size_t>(ctx.size));
    return geometric_sizes(8, ctx.options.quick ? 4 : 2, max);
}

std::vector<EpPoint> ep_points() {
    std::vector<EpPoint> points;
    for (int element_bytes : {1, 2})  // FP8 dispatch, BF16 combine
        for (int tokens : {32, 64, 128, 256}) points.push_back({tokens, 7168, element_bytes});
    return points;
}

void add_ep_fields(Record& r, const EpPoint& ep) {
    r.push_back({"tokens", static_cast<std::int64_t>(ep.tokens)});
    r.push_back({"hidden", static_cast<std::int64_t>(ep.hidden)});
    r.push_back({"element_bytes", static_cast<std::int64_t>(ep.element_bytes)});
}

void run_alltoall(Context& ctx) {
    const std::size_t P = static_cast<std::size_t>(ctx.size);
    std::vector<A2aPoint> points;
    for (std::size_t n : alltoall_sizes(ctx)) points.push_back({n, false, {}});
    for (const EpPoint& ep : ep_points())
        points.push_back({(ep.bytes_per_rank() + P - 1) / P, true, ep});
    std::size_t largest = 0;
    for (const auto& p : points) largest = std::max(largest, p.bytes_per_peer * P);
    progress("alltoall " + std::to_string(P) + " ranks: " + std::to_string(points.size()) +
             " points, up to " + format_bytes(static_cast<double>(largest)) + " per rank");

    Buffer& send = ctx.send_buffer(largest);
    Buffer& recv = ctx.recv_buffer(largest);
    PROBE_MPI(MPI_Barrier(ctx.world));  // allocated and first-touched everywhere: start together
    // One untimed point of the smallest size first: connections to every peer
    // are set up before the first sample (all-to-allv reuses them).
    (void)time_loop(
        ctx.world, ctx.budget,
        [&](int iters) {
            for (int i = 0; i < iters; ++i)
                PROBE_MPI(MPI_Alltoall(send.data(), 8, MPI_BYTE, recv.data(), 8, MPI_BYTE, ctx.world));
        },
        true);
    const auto sources = checked_sources(ctx.size);
    for (const A2aPoint& p : points) {
        const std::size_t n = p.bytes_per_peer;
        ctx.begin_point("alltoall " + std::string(p.ep ? "ep" : "general") + ", " +
                        format_bytes(static_cast<double>(n)) + " per peer");
        std::vector<Expected> expected;
        for (int j : sources)
            expected.push_back({.recv_offset = static_cast<std::size_t>(j) * n, .src = j,
                                .src_offset = static_cast<std::size_t>(ctx.rank) * n, .bytes = n});
        for (const auto& e : expected) poison(recv, e);
        const int count = static_cast<int>(n);
        auto body = [&](int iters) {
            for (int i = 0; i < iters; ++i)
                PROBE_MPI(MPI_Alltoall(send.data(), count, MPI_BYTE, recv.data(), count, MPI_BYTE, ctx.world));
        };
        Timing t = time_loop(ctx.world, ctx.budget, body, true);
        for (const auto& e : expected) verify(recv, e);
        const std::vector<double> slowest = slowest_rank(ctx.world, t.per_iter_s);
        if (ctx.is_root()) {
            const Summary s = summarize(slowest);
            const double send_bytes = static_cast<double>(n * P);
            const double algbw = send_bytes / s.median;
            Record r{{"tag", std::string("alltoall")},
                     {"sweep", std::string(p.ep ? "ep" : "general")},
                     {"ranks", static_cast<std::int64_t>(P)},
                     {"hosts", static_cast<std::int64_t>(ctx.placement.host_count)},
                     {"bytes_per_peer", static_cast<std::int64_t>(n)},
                     {"send_bytes_per_rank", static_cast<std::int64_t>(n * P)}};
            if (p.ep) add_ep_fields(r, p.ep_point);
            add_time_fields(r, s);
            r.push_back({"algbw_bytes_per_s", algbw});
            r.push_back({"busbw_bytes_per_s", algbw * static_cast<double>(P - 1) / static_cast<double>(P)});
            r.push_back({"reps", static_cast<std::int64_t>(slowest.size())});
            r.push_back({"iters_per_rep", static_cast<std::int64_t>(t.iters_per_rep)});
            ctx.samples.push_back(std::move(r));
            if (!ctx.options.quick || p.ep) {
                std::string line = "  " + format_bytes(static_cast<double>(n)) + " per peer";
                if (p.ep)
                    line += " (" + std::to_string(p.ep_point.tokens) + " tokens x " +
                            std::to_string(p.ep_point.hidden) + " x " +
                            std::to_string(p.ep_point.element_bytes) + " B)";
                progress(line + ": " + format_seconds(s.median));
            }
        }
        ctx.end_point();
    }
}

}  // namespace hwplan::probe_net

#pragma once
// The measured series, one file each. Every rank calls every series (points
// are separated by world barriers); ranks outside a pair get MPI_COMM_NULL and
// only keep step. Records land in ctx.samples on rank 0.

#include <mpi.h>

#include <cstddef>
#include <string>
#include <vector>

#include "measure.hpp"

namespace hwplan::probe_net {

// Ping-pong and bidirectional message sizes: 8 B to --max-bytes (256 MiB, quick
// 32 MiB), powers of 2 (quick: powers of 4), and --max-bytes itself.
[[nodiscard]] std::vector<std::size_t> pair_sizes(const Context& ctx);

// All-to-all general sweep: bytes per peer from 8 B, powers of 2 (quick: 4), up
// to 16 MiB (quick 1 MiB), --max-bytes, and a send buffer of at most 256 MiB
// (quick 32 MiB) per rank.
[[nodiscard]] std::vector<std::size_t> alltoall_sizes(const Context& ctx);
[[nodiscard]] std::size_t alltoall_buffer_cap(const Context& ctx);

// Expert-parallel points: one rank's dispatch (FP8) or combine (BF16) buffer of
// `tokens` tokens x `hidden` elements, split over all ranks (DeepSeek-V3:
// hidden 7168; decode micro-batches of 32..256 tokens per GPU).
struct EpPoint {
    int tokens = 0;
    int hidden = 0;
    int element_bytes = 0;
    [[nodiscard]] std::size_t bytes_per_rank() const {
        return static_cast<std::size_t>(tokens) * static_cast<std::size_t>(hidden) *
               static_cast<std::size_t>(element_bytes);
    }
};
[[nodiscard]] std::vector<EpPoint> ep_points();
void add_ep_fields(Record& r, const EpPoint& ep);

// The human-readable point name used in progress and error messages.
[[nodiscard]] std::string pair_label(const char* tag, const Pair& pair);

void run_pingpong(Context& ctx, const Pair& pair, MPI_Comm pair_comm);
void run_bidir(Context& ctx, const Pair& pair, MPI_Comm pair_comm);
void run_alltoall(Context& ctx);
void run_alltoallv(Context& ctx);

}  // namespace hwplan::probe_net

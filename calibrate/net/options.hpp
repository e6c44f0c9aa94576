#pragma once
// Command-line options of hwplan-probe-net. Parsed before MPI_Init, so --help
// and bad flags work even where the MPI runtime cannot start.

#include <cstdint>
#include <string>

namespace hwplan::probe_net {

// How the testing aid --fail-at-rank makes its rank fail.
enum class FailMode {
    exit,       // _exit(1): the process vanishes without MPI_Finalize
    kill,       // raise(SIGKILL)
    mpi_error,  // an invalid MPI call, caught by the error checks (MPI_Abort path)
};

struct Options {
    bool help = false;
    bool version = false;
    bool quick = false;
    bool gpu_buffers = false;
    std::string output;                // -o FILE; empty: stdout
    std::uint64_t max_bytes = 0;       // largest message; 0: the mode's default
    double time_per_point_s = 0;       // timed budget per point; 0: the mode's default
    double alltoallv_zipf = 0.5;       // skew exponent of the all-to-allv counts
    // Testing aids (see --help): rank `fail_at_rank` fails after `fail_after` points.
    int fail_at_rank = -1;
    int fail_after = 0;
    FailMode fail_mode = FailMode::exit;
    // Testing aid: pretend the ranks run on this many hosts (blocks of ranks), so
    // a one-host CI job exercises the inter_host code paths. 0: real placement.
    int fake_hosts = 0;
    std::string command;               // the command line, for provenance
};

struct ParsedOptions {
    Options options;
    std::string error;  // non-empty: a one-line message naming the bad flag
};

[[nodiscard]] ParsedOptions parse_options(int argc, char** argv);
[[nodiscard]] std::string usage_text();

// True unless the launcher says this process is not rank 0 (OMPI_COMM_WORLD_RANK,
// PMIX_RANK, PMI_RANK, SLURM_PROCID): used to print usage errors once, before MPI_Init.
[[nodiscard]] bool launcher_rank_is_zero();

}  // namespace hwplan::probe_net

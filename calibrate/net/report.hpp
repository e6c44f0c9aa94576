#pragma once
// Error reporting and progress for hwplan-probe-net.
//
// Communicators use MPI_ERRORS_RETURN and every MPI call goes through
// PROBE_MPI(...): a failing call prints one line naming the call, the rank,
// its host and what the probe was measuring, removes rank 0's temporary output
// file and aborts the whole job (MPI_Abort, exit status 1). Global state is
// fine here: this is a single-purpose probe, not the library.

#include <mpi.h>

#include <string>
#include <string_view>

namespace hwplan::probe_net {

inline constexpr const char* program_name = "hwplan-probe-net";

// Who this process is, for error messages; set once after MPI_Init.
void set_identity(int rank, std::string host);

// What the probe is doing now ("pingpong intra_host 0-1, 1 MiB"), for error messages.
void set_activity(std::string activity);
[[nodiscard]] const std::string& activity();

// Prints "hwplan-probe-net: error: rank R on HOST: <what> (during <activity>)",
// removes the temporary output file, and aborts the job.
[[noreturn]] void fatal(std::string_view what);

// The failure path of PROBE_MPI: names the MPI call and the library's error string.
[[noreturn]] void fail_mpi(int rc, const char* expression);

inline void check_mpi(int rc, const char* expression) {
    if (rc != MPI_SUCCESS) [[unlikely]]
        fail_mpi(rc, expression);
}

// Rank 0's temporary output file (FILE.tmp), removed by fatal() and by the
// SIGTERM/SIGINT/SIGHUP handler (mpirun sends SIGTERM when another rank dies).
void set_temp_output(const std::string& path);
void clear_temp_output();
void install_cleanup_signal_handlers();

// Progress on stderr, rank 0 only.
void set_progress_rank(int rank);
void progress(std::string_view line);

// "8 B", "32 KiB", "1.5 MiB".
[[nodiscard]] std::string format_bytes(double bytes);
// "1.23 us", "4.5 ms".
[[nodiscard]] std::string format_seconds(double seconds);

}  // namespace hwplan::probe_net

// Checks an MPI call: PROBE_MPI(MPI_Send(buf, n, MPI_BYTE, peer, 0, comm));
#define PROBE_MPI(expr) ::hwplan::probe_net::check_mpi((expr), #expr)

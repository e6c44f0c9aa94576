#include "report.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>

namespace hwplan::probe_net {
namespace {

int g_rank = -1;
std::string g_host = "?";
std::string g_activity = "start-up";
int g_progress_rank = -1;

// Read by the signal handler: a fixed buffer, no allocation there.
char g_temp_output[4096] = {0};
volatile std::sig_atomic_t g_have_temp_output = 0;

extern "C" void cleanup_and_reraise(int sig) {
    if (g_have_temp_output) ::unlink(g_temp_output);
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

void remove_temp_output() {
    if (g_have_temp_output) {
        ::unlink(g_temp_output);
        g_have_temp_output = 0;
    }
}

}  // namespace

void set_identity(int rank, std::string host) {
    g_rank = rank;
    g_host = std::move(host);
}

void set_activity(std::string activity) { g_activity = std::move(activity); }

const std::string& activity() { return g_activity; }

void fatal(std::string_view what) {
    remove_temp_output();
    std::fprintf(stderr, "%s: error: rank %d on %s: %.*s (during %s)\n", program_name, g_rank,
                 g_host.c_str(), static_cast<int>(what.size()), what.data(), g_activity.c_str());
    std::fflush(stderr);
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (initialized && !finalized) MPI_Abort(MPI_COMM_WORLD, 1);
    ::_exit(1);
}

void fail_mpi(int rc, const char* expression) {
    // "MPI_Send(buf, ...)" -> "MPI_Send"
    std::string_view call(expression);
    if (auto paren = call.find('('); paren != std::string_view::npos) call = call.substr(0, paren);
    char text[MPI_MAX_ERROR_STRING] = {0};
    int len = 0;
    if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) std::snprintf(text, sizeof text, "?");
    std::string what = std::string(call) + " failed: " + text + " (MPI error " + std::to_string(rc) + ")";
    fatal(what);
}

void set_temp_output(const std::string& path) {
    g_have_temp_output = 0;
    std::snprintf(g_temp_output, sizeof g_temp_output, "%s", path.c_str());
    g_have_temp_output = 1;
}

void clear_temp_output() { g_have_temp_output = 0; }

void install_cleanup_signal_handlers() {
    for (int sig : {SIGTERM, SIGINT, SIGHUP}) {
        struct sigaction sa;
        std::memset(&sa, 0, sizeof sa);
        sa.sa_handler = cleanup_and_reraise;
        sigemptyset(&sa.sa_mask);
        sigaction(sig, &sa, nullptr);
    }
}

void set_progress_rank(int rank) { g_progress_rank = rank; }

void progress(std::string_view line) {
    if (g_progress_rank != 0) return;
    std::fprintf(stderr, "%s: %.*s\n", program_name, static_cast<int>(line.size()), line.data());
    std::fflush(stderr);
}

std::string format_bytes(double bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        ++u;
    }
    char buf[32];
    if (bytes == static_cast<double>(static_cast<long long>(bytes)))
        std::snprintf(buf, sizeof buf, "%lld %s", static_cast<long long>(bytes), units[u]);
    else
        std::snprintf(buf, sizeof buf, "%.3g %s", bytes, units[u]);
    return buf;
}

std::string format_seconds(double s) {
    char buf[32];
    if (s < 1e-3) std::snprintf(buf, sizeof buf, "%.3g us", s * 1e6);
    else if (s < 1) std::snprintf(buf, sizeof buf, "%.3g ms", s * 1e3);
    else std::snprintf(buf, sizeof buf, "%.3g s", s);
    return buf;
}

}  // namespace hwplan::probe_net

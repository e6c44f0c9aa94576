#include "options.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <string_view>

namespace hwplan::probe_net {
namespace {

// "67108864", "64Mi", "64MiB", "2Gi", "512Ki", "4K"/"4M"/"4G" (binary multiples).
bool parse_bytes(std::string_view text, std::uint64_t& out) {
    if (text.empty() || text[0] < '0' || text[0] > '9') return false;
    std::string s(text);
    errno = 0;
    char* end = nullptr;
    unsigned long long v = std::strtoull(s.c_str(), &end, 10);
    if (errno != 0) return false;
    std::string_view suffix(end);
    std::uint64_t mult = 1;
    if (suffix.empty() || suffix == "B") mult = 1;
    else if (suffix == "K" || suffix == "Ki" || suffix == "KiB") mult = 1ull << 10;
    else if (suffix == "M" || suffix == "Mi" || suffix == "MiB") mult = 1ull << 20;
    else if (suffix == "G" || suffix == "Gi" || suffix == "GiB") mult = 1ull << 30;
    else return false;
    if (v > (~0ull) / mult) return false;
    out = v * mult;
    return true;
}

bool parse_int(std::string_view text, int& out) {
    if (text.empty()) return false;
    std::string s(text);
    errno = 0;
    char* end = nullptr;
    long v = std::strtol(s.c_str(), &end, 10);
    if (errno != 0 || *end != '\0' || v < 0 || v > 1'000'000'000) return false;
    out = static_cast<int>(v);
    return true;
}

bool parse_positive_double(std::string_view text, double& out) {
    if (text.empty()) return false;
    std::string s(text);
    errno = 0;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (errno != 0 || *end != '\0' || !std::isfinite(v) || v <= 0) return false;
    out = v;
    return true;
}

std::string shell_quote(std::string_view arg) {
    bool plain = !arg.empty();
    for (char c : arg) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.' || c == '/' || c == '=' || c == ':' || c == ',';
        plain = plain && ok;
    }
    if (plain) return std::string(arg);
    std::string q = "'";
    for (char c : arg) {
        if (c == '\'') q += "'\\''";
        else q += c;
    }
    return q + "'";
}

// Concatenation without `"literal" + std::string`, which trips GCC 12's -Wrestrict.
std::string cat(std::initializer_list<std::string_view> parts) {
    std::string out;
    for (auto p : parts) out.append(p);
    return out;
}

}  // namespace

ParsedOptions parse_options(int argc, char** argv) {
    ParsedOptions r;
    Options& o = r.options;
    std::string_view prog = argc > 0 ? argv[0] : "hwplan-probe-net";
    if (auto slash = prog.rfind('/'); slash != std::string_view::npos) prog.remove_prefix(slash + 1);
    o.command = std::string(prog);
    for (int i = 1; i < argc; ++i) {
        o.command += ' ';
        o.command += shell_quote(argv[i]);
    }

    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        std::string_view name = arg;
        std::string_view inline_value;
        bool has_inline = false;
        if (arg.starts_with("--")) {
            if (auto eq = arg.find('='); eq != std::string_view::npos) {
                name = arg.substr(0, eq);
                inline_value = arg.substr(eq + 1);
                has_inline = true;
            }
        }
        // Fetches the value of an option that takes one; false (and r.error set) when missing.
        auto value = [&](std::string_view& out) {
            if (has_inline) {
                out = inline_value;
                return true;
            }
            if (i + 1 >= argc) {
                r.error = cat({"option '", name, "' needs a value (see --help)"});
                return false;
            }
            out = argv[++i];
            return true;
        };
        auto takes_no_value = [&] {
            if (has_inline) r.error = cat({"option '", name, "' takes no value"});
            return !has_inline;
        };
        std::string_view v;
        if (name == "-h" || name == "--help") {
            if (!takes_no_value()) return r;
            o.help = true;
        } else if (name == "--version") {
            if (!takes_no_value()) return r;
            o.version = true;
        } else if (name == "-q" || name == "--quick") {
            if (!takes_no_value()) return r;
            o.quick = true;
        } else if (name == "--gpu-buffers") {
            if (!takes_no_value()) return r;
            o.gpu_buffers = true;
        } else if (name == "-o" || name == "--output") {
            if (!value(v)) return r;
            if (v.empty()) {
                r.error = cat({"option '", name, "' needs a file name"});
                return r;
            }
            o.output = std::string(v);
        } else if (name == "--max-bytes") {
            if (!value(v)) return r;
            if (!parse_bytes(v, o.max_bytes) || o.max_bytes < 8 || o.max_bytes > (1ull << 30)) {
                r.error = cat({"option '--max-bytes': '", v, "' is not a size from 8 to 1Gi bytes (e.g. 67108864 or 64Mi)"});
                return r;
            }
        } else if (name == "--time-per-point") {
            if (!value(v)) return r;
            if (!parse_positive_double(v, o.time_per_point_s) || o.time_per_point_s > 600) {
                r.error = cat({"option '--time-per-point': '", v, "' is not a positive number of seconds (at most 600)"});
                return r;
            }
        } else if (name == "--alltoallv-zipf") {
            if (!value(v)) return r;
            double s = 0;
            if (v == "0") {
                o.alltoallv_zipf = 0;
            } else if (!parse_positive_double(v, s) || s > 4) {
                r.error = cat({"option '--alltoallv-zipf': '", v, "' is not an exponent from 0 to 4"});
                return r;
            } else {
                o.alltoallv_zipf = s;
            }
        } else if (name == "--fail-at-rank") {
            if (!value(v)) return r;
            if (!parse_int(v, o.fail_at_rank)) {
                r.error = cat({"option '--fail-at-rank': '", v, "' is not a rank"});
                return r;
            }
        } else if (name == "--fail-after") {
            if (!value(v)) return r;
            if (!parse_int(v, o.fail_after)) {
                r.error = cat({"option '--fail-after': '", v, "' is not a number of measurement points"});
                return r;
            }
        } else if (name == "--fake-hosts") {
            if (!value(v)) return r;
            if (!parse_int(v, o.fake_hosts) || o.fake_hosts < 1) {
                r.error = cat({"option '--fake-hosts': '", v, "' is not a number of hosts"});
                return r;
            }
        } else if (name == "--fail-mode") {
            if (!value(v)) return r;
            if (v == "exit") o.fail_mode = FailMode::exit;
            else if (v == "kill") o.fail_mode = FailMode::kill;
            else if (v == "mpi-error") o.fail_mode = FailMode::mpi_error;
            else {
                r.error = cat({"option '--fail-mode': '", v, "' is not one of exit, kill, mpi-error"});
                return r;
            }
        } else if (arg.starts_with("-")) {
            r.error = cat({"unknown option '", name, "' (see --help)"});
            return r;
        } else {
            r.error = cat({"unexpected argument '", arg, "' (see --help)"});
            return r;
        }
    }
    return r;
}

std::string usage_text() {
    return R"(Usage: mpirun -np N [--map-by ppr:8:node] hwplan-probe-net [options]
       srun --mpi=pmix -N NODES --ntasks-per-node=8 hwplan-probe-net [options]

Measures the network between MPI ranks and prints raw YAML samples (SI units)
for `hwplan calibrate fit`: ping-pong latency/bandwidth and bidirectional
bandwidth between rank 0 and a same-host and an other-host peer, and
MPI_Alltoall / MPI_Alltoallv time vs bytes per peer (a general sweep plus
expert-parallel sizes: 32..256 tokens x 7168 hidden x FP8/BF16). Needs at
least 2 ranks. Progress goes to stderr; the YAML goes to stdout only after
the whole run succeeded.

Options:
  -q, --quick             short sweep (a few seconds with 2 ranks on one host)
  -o, --output FILE       write the YAML to FILE atomically (FILE.tmp + rename)
                          instead of stdout; nothing is left on failure
      --max-bytes N       largest message, e.g. 64Mi (default 256Mi, quick 32Mi)
      --time-per-point S  timed seconds per point before repetitions stop
                          (default 0.25, quick 0.02; at least 10/5 repetitions)
      --alltoallv-zipf S  skew of the all-to-allv counts: destination j gets a
                          share proportional to 1/(j+1)^S (default 0.5)
      --gpu-buffers       use GPU memory for the message buffers (needs a build
                          with CUDA and a CUDA-aware MPI); rank r uses GPU
                          (local rank mod GPU count)
      --version           print the probe version and exit
  -h, --help              print this help and exit

Testing aids (to check that a failing job fails cleanly; not for calibration):
      --fail-at-rank R    make rank R fail at the start of a measurement point
      --fail-after N      ... after N measurement points completed (default 0)
      --fail-mode M       exit (_exit(1), default), kill (SIGKILL), or mpi-error
                          (an invalid MPI call, reported and MPI_Abort-ed)
      --fake-hosts H      pretend the ranks run on H hosts (consecutive blocks of
                          ranks), to exercise inter_host paths on one machine;
                          the output says so (mpi.fake_hosts) and must not be
                          used for calibration

Exit status: 0 success; 1 a measurement failed (MPI or CUDA error, data check,
output write) and the job was aborted; 2 bad usage (unknown flag, fewer than 2
ranks, --gpu-buffers unavailable, unwritable -o).
)";
}

bool launcher_rank_is_zero() {
    for (const char* var : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"}) {
        if (const char* v = std::getenv(var); v != nullptr && *v != '\0')
            return std::string_view(v) == "0";
    }
    return true;
}

}  // namespace hwplan::probe_net

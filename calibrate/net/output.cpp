#include "output.hpp"

#include "report.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace hwplan::probe_net {
namespace {

// Always a '.' and a signed exponent ("1.25e-06"), so that YAML 1.1 readers
// (PyYAML) also read a float, not a string.
std::string format_double(double v) {
    if (std::isnan(v)) return ".nan";
    if (std::isinf(v)) return v > 0 ? ".inf" : "-.inf";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.6e", v);
    std::string s(buf);
    auto e = s.find('e');
    std::string mantissa = s.substr(0, e);
    std::string exponent = s.substr(e);
    while (mantissa.size() > 2 && mantissa.back() == '0' && mantissa[mantissa.size() - 2] != '.')
        mantissa.pop_back();
    return mantissa + exponent;
}

std::string quoted(std::string_view s) {
    std::string q = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': q += "\\\""; break;
            case '\\': q += "\\\\"; break;
            case '\n': q += "\\n"; break;
            case '\t': q += "\\t"; break;
            case '\r': q += "\\r"; break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\x%02x", c);
                    q += buf;
                } else {
                    q += static_cast<char>(c);
                }
        }
    }
    return q + "\"";
}

// Identifiers (tags, link classes) print bare; anything else is quoted, so a
// host called "yes" or "1e3" stays a string.
std::string scalar(std::string_view s) {
    static constexpr std::string_view reserved[] = {"yes", "no", "true", "false", "on", "off",
                                                    "null", "y", "n"};
    bool ident = !s.empty() && s[0] >= 'a' && s[0] <= 'z';
    for (char c : s) ident = ident && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    for (auto r : reserved) ident = ident && s != r;
    return ident ? std::string(s) : quoted(s);
}

std::string render_value(const Value& v) {
    if (auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    if (auto* d = std::get_if<double>(&v)) return format_double(*d);
    if (auto* s = std::get_if<std::string>(&v)) return scalar(*s);
    const auto& list = std::get<std::vector<std::int64_t>>(v);
    std::string out = "[";
    for (size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + std::to_string(list[i]);
    return out + "]";
}

std::string render_flow(const Record& r) {
    std::string out = "{";
    for (size_t i = 0; i < r.size(); ++i)
        out += (i ? ", " : "") + r[i].key + ": " + render_value(r[i].value);
    return out + "}";
}

}  // namespace

std::string render_yaml(const RunInfo& info, const std::vector<Record>& samples) {
    const Placement& p = *info.placement;
    std::string y;
    y += "# hwplan-probe-net raw samples; SI units only (seconds, bytes, bytes/s).\n";
    y += "# time_s is the median over `reps` repetitions (each the mean of `iters_per_rep`\n";
    y += "# iterations); time_s_p10/time_s_p90 are the 10th/90th percentiles.\n";
    y += "#   pingpong:  one-way time = half the round trip; bandwidth = bytes / time_s.\n";
    y += "#   bidir:     both ranks send `bytes` at once; time of one exchange;\n";
    y += "#              bandwidth = 2 * bytes / time_s (both directions together).\n";
    y += "#   alltoall:  MPI_Alltoall, slowest rank; algbw = send_bytes_per_rank / time_s,\n";
    y += "#              busbw = algbw * (ranks - 1) / ranks (nccl-tests convention).\n";
    y += "#   alltoallv: MPI_Alltoallv with Zipf-skewed counts, slowest rank.\n";
    y += "hwplan_probe: net\n";
    y += "schema_version: 1\n";
    y += "probe_version: " + quoted(info.probe_version) + "\n";
    y += "git_revision: " + quoted(info.git_revision) + "\n";
    y += "date: " + quoted(info.date) + "\n";
    y += "command: " + quoted(info.command) + "\n";
    y += "mode: " + info.mode + "\n";
    y += "buffers: " + info.buffers + "\n";
    if (!info.gpu_name.empty()) y += "gpu_name: " + quoted(info.gpu_name) + "\n";
    y += "elapsed_s: " + format_double(info.elapsed_s) + "\n";
    y += "timer: {name: MPI_Wtime, tick_s: " + format_double(info.timer_tick_s) + "}\n";
    y += "settings: " + render_flow(info.settings) + "\n";
    y += "mpi:\n";
    y += "  library: " + quoted(p.library) + "\n";
    y += "  standard: " + quoted(p.standard) + "\n";
    y += "  world_size: " + std::to_string(p.ranks.size()) + "\n";
    y += "  host_count: " + std::to_string(p.host_count) + "\n";
    if (p.fake_hosts > 0)  // --fake-hosts testing aid: link classes are pretend
        y += "  fake_hosts: " + std::to_string(p.fake_hosts) + "\n";
    // Quoted: bare yes/no are booleans to YAML 1.1 readers.
    y += "  cuda_aware: " + quoted(p.cuda_aware) + "\n";
    y += "  cuda_aware_source: " + quoted(p.cuda_aware_source) + "\n";
    y += "  hosts:\n";
    for (const RankPlace& r : p.ranks) {
        y += "    - {rank: " + std::to_string(r.rank) + ", host: " + quoted(r.host) +
             ", local_rank: " + std::to_string(r.local_rank) + "}\n";
    }
    y += "samples:\n";
    for (const Record& r : samples) y += "  - " + render_flow(r) + "\n";
    return y;
}

namespace {

std::string write_all(int fd, const std::string& text) {
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return std::strerror(errno);
        }
        done += static_cast<size_t>(n);
    }
    return {};
}

}  // namespace

std::string check_output_writable(const std::string& path) {
    const std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        if (errno == EEXIST) return {};  // a stale FILE.tmp is replaced at the end
        return "cannot create '" + tmp + "': " + std::strerror(errno);
    }
    ::close(fd);
    ::unlink(tmp.c_str());
    return {};
}

std::string write_output(const std::string& path, const std::string& text) {
    if (path.empty()) {
        if (std::string err = write_all(STDOUT_FILENO, text); !err.empty())
            return "cannot write the YAML to stdout: " + err;
        return {};
    }
    const std::string tmp = path + ".tmp";
    set_temp_output(tmp);  // removed if the job is killed while writing
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        clear_temp_output();
        return "cannot create '" + tmp + "': " + std::strerror(errno);
    }
    std::string err = write_all(fd, text);
    if (err.empty() && ::fsync(fd) != 0) err = std::strerror(errno);
    if (::close(fd) != 0 && err.empty()) err = std::strerror(errno);
    if (err.empty() && ::rename(tmp.c_str(), path.c_str()) != 0) err = std::strerror(errno);
    if (!err.empty()) {
        ::unlink(tmp.c_str());
        clear_temp_output();
        return "cannot write '" + path + "': " + err;
    }
    clear_temp_output();
    return {};
}

}  // namespace hwplan::probe_net

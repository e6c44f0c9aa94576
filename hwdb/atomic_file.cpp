#include "hwdb/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <mutex>
#include <random>
#include <string>

#include "model/error.hpp"

namespace hwplan::hwdb {

namespace {

// The temporary being written, for the signal handler. One at a time (the
// mutex): the CLI writes one file per command.
char g_pending[PATH_MAX + 1];
volatile std::sig_atomic_t g_has_pending = 0;
std::mutex g_write_mutex;

extern "C" void unlink_pending_and_die(int sig) {
    // Only async-signal-safe calls here: unlink, signal, raise.
    if (g_has_pending) ::unlink(g_pending);
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

// Installs the handlers while a temporary exists and restores the previous
// ones after (the GUI or a test harness may have their own).
class PendingTemp {
public:
    explicit PendingTemp(const std::string& path) {
        if (path.size() <= PATH_MAX) {
            std::memcpy(g_pending, path.c_str(), path.size() + 1);
            g_has_pending = 1;
        }
        for (std::size_t i = 0; i < kSignals.size(); ++i) {
            struct sigaction sa {};
            sa.sa_handler = kSignals[i] == SIGXFSZ ? SIG_IGN : unlink_pending_and_die;
            sigemptyset(&sa.sa_mask);
            sigaction(kSignals[i], &sa, &old_[i]);
        }
    }
    ~PendingTemp() {
        for (std::size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &old_[i], nullptr);
        g_has_pending = 0;
    }
    PendingTemp(const PendingTemp&) = delete;
    PendingTemp& operator=(const PendingTemp&) = delete;

private:
    static constexpr std::array<int, 4> kSignals = {SIGINT, SIGTERM, SIGHUP, SIGXFSZ};
    std::array<struct sigaction, 4> old_{};
};

std::string kind_of(mode_t m) {
    if (S_ISFIFO(m)) return "a named pipe (FIFO)";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISDIR(m)) return "a directory";
    return "not a regular file";
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
    const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
    std::random_device rd;
    // Built by appending: GCC 12 warns (-Wrestrict, a false positive) on
    // `"." + std::string + ...` here.
    std::string tmp_name = ".";
    tmp_name += path.filename().string();
    tmp_name += ".tmp";
    tmp_name += std::to_string(rd() % 1000000);
    const std::filesystem::path tmp = dir / tmp_name;
    const std::lock_guard<std::mutex> lock(g_write_mutex);
    const PendingTemp pending(tmp.string());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(std::string("cannot write: ") + std::strerror(errno), path.string());
    const auto fail = [&](int err, bool open) {
        if (open) ::close(fd);
        ::unlink(tmp.c_str());
        throw Error(std::string("cannot write: ") + std::strerror(err), path.string());
    };
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail(n < 0 ? errno : ENOSPC, true);
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) fail(errno, true);
    if (::close(fd) != 0) fail(errno, false);
    if (::rename(tmp.c_str(), path.c_str()) != 0) fail(errno, false);
}

void check_output_path(const std::filesystem::path& out, const std::vector<std::filesystem::path>& inputs,
                       bool force, const std::string& flag) {
    const std::string where = flag + " " + out.string();
    struct stat ls {};
    if (::lstat(out.c_str(), &ls) != 0) return;  // a new file: nothing to clobber
    if (S_ISLNK(ls.st_mode) && !force)
        throw Error("is a symbolic link; writing would replace the link with a file (give --force to do that)",
                    where);
    struct stat os {};
    if (::stat(out.c_str(), &os) != 0) {
        if (force) return;  // a dangling link, replaced on request
        throw Error("is a dangling symbolic link", where);
    }
    if (!S_ISREG(os.st_mode))
        throw Error("is " + kind_of(os.st_mode) + ", not a regular file; refusing to replace it", where);
    for (const auto& in : inputs) {
        struct stat is {};
        if (::stat(in.c_str(), &is) == 0 && is.st_dev == os.st_dev && is.st_ino == os.st_ino)
            throw Error("is the input file " + in.string() + "; writing it would destroy the input", where);
    }
}

void require_regular_file(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) throw Error("no such file", path.string());
        throw Error(std::string("cannot read: ") + std::strerror(errno), path.string());
    }
    if (S_ISDIR(st.st_mode)) throw Error("is a directory, expected a file", path.string());
    if (!S_ISREG(st.st_mode)) throw Error("is " + kind_of(st.st_mode) + ", expected a regular file", path.string());
}

std::string read_file(const std::filesystem::path& path, std::size_t max_bytes) {
    require_regular_file(path);
    // O_NONBLOCK: if the path was swapped for a FIFO after the check, open
    // does not wait for a writer; fstat below refuses it.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) throw Error(std::string("cannot open: ") + std::strerror(errno), path.string());
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error("is " + kind_of(st.st_mode) + ", expected a regular file", path.string());
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    const auto too_big = [&](std::size_t n) {
        ::close(fd);
        return Error("file is " + std::to_string(n) + " bytes, larger than the " + std::to_string(max_bytes) +
                         "-byte limit for this kind of input",
                     path.string());
    };
    if (size > max_bytes) throw too_big(size);
    // Read to end of file rather than st_size bytes: /proc and /sys files say
    // 0 bytes and have content; a file that grows is cut at the limit.
    std::string text;
    text.reserve(size);
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            throw Error(std::string("cannot read: ") + std::strerror(err), path.string());
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > max_bytes) throw too_big(text.size());
    }
    ::close(fd);
    return text;
}

}  // namespace hwplan::hwdb

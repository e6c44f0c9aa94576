#include "support/run_cli.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace hwplan::test {

CliResult run_binary(const std::string& binary, const std::vector<std::string>& args,
                     const std::string& stdin_text) {
    int out_pipe[2], err_pipe[2], in_pipe[2];
    if (::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0 || ::pipe(in_pipe) != 0)
        throw std::runtime_error("pipe failed");
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::dup2(in_pipe[0], 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
            ::close(fd);
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(binary.c_str()));
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(binary.c_str(), argv.data());
        std::fprintf(stderr, "exec %s: %s\n", binary.c_str(), std::strerror(errno));
        ::_exit(127);
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    // Feed stdin and read both outputs without deadlocking on full pipes.
    size_t written = 0;
    if (stdin_text.empty()) ::close(in_pipe[1]);
    CliResult r;
    bool out_open = true, err_open = true, in_open = !stdin_text.empty();
    while (out_open || err_open) {
        pollfd fds[3];
        int n = 0;
        if (out_open) fds[n++] = {out_pipe[0], POLLIN, 0};
        if (err_open) fds[n++] = {err_pipe[0], POLLIN, 0};
        if (in_open) fds[n++] = {in_pipe[1], POLLOUT, 0};
        if (::poll(fds, static_cast<nfds_t>(n), -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < n; ++i) {
            if (!fds[i].revents) continue;
            if (fds[i].fd == in_pipe[1]) {
                ssize_t w = ::write(in_pipe[1], stdin_text.data() + written,
                                    std::min<size_t>(65536, stdin_text.size() - written));
                if (w > 0) written += static_cast<size_t>(w);
                if (w < 0 || written == stdin_text.size()) {
                    ::close(in_pipe[1]);
                    in_open = false;
                }
                continue;
            }
            char buf[65536];
            ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
            std::string& into = fds[i].fd == out_pipe[0] ? r.out : r.err;
            if (got > 0) {
                into.append(buf, static_cast<size_t>(got));
            } else if (got == 0 || errno != EINTR) {
                if (fds[i].fd == out_pipe[0]) out_open = false; else err_open = false;
            }
        }
    }
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    if (in_open) ::close(in_pipe[1]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

CliResult run_hwplan(const std::vector<std::string>& args) {
    return run_binary(HWPLAN_CLI_BINARY, args);
}

std::string make_temp_dir(const std::string& prefix) {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    return tmpl;
}

std::string source_path(const std::string& relative) {
    return (std::filesystem::path(HWPLAN_SOURCE_DIR) / relative).string();
}

}  // namespace hwplan::test

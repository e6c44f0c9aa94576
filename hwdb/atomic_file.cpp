#include "hwdb/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <string>

#include "model/error.hpp"

namespace hwplan::hwdb {

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
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(std::string("cannot write: ") + std::strerror(errno), path.string());
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            throw Error(std::string("cannot write: ") + std::strerror(err), path.string());
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw Error(std::string("cannot write: ") + std::strerror(err), path.string());
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw Error(std::string("cannot write: ") + std::strerror(err), path.string());
    }
}

std::string read_file(const std::filesystem::path& path, std::size_t max_bytes) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw Error("no such file", path.string());
    if (std::filesystem::is_directory(path, ec)) throw Error("is a directory, expected a file", path.string());
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) throw Error("cannot read: " + ec.message(), path.string());
    if (size > max_bytes)
        throw Error("file is " + std::to_string(size) + " bytes, larger than the " +
                        std::to_string(max_bytes) + "-byte limit for this kind of input",
                    path.string());
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(std::string("cannot open: ") + std::strerror(errno), path.string());
    std::string text(size, '\0');
    in.read(text.data(), static_cast<std::streamsize>(size));
    if (!in) throw Error("cannot read", path.string());
    return text;
}

}  // namespace hwplan::hwdb

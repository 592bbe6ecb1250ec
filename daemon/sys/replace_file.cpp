#include "sys/replace_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace fabgate {
namespace {

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

Status write_all(int fd, std::string_view text, const std::string& path) {
    std::size_t written = 0;
    while (written < text.size()) {
        auto n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail(path, errno_text("cannot write"));
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) return fail(path, errno_text("cannot sync"));
    return {};
}

// The rename is on disk only once the directory is synced.
Status sync_directory(const std::filesystem::path& file) {
    auto dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail(dir.string(), errno_text("cannot open"));
    int synced = ::fsync(fd);
    int saved = errno;
    ::close(fd);
    if (synced != 0) return fail(dir.string(), std::string("cannot sync: ") + std::strerror(saved));
    return {};
}

}  // namespace

Status replace_file(const std::string& path, std::string_view text) {
    const std::string temporary = path + ".new";
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return fail(temporary, errno_text("cannot create"));
    auto written = write_all(fd, text, temporary);
    bool closed = ::close(fd) == 0;
    if (written && !closed) written = fail(temporary, errno_text("cannot close"));
    if (written && ::rename(temporary.c_str(), path.c_str()) != 0)
        written = fail(path, errno_text("cannot replace"));
    if (!written) {
        ::unlink(temporary.c_str());
        return written;
    }
    return sync_directory(path);
}

}  // namespace fabgate

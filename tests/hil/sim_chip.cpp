#include "sim_chip.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace fabgate::hil {
namespace {

constexpr const char* kConfigRoot = "/sys/kernel/config/gpio-sim/";

// sysfs and configfs want one write() per value; iostreams may split or buffer.
bool write_attr(const std::string& path, const std::string& text) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return ok;
}

std::string read_attr(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    char buf[128];
    ssize_t n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    if (n <= 0) return {};
    std::string text(buf, static_cast<std::size_t>(n));
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

}  // namespace

std::unique_ptr<SimChip> SimChip::create(const std::string& device, unsigned num_lines,
                                         const std::vector<std::pair<unsigned, std::string>>& names,
                                         std::string& error) {
    const std::string dir = kConfigRoot + device;
    std::vector<std::string> made;
    auto make_dir = [&](const std::string& path) {
        if (::mkdir(path.c_str(), 0755) != 0) {
            error = "mkdir " + path + ": " + std::strerror(errno);
            return false;
        }
        made.push_back(path);
        return true;
    };
    // Owning the directories from the first mkdir on means a half-made chip is torn down.
    std::unique_ptr<SimChip> chip(new SimChip(dir, {}));
    bool ok = make_dir(dir) && make_dir(dir + "/bank0") &&
              write_attr(dir + "/bank0/num_lines", std::to_string(num_lines)) &&
              write_attr(dir + "/bank0/label", device);
    for (const auto& [offset, name] : names) {
        if (!ok) break;
        const std::string line_dir = dir + "/bank0/line" + std::to_string(offset);
        ok = make_dir(line_dir) && write_attr(line_dir + "/name", name);
    }
    chip->made_dirs_ = made;
    if (!ok) {
        if (error.empty()) error = "configfs write under " + dir + " failed";
        return nullptr;
    }
    if (!write_attr(dir + "/live", "1")) {
        error = "cannot set " + dir + "/live";
        return nullptr;
    }
    chip->chip_name_ = read_attr(dir + "/bank0/chip_name");
    const std::string dev_name = read_attr(dir + "/dev_name");
    if (chip->chip_name_.empty() || dev_name.empty()) {
        error = "gpio-sim gave no chip_name/dev_name";
        return nullptr;
    }
    chip->sysfs_dir_ = "/sys/devices/platform/" + dev_name + "/" + chip->chip_name_;
    return chip;
}

SimChip::~SimChip() {
    for (const auto& [line, fd] : pull_fds_) ::close(fd);
    write_attr(config_dir_ + "/live", "0");
    for (auto it = made_dirs_.rbegin(); it != made_dirs_.rend(); ++it) ::rmdir(it->c_str());
}

std::string SimChip::line_attr(unsigned line, const char* attr) const {
    return sysfs_dir_ + "/sim_gpio" + std::to_string(line) + "/" + attr;
}

int SimChip::value(unsigned line) const {
    const std::string text = read_attr(line_attr(line, "value"));
    if (text == "0") return 0;
    if (text == "1") return 1;
    return -1;
}

bool SimChip::pull(unsigned line, bool up) const {
    auto it = pull_fds_.find(line);
    if (it == pull_fds_.end()) {
        int fd = ::open(line_attr(line, "pull").c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) return false;
        it = pull_fds_.emplace(line, fd).first;
    }
    const std::string_view text = up ? "pull-up" : "pull-down";
    return ::pwrite(it->second, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size());
}

}  // namespace fabgate::hil

#pragma once
// A gpio-sim chip made through configfs: the "other side" of the wire. Reading `value` shows
// what the code under test drives on an output; writing `pull` drives an input as a switch,
// a sensor or a Wiegand reader would.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace fabgate::hil {

class SimChip {
  public:
    // Lines may be given names ("GPIO17") so name lookup is exercised as on a Pi.
    static std::unique_ptr<SimChip> create(
        const std::string& device, unsigned num_lines,
        const std::vector<std::pair<unsigned, std::string>>& names, std::string& error);
    ~SimChip();
    SimChip(const SimChip&) = delete;
    SimChip& operator=(const SimChip&) = delete;

    const std::string& chip_name() const { return chip_name_; }  // "gpiochip1" on arm64 virt
    // 0 or 1 as the outside world sees the line, -1 if unreadable.
    int value(unsigned line) const;
    // Drive an input from outside: pull-up reads 1, pull-down 0, unless the line is an output.
    bool pull(unsigned line, bool up) const;

  private:
    SimChip(std::string config_dir, std::vector<std::string> made_dirs)
        : config_dir_(std::move(config_dir)), made_dirs_(std::move(made_dirs)) {}
    std::string line_attr(unsigned line, const char* attr) const;

    std::string config_dir_;
    std::vector<std::string> made_dirs_;  // removed in reverse order
    std::string chip_name_;
    std::string sysfs_dir_;
    // Kept open: re-opening the sysfs path per write cost ~1 ms under qemu TCG, which stretched
    // Wiegand frames towards the decoder's 25 ms end-of-frame gap.
    mutable std::map<unsigned, int> pull_fds_;
};

}  // namespace fabgate::hil

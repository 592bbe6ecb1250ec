#pragma once
// Shared by the adapter tests: a HardwareEvents that records, a scratch directory, and a loop
// runner that stops as soon as the expected event arrived.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/ports.hpp"
#include "loop/event_loop.hpp"

namespace fabgate::readers::test {

struct Fault {
    std::string device;
    bool faulted;
    std::string reason;
};

class RecordingEvents final : public HardwareEvents {
  public:
    std::vector<std::string> presented;
    int removed = 0;
    std::vector<Fault> faults;

    void badge_presented(const Uid& uid) override { presented.push_back(uid.hex()); }
    void badge_removed() override { ++removed; }
    void input_changed(InputKind, std::string_view, bool) override {}
    void device_fault(std::string_view device, bool faulted, std::string_view reason) override {
        faults.push_back({std::string(device), faulted, std::string(reason)});
    }
    bool faulted() const { return !faults.empty() && faults.back().faulted; }
};

// Runs the loop until `done` or a generous real-time limit (only reached when a test fails).
inline bool run_until(EventLoop& loop, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::milliseconds(3000)) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > end) return false;
        loop.run_once(10);
    }
    return true;
}

class ScratchDir {
  public:
    ScratchDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "fabreaders-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data()) ? pattern : std::string();
    }
    ~ScratchDir() {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

}  // namespace fabgate::readers::test

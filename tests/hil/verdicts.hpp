#pragma once
// One line per check in the serial log; scripts/hil-gpio-sim greps them. The guest's exit
// code never reaches the host (qemu exits 0 regardless), so the log is the only channel.
#include <cstdio>
#include <string>
#include <string_view>

namespace fabgate::hil {

class Verdicts {
  public:
    bool check(bool ok, std::string_view name, std::string_view detail = {}) {
        std::string line = ok ? "HIL PASS " : "HIL FAIL ";
        line += name;
        if (!ok && !detail.empty()) line.append(": ").append(detail);
        ++(ok ? passed_ : failed_);
        emit(line);
        return ok;
    }
    void note(std::string_view text) { emit(std::string("HIL NOTE ").append(text)); }
    void bench(std::string_view text) { emit(std::string("HIL BENCH ").append(text)); }
    void finish() {
        emit("HIL RESULT: " + std::to_string(passed_) + " passed, " + std::to_string(failed_) +
             " failed");
    }
    int failed() const { return failed_; }

  private:
    static void emit(const std::string& line) {
        std::fputs(line.c_str(), stdout);
        std::fputc('\n', stdout);
        std::fflush(stdout);
    }
    int passed_ = 0;
    int failed_ = 0;
};

}  // namespace fabgate::hil

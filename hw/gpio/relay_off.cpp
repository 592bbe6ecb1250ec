#include "gpio/relay_off.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "sys/replace_file.hpp"

namespace fabgate::gpio {
namespace {

constexpr std::size_t kMaxRecordBytes = 64 * 1024;

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

// `where` names the line's source for errors: "hardware.outputs.relay" for the config's.
void drive_off(GpioBackend& backend, const std::string& role, const std::string& where,
               const std::string& shown, const GpioLine& line, RelayOffReport& report) {
    auto port = backend.request_output(line, false, role);
    if (!port) {
        report.errors.push_back({where, "cannot be driven off: " + port.error().message()});
        return;
    }
    // Requested at the off level already; set again so a backend that ignores the initial
    // value still ends off.
    if (auto set = (*port)->set(false); !set) {
        report.errors.push_back({where, "cannot be driven off: " + set.error().message()});
        return;
    }
    report.switched.push_back(shown + " (" + describe_line(line) + ")");
}

bool same_line(const GpioLine& a, const GpioLine& b) {
    return a.chip == b.chip && a.offset == b.offset && a.name == b.name &&
           a.active_low == b.active_low;
}

bool has_lines(const RelayLines& lines) {
    return lines.relay || lines.after_run;
}

}  // namespace

RelayOffReport drive_lines_off(const RelayLines& lines, GpioBackend& backend,
                               const RelayLines& driven) {
    RelayOffReport report;
    report.notes = lines.notes;
    report.notes.insert(report.notes.end(), driven.notes.begin(), driven.notes.end());
    if (lines.simulated && !has_lines(driven)) {
        report.verdict = RelayOffVerdict::Simulated;
        return report;
    }
    // The relay lines before anything else: the after-run fan can wait, the machine cannot.
    // The config's line, then the one the daemon drove (if another): a line both name with
    // another active_low ends as the daemon drove it, the wiring it ran the machine on.
    auto both = [&](const std::string& role, const std::optional<GpioLine>& configured,
                    const std::optional<GpioLine>& drove) {
        if (configured && !lines.simulated)
            drive_off(backend, role, "hardware.outputs." + role, role, *configured, report);
        if (drove && !(configured && !lines.simulated && same_line(*configured, *drove)))
            drive_off(backend, role, std::string(kDrivenOutputsFile) + ": " + role,
                      role + " as the daemon drove it", *drove, report);
    };
    both("relay", lines.relay, driven.relay);
    both("after_run", lines.after_run, driven.after_run);
    if (!(lines.relay && !lines.simulated) && !driven.relay)
        report.verdict = RelayOffVerdict::NoRelayLine;
    else
        report.verdict = report.errors.empty() ? RelayOffVerdict::Done : RelayOffVerdict::Failed;
    return report;
}

RelayOffReport relay_off_from_config(std::string_view config_text,
                                     const BackendOpener& open_backend,
                                     std::string_view driven_record) {
    auto lines = find_relay_lines(config_text);
    RelayLines driven;
    if (!driven_record.empty()) {
        driven = find_driven_lines(driven_record);
        for (auto& note : driven.notes) note = std::string(kDrivenOutputsFile) + ": " + note;
    }
    if ((lines.simulated || !has_lines(lines)) && !has_lines(driven)) {
        RelayOffReport report;
        report.notes = lines.notes;
        report.notes.insert(report.notes.end(), driven.notes.begin(), driven.notes.end());
        report.verdict =
            lines.simulated ? RelayOffVerdict::Simulated : RelayOffVerdict::NoRelayLine;
        return report;
    }
    Result<std::unique_ptr<GpioBackend>> backend =
        open_backend ? open_backend() : fail("gpio", "no GPIO backend in this build");
    if (!backend) {
        RelayOffReport report;
        report.notes = lines.notes;
        report.notes.insert(report.notes.end(), driven.notes.begin(), driven.notes.end());
        report.errors.push_back(backend.error());
        report.verdict = RelayOffVerdict::Failed;
        return report;
    }
    return drive_lines_off(lines, **backend, driven);
}

Status record_driven_outputs(const std::string& runtime_dir, const std::optional<GpioLine>& relay,
                             const std::optional<GpioLine>& after_run) {
    const std::string path = runtime_dir + "/" + kDrivenOutputsFile;
    return replace_file(path, driven_lines_record(relay, after_run));
}

Result<std::string> read_driven_outputs(const std::string& runtime_dir) {
    const std::string path = runtime_dir + "/" + kDrivenOutputsFile;
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return std::string();
        return fail(path, errno_text("cannot be opened"));
    }
    struct stat file {};
    std::string text;
    Status read = {};
    if (::fstat(fd, &file) != 0)
        read = fail(path, errno_text("cannot be read"));
    else if (!S_ISREG(file.st_mode) || file.st_size > static_cast<off_t>(kMaxRecordBytes))
        read = fail(path, "is not the record of the outputs the daemon drives");
    std::array<char, 4096> chunk{};
    while (read && text.size() <= kMaxRecordBytes) {
        auto n = ::read(fd, chunk.data(), chunk.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) read = fail(path, errno_text("cannot be read"));
        if (n <= 0) break;
        text.append(chunk.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    if (!read) return tl::unexpected(read.error());
    return text;
}

int exit_code(const RelayOffReport& report) {
    return report.verdict == RelayOffVerdict::Done || report.verdict == RelayOffVerdict::Simulated
               ? 0
               : 1;
}

}  // namespace fabgate::gpio

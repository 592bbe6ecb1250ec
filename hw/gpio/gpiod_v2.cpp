// libgpiod v2 API (2.x: Debian 13 / Raspberry Pi OS trixie). One request per line.
// NOTE: written against the documented v2 C API; Debian 12 ships only 1.6, so this file has not
// been compiled in this project's CI yet.
#include <gpiod.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "gpio/chip_listing.hpp"
#include "gpio/gpio_lines.hpp"

namespace fabgate::gpio {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const {
        if (p) Free(p);
    }
};
using ChipHandle = std::unique_ptr<gpiod_chip, Deleter<gpiod_chip, gpiod_chip_close>>;
using ChipInfo = std::unique_ptr<gpiod_chip_info, Deleter<gpiod_chip_info, gpiod_chip_info_free>>;
using LineInfo = std::unique_ptr<gpiod_line_info, Deleter<gpiod_line_info, gpiod_line_info_free>>;
using Settings =
    std::unique_ptr<gpiod_line_settings, Deleter<gpiod_line_settings, gpiod_line_settings_free>>;
using LineConfig =
    std::unique_ptr<gpiod_line_config, Deleter<gpiod_line_config, gpiod_line_config_free>>;
using RequestConfig =
    std::unique_ptr<gpiod_request_config, Deleter<gpiod_request_config, gpiod_request_config_free>>;
using Request =
    std::unique_ptr<gpiod_line_request, Deleter<gpiod_line_request, gpiod_line_request_release>>;
using EventBuffer = std::unique_ptr<gpiod_edge_event_buffer,
                                    Deleter<gpiod_edge_event_buffer, gpiod_edge_event_buffer_free>>;

std::vector<std::string> chip_paths() {
    std::vector<std::string> paths;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/dev", ec)) {
        auto path = entry.path().string();
        if (entry.path().filename().string().rfind("gpiochip", 0) == 0 &&
            gpiod_is_gpiochip_device(path.c_str()))
            paths.push_back(path);
    }
    std::sort(paths.begin(), paths.end());
    return paths;
}

std::string label_of(gpiod_chip* chip) {
    ChipInfo info(gpiod_chip_get_info(chip));
    return info ? gpiod_chip_info_get_label(info.get()) : "";
}

// v2 has no open_lookup: a path, "gpiochipN", a number or a label, as the config allows.
ChipHandle open_chip(const std::string& chip) {
    if (chip.empty()) return nullptr;
    if (chip.front() == '/') return ChipHandle(gpiod_chip_open(chip.c_str()));
    if (std::all_of(chip.begin(), chip.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return ChipHandle(gpiod_chip_open(("/dev/gpiochip" + chip).c_str()));
    if (chip.rfind("gpiochip", 0) == 0)
        return ChipHandle(gpiod_chip_open(("/dev/" + chip).c_str()));
    for (const auto& path : chip_paths()) {
        ChipHandle handle(gpiod_chip_open(path.c_str()));
        if (handle && label_of(handle.get()) == chip) return handle;
    }
    errno = ENOENT;
    return nullptr;
}

struct Located {
    ChipHandle chip;
    unsigned offset = 0;
};

Result<Located> locate(const GpioLine& config) {
    const std::string where = describe_line(config);
    errno = 0;
    ChipHandle chip = open_chip(config.chip);
    if (!chip)
        return fail(where, "chip \"" + config.chip +
                               "\" cannot be opened: " + errno_text(errno == 0 ? ENOENT : errno));
    if (config.offset) return Located{std::move(chip), *config.offset};
    int offset = gpiod_chip_get_line_offset_from_name(chip.get(), config.name.c_str());
    if (offset < 0) return fail(where, "no line of this name on the chip (see fabgate --probe)");
    return Located{std::move(chip), static_cast<unsigned>(offset)};
}

// event_buffer_size 0 is the kernel's default (16 events for one line).
Result<Request> request_one(const GpioLine& config, gpiod_line_settings* settings,
                            std::string_view consumer, std::size_t event_buffer_size = 0) {
    TRY_ASSIGN(auto located, locate(config));
    LineConfig line_config(gpiod_line_config_new());
    RequestConfig request_config(gpiod_request_config_new());
    if (!line_config || !request_config) return fail(describe_line(config), "out of memory");
    if (gpiod_line_config_add_line_settings(line_config.get(), &located.offset, 1, settings) < 0)
        return fail(describe_line(config), "line settings rejected: " + errno_text(errno));
    std::string label = consumer_label(consumer);
    gpiod_request_config_set_consumer(request_config.get(), label.c_str());
    if (event_buffer_size > 0)
        gpiod_request_config_set_event_buffer_size(request_config.get(), event_buffer_size);
    // The request keeps its own file descriptor: the chip may close once it is made.
    Request request(
        gpiod_chip_request_lines(located.chip.get(), request_config.get(), line_config.get()));
    if (!request) {
        int e = errno;
        if (e == EBUSY)
            return fail(describe_line(config),
                        "is in use by another program or a kernel driver (see fabgate --probe)");
        if (e == EINVAL)
            return fail(describe_line(config),
                        "cannot be requested (no such offset on this chip?): " + errno_text(e));
        return fail(describe_line(config), "cannot be requested: " + errno_text(e));
    }
    return Request(std::move(request));
}

gpiod_line_bias to_bias(Bias bias) {
    switch (bias) {
        case Bias::PullUp:
            return GPIOD_LINE_BIAS_PULL_UP;
        case Bias::PullDown:
            return GPIOD_LINE_BIAS_PULL_DOWN;
        case Bias::Disabled:
            return GPIOD_LINE_BIAS_DISABLED;
        case Bias::AsIs:
            return GPIOD_LINE_BIAS_AS_IS;
    }
    return GPIOD_LINE_BIAS_AS_IS;
}

class V2Output final : public OutputPort {
  public:
    V2Output(Request request, unsigned offset, std::string where)
        : request_(std::move(request)), offset_(offset), where_(std::move(where)) {}
    Status set(bool active) override {
        if (gpiod_line_request_set_value(
                request_.get(), offset_,
                active ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE) < 0)
            return fail(where_, "cannot be set: " + errno_text(errno));
        return {};
    }

  private:
    Request request_;
    unsigned offset_;
    std::string where_;
};

class V2Input final : public InputPort {
  public:
    V2Input(Request request, EventBuffer buffer, unsigned offset, std::string where)
        : request_(std::move(request)),
          buffer_(std::move(buffer)),
          offset_(offset),
          where_(std::move(where)) {}
    int fd() const override { return gpiod_line_request_get_fd(request_.get()); }
    Result<bool> get() override {
        auto value = gpiod_line_request_get_value(request_.get(), offset_);
        if (value == GPIOD_LINE_VALUE_ERROR)
            return fail(where_, "cannot be read: " + errno_text(errno));
        return value == GPIOD_LINE_VALUE_ACTIVE;
    }
    Result<std::vector<LineEvent>> read_events() override {
        std::vector<LineEvent> out;
        while (true) {
            int ready = gpiod_line_request_wait_edge_events(request_.get(), 0);
            if (ready < 0) return fail(where_, "events cannot be read: " + errno_text(errno));
            if (ready == 0) return out;
            int n = gpiod_line_request_read_edge_events(request_.get(), buffer_.get(), kBatch);
            if (n < 0) return fail(where_, "events cannot be read: " + errno_text(errno));
            for (int i = 0; i < n; ++i) {
                gpiod_edge_event* event =
                    gpiod_edge_event_buffer_get_event(buffer_.get(), static_cast<unsigned long>(i));
                out.push_back(
                    {gpiod_edge_event_get_event_type(event) == GPIOD_EDGE_EVENT_RISING_EDGE,
                     static_cast<std::int64_t>(gpiod_edge_event_get_timestamp_ns(event))});
            }
            if (n < static_cast<int>(kBatch)) return out;
        }
    }

    static constexpr std::size_t kBatch = 16;

  private:
    Request request_;
    EventBuffer buffer_;
    unsigned offset_;
    std::string where_;
};

class V2Backend final : public GpioBackend {
  public:
    Result<std::unique_ptr<OutputPort>> request_output(const GpioLine& line, bool initial,
                                                       std::string_view consumer) override {
        Settings settings(gpiod_line_settings_new());
        if (!settings) return fail(describe_line(line), "out of memory");
        gpiod_line_settings_set_direction(settings.get(), GPIOD_LINE_DIRECTION_OUTPUT);
        gpiod_line_settings_set_active_low(settings.get(), line.active_low);
        gpiod_line_settings_set_output_value(
            settings.get(), initial ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE);
        TRY_ASSIGN(auto request, request_one(line, settings.get(), consumer));
        unsigned offset = 0;
        gpiod_line_request_get_requested_offsets(request.get(), &offset, 1);
        return std::unique_ptr<OutputPort>(
            std::make_unique<V2Output>(std::move(request), offset, describe_line(line)));
    }

    Result<std::unique_ptr<InputPort>> request_input(const InputLine& input, Edge edge,
                                                     std::string_view consumer) override {
        Settings settings(gpiod_line_settings_new());
        EventBuffer buffer(gpiod_edge_event_buffer_new(V2Input::kBatch));
        if (!settings || !buffer) return fail(describe_line(input.line), "out of memory");
        gpiod_line_settings_set_direction(settings.get(), GPIOD_LINE_DIRECTION_INPUT);
        gpiod_line_settings_set_edge_detection(
            settings.get(), edge == Edge::Both ? GPIOD_LINE_EDGE_BOTH : GPIOD_LINE_EDGE_FALLING);
        gpiod_line_settings_set_bias(settings.get(), to_bias(input.bias));
        gpiod_line_settings_set_active_low(settings.get(), input.line.active_low);
        gpiod_line_settings_set_event_clock(settings.get(), GPIOD_LINE_CLOCK_MONOTONIC);
        // A Wiegand line (falling edges only) gets room for a whole frame: the kernel's default
        // 16 drops bits of a 26-bit frame whenever the loop is busy (an SD-card fsync) for the
        // frame's ~50 ms. The v1 API cannot ask for this.
        constexpr std::size_t kWiegandFrameRoom = 64;
        TRY_ASSIGN(auto request, request_one(input.line, settings.get(), consumer,
                                             edge == Edge::Falling ? kWiegandFrameRoom : 0));
        unsigned offset = 0;
        gpiod_line_request_get_requested_offsets(request.get(), &offset, 1);
        return std::unique_ptr<InputPort>(std::make_unique<V2Input>(
            std::move(request), std::move(buffer), offset, describe_line(input.line)));
    }

    std::string describe_chips() override {
        std::string out;
        for (const auto& path : chip_paths()) {
            ChipHandle chip(gpiod_chip_open(path.c_str()));
            if (!chip) {
                out += path + ": cannot be opened: " + errno_text(errno) + "\n";
                continue;
            }
            ChipInfo info(gpiod_chip_get_info(chip.get()));
            if (!info) continue;
            std::vector<LineRow> rows;
            auto count = gpiod_chip_info_get_num_lines(info.get());
            for (unsigned offset = 0; offset < count; ++offset) {
                LineInfo line(gpiod_chip_get_line_info(chip.get(), offset));
                if (!line) continue;
                const char* name = gpiod_line_info_get_name(line.get());
                const char* consumer = gpiod_line_info_get_consumer(line.get());
                rows.push_back(
                    {offset, name ? name : "", consumer ? consumer : "",
                     gpiod_line_info_is_used(line.get()),
                     gpiod_line_info_get_direction(line.get()) == GPIOD_LINE_DIRECTION_OUTPUT});
            }
            out += format_chip(gpiod_chip_info_get_name(info.get()),
                               gpiod_chip_info_get_label(info.get()), rows);
        }
        return out.empty() ? "no GPIO chips found\n" : out;
    }
};

}  // namespace

Result<std::unique_ptr<GpioBackend>> open_gpiod_backend() {
    return std::unique_ptr<GpioBackend>(std::make_unique<V2Backend>());
}

}  // namespace fabgate::gpio

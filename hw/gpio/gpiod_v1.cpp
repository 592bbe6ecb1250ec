// libgpiod v1 API (1.6 on Debian 12 / Raspberry Pi OS bookworm). One request per line: each
// port owns its chip handle, so losing one chip never takes another's lines with it.
#include <gpiod.h>

#include <cerrno>
#include <ctime>

#include "gpio/chip_listing.hpp"
#include "gpio/gpio_lines.hpp"

namespace fabgate::gpio {
namespace {

struct ChipCloser {
    void operator()(gpiod_chip* chip) const {
        if (chip) gpiod_chip_close(chip);
    }
};
using ChipHandle = std::unique_ptr<gpiod_chip, ChipCloser>;

struct FoundLine {
    ChipHandle chip;
    gpiod_line* line = nullptr;
};

Result<FoundLine> find_line(const GpioLine& config) {
    const std::string where = describe_line(config);
    errno = 0;
    // open_lookup accepts a name, a path, a label or a number, as the config does.
    ChipHandle chip(gpiod_chip_open_lookup(config.chip.c_str()));
    if (!chip)
        return fail(where, "chip \"" + config.chip +
                               "\" cannot be opened: " + errno_text(errno == 0 ? ENOENT : errno));
    errno = 0;
    gpiod_line* line = config.offset ? gpiod_chip_get_line(chip.get(), *config.offset)
                                     : gpiod_chip_find_line(chip.get(), config.name.c_str());
    if (!line) {
        std::string count = std::to_string(gpiod_chip_num_lines(chip.get()));
        return fail(where, config.offset
                               ? "the chip has no such line (it has " + count + ")"
                               : "no line of this name on the chip (see fabgate --probe)");
    }
    return FoundLine{std::move(chip), line};
}

int bias_flag(Bias bias) {
    switch (bias) {
        case Bias::PullUp:
            return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
        case Bias::PullDown:
            return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
        case Bias::Disabled:
            return GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE;
        case Bias::AsIs:
            return 0;
    }
    return 0;
}

class Port {
  public:
    Port(FoundLine found, std::string where) : found_(std::move(found)), where_(std::move(where)) {}
    ~Port() { gpiod_line_release(found_.line); }  // before the chip closes
    Port(const Port&) = delete;
    Port& operator=(const Port&) = delete;

  protected:
    tl::unexpected<Error> error(const std::string& what) const {
        return fail(where_, what + ": " + errno_text(errno));
    }
    FoundLine found_;
    std::string where_;
};

class V1Output final : public OutputPort, Port {
  public:
    using Port::Port;
    Status set(bool active) override {
        if (gpiod_line_set_value(found_.line, active ? 1 : 0) < 0) return error("cannot be set");
        return {};
    }
};

class V1Input final : public InputPort, Port {
  public:
    using Port::Port;
    int fd() const override { return gpiod_line_event_get_fd(found_.line); }
    Result<bool> get() override {
        int value = gpiod_line_get_value(found_.line);
        if (value < 0) return error("cannot be read");
        return value != 0;
    }
    Result<std::vector<LineEvent>> read_events() override {
        std::vector<LineEvent> out;
        while (true) {
            timespec no_wait{0, 0};
            int ready = gpiod_line_event_wait(found_.line, &no_wait);
            if (ready < 0) return error("events cannot be read");
            if (ready == 0) return out;
            gpiod_line_event events[16];
            int n = gpiod_line_event_read_multiple(found_.line, events, 16);
            if (n < 0) return error("events cannot be read");
            for (int i = 0; i < n; ++i)
                out.push_back(
                    {events[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE,
                     std::int64_t{events[i].ts.tv_sec} * 1'000'000'000 + events[i].ts.tv_nsec});
            if (n < 16) return out;
        }
    }
};

class V1Backend final : public GpioBackend {
  public:
    Result<std::unique_ptr<OutputPort>> request_output(const GpioLine& line, bool initial,
                                                       std::string_view consumer) override {
        TRY_ASSIGN(auto found, find_line(line));
        std::string label = consumer_label(consumer);
        gpiod_line_request_config config{label.c_str(), GPIOD_LINE_REQUEST_DIRECTION_OUTPUT,
                                         line.active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0};
        if (gpiod_line_request(found.line, &config, initial ? 1 : 0) < 0)
            return fail(describe_line(line), request_failure());
        return std::unique_ptr<OutputPort>(
            std::make_unique<V1Output>(std::move(found), describe_line(line)));
    }

    Result<std::unique_ptr<InputPort>> request_input(const InputLine& input, Edge edge,
                                                     std::string_view consumer) override {
        TRY_ASSIGN(auto found, find_line(input.line));
        std::string label = consumer_label(consumer);
        int flags = bias_flag(input.bias) |
                    (input.line.active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0);
        gpiod_line_request_config config{label.c_str(),
                                         edge == Edge::Both ? GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES
                                                            : GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE,
                                         flags};
        if (gpiod_line_request(found.line, &config, 0) < 0)
            return fail(describe_line(input.line), request_failure());
        return std::unique_ptr<InputPort>(
            std::make_unique<V1Input>(std::move(found), describe_line(input.line)));
    }

    std::string describe_chips() override {
        errno = 0;
        gpiod_chip_iter* iter = gpiod_chip_iter_new();
        if (!iter) return "GPIO chips cannot be listed: " + errno_text(errno) + "\n";
        std::string out;
        gpiod_chip* chip = nullptr;
        gpiod_foreach_chip(iter, chip) {
            std::vector<LineRow> rows;
            for (unsigned offset = 0; offset < gpiod_chip_num_lines(chip); ++offset) {
                gpiod_line* line = gpiod_chip_get_line(chip, offset);
                if (!line) continue;
                const char* name = gpiod_line_name(line);
                const char* consumer = gpiod_line_consumer(line);
                rows.push_back({offset, name ? name : "", consumer ? consumer : "",
                                gpiod_line_is_used(line),
                                gpiod_line_direction(line) == GPIOD_LINE_DIRECTION_OUTPUT});
            }
            out += format_chip(gpiod_chip_name(chip), gpiod_chip_label(chip), rows);
        }
        gpiod_chip_iter_free(iter);
        return out.empty() ? "no GPIO chips found\n" : out;
    }

  private:
    static std::string request_failure() {
        int e = errno;
        if (e == EBUSY)
            return "is in use by another program or a kernel driver (see fabgate --probe)";
        return "cannot be requested: " + errno_text(e);
    }
};

}  // namespace

Result<std::unique_ptr<GpioBackend>> open_gpiod_backend() {
    return std::unique_ptr<GpioBackend>(std::make_unique<V1Backend>());
}

}  // namespace fabgate::gpio

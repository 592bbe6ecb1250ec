#pragma once
// An in-memory GPIO backend: chips that can be unplugged and plugged back, outputs whose every
// write is recorded, inputs a test drives with timestamped edges. Each input has an eventfd so
// the real EventLoop wakes on its events, as it would on a kernel line request.
#include <sys/eventfd.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gpio/gpio_lines.hpp"

namespace fabgate::gpio::testing {

struct FakeLine {
    bool requested = false;
    bool output = false;
    bool level = false;        // logical
    bool active_low = false;   // as requested: the pin's physical level is level != active_low
    std::vector<bool> writes;  // every level an output was driven to, the request's first
    std::string consumer;
    int generation = 0;  // of the chip, when requested
};

class FakeWorld {
  public:
    std::set<std::string> chips{"gpiochip0"};
    std::map<std::string, FakeLine> lines;  // "gpiochip0:17"
    std::map<std::string, int> generation;  // bumped when a chip is unplugged
    std::set<std::string> busy_lines;       // held by "another program"
    struct Waiting {
        int fd;
        std::vector<LineEvent>* queue;
    };
    std::map<std::string, Waiting> inputs;  // requested input lines
    // Every write to a held output, across lines, in order: "gpiochip0:17=off".
    std::vector<std::string> write_order;

    static std::string key(const GpioLine& line) {
        return line.chip + ":" + (line.offset ? std::to_string(*line.offset) : line.name);
    }
    FakeLine& line(const std::string& k) { return lines[k]; }
    bool alive(const std::string& chip, int gen) const {
        auto g = generation.find(chip);
        return chips.count(chip) && (g == generation.end() ? 0 : g->second) == gen;
    }

    // An external signal on an input: its logical level becomes `level` at time `t_ms`.
    void drive(const std::string& k, bool level, std::int64_t t_ms, bool event = true) {
        auto& l = lines[k];
        if (l.level == level) return;
        l.level = level;
        auto it = inputs.find(k);
        if (it == inputs.end() || !event) return;
        it->second.queue->push_back({level, t_ms * 1'000'000});
        std::uint64_t one = 1;
        (void)!write(it->second.fd, &one, sizeof one);
    }
    // A falling-edge-only line (Wiegand) sees a pulse as one event.
    void pulse(const std::string& k, std::int64_t t_ms) {
        auto it = inputs.find(k);
        if (it == inputs.end()) return;
        it->second.queue->push_back({false, t_ms * 1'000'000});
        std::uint64_t one = 1;
        (void)!write(it->second.fd, &one, sizeof one);
    }
    void unplug(const std::string& chip) {
        chips.erase(chip);
        ++generation[chip];
        for (auto& [k, l] : lines)
            if (k.rfind(chip + ":", 0) == 0) l.requested = false;
        for (auto& [k, w] : inputs) {
            if (k.rfind(chip + ":", 0) != 0) continue;
            std::uint64_t one = 1;
            (void)!write(w.fd, &one, sizeof one);  // a removed chip wakes its readers
        }
    }
    void plug(const std::string& chip) { chips.insert(chip); }
};

class FakeOutput final : public OutputPort {
  public:
    FakeOutput(std::shared_ptr<FakeWorld> world, std::string key, std::string chip, int gen)
        : world_(std::move(world)), key_(std::move(key)), chip_(std::move(chip)), gen_(gen) {}
    ~FakeOutput() override {
        if (world_->alive(chip_, gen_)) world_->line(key_).requested = false;
    }
    Status set(bool active) override {
        if (!world_->alive(chip_, gen_)) return fail(key_, "cannot be set: No such device");
        auto& l = world_->line(key_);
        l.level = active;
        l.writes.push_back(active);
        world_->write_order.push_back(key_ + (active ? "=on" : "=off"));
        return {};
    }

  private:
    std::shared_ptr<FakeWorld> world_;
    std::string key_, chip_;
    int gen_;
};

class FakeInput final : public InputPort {
  public:
    FakeInput(std::shared_ptr<FakeWorld> world, std::string key, std::string chip, int gen)
        : world_(std::move(world)), key_(std::move(key)), chip_(std::move(chip)), gen_(gen) {
        fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        world_->inputs[key_] = {fd_, &queue_};
    }
    ~FakeInput() override {
        auto it = world_->inputs.find(key_);
        if (it != world_->inputs.end() && it->second.fd == fd_) world_->inputs.erase(it);
        if (world_->alive(chip_, gen_)) world_->line(key_).requested = false;
        close(fd_);
    }
    int fd() const override { return fd_; }
    Result<bool> get() override {
        if (!world_->alive(chip_, gen_)) return fail(key_, "cannot be read: No such device");
        return world_->line(key_).level;
    }
    Result<std::vector<LineEvent>> read_events() override {
        std::uint64_t count = 0;
        (void)!read(fd_, &count, sizeof count);
        if (!world_->alive(chip_, gen_)) return fail(key_, "events cannot be read: No such device");
        auto out = std::move(queue_);
        queue_.clear();
        return out;
    }

  private:
    std::shared_ptr<FakeWorld> world_;
    std::string key_, chip_;
    int gen_;
    int fd_ = -1;
    std::vector<LineEvent> queue_;
};

class FakeBackend final : public GpioBackend {
  public:
    explicit FakeBackend(std::shared_ptr<FakeWorld> world) : world_(std::move(world)) {}

    Result<std::unique_ptr<OutputPort>> request_output(const GpioLine& line, bool initial,
                                                       std::string_view consumer) override {
        auto k = FakeWorld::key(line);
        if (auto s = check(line, k); !s) return tl::unexpected(s.error());
        auto& l = world_->line(k);
        l.requested = true;
        l.output = true;
        l.active_low = line.active_low;
        l.level = initial;
        l.writes.push_back(initial);
        l.consumer = std::string(consumer);
        return std::unique_ptr<OutputPort>(
            std::make_unique<FakeOutput>(world_, k, line.chip, gen(line.chip)));
    }
    Result<std::unique_ptr<InputPort>> request_input(const InputLine& input, Edge,
                                                     std::string_view consumer) override {
        auto k = FakeWorld::key(input.line);
        if (auto s = check(input.line, k); !s) return tl::unexpected(s.error());
        auto& l = world_->line(k);
        l.requested = true;
        l.consumer = std::string(consumer);
        return std::unique_ptr<InputPort>(
            std::make_unique<FakeInput>(world_, k, input.line.chip, gen(input.line.chip)));
    }
    std::string describe_chips() override { return "fakechip [fake] 0 lines\n"; }

  private:
    int gen(const std::string& chip) { return world_->generation[chip]; }
    Status check(const GpioLine& line, const std::string& k) {
        if (!world_->chips.count(line.chip))
            return fail(k,
                        "chip \"" + line.chip + "\" cannot be opened: No such file or directory");
        if (world_->busy_lines.count(k) || world_->line(k).requested)
            return fail(k, "is in use by another program");
        return {};
    }
    std::shared_ptr<FakeWorld> world_;
};

}  // namespace fabgate::gpio::testing

#pragma once
// MFRC522 on a spidev device, polled from a loop timer every ReaderConfig.poll_ms. A poll's
// exchanges with the card never hold the loop: each is started, then checked (one register
// read) every kExchangeCheck until the chip has finished it, and given up after
// kExchangeChecks checks, ten times the chip's own 5 ms timeout.
#include <functional>
#include <memory>

#include "core/clock.hpp"
#include "core/hardware_config.hpp"
#include "readers/device_reader.hpp"
#include "readers/mfrc522_bus.hpp"
#include "readers/mfrc522_reader.hpp"

namespace fabgate::readers {

// SPI mode 0, MSB first. Address byte (datasheet 8.1.2.3): bit 7 = 1 read / 0 write,
// bits 6..1 the register, bit 0 = 0.
class SpidevBus final : public Mfrc522Bus {
  public:
    static Result<std::unique_ptr<SpidevBus>> open(const std::string& path, int speed_hz);
    ~SpidevBus() override;
    SpidevBus(const SpidevBus&) = delete;
    SpidevBus& operator=(const SpidevBus&) = delete;

    Result<std::uint8_t> read(std::uint8_t reg) override;
    Status write(std::uint8_t reg, std::uint8_t value) override;
    Result<std::vector<std::uint8_t>> read_fifo(std::size_t count) override;
    Status write_fifo(std::span<const std::uint8_t> bytes) override;

  private:
    SpidevBus(int fd, std::uint32_t speed_hz) : fd_(fd), speed_hz_(speed_hz) {}
    Status transfer(std::span<const std::uint8_t> tx, std::span<std::uint8_t> rx);

    int fd_;
    std::uint32_t speed_hz_;
};

// Bus factory, so tests can poll a simulated card through the same adapter.
using Mfrc522BusOpener = std::function<Result<std::unique_ptr<Mfrc522Bus>>(const ReaderConfig&)>;
Result<std::unique_ptr<Mfrc522Bus>> open_spidev_bus(const ReaderConfig& config);

class SpiMfrc522Reader final : public DeviceReader {
  public:
    static constexpr std::chrono::milliseconds kExchangeCheck{1};
    static constexpr int kExchangeChecks = 50;

    SpiMfrc522Reader(const ReaderConfig& config, EventLoop& loop, HardwareEvents& events,
                     std::chrono::milliseconds retry_interval,
                     Mfrc522BusOpener open_bus = open_spidev_bus);
    ~SpiMfrc522Reader() override;

    std::string describe() const override;
    DropCounts drop_counts() const override;

  private:
    Status connect() override;
    void disconnect() override;
    void start_poll();
    void continue_poll();
    void poll_failed(const Error& error);

    ReaderConfig config_;
    Mfrc522BusOpener open_bus_;
    std::unique_ptr<Mfrc522Bus> bus_;
    std::unique_ptr<Mfrc522Reader> chip_;
    Mfrc522Reader::Drops past_drops_;  // from chips (connections) before the current one
    EventLoop::TimerId poll_timer_ = 0;
    EventLoop::TimerId exchange_timer_ = 0;
    bool reinit_since_last_poll_ = false;  // a failed poll already had its one quick re-init
};

}  // namespace fabgate::readers

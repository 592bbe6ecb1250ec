#include "readers/spi_mfrc522_reader.hpp"

#include <fcntl.h>
#include <linux/spi/spidev.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sys/hex.hpp"
#include "sys/log.hpp"
#include "sys/uid_tag.hpp"

namespace fabgate::readers {
namespace {

std::uint8_t read_address(std::uint8_t reg) {
    return static_cast<std::uint8_t>(0x80 | ((reg << 1) & 0x7E));
}
std::uint8_t write_address(std::uint8_t reg) {
    return static_cast<std::uint8_t>((reg << 1) & 0x7E);
}

}  // namespace

Result<std::unique_ptr<SpidevBus>> SpidevBus::open(const std::string& path, int speed_hz) {
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return fail(path, std::string("cannot open: ") + std::strerror(errno));
    std::uint8_t mode = SPI_MODE_0;
    std::uint8_t bits = 8;
    auto speed = static_cast<std::uint32_t>(speed_hz);
    if (ioctl(fd, SPI_IOC_WR_MODE, &mode) != 0 || ioctl(fd, SPI_IOC_WR_BITS_PER_WORD, &bits) != 0 ||
        ioctl(fd, SPI_IOC_WR_MAX_SPEED_HZ, &speed) != 0) {
        int e = errno;
        ::close(fd);
        return fail(path, std::string("cannot configure SPI: ") + std::strerror(e));
    }
    return std::unique_ptr<SpidevBus>(new SpidevBus(fd, speed));
}

SpidevBus::~SpidevBus() {
    ::close(fd_);
}

Status SpidevBus::transfer(std::span<const std::uint8_t> tx, std::span<std::uint8_t> rx) {
    spi_ioc_transfer t{};
    t.tx_buf = reinterpret_cast<std::uintptr_t>(tx.data());
    t.rx_buf = reinterpret_cast<std::uintptr_t>(rx.data());
    t.len = static_cast<std::uint32_t>(tx.size());
    t.speed_hz = speed_hz_;
    t.bits_per_word = 8;
    if (ioctl(fd_, SPI_IOC_MESSAGE(1), &t) < 0) return fail("spi", std::strerror(errno));
    return {};
}

Result<std::uint8_t> SpidevBus::read(std::uint8_t reg) {
    std::uint8_t tx[2] = {read_address(reg), 0};
    std::uint8_t rx[2] = {};
    TRY(transfer(tx, rx));
    return rx[1];
}

Status SpidevBus::write(std::uint8_t reg, std::uint8_t value) {
    std::uint8_t tx[2] = {write_address(reg), value};
    std::uint8_t rx[2] = {};
    return transfer(tx, rx);
}

Result<std::vector<std::uint8_t>> SpidevBus::read_fifo(std::size_t count) {
    if (count == 0) return std::vector<std::uint8_t>{};
    // Repeating the address reads the FIFO continuously; the last byte sent is 0.
    std::vector<std::uint8_t> tx(count, read_address(mfrc522::kFifoDataReg));
    tx.push_back(0);
    std::vector<std::uint8_t> rx(count + 1);
    TRY(transfer(tx, rx));
    return std::vector<std::uint8_t>(rx.begin() + 1, rx.end());
}

Status SpidevBus::write_fifo(std::span<const std::uint8_t> bytes) {
    if (bytes.empty()) return {};
    std::vector<std::uint8_t> tx;
    tx.reserve(bytes.size() + 1);
    tx.push_back(write_address(mfrc522::kFifoDataReg));
    tx.insert(tx.end(), bytes.begin(), bytes.end());
    std::vector<std::uint8_t> rx(tx.size());
    return transfer(tx, rx);
}

Result<std::unique_ptr<Mfrc522Bus>> open_spidev_bus(const ReaderConfig& config) {
    TRY_ASSIGN(auto bus, SpidevBus::open(config.device, config.spi_speed_hz));
    return std::unique_ptr<Mfrc522Bus>(std::move(bus));
}

SpiMfrc522Reader::SpiMfrc522Reader(const ReaderConfig& config, EventLoop& loop,
                                   HardwareEvents& events, std::chrono::milliseconds retry_interval,
                                   Mfrc522BusOpener open_bus)
    : DeviceReader(loop, events, config.device, retry_interval),
      config_(config),
      open_bus_(std::move(open_bus)) {}

SpiMfrc522Reader::~SpiMfrc522Reader() {
    disconnect();
}

Status SpiMfrc522Reader::connect() {
    TRY_ASSIGN(auto bus, open_bus_(config_));
    bus_ = std::move(bus);
    Mfrc522Reader::Options options;
    options.max_irq_polls = kExchangeChecks;
    chip_ = std::make_unique<Mfrc522Reader>(*bus_, options);
    if (auto s = chip_->init(); !s) return fail(device_, s.error().message());
    const std::uint8_t version = chip_->version();
    log::info("reader", "MFRC522 version 0x" + to_hex(std::span(&version, 1)));
    auto interval = std::chrono::milliseconds(config_.poll_ms);
    poll_timer_ = loop_.add_timer(
        interval, [this] { start_poll(); }, interval);
    exchange_timer_ = loop_.add_timer(kExchangeCheck, [this] { continue_poll(); });
    if (poll_timer_ == 0 || exchange_timer_ == 0)
        return fail(device_, "cannot create the poll timers");
    loop_.disarm(exchange_timer_);
    reinit_since_last_poll_ = false;
    return {};
}

void SpiMfrc522Reader::disconnect() {
    if (poll_timer_ != 0) loop_.cancel_timer(poll_timer_);
    if (exchange_timer_ != 0) loop_.cancel_timer(exchange_timer_);
    poll_timer_ = 0;
    exchange_timer_ = 0;
    if (chip_) past_drops_ += chip_->drops();
    chip_.reset();
    bus_.reset();
}

void SpiMfrc522Reader::start_poll() {
    if (!chip_ || chip_->polling()) return;  // the last poll is still talking to a card
    if (auto s = chip_->start_poll(); !s) return poll_failed(s.error());
    loop_.arm(exchange_timer_, kExchangeCheck);
}

void SpiMfrc522Reader::continue_poll() {
    if (!chip_ || !chip_->polling()) return;
    auto before = chip_->drops().total();
    auto events = chip_->continue_poll();
    if (!events) return poll_failed(events.error());
    if (!*events) {
        loop_.arm(exchange_timer_, kExchangeCheck);
        return;
    }
    reinit_since_last_poll_ = false;
    if (chip_->drops().total() != before)
        log::debug("reader", "dropped a garbled card read on " + device_);
    if ((*events)->removed) events_.badge_removed();
    if ((*events)->presented) {
        // As PresenceReporter: the gate logs each badge at info, by its tag, never the UID.
        log::debug("reader", "badge " + uid_tag((*events)->presented->hex()));
        events_.badge_presented(*(*events)->presented);
    }
}

void SpiMfrc522Reader::poll_failed(const Error& error) {
    // A lost reader or a removed card ends a card_present session: one disturbed transfer (a
    // spike on the SPI wires as the relay switches) gets the chip set up again at once instead.
    // A second failure before a poll completes is a chip that is really gone.
    if (!reinit_since_last_poll_) {
        reinit_since_last_poll_ = true;
        if (chip_->reinit_keeping_card()) {
            log::warning("reader", device_ + ": " + error.message() + "; chip set up again");
            return;
        }
    }
    bool had_card = chip_->present().has_value();
    lost(error.message());
    // The card that was in the field can no longer be vouched for.
    if (had_card) events_.badge_removed();
}

std::string SpiMfrc522Reader::describe() const {
    return "mfrc522 on " + device_ + " at " + std::to_string(config_.spi_speed_hz) +
           " Hz, poll every " + std::to_string(config_.poll_ms) + " ms (" + state_text() + ")";
}

DropCounts SpiMfrc522Reader::drop_counts() const {
    DropCounts counts;
    past_drops_.add_to(counts);
    if (chip_) chip_->drops().add_to(counts);
    return counts;
}

}  // namespace fabgate::readers

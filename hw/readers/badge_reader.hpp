#pragma once
// A badge reader running on the event loop. It reports to HardwareEvents:
// badge_presented / badge_removed, and device_fault("reader", ...) while its device is lost.
#include <string>

#include "readers/drop_counts.hpp"

namespace fabgate::readers {

class BadgeReader {
  public:
    virtual ~BadgeReader() = default;
    // For logs and status: "rdm6300 on /dev/ttyAMA0 at 9600 baud (connected)".
    virtual std::string describe() const = 0;
    // Input dropped since start, by reason.
    virtual DropCounts drop_counts() const = 0;
    virtual bool connected() const = 0;
};

}  // namespace fabgate::readers

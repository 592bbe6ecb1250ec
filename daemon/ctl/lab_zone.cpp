#include "ctl/lab_zone.hpp"

#include <chrono>
#include <exception>

#include <date/tz.h>

namespace fabgate::ctl {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

class TzdbZone final : public ZoneRules {
  public:
    TzdbZone(std::string name, const date::time_zone* zone) : name_(std::move(name)), zone_(zone) {}

    const std::string& name() const override { return name_; }

    std::int64_t offset_s(UnixMs utc) const override {
        date::sys_seconds at{seconds(floor_div(utc, 1000))};
        return zone_->get_info(at).offset.count();
    }

    LocalInstants resolve(std::int64_t local_ms) const override {
        std::int64_t whole = floor_div(local_ms, 1000);
        std::int64_t millis = local_ms - whole * 1000;
        auto info = zone_->get_info(date::local_seconds{seconds(whole)});
        auto at = [&](const date::sys_info& i) {
            return (whole - i.offset.count()) * 1000 + millis;
        };
        LocalInstants r;
        switch (info.result) {
            case date::local_info::unique:
                r.kind = LocalInstants::Unique;
                r.earliest = r.latest = at(info.first);
                break;
            case date::local_info::ambiguous:
                r.kind = LocalInstants::Ambiguous;
                r.earliest = at(info.first);
                r.latest = at(info.second);
                break;
            default:  // nonexistent: the clocks jumped over it; the jump's instant
                r.kind = LocalInstants::Nonexistent;
                r.earliest = r.latest =
                    duration_cast<milliseconds>(info.second.begin.time_since_epoch()).count();
                break;
        }
        return r;
    }

  private:
    std::string name_;
    const date::time_zone* zone_;
};

}  // namespace

Result<std::unique_ptr<ZoneRules>> load_zone(const std::string& iana_name) {
    try {
        const date::time_zone* zone = date::locate_zone(iana_name);
        return std::unique_ptr<ZoneRules>(std::make_unique<TzdbZone>(iana_name, zone));
    } catch (const std::exception& e) {
        // locate_zone throws for an unknown name and when the tz database cannot be read.
        return fail("time_zone", "'" + iana_name + "' is not a time zone in the tz database (" +
                                     e.what() + "); use an IANA name like Europe/Paris");
    }
}

}  // namespace fabgate::ctl

#include "core/ports.hpp"

namespace fabgate {

std::string_view to_string(Indication s) {
    switch (s) {
        case Indication::Ready:
            return "ready";
        case Indication::Granted:
            return "granted";
        case Indication::InUse:
            return "in_use";
        case Indication::Denied:
            return "denied";
        case Indication::IdleWarning:
            return "idle_warning";
        case Indication::Finishing:
            return "finishing";
        case Indication::Maintenance:
            return "maintenance";
        case Indication::Fault:
            return "fault";
    }
    return "unknown";
}

}  // namespace fabgate

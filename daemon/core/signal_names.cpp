#include "core/ports.hpp"

namespace fabgate {

std::string_view to_string(Signal s) {
    switch (s) {
        case Signal::Ready:
            return "ready";
        case Signal::Granted:
            return "granted";
        case Signal::InUse:
            return "in_use";
        case Signal::Denied:
            return "denied";
        case Signal::IdleWarning:
            return "idle_warning";
        case Signal::Finishing:
            return "finishing";
        case Signal::Maintenance:
            return "maintenance";
        case Signal::Fault:
            return "fault";
    }
    return "unknown";
}

}  // namespace fabgate

#include "core/enum_names.hpp"
#include "core/ports.hpp"

namespace fabgate {
namespace {

constexpr EnumNames<Indication, 8> kIndicationNames{{{Indication::Ready, "ready"},
                                                     {Indication::Granted, "granted"},
                                                     {Indication::InUse, "in_use"},
                                                     {Indication::Denied, "denied"},
                                                     {Indication::IdleWarning, "idle_warning"},
                                                     {Indication::Finishing, "finishing"},
                                                     {Indication::Maintenance, "maintenance"},
                                                     {Indication::Fault, "fault"}}};

// Every enumerator, for the check below: see EnumNames::covers.
constexpr bool listed(Indication value) {
    switch (value) {
        case Indication::Ready:
        case Indication::Granted:
        case Indication::InUse:
        case Indication::Denied:
        case Indication::IdleWarning:
        case Indication::Finishing:
        case Indication::Maintenance:
        case Indication::Fault:
            return true;
    }
    return false;
}
static_assert(kIndicationNames.covers(listed), "kIndicationNames names every Indication once");

}  // namespace

std::string_view to_string(Indication s) {
    return kIndicationNames.name_of(s, "unknown");
}

}  // namespace fabgate

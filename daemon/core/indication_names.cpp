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
static_assert(kIndicationNames.covers(), "kIndicationNames names every Indication once");

}  // namespace

std::string_view to_string(Indication s) {
    return kIndicationNames.name_of(s, "unknown");
}

}  // namespace fabgate

#include "core/enum_names.hpp"
#include "core/ports.hpp"

namespace fabgate {

constexpr EnumNames<Indication, 8> kIndicationNames{{{Indication::Ready, "ready"},
                                                     {Indication::Granted, "granted"},
                                                     {Indication::InUse, "in_use"},
                                                     {Indication::Denied, "denied"},
                                                     {Indication::IdleWarning, "idle_warning"},
                                                     {Indication::Finishing, "finishing"},
                                                     {Indication::Maintenance, "maintenance"},
                                                     {Indication::Fault, "fault"}}};

EnumNameTable<Indication> enum_names(Indication) {
    return kIndicationNames.table("unknown");
}

}  // namespace fabgate

#pragma once
// The ports core logic talks to. hw/ implements them on a Raspberry Pi, firmware-host/ in a
// simulation; core never knows which.
#include <string>
#include <string_view>

#include "core/enum_names.hpp"
#include "core/uid.hpp"

namespace fabgate {

// What a member sees and hears at the machine. The adapter maps an indication to LEDs and a
// buzzer pattern; core only says what the machine is telling the member. Granted and Denied
// are transient: the adapter plays them once, then returns to the last steady indication.
enum class Indication {
    Ready,    // idle, waiting for a badge
    Granted,  // short confirmation, then InUse
    InUse,
    Denied,       // refusal: a badge was not admitted
    IdleWarning,  // the session will end soon unless the machine becomes busy again
    Finishing,    // badge-out done, power kept until the job ends
    Maintenance,
    Fault,
};
EnumNameTable<Indication> enum_names(Indication);  // ready, granted, in_use, ...

class Outputs {
  public:
    virtual ~Outputs() = default;
    // The relay that powers the machine. Must be off after construction.
    virtual void set_relay(bool on) = 0;
    // Exhaust fan, chiller: on while the machine runs and for a while after.
    virtual void set_after_run(bool on) = 0;
    virtual void indicate(Indication indication) = 0;
};

enum class InputKind { Busy, Interlock, CardPresent };

// What the hardware tells the gate. Adapters call these from the event loop.
class HardwareEvents {
  public:
    virtual ~HardwareEvents() = default;
    virtual void badge_presented(const Uid& uid) = 0;
    // Card left the reader's field (readers that can tell: MFRC522, card-present switch).
    virtual void badge_removed() = 0;
    // `active` is the logical level (active_low already applied): busy, lid open, card present.
    virtual void input_changed(InputKind kind, std::string_view name, bool active) = 0;
    // A device was lost (faulted=true) or came back (faulted=false). The gate goes to fault
    // with the relay off until every device is back.
    virtual void device_fault(std::string_view device, bool faulted, std::string_view reason) = 0;
};

}  // namespace fabgate

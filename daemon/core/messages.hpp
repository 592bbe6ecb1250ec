#pragma once
// Every MQTT payload as a model, with strict JSON encoding and decoding. Each payload has a
// schema version "v"; unknown versions, malformed or oversized payloads are refused with a
// reason and never change state. docs/protocol.md is the prose form of this file.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/access.hpp"
#include "core/clock.hpp"
#include "core/enum_names.hpp"
#include "core/result.hpp"

namespace fabgate {

inline constexpr int kProtocolVersion = 1;
inline constexpr std::size_t kMaxPayloadBytes = 64 * 1024;  // sessions, events, commands, acks
// The most any gate accepts; each gate's acl_max_bytes (default 16 MiB) bounds it further.
inline constexpr std::size_t kMaxAccessListBytes = 32 * 1024 * 1024;
// Free-text fields from the network (member ids, names, who ended or locked, reasons), in bytes:
// the bound an access list puts on its strings, so whatever a gate copies from a list or a
// command into a session or its state passes. Whatever the ledger stores per message is then
// small and bounded, whatever the payload's size limit.
inline constexpr std::size_t kMaxTextFieldBytes = 256;
// `text` cut to kMaxTextFieldBytes at a character boundary: what a person typed (a lock's reason)
// fits every message it travels in, where a longer one would have the whole message refused.
std::string fit_text_field(std::string text);
// A state's detail joins a lock's holder and reason ("locked by <by>: <reason>").
inline constexpr std::size_t kMaxDetailBytes = 1024;
// Session ids: time-ordered UUIDs are 36 characters.
inline constexpr std::size_t kMaxSessionIdBytes = 64;
// Instants in a message are at most 9999-12-31; a session lasts at most 366 days.
inline constexpr std::int64_t kMaxTimestampMs = 253'402'300'799'000;
inline constexpr std::int64_t kMaxSessionDurationMs = 366LL * 24 * 3600 * 1000;

enum class EndReason {
    BadgeOut,     // the member badged again
    CardRemoved,  // "card must stay on the reader" machines
    IdleTimeout,
    MaxDuration,
    Takeover,   // a supervisor (or anyone authorised, per policy) took the machine over
    Interlock,  // lid, e-stop or door opened
    Fault,      // a device was lost
    Remote,     // a manager ended it, or locked the machine
    Shutdown,   // the daemon was stopped
    PowerLoss,  // the daemon died; closed at the last checkpoint on restart
};
EnumNameTable<EndReason> enum_names(EndReason);  // badge_out, card_removed, ...
inline constexpr auto end_reason_from_string = from_string<EndReason>;

struct SessionRecord {
    std::string id;  // globally unique, time-ordered (UUIDv7 layout)
    std::string site;
    std::string machine;
    std::string uid;     // canonical badge uid
    std::string member;  // member id from the access list
    Role role = Role::User;
    UnixMs started_at = 0;
    UnixMs ended_at = 0;
    bool clock_synced = false;              // both timestamps from an NTP-synchronised clock
    std::int64_t powered_ms = 0;            // relay on
    std::optional<std::int64_t> active_ms;  // busy input active; absent without a busy input
    EndReason end_reason = EndReason::BadgeOut;
    std::string ended_by;  // takeover: the uid that took over; remote: who sent the command
};

std::string encode(const SessionRecord& s);
Result<SessionRecord> decode_session(std::string_view payload);
namespace detail {
// decode_session's two paths, apart for the tests that hold them to the same answers. The plain
// path (core/session_decode.cpp) reads a session in the shape gates send without building a
// JSON document, and gives nullopt for anything else; the reader path handles every payload
// and words every refusal.
std::optional<SessionRecord> decode_plain_session(std::string_view payload);
Result<SessionRecord> decode_session_with_reader(std::string_view payload);
}  // namespace detail

enum class MachineState { Idle, InUse, Finishing, Maintenance, Fault, Offline };
EnumNameTable<MachineState> enum_names(MachineState);  // idle, in_use, ...
inline constexpr auto machine_state_from_string = from_string<MachineState>;

struct MachineStatus {
    MachineState state = MachineState::Idle;
    UnixMs since = 0;
    std::string member;  // in use / finishing: by whom
    std::string name;
    std::string session;
    std::string detail;  // fault: which interlock or device; maintenance: who locked it
    std::int64_t acl_version = 0;
    // Locked for maintenance, also while a maintainer's session runs (state in_use then).
    bool locked = false;
};
std::string encode(const MachineStatus& s);
Result<MachineStatus> decode_status(std::string_view payload);

enum class EventKind { Denied, UnknownBadge, Granted };
struct GateEvent {
    EventKind kind = EventKind::Denied;
    std::string uid;
    std::string member;
    std::string reason;  // DenyReason string for denials
    UnixMs at = 0;
};
std::string encode(const GateEvent& e);
Result<GateEvent> decode_event(std::string_view payload);

enum class CommandKind { Lock, Unlock, EndSession };
struct Command {
    CommandKind kind = CommandKind::Lock;
    std::string by;      // who asked, for the log and the session record
    std::string reason;  // optional, shown in the state detail
};
std::string encode(const Command& c);
Result<Command> decode_command(std::string_view payload);

// An access list as it came off the wire (see core/acl_wire.hpp for the format). Decoding
// checks no signature: gates verify the envelope's signature over the body before parsing it.
struct AccessSnapshot {
    AccessList list;
    std::string key_id;     // empty when unsigned
    std::string signature;  // hex; empty when unsigned
};
// The payload: signed_content(list) alone when `signature` is empty, else the envelope line
// with key id and signature, then signed_content(list).
std::string encode(const AccessList& list, std::string_view signature = {},
                   std::string_view key_id = {});
// Splits and parses, bounded by kMaxAccessListBytes; no signature check.
Result<AccessSnapshot> decode_access_list(std::string_view payload);
// Canonical serialisation of the list: the body, and exactly the bytes the signature covers.
std::string signed_content(const AccessList& list);

}  // namespace fabgate

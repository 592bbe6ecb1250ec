#pragma once
// How a gate names a badge in its log: "uid#" and the first 8 hex digits of the UID's SHA-256
// ("uid#3f2a9c01"), never the UID itself. A log line then tells badges apart, and a manager can
// match it to a badge (`printf 04A1B2C3 | sha256sum | cut -c1-8`), but the journal of a gate in
// a public room does not hand out UIDs to clone (docs/privacy.md). In sys/ so the readers in hw/
// use the same tag as the gate.
#include <string>
#include <string_view>

namespace fabgate {

std::string uid_tag(std::string_view uid_hex);

}  // namespace fabgate

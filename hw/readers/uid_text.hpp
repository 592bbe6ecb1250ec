#pragma once
// A UID printed as text by a reader (serial line mode, USB keyboard readers).
#include <string_view>

#include "core/hardware_config.hpp"
#include "core/result.hpp"
#include "core/uid.hpp"

namespace fabgate::readers {

struct UidTextFormat {
    UidFormat format = UidFormat::Hex;
    int decimal_bytes = 4;
    ByteOrder byte_order = ByteOrder::MsbFirst;

    static UidTextFormat from(const ReaderConfig& config) {
        return {config.uid_format, config.decimal_bytes, config.byte_order};
    }
};

// Surrounding spaces are ignored; hex may use ':', '-' or ' ' between bytes. The result is in
// canonical order (LsbFirst readers are reversed here).
Result<Uid> parse_uid_text(std::string_view text, const UidTextFormat& format);

}  // namespace fabgate::readers

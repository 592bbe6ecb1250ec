#include "readers/uid_text.hpp"

namespace fabgate::readers {

Result<Uid> parse_uid_text(std::string_view text, const UidTextFormat& format) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    auto uid = format.format == UidFormat::Decimal
                   ? Uid::from_decimal(text, static_cast<std::size_t>(format.decimal_bytes))
                   : Uid::parse(text);
    if (!uid) return uid;
    return format.byte_order == ByteOrder::LsbFirst ? uid->reversed() : *uid;
}

}  // namespace fabgate::readers

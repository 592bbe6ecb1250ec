#pragma once
// What the message tests share: a valid message of each kind as JSON a test can spoil one field
// of, and the decoders behind one signature so that one check serves every kind.
#include <functional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/messages.hpp"

namespace fabgate::test {

using Decoder = std::function<Status(std::string_view)>;

template <class T>
Decoder decoder(Result<T> (*decode)(std::string_view)) {
    return [decode](std::string_view payload) -> Status {
        auto decoded = decode(payload);
        if (!decoded) return tl::unexpected(decoded.error());
        return {};
    };
}

// Valid messages of each kind, defined in messages_test.cpp, whose cases check they decode.
nlohmann::json valid_session();
nlohmann::json valid_event();
nlohmann::json valid_state();
nlohmann::json valid_command();

}  // namespace fabgate::test

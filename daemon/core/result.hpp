#pragma once
// Runtime failures are values: every fallible operation returns Result<T>.
// Exceptions are reserved for bugs and fatal start-up errors.
#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace fabgate {

struct Error {
    std::string where;  // what was being read or done: "config.hardware.relay.line", "journal.db"
    std::string what;   // the reason, for a person: "must be a number from 0 to 511"

    std::string message() const { return where.empty() ? what : where + ": " + what; }
};

template <class T>
using Result = tl::expected<T, Error>;

using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> fail(std::string where, std::string what) {
    return tl::unexpected<Error>(Error{std::move(where), std::move(what)});
}

}  // namespace fabgate

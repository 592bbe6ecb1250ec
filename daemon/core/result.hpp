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

// Error propagation, after ccache's TRY: the error of a failed Result or Status is returned to
// the caller unchanged, so the `where` that names the failing field or file is never lost.
//   TRY(tx.begin());                              a Status, or a Result whose value is unused
//   TRY_ASSIGN(auto statement, db.prepare(sql));  declares `statement` as the value
//   TRY_ASSIGN(count, read_count());              assigns an existing variable
// TRY_ASSIGN expands to more than one statement: use it in a block, never as the body of an
// unbraced if. Both work in any function returning a tl::expected whose error type can be made
// from the failed one's (Error into ctl::Failure, say).
#define FABGATE_TRY_CONCAT2(a_, b_) a_##b_
#define FABGATE_TRY_CONCAT(a_, b_) FABGATE_TRY_CONCAT2(a_, b_)
#define FABGATE_TRY_TEMP FABGATE_TRY_CONCAT(fabgate_try_result_, __LINE__)

#define TRY(expr_)                                                                \
    do {                                                                          \
        if (auto fabgate_try_result_ = (expr_); !fabgate_try_result_)             \
            return ::tl::make_unexpected(std::move(fabgate_try_result_).error()); \
    } while (false)

#define TRY_ASSIGN(target_, expr_)                                                            \
    auto FABGATE_TRY_TEMP = (expr_);                                                          \
    if (!FABGATE_TRY_TEMP) return ::tl::make_unexpected(std::move(FABGATE_TRY_TEMP).error()); \
    target_ = std::move(*FABGATE_TRY_TEMP)

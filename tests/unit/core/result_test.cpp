#include <doctest/doctest.h>

#include <string>

#include "core/result.hpp"

namespace fabgate {
namespace {

Result<int> parse_digit(char c) {
    if (c < '0' || c > '9') return fail("digit", std::string("'") + c + "' is not a digit");
    return c - '0';
}

Status check_even(int n) {
    if (n % 2 != 0) return fail("even", std::to_string(n) + " is odd");
    return {};
}

Result<int> double_even_digit(char c) {
    TRY_ASSIGN(const int digit, parse_digit(c));
    TRY(check_even(digit));
    int doubled = 0;
    TRY_ASSIGN(doubled, parse_digit(static_cast<char>('0' + digit)));
    return doubled * 2;
}

TEST_CASE("TRY and TRY_ASSIGN hand the value on and the first error back unchanged") {
    CHECK(double_even_digit('4') == 8);

    auto not_digit = double_even_digit('x');
    REQUIRE_FALSE(not_digit);
    CHECK(not_digit.error().message() == "digit: 'x' is not a digit");

    auto odd = double_even_digit('3');
    REQUIRE_FALSE(odd);
    CHECK(odd.error().message() == "even: 3 is odd");
}

}  // namespace
}  // namespace fabgate

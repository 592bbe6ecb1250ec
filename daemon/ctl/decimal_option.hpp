#pragma once
// Numbers typed on a command line, fabctl's and the daemons': CLI11 reads 0120 as octal (80) and
// 0x10 as 16, so `purge --days 0120` purged 40 days too many and `--broker-port 0100` dialled
// port 64. A number a person types is decimal: leading zeros are dropped, any other form refused
// (CLI11 names the option in the refusal).
#include <algorithm>
#include <string>

#include <CLI/CLI.hpp>

namespace fabgate::ctl {

// No description, so the option's help line is unchanged.
inline CLI::Option* decimal_only(CLI::Option* option) {
    return option->transform(CLI::Validator(
        [](std::string& text) -> std::string {
            std::size_t sign = !text.empty() && text.front() == '-' ? 1 : 0;
            if (text.size() == sign ||
                text.find_first_not_of("0123456789", sign) != std::string::npos)
                return "'" + text + "' is not a whole number in decimal digits";
            auto first = std::min(text.find_first_not_of('0', sign), text.size() - 1);
            text.erase(sign, first - sign);
            return {};
        },
        ""));
}

}  // namespace fabgate::ctl

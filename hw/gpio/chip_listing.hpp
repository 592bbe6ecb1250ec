#pragma once
// Shared by the libgpiod backends: one chip's lines as text for `fabgate --probe`, and the
// words for a failed request.
#include <string>
#include <vector>

namespace fabgate::gpio {

struct LineRow {
    unsigned offset = 0;
    std::string name;
    std::string consumer;
    bool used = false;
    bool output = false;
};

std::string format_chip(const std::string& name, const std::string& label,
                        const std::vector<LineRow>& lines);
// The kernel consumer label is at most 31 characters.
std::string consumer_label(std::string_view role);
std::string errno_text(int error);

}  // namespace fabgate::gpio

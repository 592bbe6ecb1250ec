// Topics arrive from the broker: parse() must take exactly the documented shape.
#include <cstdint>
#include <string_view>

#include "core/topics.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view topic(reinterpret_cast<const char*>(data), size);
    auto parsed = fabgate::topics::parse(topic);
    if (!parsed) return 0;
    // Accepted topics rebuild to the same text: no part is lost or invented.
    if (fabgate::topics::machine(parsed->site, parsed->machine, parsed->leaf) != topic)
        __builtin_trap();
    for (const auto* part : {&parsed->site, &parsed->machine, &parsed->leaf})
        if (part->empty() || part->find('/') != std::string::npos) __builtin_trap();
    return 0;
}

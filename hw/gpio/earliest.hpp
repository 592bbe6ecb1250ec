#pragma once
// The GPIO gate wakes on one timer: each part says when it next needs the clock, and the
// earliest of those arms it.
#include <optional>

#include "core/clock.hpp"

namespace fabgate::gpio {

inline std::optional<MonoMs> earliest(std::optional<MonoMs> a, std::optional<MonoMs> b) {
    if (!a) return b;
    if (!b) return a;
    return *a < *b ? a : b;
}

}  // namespace fabgate::gpio

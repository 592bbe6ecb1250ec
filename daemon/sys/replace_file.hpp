#pragma once
// A small file replaced whole, for state the gate must find intact after a crash or power cut
// (the access-list high-water mark) or that another program reads at any moment (the record of
// the outputs relay-off must switch off): written beside it, synced, renamed over it, and the
// directory synced. A reader finds the old text or the new one, never a mix.
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace fabgate {

// The temporary (`path` + ".new", mode 0600) is never followed if it is a symlink; it is
// removed if any step fails. Errors name the file and the step.
Status replace_file(const std::string& path, std::string_view text);

}  // namespace fabgate

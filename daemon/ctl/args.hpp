#pragma once
// Arguments several commands share, parsed with the option's name in every error.
#include <optional>
#include <string>

#include "core/access.hpp"
#include "core/tariff.hpp"
#include "ctl/command.hpp"

namespace fabgate::ctl {

// A date or UTC time given to `option`.
tl::expected<UnixMs, Failure> time_arg(const std::string& option, const std::string& text);
// Like time_arg, but "never" (or "none") clears it.
tl::expected<std::optional<UnixMs>, Failure> until_arg(const std::string& option,
                                                       const std::string& text);
tl::expected<std::int64_t, Failure> duration_arg(const std::string& option,
                                                 const std::string& text);
tl::expected<std::int64_t, Failure> money_arg(const std::string& option, const std::string& text,
                                              const std::string& currency);

// "2026-12-31" for a date at midnight, "never" for none.
std::string until_text(const std::optional<UnixMs>& t);
Cell until_cell(const std::optional<UnixMs>& t);
Cell time_cell(UnixMs t);

// A right or tariff names either one machine (positional) or a group (--group), never both.
struct Target {
    TargetKind kind = TargetKind::Machine;
    std::string name;
};
tl::expected<Target, Failure> target_arg(CommandContext& s, const std::string& machine,
                                         const std::string& group, bool must_exist);
std::string target_text(TargetKind kind, const std::string& name);

// Machine and member ids end up in topics and access lists: the same rules as the gates.
tl::expected<void, Failure> id_arg(const std::string& what, const std::string& id);

}  // namespace fabgate::ctl

// Pricing a session at ingest: the tariff and member class in force at its start, the combined
// group it continues, or why it is held (a member or a tariff the manager has not added yet).
#include <algorithm>
#include <iterator>

#include "core/tariff.hpp"
#include "ledger/session_ingest.hpp"

namespace fabgate::ledger {
namespace {

struct CombinedGroup {
    std::string first_session;
    CombinedSoFar so_far;
};

// The combined group a new session continues (docs/ledger-schema.md, "Combined sessions"), or
// none: no window, no earlier session close enough, or the group would pass kMaxBasisMs.
// Rows already stored are read, never changed: a closed batch is never repriced.
Result<std::optional<CombinedGroup>> combined_group(db::Statement& previous, db::Statement& sums,
                                                    const Tariff& t, const SessionRecord& s) {
    if (t.combine_window_s <= 0) return std::nullopt;
    previous.bind(1, s.member).bind(2, s.site).bind(3, t.id).bind(4, s.started_at);
    previous.bind(5, t.combine_window_s * 1000);
    TRY_ASSIGN(bool found, previous.step());
    std::optional<std::string> first;
    if (found) first = previous.text(0);
    previous.reset();
    if (!first) return std::nullopt;
    sums.bind(1, *first).bind(2, to_string(t.basis));
    TRY(sums.step());
    CombinedGroup group{*first, {sums.int64(0), sums.int64(1), sums.int64(2)}};
    sums.reset();
    if (group.so_far.basis_ms + session_basis_ms(t, s.powered_ms, s.active_ms) > kMaxBasisMs)
        return std::nullopt;
    return group;
}

bool is_priced(const std::vector<Tariff>& tariffs, std::string_view machine,
               std::optional<std::string_view> group) {
    for (const auto& t : tariffs) {
        if (t.target_kind == TargetKind::Machine && t.target == machine) return true;
        if (t.target_kind == TargetKind::Group && group && t.target == *group) return true;
    }
    return false;
}

std::string missing_tariff(const SessionRecord& s, std::optional<std::string_view> group,
                           const std::string& member_class) {
    std::string target = s.site + "/" + s.machine;
    if (group) target += " (group " + std::string(*group) + ")";
    return "no tariff for class '" + member_class + "' on " + target +
           " in force when the session started (add one with `fabctl tariffs set`, --from on or "
           "before its start: that bills it)";
}

}  // namespace

// The class in force at `at`; a member written around the ledger's API (no history) has their
// current class, a removed one with no history before `at` ""; none for a member the ledger
// never had. Read once per member and batch: a fab's sessions come from few members.
Result<std::optional<std::string>> SessionIngest::member_class_at(Catalogue& catalogue,
                                                                  const std::string& member,
                                                                  UnixMs at) {
    auto known = catalogue.member_classes.find(member);
    if (known == catalogue.member_classes.end()) {
        MemberClasses classes;
        member_classes_.bind_unowned(1, member);
        while (true) {
            TRY_ASSIGN(bool row, member_classes_.step());
            if (!row) break;
            if (member_classes_.is_null(0))
                classes.current = member_classes_.text(1);
            else
                classes.history.emplace_back(member_classes_.int64(0), member_classes_.text(1));
        }
        member_classes_.reset();
        known = catalogue.member_classes.emplace(member, std::move(classes)).first;
    }
    const auto& [history, current] = known->second;
    auto after = std::upper_bound(history.begin(), history.end(), at,
                                  [](UnixMs t, const auto& entry) { return t < entry.first; });
    if (after != history.begin()) return std::prev(after)->second;
    if (current) return *current;
    if (!history.empty()) return std::string();
    return std::nullopt;
}

// With the tariff and member class in force when the session started, once and for good.
Result<SessionIngest::PricedSession> SessionIngest::price(const SessionRecord& s,
                                                          Catalogue& catalogue,
                                                          const std::optional<std::string>& group) {
    std::optional<std::string_view> group_name;
    if (group) group_name = *group;
    PricedSession priced;
    // A machine no tariff names is free: stored unpriced, whoever used it. On a priced machine,
    // what the manager has not added yet (the member, a tariff for their class or from an
    // earlier date) holds the session, priced as usual once added: stored unpriced it would
    // stay unbilled, since a stored session is never repriced.
    if (!is_priced(catalogue.tariffs, s.machine, group_name)) return priced;
    TRY_ASSIGN(auto class_at_start, member_class_at(catalogue, s.member, s.started_at));
    // A removed member keeps their class history, so only one the ledger never had is unknown.
    bool known_member = class_at_start.has_value();
    std::string member_class = known_member ? std::move(*class_at_start) : std::string();
    if (!known_member && !s.member.empty()) {
        priced.held_because =
            "unknown member " + s.member + " (add them with `fabctl members add`: that bills it)";
        return priced;
    }
    const Tariff* tariff =
        select_tariff(catalogue.tariffs, s.machine, group_name, member_class, s.started_at);
    if (!tariff) {
        priced.held_because = missing_tariff(s, group_name, member_class);
        return priced;
    }
    TRY_ASSIGN(auto combined, combined_group(combine_previous_, combine_group_, *tariff, s));
    if (combined) {
        priced.combined_with = combined->first_session;
        priced.price = price_continuation(*tariff, combined->so_far, s.powered_ms, s.active_ms);
    } else {
        priced.price = price_session(*tariff, s.powered_ms, s.active_ms);
    }
    return priced;
}

}  // namespace fabgate::ledger

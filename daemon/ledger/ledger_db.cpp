#include "ledger/ledger_db.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "core/billing.hpp"
#include "core/ids.hpp"
#include "core/uid.hpp"
#include "ledger/db_util.hpp"
#include "ledger/ledger_db_impl.hpp"
#include "ledger/schema.hpp"

namespace fabgate::ledger {

using detail::audit;
using detail::for_each_row;
using detail::in_transaction;
using detail::run;
using nlohmann::json;

namespace {

json optional_json(const std::optional<std::int64_t>& v) {
    return v ? json(*v) : json(nullptr);
}

std::string to_json(const Member& m) {
    return json{{"id", m.id},
                {"name", m.name},
                {"contact", m.contact},
                {"member_class", m.member_class},
                {"status", to_string(m.status)},
                {"member_until", optional_json(m.member_until)}}
        .dump();
}

std::string to_json(const Badge& b) {
    return json{{"uid", b.uid},
                {"member_id", b.member_id ? json(*b.member_id) : json(nullptr)},
                {"label", b.label}}
        .dump();
}

std::string to_json(const Machine& m) {
    return json{{"site", m.site},
                {"id", m.id},
                {"name", m.name},
                {"group_name", m.group_name ? json(*m.group_name) : json(nullptr)}}
        .dump();
}

std::string to_json(const Right& r) {
    return json{{"member_id", r.member_id},
                {"target_kind", to_string(r.target_kind)},
                {"target", r.target},
                {"role", to_string(r.role)},
                {"valid_until", optional_json(r.valid_until)}}
        .dump();
}

std::string to_json(const Tariff& t) {
    return json{{"id", t.id},
                {"target_kind", to_string(t.target_kind)},
                {"target", t.target},
                {"member_class", t.member_class},
                {"price_per_hour_minor", t.price_per_hour_minor},
                {"currency", t.currency},
                {"basis", to_string(t.basis)},
                {"increment_s", t.increment_s},
                {"start_fee_minor", t.start_fee_minor},
                {"minimum_minor", t.minimum_minor},
                {"free_below_s", t.free_below_s},
                {"amount_rounding_minor", t.amount_rounding_minor},
                {"rounding_mode", to_string(t.rounding_mode)},
                {"minimum_s", t.minimum_s},
                {"combine_window_s", t.combine_window_s},
                {"valid_from", t.valid_from}}
        .dump();
}

// Ingest prices a session by the class in force at its start (docs/ledger-schema.md, "Pricing").
Status record_class_change(db::Database& db, std::string_view member, std::string_view cls,
                           UnixMs from) {
    return run(db,
               "INSERT OR REPLACE INTO member_class_history(member_id, member_class, valid_from) "
               "VALUES(?1, ?2, ?3)",
               [&](db::Statement& st) { st.bind(1, member).bind(2, cls).bind(3, from); });
}

// A member's class from the beginning of time: a session the gate recorded before the member
// was added (clock drift) still finds a class. Rows of an earlier member with this id go.
Status start_class_history(db::Database& db, std::string_view member, std::string_view cls) {
    auto s = run(db, "DELETE FROM member_class_history WHERE member_id = ?1",
                 [&](db::Statement& st) { st.bind(1, member); });
    if (!s) return s;
    return record_class_change(db, member, cls, 0);
}

Status check_id(std::string_view where, std::string_view id) {
    if (id.empty() || id.size() > 64) return fail(std::string(where), "must be 1 to 64 characters");
    return {};
}

Result<std::string> canonical_uid(std::string_view uid) {
    auto parsed = Uid::parse(uid);
    if (!parsed) return fail("badge.uid", parsed.error().what);
    return parsed->hex();
}

constexpr std::string_view kMemberColumns =
    "id, name, contact, member_class, status, member_until, created_at";

Member read_member(const db::Statement& st) {
    Member m;
    m.id = st.text(0);
    m.name = st.text(1);
    m.contact = st.text(2);
    m.member_class = st.text(3);
    m.status = member_status_from_string(st.text(4)).value_or(MemberStatus::Suspended);
    m.member_until = st.optional_int64(5);
    m.created_at = st.int64(6);
    return m;
}

Badge read_badge(const db::Statement& st) {
    return Badge{st.text(0), st.optional_text(1), st.text(2), st.optional_int64(3)};
}

Right read_right(const db::Statement& st) {
    Right r;
    r.member_id = st.text(0);
    r.target_kind = target_kind_from_string(st.text(1)).value_or(TargetKind::Machine);
    r.target = st.text(2);
    r.role = role_from_string(st.text(3)).value_or(Role::None);
    r.granted_by = st.text(4);
    r.granted_at = st.int64(5);
    r.valid_until = st.optional_int64(6);
    return r;
}

}  // namespace

std::string_view to_string(MemberStatus s) {
    return s == MemberStatus::Active ? "active" : "suspended";
}

std::optional<MemberStatus> member_status_from_string(std::string_view s) {
    if (s == "active") return MemberStatus::Active;
    if (s == "suspended") return MemberStatus::Suspended;
    return std::nullopt;
}

LedgerDb::LedgerDb(db::Database database)
    : db_(std::move(database)), impl_(std::make_unique<Impl>()) {}
LedgerDb::LedgerDb(LedgerDb&&) noexcept = default;
LedgerDb& LedgerDb::operator=(LedgerDb&&) noexcept = default;
LedgerDb::~LedgerDb() = default;

namespace {

// A new ledger is created 0660, whatever the umask: members' personal data is for the ledger's
// user and the fabgate-managers group (docs/deploy.md), never for every local user. SQLite
// gives the -wal and -shm files the database file's mode.
Status create_private_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kLedgerFileMode);
    if (fd < 0) {
        if (errno == EEXIST) return {};
        return fail(path, std::string("cannot be created: ") + std::strerror(errno));
    }
    int rc = ::fchmod(fd, kLedgerFileMode);
    int saved = errno;
    ::close(fd);
    if (rc != 0) return fail(path, std::string("cannot be made private: ") + std::strerror(saved));
    return {};
}

}  // namespace

Result<LedgerDb> LedgerDb::open(const std::string& path, const OpenOptions& options) {
    if (options.create && path != ":memory:")
        if (auto s = create_private_file(path); !s) return tl::unexpected(s.error());
    db::OpenOptions o;
    o.create = options.create;
    o.durability = options.durability;
    o.busy_timeout_ms = options.busy_timeout_ms;
    o.verify_integrity = options.verify_integrity;
    o.application_id = kLedgerApplicationId;
    o.application_name = "FabGate ledger";
    o.migrations = kMigrations;
    auto database = db::Database::open(path, o);
    if (!database) return tl::unexpected(database.error());
    // Rows written before the audit chain existed are sealed once, as they are.
    if (auto sealed = detail::seal_audit_log(*database); !sealed)
        return tl::unexpected(sealed.error());
    return LedgerDb(std::move(*database));
}

// ---- members --------------------------------------------------------------------------

Result<std::optional<Member>> LedgerDb::member(std::string_view id) {
    std::optional<Member> found;
    auto s = for_each_row(
        db_, std::string("SELECT ") + std::string(kMemberColumns) + " FROM members WHERE id = ?1",
        [&](db::Statement& st) { st.bind(1, id); },
        [&](const db::Statement& st) { found = read_member(st); });
    if (!s) return tl::unexpected(s.error());
    return found;
}

Result<std::vector<Member>> LedgerDb::members() {
    std::vector<Member> out;
    auto s = for_each_row(
        db_, std::string("SELECT ") + std::string(kMemberColumns) + " FROM members ORDER BY id",
        [](db::Statement&) {}, [&](const db::Statement& st) { out.push_back(read_member(st)); });
    if (!s) return tl::unexpected(s.error());
    return out;
}

Status LedgerDb::add_member(const Member& m, std::string_view actor, UnixMs now) {
    if (auto s = check_id("member.id", m.id); !s) return s;
    if (m.member_class.empty()) return fail("member.member_class", "is empty");
    return in_transaction(db_, [&]() -> Status {
        auto existing = member(m.id);
        if (!existing) return tl::unexpected(existing.error());
        if (*existing) return fail("member " + m.id, "exists already");
        auto s =
            run(db_,
                "INSERT INTO members(id, name, contact, member_class, status, member_until, "
                "created_at) "
                "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                [&](db::Statement& st) {
                    st.bind(1, m.id).bind(2, m.name).bind(3, m.contact).bind(4, m.member_class);
                    st.bind(5, to_string(m.status)).bind(6, m.member_until).bind(7, now);
                });
        if (!s) return s;
        if (auto h = start_class_history(db_, m.id, m.member_class); !h) return h;
        return audit(db_, now, actor, "member.add", m.id, "", to_json(m));
    });
}

Status LedgerDb::update_member(const Member& m, std::string_view actor, UnixMs now) {
    if (m.member_class.empty()) return fail("member.member_class", "is empty");
    return in_transaction(db_, [&]() -> Status {
        auto before = member(m.id);
        if (!before) return tl::unexpected(before.error());
        if (!*before) return fail("member " + m.id, "does not exist");
        auto s =
            run(db_,
                "UPDATE members SET name = ?2, contact = ?3, member_class = ?4, status = ?5, "
                "member_until = ?6 "
                "WHERE id = ?1",
                [&](db::Statement& st) {
                    st.bind(1, m.id).bind(2, m.name).bind(3, m.contact).bind(4, m.member_class);
                    st.bind(5, to_string(m.status)).bind(6, m.member_until);
                });
        if (!s) return s;
        if ((*before)->member_class != m.member_class) {
            if (auto h = record_class_change(db_, m.id, m.member_class, now); !h) return h;
        }
        return audit(db_, now, actor, "member.update", m.id, to_json(**before), to_json(m));
    });
}

Status LedgerDb::set_member_status(std::string_view id, MemberStatus status, std::string_view actor,
                                   UnixMs now) {
    auto m = member(id);
    if (!m) return tl::unexpected(m.error());
    if (!*m) return fail("member " + std::string(id), "does not exist");
    Member changed = **m;
    changed.status = status;
    return update_member(changed, actor, now);
}

Status LedgerDb::remove_member(std::string_view id, std::string_view actor, UnixMs now) {
    return in_transaction(db_, [&]() -> Status {
        auto before = member(id);
        if (!before) return tl::unexpected(before.error());
        if (!*before) return fail("member " + std::string(id), "does not exist");
        auto bind_id = [&](db::Statement& st) { st.bind(1, id); };
        if (auto s = run(
                db_, "UPDATE badges SET member_id = NULL, assigned_at = NULL WHERE member_id = ?1",
                bind_id);
            !s)
            return s;
        if (auto s = run(db_, "DELETE FROM rights WHERE member_id = ?1", bind_id); !s) return s;
        if (auto s = run(db_, "DELETE FROM members WHERE id = ?1", bind_id); !s) return s;
        return audit(db_, now, actor, "member.remove", id, to_json(**before), "");
    });
}

// ---- badges ---------------------------------------------------------------------------

Result<std::vector<Badge>> LedgerDb::badges() {
    std::vector<Badge> out;
    auto s = for_each_row(
        db_, "SELECT uid, member_id, label, assigned_at FROM badges ORDER BY uid",
        [](db::Statement&) {}, [&](const db::Statement& st) { out.push_back(read_badge(st)); });
    if (!s) return tl::unexpected(s.error());
    return out;
}

Result<std::vector<Badge>> LedgerDb::badges_of(std::string_view member_id) {
    std::vector<Badge> out;
    auto s = for_each_row(
        db_,
        "SELECT uid, member_id, label, assigned_at FROM badges WHERE member_id = ?1 ORDER BY uid",
        [&](db::Statement& st) { st.bind(1, member_id); },
        [&](const db::Statement& st) { out.push_back(read_badge(st)); });
    if (!s) return tl::unexpected(s.error());
    return out;
}

namespace {

Result<std::optional<Badge>> find_badge(db::Database& db, const std::string& uid) {
    std::optional<Badge> found;
    auto s = for_each_row(
        db, "SELECT uid, member_id, label, assigned_at FROM badges WHERE uid = ?1",
        [&](db::Statement& st) { st.bind(1, uid); },
        [&](const db::Statement& st) { found = read_badge(st); });
    if (!s) return tl::unexpected(s.error());
    return found;
}

}  // namespace

Status LedgerDb::assign_badge(std::string_view uid_text, std::string_view member_id,
                              std::string_view label, std::string_view actor, UnixMs now) {
    auto uid = canonical_uid(uid_text);
    if (!uid) return tl::unexpected(uid.error());
    return in_transaction(db_, [&]() -> Status {
        auto holder = member(member_id);
        if (!holder) return tl::unexpected(holder.error());
        if (!*holder) return fail("member " + std::string(member_id), "does not exist");
        auto before = find_badge(db_, *uid);
        if (!before) return tl::unexpected(before.error());
        Badge after{*uid, std::string(member_id), std::string(label), now};
        if (*before && label.empty()) after.label = (*before)->label;
        auto s =
            run(db_,
                "INSERT INTO badges(uid, member_id, label, assigned_at) VALUES(?1, ?2, ?3, ?4) "
                "ON CONFLICT(uid) DO UPDATE SET member_id = excluded.member_id, label = "
                "excluded.label, "
                "assigned_at = excluded.assigned_at",
                [&](db::Statement& st) {
                    st.bind(1, *uid).bind(2, member_id).bind(3, after.label).bind(4, now);
                });
        if (!s) return s;
        // A badge that was reported unknown is known now.
        if (auto c = run(db_, "DELETE FROM unknown_badges WHERE uid = ?1",
                         [&](db::Statement& st) { st.bind(1, *uid); });
            !c)
            return c;
        return audit(db_, now, actor, "badge.assign", *uid, *before ? to_json(**before) : "",
                     to_json(after));
    });
}

Status LedgerDb::unassign_badge(std::string_view uid_text, std::string_view actor, UnixMs now) {
    auto uid = canonical_uid(uid_text);
    if (!uid) return tl::unexpected(uid.error());
    return in_transaction(db_, [&]() -> Status {
        auto before = find_badge(db_, *uid);
        if (!before) return tl::unexpected(before.error());
        if (!*before) return fail("badge " + *uid, "does not exist");
        Badge after = **before;
        after.member_id.reset();
        after.assigned_at.reset();
        auto s = run(db_, "UPDATE badges SET member_id = NULL, assigned_at = NULL WHERE uid = ?1",
                     [&](db::Statement& st) { st.bind(1, *uid); });
        if (!s) return s;
        return audit(db_, now, actor, "badge.unassign", *uid, to_json(**before), to_json(after));
    });
}

Status LedgerDb::remove_badge(std::string_view uid_text, std::string_view actor, UnixMs now) {
    auto uid = canonical_uid(uid_text);
    if (!uid) return tl::unexpected(uid.error());
    return in_transaction(db_, [&]() -> Status {
        auto before = find_badge(db_, *uid);
        if (!before) return tl::unexpected(before.error());
        if (!*before) return fail("badge " + *uid, "does not exist");
        auto s = run(db_, "DELETE FROM badges WHERE uid = ?1",
                     [&](db::Statement& st) { st.bind(1, *uid); });
        if (!s) return s;
        return audit(db_, now, actor, "badge.remove", *uid, to_json(**before), "");
    });
}

Result<std::vector<UnknownBadge>> LedgerDb::unknown_badges() {
    std::vector<UnknownBadge> out;
    auto s = for_each_row(
        db_,
        // Gates hold only the badges with a right on their machine (minimal lists), so they
        // report a member's badge as unknown where the member has no right: it is not.
        "SELECT uid, site, machine, first_seen_at, last_seen_at, count FROM unknown_badges u "
        "WHERE NOT EXISTS (SELECT 1 FROM badges b WHERE b.uid = u.uid AND b.member_id IS NOT "
        "NULL) ORDER BY last_seen_at DESC, uid",
        [](db::Statement&) {},
        [&](const db::Statement& st) {
            out.push_back(
                {st.text(0), st.text(1), st.text(2), st.int64(3), st.int64(4), st.int64(5)});
        });
    if (!s) return tl::unexpected(s.error());
    return out;
}

Status LedgerDb::clear_unknown_badge(std::string_view uid_text, std::string_view actor,
                                     UnixMs now) {
    auto uid = canonical_uid(uid_text);
    if (!uid) return tl::unexpected(uid.error());
    return in_transaction(db_, [&]() -> Status {
        auto s = run(db_, "DELETE FROM unknown_badges WHERE uid = ?1",
                     [&](db::Statement& st) { st.bind(1, *uid); });
        if (!s) return s;
        return audit(db_, now, actor, "unknown_badge.clear", *uid, "", "");
    });
}

// ---- machines -------------------------------------------------------------------------

namespace {

constexpr std::string_view kMachineColumns = "SELECT site, id, name, group_name FROM machines ";

Machine machine_row(const db::Statement& st) {
    return Machine{st.text(0), st.text(1), st.text(2), st.optional_text(3)};
}

std::string lock_json(const std::optional<MaintenanceLock>& lock) {
    if (!lock) return "";
    return json{{"locked_by", lock->by}, {"reason", lock->reason}, {"since", lock->since}}.dump();
}

}  // namespace

Result<std::optional<Machine>> LedgerDb::machine(std::string_view site, std::string_view id) {
    std::optional<Machine> found;
    auto s = for_each_row(
        db_, std::string(kMachineColumns) + "WHERE site = ?1 AND id = ?2",
        [&](db::Statement& st) { st.bind(1, site).bind(2, id); },
        [&](const db::Statement& st) { found = machine_row(st); });
    if (!s) return tl::unexpected(s.error());
    return found;
}

Result<std::vector<Machine>> LedgerDb::machines() {
    std::vector<Machine> out;
    auto s = for_each_row(
        db_, std::string(kMachineColumns) + "ORDER BY site, id", [](db::Statement&) {},
        [&](const db::Statement& st) { out.push_back(machine_row(st)); });
    if (!s) return tl::unexpected(s.error());
    return out;
}

Result<std::optional<MaintenanceLock>> LedgerDb::machine_lock(std::string_view site,
                                                              std::string_view id) {
    std::optional<MaintenanceLock> lock;
    auto s = for_each_row(
        db_,
        "SELECT locked_by, lock_reason, locked_since FROM machines WHERE site = ?1 AND id = ?2 "
        "AND locked_by IS NOT NULL",
        [&](db::Statement& st) { st.bind(1, site).bind(2, id); },
        [&](const db::Statement& st) {
            lock = MaintenanceLock{st.text(0), st.optional_text(1).value_or(""),
                                   st.optional_int64(2).value_or(0)};
        });
    if (!s) return tl::unexpected(s.error());
    return lock;
}

Status LedgerDb::set_machine_lock(std::string_view site, std::string_view id,
                                  const std::optional<MaintenanceLock>& lock,
                                  std::string_view actor, UnixMs now) {
    if (lock && lock->by.empty()) return fail("machine lock", "names nobody: who locks it?");
    return in_transaction(db_, [&]() -> Status {
        auto before = machine(site, id);
        if (!before) return tl::unexpected(before.error());
        std::string subject = std::string(site) + "/" + std::string(id);
        if (!*before) return fail("machine " + subject, "does not exist");
        auto was = machine_lock(site, id);
        if (!was) return tl::unexpected(was.error());
        auto s = run(db_,
                     "UPDATE machines SET locked_by = ?3, lock_reason = ?4, locked_since = ?5 "
                     "WHERE site = ?1 AND id = ?2",
                     [&](db::Statement& st) {
                         st.bind(1, site).bind(2, id);
                         if (lock)
                             st.bind(3, lock->by).bind(4, lock->reason).bind(5, lock->since);
                         else
                             st.bind_null(3).bind_null(4).bind_null(5);
                     });
        if (!s) return s;
        return audit(db_, now, actor, "machine.maintenance", subject, lock_json(*was),
                     lock_json(lock));
    });
}

Status LedgerDb::upsert_machine(const Machine& m, std::string_view actor, UnixMs now) {
    if (!is_valid_id(m.site))
        return fail("machine.site", "use 1 to 64 letters, digits, '-' and '_'");
    if (!is_valid_id(m.id)) return fail("machine.id", "use 1 to 64 letters, digits, '-' and '_'");
    if (m.group_name && m.group_name->empty())
        return fail("machine.group_name", "is empty (leave it out instead)");
    return in_transaction(db_, [&]() -> Status {
        auto before = machine(m.site, m.id);
        if (!before) return tl::unexpected(before.error());
        Machine after = m;
        if (after.name.empty()) after.name = m.id;
        auto s = run(db_,
                     "INSERT INTO machines(site, id, name, group_name) VALUES(?1, ?2, ?3, ?4) "
                     "ON CONFLICT(site, id) DO UPDATE SET name = excluded.name, group_name = "
                     "excluded.group_name",
                     [&](db::Statement& st) {
                         st.bind(1, after.site)
                             .bind(2, after.id)
                             .bind(3, after.name)
                             .bind(4, after.group_name);
                     });
        if (!s) return s;
        return audit(db_, now, actor, *before ? "machine.update" : "machine.add",
                     m.site + "/" + m.id, *before ? to_json(**before) : "", to_json(after));
    });
}

Status LedgerDb::remove_machine(std::string_view site, std::string_view id, std::string_view actor,
                                UnixMs now) {
    return in_transaction(db_, [&]() -> Status {
        auto before = machine(site, id);
        if (!before) return tl::unexpected(before.error());
        if (!*before)
            return fail("machine " + std::string(site) + "/" + std::string(id), "does not exist");
        auto s = run(db_, "DELETE FROM machines WHERE site = ?1 AND id = ?2",
                     [&](db::Statement& st) { st.bind(1, site).bind(2, id); });
        if (!s) return s;
        return audit(db_, now, actor, "machine.remove", std::string(site) + "/" + std::string(id),
                     to_json(**before), "");
    });
}

// ---- rights ---------------------------------------------------------------------------

namespace {
constexpr std::string_view kRightColumns =
    "SELECT member_id, target_kind, target, role, granted_by, granted_at, valid_until FROM rights ";
}

Result<std::vector<Right>> LedgerDb::rights() {
    std::vector<Right> out;
    auto s = for_each_row(
        db_, std::string(kRightColumns) + "ORDER BY member_id, target_kind, target",
        [](db::Statement&) {}, [&](const db::Statement& st) { out.push_back(read_right(st)); });
    if (!s) return tl::unexpected(s.error());
    return out;
}

Result<std::vector<Right>> LedgerDb::rights_of(std::string_view member_id) {
    std::vector<Right> out;
    auto s = for_each_row(
        db_, std::string(kRightColumns) + "WHERE member_id = ?1 ORDER BY target_kind, target",
        [&](db::Statement& st) { st.bind(1, member_id); },
        [&](const db::Statement& st) { out.push_back(read_right(st)); });
    if (!s) return tl::unexpected(s.error());
    return out;
}

Status LedgerDb::grant_right(const Right& r, std::string_view actor, UnixMs now) {
    if (r.role == Role::None) return fail("right.role", "must be user, supervisor or maintainer");
    if (r.target.empty()) return fail("right.target", "names no machine or group");
    return in_transaction(db_, [&]() -> Status {
        auto holder = member(r.member_id);
        if (!holder) return tl::unexpected(holder.error());
        if (!*holder) return fail("member " + r.member_id, "does not exist");
        std::optional<Right> before;
        auto found = for_each_row(
            db_,
            std::string(kRightColumns) +
                "WHERE member_id = ?1 AND target_kind = ?2 AND target = ?3",
            [&](db::Statement& st) {
                st.bind(1, r.member_id).bind(2, to_string(r.target_kind)).bind(3, r.target);
            },
            [&](const db::Statement& st) { before = read_right(st); });
        if (!found) return found;
        Right after = r;
        after.granted_at = now;
        if (after.granted_by.empty()) after.granted_by = std::string(actor);
        auto s = run(db_,
                     "INSERT OR REPLACE INTO rights(member_id, target_kind, target, role, "
                     "granted_by, granted_at, "
                     "valid_until) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                     [&](db::Statement& st) {
                         st.bind(1, after.member_id)
                             .bind(2, to_string(after.target_kind))
                             .bind(3, after.target);
                         st.bind(4, to_string(after.role)).bind(5, after.granted_by).bind(6, now);
                         st.bind(7, after.valid_until);
                     });
        if (!s) return s;
        return audit(db_, now, actor, "right.grant",
                     r.member_id + " " + std::string(to_string(r.target_kind)) + ":" + r.target,
                     before ? to_json(*before) : "", to_json(after));
    });
}

Status LedgerDb::revoke_right(std::string_view member_id, TargetKind kind, std::string_view target,
                              std::string_view actor, UnixMs now) {
    return in_transaction(db_, [&]() -> Status {
        std::optional<Right> before;
        auto found = for_each_row(
            db_,
            std::string(kRightColumns) +
                "WHERE member_id = ?1 AND target_kind = ?2 AND target = ?3",
            [&](db::Statement& st) {
                st.bind(1, member_id).bind(2, to_string(kind)).bind(3, target);
            },
            [&](const db::Statement& st) { before = read_right(st); });
        if (!found) return found;
        std::string subject =
            std::string(member_id) + " " + std::string(to_string(kind)) + ":" + std::string(target);
        if (!before) return fail("right " + subject, "does not exist");
        auto s =
            run(db_, "DELETE FROM rights WHERE member_id = ?1 AND target_kind = ?2 AND target = ?3",
                [&](db::Statement& st) {
                    st.bind(1, member_id).bind(2, to_string(kind)).bind(3, target);
                });
        if (!s) return s;
        return audit(db_, now, actor, "right.revoke", subject, to_json(*before), "");
    });
}

// ---- tariffs --------------------------------------------------------------------------

Result<std::int64_t> LedgerDb::add_tariff(const Tariff& t, std::string_view actor, UnixMs now) {
    if (auto s = validate(t); !s) return tl::unexpected(s.error());
    if (auto s = validate_rounding_step(t, currency_decimals(t.currency)); !s)
        return tl::unexpected(s.error());
    return in_transaction(db_, [&]() -> Result<std::int64_t> {
        auto s = run(
            db_,
            "INSERT INTO tariffs(target_kind, target, member_class, price_per_hour_minor, "
            "currency, basis, "
            "increment_s, start_fee_minor, minimum_minor, free_below_s, amount_rounding_minor, "
            "valid_from, "
            "created_at, created_by, rounding_mode, minimum_s, combine_window_s) VALUES(?1, ?2, "
            "?3, "
            "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            [&](db::Statement& st) {
                st.bind(1, to_string(t.target_kind)).bind(2, t.target).bind(3, t.member_class);
                st.bind(4, t.price_per_hour_minor).bind(5, t.currency).bind(6, to_string(t.basis));
                st.bind(7, t.increment_s).bind(8, t.start_fee_minor).bind(9, t.minimum_minor);
                st.bind(10, t.free_below_s)
                    .bind(11, t.amount_rounding_minor)
                    .bind(12, t.valid_from);
                st.bind(13, now)
                    .bind(14, actor)
                    .bind(15, to_string(t.rounding_mode))
                    .bind(16, t.minimum_s)
                    .bind(17, t.combine_window_s);
            });
        if (!s) return tl::unexpected(s.error());
        Tariff stored = t;
        stored.id = db_.last_insert_rowid();
        if (auto a = audit(db_, now, actor, "tariff.add", std::to_string(stored.id), "",
                           to_json(stored));
            !a)
            return tl::unexpected(a.error());
        return stored.id;
    });
}

Result<std::vector<Tariff>> LedgerDb::tariffs() {
    std::vector<Tariff> out;
    auto s = for_each_row(
        db_,
        "SELECT id, target_kind, target, member_class, price_per_hour_minor, currency, basis, "
        "increment_s, "
        "start_fee_minor, minimum_minor, free_below_s, amount_rounding_minor, valid_from, "
        "rounding_mode, minimum_s, combine_window_s FROM tariffs ORDER BY id",
        [](db::Statement&) {},
        [&](const db::Statement& st) {
            Tariff t;
            t.id = st.int64(0);
            t.target_kind = target_kind_from_string(st.text(1)).value_or(TargetKind::Machine);
            t.target = st.text(2);
            t.member_class = st.text(3);
            t.price_per_hour_minor = st.int64(4);
            t.currency = st.text(5);
            t.basis = tariff_basis_from_string(st.text(6)).value_or(TariffBasis::Powered);
            t.increment_s = st.int64(7);
            t.start_fee_minor = st.int64(8);
            t.minimum_minor = st.int64(9);
            t.free_below_s = st.int64(10);
            t.amount_rounding_minor = st.int64(11);
            t.valid_from = st.int64(12);
            t.rounding_mode = rounding_mode_from_string(st.text(13)).value_or(RoundingMode::HalfUp);
            t.minimum_s = st.int64(14);
            t.combine_window_s = st.int64(15);
            out.push_back(std::move(t));
        });
    if (!s) return tl::unexpected(s.error());
    return out;
}

// ---- audit ----------------------------------------------------------------------------

Result<std::vector<AuditRow>> LedgerDb::audit_log(int limit) {
    std::vector<AuditRow> out;
    auto s = for_each_row(
        db_,
        "SELECT id, at, actor, action, subject, before_json, after_json, os_user, redacted_by "
        "FROM audit_log ORDER BY id DESC LIMIT ?1",
        [&](db::Statement& st) { st.bind(1, limit); },
        [&](const db::Statement& st) {
            out.push_back({st.int64(0), st.int64(1), st.text(2), st.text(3), st.text(4), st.text(5),
                           st.text(6), st.text(7), st.optional_int64(8)});
        });
    if (!s) return tl::unexpected(s.error());
    return out;
}

Status LedgerDb::record_audit(std::string_view actor, std::string_view action,
                              std::string_view subject, std::string_view before_json,
                              std::string_view after_json, UnixMs now) {
    if (actor.empty()) return fail("audit.actor", "is empty: every change names who made it");
    return audit(db_, now, actor, action, subject, before_json, after_json);
}

}  // namespace fabgate::ledger

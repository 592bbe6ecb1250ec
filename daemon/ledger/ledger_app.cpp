#include "ledger/ledger_app.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <utility>

#include "core/ack_wire.hpp"
#include "core/acl_wire.hpp"
#include "core/signed_envelope.hpp"
#include "core/topics.hpp"
#include "ledger/acks.hpp"
#include "sys/log.hpp"

namespace fabgate::ledger {
namespace {

constexpr MonoMs kRetryDelayMs = 1000;
// Messages held in memory while the database refuses writes (about 0.5 KB each), and their
// payloads' bytes: a gate's login may publish payloads up to the broker's max_packet_size.
constexpr std::size_t kMaxHeldMessages = 200'000;
constexpr std::size_t kMaxHeldBytes = 64 * 1024 * 1024;

// A gate's state or event is only shown, never stored: one that does not decode is counted
// and logged, and the message dropped.
template <class T>
std::optional<T> accepted(Result<T> decoded, std::string_view what, std::string_view topic,
                          LedgerCounters& counters) {
    if (decoded) return std::move(*decoded);
    ++counters.bad_state_or_event;
    log::info("ledger", "refused " + std::string(what) + " on " + std::string(topic) + ": " +
                            decoded.error().message());
    return std::nullopt;
}

// A routine reissue happens hourly per machine: not worth an info line each.
void log_new_version(const AclVersionRow& row, bool reissued_unchanged) {
    auto log_at = reissued_unchanged ? log::debug : log::info;
    log_at("ledger", "access list of " + row.site + "/" + row.machine + " is now version " +
                         std::to_string(row.version) + " (" + std::to_string(row.entries) +
                         " badges" + (reissued_unchanged ? ", reissued unchanged)" : ")"));
}

// A conflict is a warning (a gate sent two payloads under one id); a refusal is routine.
void log_refusals(const IngestBatch& batch, const IngestSummary& summary) {
    for (std::size_t n = 0; n < summary.outcomes.size(); ++n) {
        const auto& o = summary.outcomes[n];
        if (o.result == IngestResult::Conflict)
            log::warning("ledger",
                         "session " + o.id + " on " + batch.sessions[n].topic + ": " + o.reason);
        else if (o.result == IngestResult::Rejected || o.result == IngestResult::Unackable)
            log::notice("ledger", "refused session " +
                                      (o.id.empty() ? std::string("(no id)") : o.id) + " on " +
                                      batch.sessions[n].topic + ": " + o.reason);
    }
}

// Logs a read the rebuild cannot do without; true when there is a value to go on with.
template <typename T>
bool readable(const Result<T>& value, std::string_view what) {
    if (!value) log::warning("ledger", std::string(what) + ": " + value.error().message());
    return value.has_value();
}

}  // namespace

LedgerApp::LedgerApp(EventLoop& loop, const Clock& clock, LedgerConfig config, AclSigner signer)
    : loop_(loop), clock_(clock), config_(std::move(config)), signer_(std::move(signer)) {
    if (!signer_) signer_ = [](std::string_view) { return SignedBytes{}; };
}

LedgerApp::~LedgerApp() {
    for (auto id : {flush_timer_, poll_timer_, refresh_timer_, purge_timer_})
        if (id) loop_.cancel_timer(id);
    if (link_) link_->stop();
}

Status LedgerApp::start() {
    // SQLite's memory statistics take a global mutex on every allocation, a dozen per stored
    // session, and fabledger reads none of them. Process-wide and only possible before SQLite's
    // first use, which in fabledger is the open below; elsewhere (tests) this changes nothing.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    OpenOptions options;
    options.verify_integrity = config_.verify_integrity;
    options.busy_timeout_ms = config_.busy_timeout_ms;
    TRY_ASSIGN(auto opened, LedgerDb::open(config_.database, options));
    db_.emplace(std::move(opened));
    if (auto v = db_->data_version(); v) data_version_ = *v;

    MqttOptions mqtt;
    mqtt.broker = config_.broker;
    mqtt.clean_session = false;  // the broker queues our QoS 1 sessions while we are down
    mqtt.max_inflight = config_.max_inflight;
    link_ = std::make_unique<MqttLink>(loop_, mqtt);
    for (const auto& kind : {topics::kSessions, topics::kState, topics::kEvents})
        link_->subscribe(topics::all_machines(kind.leaf), kind.qos);
    link_->on_message([this](std::string_view topic, std::string_view payload, bool) {
        on_message(topic, payload);
    });
    link_->on_connected([this] {
        published_.clear();
        refresh_access_lists(true);
    });

    // Armed on the first pending message, disarmed by flush().
    flush_timer_ = loop_.add_timer(std::chrono::hours(24), [this] { flush(); });
    loop_.disarm(flush_timer_);
    // Storage limitation (docs/privacy.md): at start, then daily, whatever cron does or not.
    purge_expired();
    purge_timer_ = loop_.add_timer(
        std::chrono::hours(24), [this] { purge_expired(); }, std::chrono::hours(24));
    if (!flush_timer_ || !purge_timer_ || !arm_acl_timers())
        return fail("ledger", "cannot create timers");
    log::notice("ledger", "database " + config_.database + " open (schema " +
                              std::to_string(db_->schema_version()) + "), client id " +
                              config_.broker.client_id);
    return link_->start();
}

void LedgerApp::purge_expired() {
    UnixMs now = clock_.wall().unix_ms;
    UnixMs cut_off = now - static_cast<UnixMs>(config_.retention_days) * 86'400'000;
    auto purged = db_->privacy().purge_expired(cut_off, "fabledger:retention", now);
    if (!purged) {
        log::warning("privacy",
                     "retention purge failed, retried tomorrow: " + purged.error().message());
        return;
    }
    if (purged->unknown_badges + purged->ingest_errors + purged->conflicts == 0) return;
    log::info("privacy", "retention purge (" + std::to_string(config_.retention_days) +
                             " days): " + std::to_string(purged->unknown_badges) +
                             " unknown-badge sighting(s), " +
                             std::to_string(purged->ingest_errors) + " refused payload(s), " +
                             std::to_string(purged->conflicts) + " conflicting duplicate(s)");
}

bool LedgerApp::arm_acl_timers() {
    for (auto* id : {&poll_timer_, &refresh_timer_})
        if (*id) loop_.cancel_timer(std::exchange(*id, 0));
    poll_timer_ = loop_.add_timer(
        std::chrono::milliseconds(config_.acl_poll_ms), [this] { poll_database(); },
        std::chrono::milliseconds(config_.acl_poll_ms));
    // The refresh is also what reissues unchanged lists: it must come at least that often.
    auto refresh = std::chrono::seconds(std::min(config_.acl_refresh_s, config_.acl_reissue_s));
    refresh_timer_ = loop_.add_timer(
        refresh, [this] { refresh_access_lists(false); }, refresh);
    return poll_timer_ && refresh_timer_;
}

void LedgerApp::on_message(std::string_view topic, std::string_view payload) {
    ++counters_.messages;
    if (pending_count_ >= kMaxHeldMessages || pending_bytes_ + payload.size() > kMaxHeldBytes) {
        // Not taken, so not acked: its gate sends it again (resend_after), by then stored.
        if (counters_.refused_while_full++ == refused_logged_)
            log::warning("ledger", std::to_string(pending_count_) + " messages (" +
                                       std::to_string(pending_bytes_ >> 20) +
                                       " MiB) wait for the database: refusing more, unacknowledged "
                                       "(gates resend them)");
        return;
    }
    auto parsed = topics::parse(topic);
    if (!parsed) {
        ++counters_.bad_state_or_event;
        log::debug("ledger", "ignored message on " + std::string(topic));
        return;
    }
    if (parsed->leaf == "sessions") {
        classify_session_message(pending_.sessions.emplace_back(), topic, std::move(parsed),
                                 payload);
    } else if (parsed->leaf == "state") {
        auto status = accepted(decode_status(payload), "state", topic, counters_);
        if (!status) return;
        pending_.states.push_back({parsed->site, parsed->machine, std::move(*status)});
    } else if (parsed->leaf == "events") {
        auto event = accepted(decode_event(payload), "event", topic, counters_);
        if (!event) return;
        if (event->kind != EventKind::UnknownBadge || event->uid.empty()) return;
        pending_.unknown_badges.push_back({parsed->site, parsed->machine, event->uid, event->at});
    } else {
        return;
    }
    ++pending_count_;
    pending_bytes_ += payload.size();
    if (pending_count_ >= static_cast<std::size_t>(config_.batch_max_messages)) {
        flush();
    } else if (!flush_armed_) {
        flush_armed_ = loop_.arm(flush_timer_, std::chrono::milliseconds(config_.batch_max_ms));
    }
}

void LedgerApp::flush() {
    if (flush_armed_) {
        loop_.disarm(flush_timer_);
        flush_armed_ = false;
    }
    if (pending_count_ == 0 || !db_) return;
    auto now_mono = clock_.monotonic();
    if (now_mono < retry_at_) {
        // The database failed a moment ago (locked by a long fabctl job, disk full): wait.
        flush_armed_ = loop_.arm(flush_timer_, std::chrono::milliseconds(retry_at_ - now_mono));
        return;
    }
    IngestBatch batch = std::move(pending_);
    pending_ = IngestBatch{};
    // Room for a batch like this one: growing the vector moved every item it held so far.
    pending_.sessions.reserve(batch.sessions.size());
    pending_count_ = 0;
    std::size_t held_bytes = std::exchange(pending_bytes_, 0);
    auto summary = db_->ingest().apply(batch, clock_.wall().unix_ms);
    if (!summary) {
        // Nothing was acked. Keep the batch for a retry while memory allows; beyond that
        // drop it: the gates keep every unacknowledged session and resend it.
        ++counters_.commit_failures;
        retry_at_ = clock_.monotonic() + kRetryDelayMs;
        std::size_t held =
            batch.sessions.size() + batch.states.size() + batch.unknown_badges.size();
        bool keep = held + pending_count_ <= kMaxHeldMessages;
        log::error("ledger", "batch of " + std::to_string(batch.sessions.size()) +
                                 " sessions not stored (" +
                                 (keep ? "retrying" : "dropped, gates will resend") +
                                 "): " + summary.error().message());
        if (keep) {
            auto append = [](auto& to, auto& from) {
                to.insert(to.end(), std::make_move_iterator(from.begin()),
                          std::make_move_iterator(from.end()));
            };
            append(batch.sessions, pending_.sessions);
            append(batch.states, pending_.states);
            append(batch.unknown_badges, pending_.unknown_badges);
            pending_ = std::move(batch);
            pending_count_ += held;
            pending_bytes_ += held_bytes;
            flush_armed_ = loop_.arm(flush_timer_, std::chrono::milliseconds(kRetryDelayMs));
        }
        return;
    }
    ++counters_.batches;
    if (counters_.refused_while_full != refused_logged_) {
        log::notice("ledger", std::to_string(counters_.refused_while_full - refused_logged_) +
                                  " messages refused while the database was not taking them; "
                                  "taking messages again");
        refused_logged_ = counters_.refused_while_full;
    }
    counters_.sessions += *summary;
    log_refusals(batch, *summary);
    send_acks(batch, *summary);
    for (const auto& st : batch.states) warn_if_unsigned_version(st);
}

// A state message is not signed: anyone with a gate's login can claim any version. Following
// it would let a forged report push every later version up (or to overflow), so the next
// version is always our own highest + 1, and a report above it is only logged.
void LedgerApp::warn_if_unsigned_version(const StateUpdate& st) {
    auto latest = db_->access_lists().latest(st.site, st.machine);
    auto signed_up_to = latest && *latest ? (*latest)->version : 0;
    if (!latest || st.status.acl_version <= signed_up_to) return;
    log::warning("ledger", st.site + "/" + st.machine + " reports access list version " +
                               std::to_string(st.status.acl_version) +
                               ", above the highest this ledger signed (" +
                               std::to_string(signed_up_to) +
                               "): not followed (a forged state, or a database restored from an "
                               "older backup)");
}

void LedgerApp::send_acks(const IngestBatch& batch, const IngestSummary& summary) {
    (void)batch;
    std::map<std::pair<std::string, std::string>, std::vector<std::string>> by_machine;
    for (const auto& o : summary.outcomes)
        if (o.ackable()) by_machine[{o.ack_site, o.ack_machine}].push_back(o.id);
    for (auto& [machine, ids] : by_machine) {
        auto topic = topics::machine(machine.first, machine.second, topics::kAcks.leaf);
        for (auto& ack :
             make_acks(machine.first, machine.second, clock_.wall().unix_ms, std::move(ids))) {
            // Signed for this one gate: the gate deletes sessions only on an ack it can verify.
            auto body = encode_ack_body(ack);
            auto signature = signer_(body);
            auto payload =
                join_signed(body, kAckEnvelopeType, signature.key_id, signature.signature);
            auto sent = link_->publish(topic, payload, topics::kAcks.qos, topics::kAcks.retain);
            if (sent) {
                counters_.acked_ids += ack.ids.size();
            } else {
                // Stored all the same: the gate resends, gets a duplicate's ack.
                ++counters_.ack_publish_failures;
                log::info("ledger", "ack for " + std::to_string(ack.ids.size()) +
                                        " sessions not sent: " + sent.error().message());
            }
        }
    }
}

void LedgerApp::poll_database() {
    auto v = db_->data_version();
    if (!v) {
        log::warning("ledger", "cannot poll database: " + v.error().message());
        return;
    }
    if (*v == data_version_ && !refresh_incomplete_) return;
    refresh_access_lists(false);
}

void LedgerApp::refresh_access_lists(bool republish) {
    if (!db_) return;
    // Read before the lists are built, never after: a manager's commit that lands while we
    // build (or while we wait for the write lock to record a version) changes it again, so
    // the next poll rebuilds instead of taking that change for one already published.
    auto as_of = db_->data_version();
    refresh_incomplete_ = !rebuild_and_publish(republish);
    if (as_of) data_version_ = *as_of;
}

bool LedgerApp::rebuild_and_publish(bool republish) {
    auto machines = db_->machines().all();
    if (!readable(machines, "cannot read machines")) return false;
    UnixMs now = clock_.wall().unix_ms;
    auto lists = db_->access_lists().build_all(*machines, now);
    if (!readable(lists, "cannot build access lists")) return false;
    // A removed machine's gate keeps its last list (retained, cached) and would go on admitting
    // by it, members revoked or suspended since included, for the list's whole validity: it is
    // sent one admitting nobody, as a gate never registered has none.
    auto removed = db_->access_lists().removed_machines();
    if (!readable(removed, "cannot read removed machines")) return false;
    for (auto& [site, id] : *removed) {
        auto& nobody = lists->emplace_back();
        nobody.site = site;
        nobody.machine = id;
        machines->push_back(Machine{std::move(site), std::move(id), {}, std::nullopt});
    }
    bool complete = true;
    for (std::size_t n = 0; n < machines->size(); ++n) {
        const auto& m = (*machines)[n];
        auto* list = &(*lists)[n];
        auto latest = db_->access_lists().latest(m.site, m.id);
        if (!readable(latest, "cannot read access list version of " + m.site + "/" + m.id)) {
            complete = false;
            continue;
        }
        auto hash = acl_content_hash(*list);
        auto key = std::make_pair(m.site, m.id);
        auto known = *latest ? (*latest)->version : 0;
        // Same content is reissued as a new version every acl_reissue_s, so a connected gate is
        // never stale by its acl_max_age_s (core/access.hpp: list_due_for_reissue).
        bool fresh =
            *latest && !list_due_for_reissue((*latest)->published_at, config_.acl_reissue_s, now);
        bool same_content = *latest && (*latest)->content_hash == hash;
        if (same_content && fresh) {
            if (!republish && published_.count(key)) continue;
            // Same content, same version and time: the same bytes as the retained copy.
            list->version = (*latest)->version;
            list->generated_at = (*latest)->published_at;
        } else {
            AclVersionRow row{m.site,
                              m.id,
                              known + 1,
                              hash,
                              std::max(now, *latest ? (*latest)->published_at : 0),
                              static_cast<std::int64_t>(list->entries.size())};
            // Recorded before it is published: a version number is never handed out twice.
            if (auto s = db_->access_lists().record(row); !s) {
                log::warning("ledger", "cannot record access list version: " + s.error().message());
                complete = false;
                continue;
            }
            list->version = row.version;
            list->generated_at = row.published_at;
            log_new_version(row, same_content);
        }
        list->valid_until = list->generated_at + kAclValidityMs;
        if (publish_list(*list))
            published_.insert(key);
        else
            published_.erase(key);  // republished on the next connect
    }
    return complete;
}

bool LedgerApp::publish_list(const AccessList& list) {
    // The gate verifies exactly these body bytes before it parses them.
    auto body = signed_content(list);
    auto signature = signer_(body);
    auto sent = link_->publish(topics::machine(list.site, list.machine, topics::kAcl.leaf),
                               join_access_list(body, signature.key_id, signature.signature),
                               topics::kAcl.qos, topics::kAcl.retain);
    if (!sent) return false;  // republished on the next connect
    ++counters_.acl_published;
    return true;
}

void LedgerApp::shutdown() {
    flush();
    loop_.stop(0);
}

void LedgerApp::drain() {
    if (!link_) return;
    // Bounded: a broker that went away must not keep the daemon from exiting.
    auto deadline = clock_.monotonic() + 2000;
    while (clock_.monotonic() < deadline && link_->connected() &&
           (pending_count_ > 0 || link_->has_unsent())) {
        loop_.run_once(10);
        flush();
    }
    link_->stop();
    const auto& sessions = counters_.sessions;
    log::notice("ledger", "stopped: " + std::to_string(sessions.stored) + " stored, " +
                              std::to_string(sessions.duplicates) + " duplicates, " +
                              std::to_string(sessions.conflicts) + " conflicts, " +
                              std::to_string(sessions.rejected + sessions.unackable) + " refused");
}

}  // namespace fabgate::ledger

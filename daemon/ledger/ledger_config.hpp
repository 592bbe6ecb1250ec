#pragma once
// fabledger's configuration: parsed strictly from JSON (unknown keys are errors naming the
// field), like the gate's. Example: config/ledger.json.
#include <string>
#include <string_view>
#include <vector>

#include "core/access.hpp"
#include "core/broker_config.hpp"
#include "core/result.hpp"

namespace fabgate::ledger {

struct LedgerConfig {
    std::string database = "/var/lib/fabgate/ledger.db";
    BrokerConfig broker;  // client_id defaults to "fabledger": the broker's persistent session is
                          // keyed by it
    int batch_max_messages = 1000;  // commit when this many messages are pending...
    int batch_max_ms = 20;          // ...or this long after the first one, whichever comes first
    int acl_poll_ms = 500;   // PRAGMA data_version poll: fabctl's changes reach gates this fast
    int acl_refresh_s = 60;  // rebuild anyway: a right or membership can lapse with no write
    // An unchanged list is reissued as a new version this often, so that a connected gate's list
    // is always fresh (its policy.acl_max_age_s counts offline time only). At most
    // kMaxAclReissueS (core/access.hpp), which gates' minimum acl_max_age_s is built on.
    int acl_reissue_s = static_cast<int>(kMaxAclReissueS);
    int max_inflight = 1000;       // our QoS 1 acks and acl snapshots awaiting PUBACK
    bool verify_integrity = true;  // PRAGMA quick_check at start
    int busy_timeout_ms = 5000;    // how long a commit waits for fabctl's write lock
    std::string log_level = "info";
    // Ed25519 secret key (hex) that signs access lists; gates hold the public half. Empty:
    // lists go out unsigned, and gates with acl_public_key set will refuse them.
    std::string acl_signing_key_file;
    // The lab's IANA time zone ("Europe/Paris"): fabctl reads times without an offset, prints
    // times and places billing period boundaries in it. Empty: UTC. fabledger itself only
    // stores UTC instants, but refuses a config whose zone the tz database does not hold.
    std::string time_zone;
    // Unknown-badge sightings, refused payloads and conflicting duplicates are deleted after
    // this many days, by fabledger at start and daily, and by `fabctl purge` (docs/privacy.md).
    int retention_days = 90;
};

tl::expected<LedgerConfig, std::vector<Error>> load_ledger_config_text(std::string_view text);
tl::expected<LedgerConfig, std::vector<Error>> load_ledger_config_file(const std::string& path);

}  // namespace fabgate::ledger

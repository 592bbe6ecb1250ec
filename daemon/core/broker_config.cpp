#include "core/broker_config.hpp"

#include "core/json_reader.hpp"

namespace fabgate {

void read_broker_config(ObjectReader& root, BrokerConfig& b, JsonErrors& errors) {
    const auto* v = root.child("broker");
    if (!v) return;
    ObjectReader r(*v, "broker", errors);
    b.host = r.string_or("host", b.host);
    // Otherwise valid for --check-config, then "cannot resolve ''" retried forever at run time.
    if (b.host.empty()) errors.add("broker.host", "must not be empty");
    b.port = static_cast<int>(r.integer_or("port", 1, 65535, b.port));
    b.username = r.string_or("username", "");
    b.password = r.string_or("password", "");
    b.password_file = r.string_or("password_file", "");
    if (!b.password.empty() && !b.password_file.empty())
        errors.add("broker.password_file", "give either password or password_file, not both");
    b.keepalive_s = static_cast<int>(r.integer_or("keepalive_s", 5, 3600, b.keepalive_s));
    b.client_id = r.string_or("client_id", b.client_id);
    if (const auto* t = r.child("tls")) {
        ObjectReader tr(*t, "broker.tls", errors);
        TlsConfig tls;
        tls.ca_file = tr.string("ca_file", true).value_or("");
        tls.cert_file = tr.string_or("cert_file", "");
        tls.key_file = tr.string_or("key_file", "");
        if (tls.cert_file.empty() != tls.key_file.empty())
            errors.add("broker.tls", "cert_file and key_file go together");
        tr.reject_unknown_keys();
        b.tls = tls;
    }
    r.reject_unknown_keys();
}

}  // namespace fabgate

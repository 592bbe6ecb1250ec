#pragma once
// The TLS client context the MQTT link hands to libmosquitto. The link connects to an address
// it looked up itself (off its loop), so libmosquitto's own certificate check would compare the
// certificate with that address. This context does the whole check in OpenSSL instead: chain
// to the configured CA, dates, and the broker's name as the config spells it.
#include <memory>
#include <string>

#include "core/broker_config.hpp"
#include "core/result.hpp"

struct ssl_ctx_st;

namespace fabgate {

struct TlsContextFree {
    void operator()(ssl_ctx_st* ctx) const;
};
using TlsContext = std::unique_ptr<ssl_ctx_st, TlsContextFree>;

// `expected_name`: a host name, or a numeric address checked against the certificate's IP SANs.
Result<TlsContext> make_tls_client_context(const TlsConfig& tls, const std::string& expected_name);

}  // namespace fabgate

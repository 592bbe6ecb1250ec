#include "mqtt/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "sys/name_lookup.hpp"

namespace fabgate {
namespace {

std::string openssl_reason() {
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return "unknown error";
    char text[256] = {};
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

// Accepts exactly what OpenSSL verified: chain, dates and name.
int accept_what_openssl_verified(int preverify_ok, X509_STORE_CTX*) {
    return preverify_ok;
}

}  // namespace

void TlsContextFree::operator()(ssl_ctx_st* ctx) const {
    SSL_CTX_free(ctx);
}

Result<TlsContext> make_tls_client_context(const TlsConfig& tls, const std::string& expected_name) {
    TlsContext ctx(SSL_CTX_new(TLS_client_method()));
    if (!ctx) return fail("broker.tls", "cannot create a TLS context: " + openssl_reason());
    SSL_CTX* raw = ctx.get();
    SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION);
    SSL_CTX_set_options(raw, SSL_OP_NO_COMPRESSION);
    if (SSL_CTX_load_verify_locations(raw, tls.ca_file.c_str(), nullptr) != 1)
        return fail("broker.tls.ca_file",
                    "cannot load CA certificate '" + tls.ca_file + "': " + openssl_reason());
    if (!tls.cert_file.empty()) {
        if (SSL_CTX_use_certificate_chain_file(raw, tls.cert_file.c_str()) != 1)
            return fail("broker.tls.cert_file",
                        "cannot load '" + tls.cert_file + "': " + openssl_reason());
        if (SSL_CTX_use_PrivateKey_file(raw, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
            return fail("broker.tls.key_file",
                        "cannot load '" + tls.key_file + "': " + openssl_reason());
        if (SSL_CTX_check_private_key(raw) != 1)
            return fail("broker.tls.key_file",
                        "'" + tls.key_file + "' does not match '" + tls.cert_file + "'");
    }
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(raw);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    int named = is_numeric_address(expected_name)
                    ? X509_VERIFY_PARAM_set1_ip_asc(param, expected_name.c_str())
                    : X509_VERIFY_PARAM_set1_host(param, expected_name.c_str(), 0);
    if (named != 1)
        return fail("broker.host", "cannot check certificates against '" + expected_name + "'");
    SSL_CTX_set_verify(raw, SSL_VERIFY_PEER, accept_what_openssl_verified);
    return ctx;
}

}  // namespace fabgate

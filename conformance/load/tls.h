/* tls.h - OpenSSL client context and a blocking reachability check for the load engine. */
#ifndef SC_TLS_H
#define SC_TLS_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/err.h"

/* A client SSL_CTX verifying peers against `cafile` (or the system store when NULL) unless
 * `insecure`. Caller owns the context (SSL_CTX_free). */
SC_MUST_CHECK SSL_CTX *sc_tls_client_ctx(const char *cafile, bool insecure, struct sc_err *err);

/* Configure `ssl` for `host`: SNI (not for IP literals) and hostname verification. */
SC_MUST_CHECK int sc_tls_set_host(SSL *ssl, const char *host, bool insecure, struct sc_err *err);

/* Describe the last TLS failure of `ssl` (verification result or the error queue) into
 * buf; clears the error queue. */
const char *sc_tls_describe(SSL *ssl, char *buf, size_t len);

/* Offer ALPN "h2" only (RFC 9113 section 3.2) on connections made from `ctx`. */
SC_MUST_CHECK int sc_tls_offer_h2(SSL_CTX *ctx, struct sc_err *err);
/* After the handshake: whether the server selected "h2". */
bool sc_tls_alpn_is_h2(SSL *ssl);

/*
 * Blocking preflight: connect to `addr` within timeout_ns; when `tunnel` is set, send it (a
 * CONNECT request) and expect a 2xx; when `ctx` is set, perform the TLS handshake for
 * `host` and, when `h2`, check that the server selected ALPN "h2". Returns 0 or SC_ECONNECT
 * with a message such as "cannot connect to '127.0.0.1:9': connection refused"; SC_ESYS when no
 * socket or TLS session can be created, SC_EINVAL when `host` cannot be used for verification.
 */
SC_MUST_CHECK int sc_net_preflight(const struct sockaddr *addr, socklen_t addrlen, const char *what,
                                   const char *tunnel, SSL_CTX *ctx, const char *host,
                                   bool insecure, bool h2, uint64_t timeout_ns, struct sc_err *err);

#endif

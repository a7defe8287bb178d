/* h2server.h - the HTTP/2 modes of the test server (testserver.c): a well-behaved nghttp2 server
 * session (h2c, h2 over TLS, gRPC) and hostile servers written frame by frame. */
#ifndef SC_H2SERVER_H
#define SC_H2SERVER_H

#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* What a connection of an h2 mode shares with its test server (borrowed). */
struct sc_h2srv_ctx {
    const char *mode;
    const char *identity;
    atomic_bool *stopping;
    atomic_uint_fast64_t *requests;  /* streams whose request arrived */
    atomic_uint_fast64_t *responses; /* streams answered (or reset, for the hostile modes) */
    atomic_uint_fast64_t *alt_next, *alt;
    pthread_mutex_t *mu;
    char *last_line; /* ":authority A :path P" of the last request, 512 bytes, under mu */
};

/* Whether `mode` is one of the HTTP/2 modes ("h2-..."). */
bool sc_h2srv_is_mode(const char *mode);
/* Serve one accepted connection (TLS already accepted when ssl != NULL) until it ends. */
void sc_h2srv_serve(const struct sc_h2srv_ctx *x, int fd, SSL *ssl);
/* Make `ctx` select ALPN "h2". */
void sc_h2srv_alpn(SSL_CTX *ctx);

#endif

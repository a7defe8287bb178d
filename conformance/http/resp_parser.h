/* resp_parser.h - HTTP/1.1 response framing over http-parser, allocation-free, for clients, with
 * a fast path for the common shape (a whole keep-alive response with one Content-Length). */
#ifndef SC_RESP_PARSER_H
#define SC_RESP_PARSER_H

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* One complete response, as handed to the callback. `backend` points into the parser and
 * is valid only during the callback. */
struct sc_resp {
    int status;
    bool keep_alive;     /* false: the server will close; the client must reconnect */
    const char *backend; /* value of the identity header, or NULL when absent */
    size_t backend_len;
    uint64_t body_bytes;
};

/* Called once per complete response (1xx interim responses are not reported). */
typedef void (*sc_resp_cb)(void *ud, const struct sc_resp *resp);

#define SC_RESP_FIELD_MAX   64
#define SC_RESP_BACKEND_MAX 128

/*
 * Embed one per connection. Fields are private; the struct is public only so that a
 * connection can hold it without another allocation.
 */
struct sc_resp_parser {
    /* private */
    http_parser hp;
    const char *want; /* identity header name, lowercase-insensitive match */
    size_t want_len;
    sc_resp_cb cb;
    void *ud;
    bool head; /* responses answer HEAD requests: no body */
    bool in_message;
    bool last_was_value;
    bool capturing;
    size_t field_len; /* bytes of the current field name that matched `want` so far */
    bool field_long;  /* the current field name is not `want` */
    size_t backend_len;
    bool have_backend;
    char backend[SC_RESP_BACKEND_MAX];
    uint64_t body_bytes;
    bool at_start; /* http-parser waits for a new response: the fast path may take it */
    bool closing;  /* the last response closes the connection */
    bool no_fast;  /* http-parser only (sc_resp_parser_set_fast) */
};

/* Prepare for a new connection. `identity_header` (borrowed, must outlive the parser) may
 * be NULL to ignore identities. `head` says the requests are HEAD requests. */
void sc_resp_parser_init(struct sc_resp_parser *p, const char *identity_header, bool head,
                         sc_resp_cb cb, void *ud);

/* Feed received bytes. Returns 0, or -1 on a framing error (then the connection must be
 * dropped; sc_resp_parser_error() says why). Any split of the stream gives the same
 * callbacks. Bytes after a response that closes the connection are an error. */
SC_MUST_CHECK int sc_resp_parser_feed(struct sc_resp_parser *p, const char *data, size_t len);

/* The peer closed. Completes a close-delimited body (returns 0 and calls back); returns
 * -1 if a response was cut short. Returns 0 when no response was in progress. */
SC_MUST_CHECK int sc_resp_parser_eof(struct sc_resp_parser *p);

/* Tests and fuzzing: with `on` false every byte goes through http-parser, so the fast path can
 * be compared with it. On by default. */
void sc_resp_parser_set_fast(struct sc_resp_parser *p, bool on);

/* A response has started but is not complete. */
bool sc_resp_parser_busy(const struct sc_resp_parser *p);

/* Why the last feed failed: http-parser's description (static storage). */
const char *sc_resp_parser_error(const struct sc_resp_parser *p);

#endif

/* testserver.h - a deliberately scriptable HTTP/1.1 server for the engine and CLI tests:
 * well-behaved framings and every misbehaviour the engine must survive. */
#ifndef SC_TESTSERVER_H
#define SC_TESTSERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

/*
 * Modes (name -> behaviour, per request unless said otherwise):
 *   ok          200 (or /status/NNN), Content-Length body "ok", keep-alive, x-smi-pod
 *   alternate   like ok, identity alternates pod-a, pod-b, pod-a... (server-wide counter)
 *   chunked     chunked body in three chunks
 *   close       no length: body delimited by closing the connection
 *   conn-close  Content-Length and "Connection: close", then closes
 *   split       like ok but written one byte per write (with TCP_NODELAY)
 *   garbage     answers "SSH-2.0-nonsense\r\n\r\n"
 *   truncated   promises 100 bytes, sends 10, closes
 *   reset       reads the request, resets the connection (SO_LINGER 0)
 *   stall       reads requests, never answers (until the server stops)
 *   big-headers a 100 KB header block
 *   big-body    like ok with a 200 KB body (many reads, more than one receive buffer)
 *   bad-chunk   chunked with an invalid chunk size
 *   two-cl      two different Content-Length headers
 *   proxy       like ok, but records the request target (absolute-form expected) and
 *               answers CONNECT host:port by relaying to it
 *   tls         like ok, over TLS with the certificate written by sc_testserver_cert()
 *   stall-once  like ok, but every response due between 2 s and 3 s after the first
 *               request waits until 3 s (a one-second stall, for the latency benchmark)
 *   h2-...      HTTP/2 modes (h2-ok, h2-alternate, h2-tls, h2-grpc and hostile ones): see
 *               h2server.c; requests count streams, the last request line is
 *               ":authority A :path P"
 */
struct sc_testserver;

/* Start on 127.0.0.1:0 in background threads. `identity` is the x-smi-pod value for ok
 * modes (NULL: "pod-a"). For "tls", cert/key are PEM files. NULL with err on failure. */
SC_MUST_CHECK struct sc_testserver *sc_testserver_start(const char *mode, const char *identity,
                                                        const char *cert, const char *key,
                                                        struct sc_err *err);
int sc_testserver_port(const struct sc_testserver *s);
/* Requests fully read (for stall modes too) and responses completely written. */
uint64_t sc_testserver_requests(const struct sc_testserver *s);
uint64_t sc_testserver_responses(const struct sc_testserver *s);
/* Responses sent per identity in "alternate" mode (index 0 = pod-a, 1 = pod-b). */
uint64_t sc_testserver_alternate(const struct sc_testserver *s, int which);
/* Connections accepted. */
uint64_t sc_testserver_connections(const struct sc_testserver *s);
/* Copy of the last request line seen ("GET http://x/ HTTP/1.1"). Caller frees. */
SC_MUST_CHECK char *sc_testserver_last_request_line(struct sc_testserver *s);
/* Stop accepting, close every connection, join the threads, free. */
void sc_testserver_stop(struct sc_testserver *s);

/* Write a self-signed certificate for 127.0.0.1 / localhost to dir/cert.pem and
 * dir/key.pem. */
SC_MUST_CHECK int sc_testserver_cert(const char *dir, struct sc_err *err);

#endif

/* engine_int.h - the load engine's private parts (a run, its threads, their connections, the I/O
 * backend under them), shared by the files of load/ and by nothing outside it. */
#ifndef SC_ENGINE_INT_H
#define SC_ENGINE_INT_H

#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "base/err.h"
#include "http/resp_parser.h"
#include "http/url.h"
#include "load/engine.h"
#include "load/pace.h"
#include "load/result.h"

#define SC_LOAD_RBUF_SIZE 65536

/*
 * One run. Filled by sc_load_engine_prepare() on the calling thread, then read-only once the
 * load threads start: the threads share it without locks.
 */
struct engine {
    const struct sc_load_opts *o;
    struct sc_url url;
    struct sockaddr_storage addr; /* the target, or the proxy */
    socklen_t addrlen;
    char *reqs; /* `pipeline` copies of the request, back to back */
    size_t req_len;
    char *tunnel; /* CONNECT request for https through a proxy, else NULL */
    SSL_CTX *ssl_ctx;
    bool head;
    bool identity_on; /* count responses per backend identity */
    unsigned pipeline;
    uint64_t timeout_ns;
    uint64_t start_ns;
    atomic_uint conns_started; /* numbers connections across threads, for timelines */
    /* HTTP/2 (h2.c): opts.h2 or opts.grpc; `pipeline` is then max_streams, the size of each
     * connection's stream table */
    bool h2;
    struct sc_h2_req *h2req; /* the request as HTTP/2 headers and body, built once */
};

enum cstate { C_CLOSED, C_CONNECTING, C_TUNNEL, C_HANDSHAKE, C_READY, C_CLOSING };

struct thr;
struct sc_h2_req;
struct sc_h2_conn;
struct conn;

/*
 * The I/O backend: how a thread's connections connect, write, read and close, and how its loop
 * waits for them, its 5 ms tick and its pacing timer. conn.c and thread.c hold everything
 * else (the protocol, counts, pacing, timeouts) and know nothing of the event loop; the
 * backend reports back through the sc_load_conn_on_* and sc_load_thr_on_* calls below. Status
 * codes are 0 or a negative errno. One backend exists (io_epoll.c, libuv): an io_uring one was
 * measured and removed (issue 16: no gain in client CPU per request on loopback).
 */
struct sc_load_io_ops {
    const char *name;
    /* On the calling thread, before the run: what can fail before any load is sent. */
    SC_MUST_CHECK int (*thr_init)(struct thr *t, struct sc_err *err);
    /* On the load thread, before its connections start: the tick and the pacer. */
    void (*thr_begin)(struct thr *t);
    /* On the load thread: run until the thread has finished and every connection is closed. */
    void (*thr_run)(struct thr *t);
    /* After the join (or when the thread never started). */
    void (*thr_release)(struct thr *t);
    /* Begin connecting; the outcome comes through sc_load_conn_on_connect(). */
    SC_MUST_CHECK int (*connect)(struct conn *c);
    /* Send bytes in order; `owned` data is taken over (freed once sent). A failure found
     * later comes through sc_load_conn_on_write_error(). */
    SC_MUST_CHECK int (*write)(struct conn *c, const char *data, size_t len, bool owned);
    /* Close; sc_load_conn_on_closed() follows, always later, from the loop. */
    void (*close)(struct conn *c);
    /* Wake the loop at `at` (monotonic ns) for the pacer; false: could not (the tick covers
     * it 5 ms later). */
    bool (*pacer_arm)(struct thr *t, uint64_t at);
    /* The thread is finishing: stop the tick and the pacer. */
    void (*stop)(struct thr *t);
};

extern const struct sc_load_io_ops sc_load_io_epoll; /* io_epoll.c (libuv) */

/* One connection, owned by one thread; touched only on that thread's loop. */
struct conn {
    struct thr *t;
    uv_tcp_t tcp;
    uv_connect_t creq;

    enum cstate st;
    struct sc_resp_parser rp;
    SSL *ssl;
    BIO *rbio, *wbio; /* owned by ssl */
    unsigned inflight;
    unsigned head;      /* ring index of the oldest request in flight */
    uint64_t *intended; /* ring of `pipeline` entries: intended send times */
    uint64_t *sent_at;  /* ring: actual send times */
    uint64_t since;     /* when the current connect started */
    uint64_t retry_at;  /* for C_CLOSED: when to reconnect (0 = not scheduled) */
    uint32_t serial;    /* this connection's number in the run (engine.conns_started) */
    bool want_reconnect;
    bool close_after; /* the last response said the server closes */
    bool unsolicited; /* a response arrived with nothing in flight */
    bool failed_connect;
    bool in_idle;
    struct sc_h2_conn *h2; /* HTTP/2 only: session and stream table (h2.c) */
    size_t tunlen;
    char tunbuf[1024];
};

struct backend_slot {
    uint64_t count;
    uint32_t hash;
    uint8_t len;
    char name[SC_RESP_BACKEND_MAX];
};

/* One load thread: its loop, connections and statistics. Nothing here is shared with another
 * thread while the loop runs; the result is merged after pthread_join. */
struct thr {
    struct engine *e;
    const struct sc_load_io_ops *io;
    unsigned idx;
    pthread_t tid;
    uv_loop_t loop;
    uv_timer_t tick;
    uv_poll_t pacer;
    int tfd;
    uint64_t pacer_at; /* absolute time the timerfd is armed for, 0 = disarmed */
    struct conn *conns;
    unsigned nconns;
    unsigned open_handles;
    unsigned initial_pending;
    uint64_t limit; /* requests this thread may issue */
    uint64_t issued;
    uint64_t inflight;
    bool rate_mode;
    double rate;
    struct sc_pace pace;
    bool pace_started;
    uint64_t deadline_ns;
    bool stopping;
    bool finishing;
    uint64_t end_ns;
    uint64_t last_ready_ns;
    uint64_t last_progress_report;
    uint64_t now; /* the clock read once per read callback, shared by what it triggers */
    bool in_read; /* inside on_read: `now` is fresh */
    struct conn **idle;
    unsigned nidle;
    struct sc_load_result *res; /* this thread's counts and histograms */
    struct backend_slot *slots;
    size_t nslots, used_slots;
    bool loop_ready;  /* uv_loop_init succeeded: the loop must be closed */
    bool pacer_ready; /* the pacing poll handle is initialised */
    bool started;     /* the thread runs and must be joined */
    char rbuf[SC_LOAD_RBUF_SIZE];
    char pbuf[SC_LOAD_RBUF_SIZE];
};

/* ---- request.c: what to send and where ---- */

/*
 * Fill `e` for the validated options `o` (borrowed for the whole run): parse the URL, resolve
 * the target (or proxy), create the TLS context for https, build the request bytes and, unless
 * o->no_preflight, check that the target answers. On failure err says why and `e` still needs
 * sc_load_engine_release().
 */
SC_MUST_CHECK int sc_load_engine_prepare(struct engine *e, const struct sc_load_opts *o,
                                         struct sc_err *err);
/* Free what sc_load_engine_prepare() allocated; safe on a zeroed engine. */
void sc_load_engine_release(struct engine *e);

/* ---- thread.c: one load thread ---- */

/*
 * Prepare thread `idx` of engine `e` with `nconns` connections, at most `limit` requests
 * (UINT64_MAX: no limit) and, in open loop, `rate` requests/s, on I/O backend `io`:
 * allocations, the backend's loop and timers. Runs on the calling thread. On failure err says
 * why; the thread still needs sc_load_thr_release().
 */
SC_MUST_CHECK int sc_load_thr_init(struct thr *t, struct engine *e, unsigned idx, unsigned nconns,
                                   uint64_t limit, double rate, const struct sc_load_io_ops *io,
                                   struct sc_err *err);
/* The pthread start routine: start the connections and run the loop until the thread's bound
 * (deadline, request limit or cancel). */
void *sc_load_thr_main(void *arg);
/* After the join: move this thread's backend counts into its result and merge that into
 * `into`. */
void sc_load_thr_collect(struct thr *t, struct sc_load_result *into);
/* Close the loop and free everything; the thread is joined or was never started. */
void sc_load_thr_release(struct thr *t);

/* Count `n` failed requests of one kind; the first `why` becomes the result's first error. */
void sc_load_thr_fail(struct thr *t, enum sc_load_errkind kind, uint64_t n, const char *why);
/* Count one response from backend `name` (len bytes, at most SC_RESP_BACKEND_MAX). */
void sc_load_thr_count_backend(struct thr *t, const char *name, size_t len);
/* Open loop: the connection waits for the pacer to hand it a due request. */
void sc_load_thr_idle_add(struct conn *c);
void sc_load_thr_idle_remove(struct conn *c);
/* Open loop: arm the pacing timer for the next due request (when someone is idle). */
void sc_load_thr_pacer_arm(struct thr *t);
/* Open loop: start the schedule, once every first connect has resolved. */
void sc_load_thr_pace_start(struct thr *t);
/* Stop the thread when its bound is reached and nothing is in flight: close every handle. */
void sc_load_thr_maybe_finish(struct thr *t);
/* From the backend: the 5 ms tick (timeouts, reconnects, cancel, progress, deadline). */
void sc_load_thr_on_tick(struct thr *t);
/* From the backend: the pacing timer fired. */
void sc_load_thr_on_pacer(struct thr *t);

/* ---- h2.c: HTTP/2 and gRPC over nghttp2's client session ---- */

/* Build the request's header list and body for engine `e` (borrowed options) once; aborts on
 * out-of-memory like the rest of the engine. */
void sc_load_h2_prepare(struct engine *e);
void sc_load_h2_engine_release(struct engine *e);
/* Per connection: the stream table, allocated once per thread; the session per connect. */
void sc_load_h2_conn_init(struct conn *c);
void sc_load_h2_conn_release(struct conn *c);
/* The connection is ready (TCP, tunnel, TLS with ALPN h2): start the session; the preface
 * and SETTINGS go with the first fill's write. */
void sc_load_h2_begin(struct conn *c);
/* Issue streams as max_streams, the server's limit, the limit or the pacer allow. */
void sc_load_h2_fill(struct conn *c, uint64_t now);
/* Plain bytes from the server (after TLS). */
void sc_load_h2_feed(struct conn *c, const char *data, size_t len);
/* The kind of error for streams cut short by the end of the connection (goaway after a
 * GOAWAY, else read). */
enum sc_load_errkind sc_load_h2_eof_kind(const struct conn *c);
/* Timeline entries for every stream in flight, failed with `outcome`. */
void sc_load_h2_record_failed(struct conn *c, int outcome);
/* The send time of the oldest stream in flight (UINT64_MAX: none). */
uint64_t sc_load_h2_oldest(const struct conn *c);
/* The connection closed: drop the session and free the stream table's slots. */
void sc_load_h2_end(struct conn *c);

/* ---- conn.c: the connection state machine ---- */

/* Connect (again); failures are counted, and retried after a back-off by the tick. */
void sc_load_conn_start(struct conn *c);
/* Close; with `reconnect` a new connection starts once this one is closed. */
void sc_load_conn_close(struct conn *c, bool reconnect);
/* Issue as many requests as the pipeline, the limit or the pacer allow. */
void sc_load_conn_fill(struct conn *c);
/* Send `len` bytes of `data` (malloc'd, taken over), through TLS when there is TLS. */
SC_MUST_CHECK int sc_load_conn_send_owned(struct conn *c, char *data, size_t len);
/* Count one complete response (both protocols): latency, timeline, status, backend. */
void sc_load_conn_count_response(struct conn *c, uint64_t intended, uint64_t sent, int status,
                                 const char *backend, size_t backend_len);
/* Count the requests in flight (at least one) as failed with `kind`, then close and
 * reconnect. */
void sc_load_conn_fail(struct conn *c, enum sc_load_errkind kind, const char *why);

/* From the backend: the connect finished with `status` (TCP_NODELAY set on success). */
void sc_load_conn_on_connect(struct conn *c, int status);
/* From the backend: `len` > 0 bytes arrived. */
void sc_load_conn_on_read(struct conn *c, const char *data, size_t len);
/* From the backend: reading ended: 0 the peer closed, else a negative errno. */
void sc_load_conn_on_read_end(struct conn *c, int status);
/* From the backend: a queued write failed (negative errno). */
void sc_load_conn_on_write_error(struct conn *c, int status);
/* From the backend: the connection is closed; its socket is gone. */
void sc_load_conn_on_closed(struct conn *c);

#endif

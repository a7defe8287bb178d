/* engine.c - the load engine: one libuv loop per thread, each owning its connections and
 * statistics; results merged when every thread is done (no shared state on the hot path). */
#include "load/engine.h"

#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <openssl/err.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <uv.h>

#include "base/log.h"
#include "base/util.h"
#include "http/resp_parser.h"
#include "http/url.h"
#include "load/pace.h"
#include "load/tls.h"

#define TICK_MS           5
#define RBUF_SIZE         65536
#define RETRY_DELAY_NS    10000000ull /* back-off before reconnecting after a connect error */
#define BACKEND_SLOTS_MIN 16

/* Shared, read-only once the threads start. */
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
};

enum cstate { C_CLOSED, C_CONNECTING, C_TUNNEL, C_HANDSHAKE, C_READY, C_CLOSING };

struct thr;

struct conn {
    uv_tcp_t tcp;
    uv_connect_t creq;
    struct thr *t;
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
    bool want_reconnect;
    bool close_after; /* the last response said the server closes */
    bool unsolicited; /* a response arrived with nothing in flight */
    bool failed_connect;
    bool in_idle;
    size_t tunlen;
    char tunbuf[1024];
};

struct backend_slot {
    uint64_t count;
    uint32_t hash;
    uint8_t len;
    char name[SC_RESP_BACKEND_MAX];
};

struct thr {
    struct engine *e;
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
    int setup_rc;
    char rbuf[RBUF_SIZE];
    char pbuf[RBUF_SIZE];
};

static void conn_start(struct conn *c);
static void conn_close(struct conn *c, bool reconnect);
static void conn_fill(struct conn *c);
static void thr_maybe_finish(struct thr *t);
static void pacer_arm(struct thr *t);

/* ---- per-thread statistics ---------------------------------------------------- */

static uint32_t hash_bytes(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static void backend_grow(struct thr *t)
{
    size_t n = t->nslots ? t->nslots * 2 : BACKEND_SLOTS_MIN;
    struct backend_slot *ns = sc_xcalloc(n, sizeof(*ns));
    for (size_t i = 0; i < t->nslots; i++) {
        struct backend_slot *s = &t->slots[i];
        if (s->count == 0)
            continue;
        size_t j = s->hash & (n - 1);
        while (ns[j].count != 0)
            j = (j + 1) & (n - 1);
        ns[j] = *s;
    }
    free(t->slots);
    t->slots = ns;
    t->nslots = n;
}

static void backend_count(struct thr *t, const char *name, size_t len)
{
    uint32_t h = hash_bytes(name, len);
    size_t j;

    if (t->used_slots * 2 >= t->nslots)
        backend_grow(t);
    j = h & (t->nslots - 1);
    for (;;) {
        struct backend_slot *s = &t->slots[j];
        if (s->count == 0) {
            s->hash = h;
            s->len = (uint8_t)len;
            memcpy(s->name, name, len);
            s->count = 1;
            t->used_slots++;
            return;
        }
        if (s->hash == h && s->len == len && memcmp(s->name, name, len) == 0) {
            s->count++;
            return;
        }
        j = (j + 1) & (t->nslots - 1);
    }
}

static void fail_requests(struct thr *t, enum sc_load_errkind kind, uint64_t n, const char *why)
{
    t->res->errors[kind] += n;
    if (t->res->first_error == NULL && why != NULL) {
        char buf[320];
        snprintf(buf, sizeof(buf), "%s: %s", sc_load_errkind_name(kind), why);
        t->res->first_error = sc_xstrdup(buf);
    }
}

/* ---- idle list and pacing (open loop) ------------------------------------------- */

static void idle_add(struct conn *c)
{
    struct thr *t = c->t;
    if (c->in_idle)
        return;
    c->in_idle = true;
    t->idle[t->nidle++] = c;
}

static void idle_remove(struct conn *c)
{
    struct thr *t = c->t;
    if (!c->in_idle)
        return;
    c->in_idle = false;
    for (unsigned i = 0; i < t->nidle; i++) {
        if (t->idle[i] == c) {
            t->idle[i] = t->idle[--t->nidle];
            return;
        }
    }
}

static void pacer_arm(struct thr *t)
{
    struct itimerspec its;
    uint64_t next;

    if (!t->rate_mode || t->stopping || t->nidle == 0 || !t->pace_started)
        return;
    next = sc_pace_next(&t->pace);
    if (next == UINT64_MAX || next == t->pacer_at)
        return;
    memset(&its, 0, sizeof(its));
    its.it_value.tv_sec = (time_t)(next / 1000000000u);
    its.it_value.tv_nsec = (long)(next % 1000000000u);
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
        its.it_value.tv_nsec = 1;
    if (timerfd_settime(t->tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
        t->pacer_at = next;
}

static void on_pacer(uv_poll_t *h, int status, int events)
{
    struct thr *t = h->data;
    uint64_t expirations;
    (void)status;
    (void)events;

    if (read(t->tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
        sc_log_debug("load", "timerfd read: %s", strerror(errno));
    t->pacer_at = 0;
    /* Each idle connection takes what is due; conn_fill removes it from the list when it
     * sends. Walk a snapshot: the list shrinks while we go. */
    while (t->nidle > 0 && !t->stopping) {
        struct conn *c = t->idle[t->nidle - 1];
        if (sc_pace_due(&t->pace, uv_hrtime()) == 0)
            break;
        idle_remove(c);
        conn_fill(c);
        if (c->in_idle) /* nothing could be sent after all */
            break;
    }
    pacer_arm(t);
}

static void pace_start(struct thr *t)
{
    if (!t->rate_mode || t->pace_started)
        return;
    sc_pace_init(&t->pace, uv_hrtime(), t->rate, t->limit);
    t->pace_started = true;
}

/* ---- writing -------------------------------------------------------------------- */

struct wreq {
    uv_write_t w;
    char *owned; /* freed when the write completes; NULL for the shared request buffer */
};

static void on_write(uv_write_t *w, int status)
{
    struct wreq *wr = (struct wreq *)w;
    struct conn *c = w->data;

    free(wr->owned);
    free(wr);
    if (status < 0 && status != UV_ECANCELED && c->st != C_CLOSING && c->st != C_CLOSED) {
        fail_requests(c->t, SC_LERR_WRITE, c->inflight ? c->inflight : 1, uv_strerror(status));
        c->t->inflight -= c->inflight;
        c->inflight = 0;
        conn_close(c, true);
    }
}

/* Write bytes to the socket: directly when the socket takes them (the common case: one
 * write syscall, no epoll change), queued otherwise. `owned` data is taken over. */
static int raw_write(struct conn *c, const char *data, size_t len, bool owned)
{
    uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
    int r = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    struct wreq *wr;

    if (r == (int)len) {
        if (owned)
            free((char *)data);
        return 0;
    }
    if (r < 0 && r != UV_EAGAIN) {
        if (owned)
            free((char *)data);
        return r;
    }
    if (r < 0)
        r = 0;
    wr = sc_xcalloc(1, sizeof(*wr));
    wr->w.data = c;
    wr->owned = owned ? (char *)data : NULL;
    b = uv_buf_init((char *)data + r, (unsigned)(len - (size_t)r));
    r = uv_write(&wr->w, (uv_stream_t *)&c->tcp, &b, 1, on_write);
    if (r < 0) {
        free(wr->owned);
        free(wr);
        return r;
    }
    return 0;
}

/* Send what TLS produced. */
static int tls_flush(struct conn *c)
{
    size_t pending = BIO_ctrl_pending(c->wbio);
    char *buf;
    int n;

    if (pending == 0)
        return 0;
    buf = malloc(pending);
    if (buf == NULL)
        return UV_ENOMEM;
    n = BIO_read(c->wbio, buf, (int)pending);
    if (n <= 0) {
        free(buf);
        return 0;
    }
    return raw_write(c, buf, (size_t)n, true);
}

static int conn_write(struct conn *c, const char *data, size_t len)
{
    if (c->ssl == NULL)
        return raw_write(c, data, len, false);
    if (SSL_write(c->ssl, data, (int)len) <= 0)
        return UV_EPROTO;
    return tls_flush(c);
}

/* ---- issuing requests ----------------------------------------------------------- */

static void conn_fill(struct conn *c)
{
    struct thr *t = c->t;
    struct engine *e = t->e;
    unsigned room, n = 0;
    uint64_t now;
    int r;

    if (c->st != C_READY || c->close_after || t->stopping)
        return;
    room = e->pipeline - c->inflight;
    if (room == 0)
        return;
    /* In the read path the clock was just read; elsewhere read it now. */
    now = t->in_read ? t->now : uv_hrtime();
    if (now >= t->deadline_ns) {
        /* Checked here, not only on the tick: at 50k req/s a 5 ms tick is 250 requests. */
        t->stopping = true;
        return;
    }
    if (t->rate_mode) {
        uint64_t when;
        while (n < room && sc_pace_take(&t->pace, now, &when)) {
            unsigned slot = (c->head + c->inflight + n) % e->pipeline;
            c->intended[slot] = when;
            c->sent_at[slot] = now;
            if (now - when > t->res->max_lag_ns)
                t->res->max_lag_ns = now - when;
            n++;
        }
        if (n == 0) {
            idle_add(c);
            pacer_arm(t);
            return;
        }
    } else {
        uint64_t left = t->limit - t->issued;
        n = room < left ? room : (unsigned)left;
        for (unsigned i = 0; i < n; i++) {
            unsigned slot = (c->head + c->inflight + i) % e->pipeline;
            c->intended[slot] = now;
            c->sent_at[slot] = now;
        }
    }
    if (n == 0)
        return;
    idle_remove(c);
    c->inflight += n;
    t->inflight += n;
    t->issued += n;
    t->res->sent += n;
    t->res->bytes_written += (uint64_t)n * e->req_len;
    r = conn_write(c, e->reqs, (size_t)n * e->req_len);
    if (r < 0) {
        fail_requests(t, SC_LERR_WRITE, c->inflight, uv_strerror(r));
        t->inflight -= c->inflight;
        c->inflight = 0;
        conn_close(c, true);
    }
}

/* ---- responses ---------------------------------------------------------------------- */

static void on_response(void *ud, const struct sc_resp *r)
{
    struct conn *c = ud;
    struct thr *t = c->t;
    struct sc_load_result *res = t->res;
    uint64_t now, intended, sent;

    if (c->inflight == 0) {
        c->unsolicited = true;
        return;
    }
    now = t->now;
    intended = c->intended[c->head];
    sent = c->sent_at[c->head];
    c->head = (c->head + 1) % t->e->pipeline;
    c->inflight--;
    t->inflight--;
    sc_hist_record(res->latency, (now - intended) / 1000);
    /* In closed loop the two are the same; the copy is made once at the end. */
    if (t->rate_mode)
        sc_hist_record(res->latency_uncorrected, (now - sent) / 1000);
    res->responses++;
    if (r->status >= 0 && r->status < SC_LOAD_STATUS_MAX)
        res->status[r->status]++;
    else
        res->status_other++;
    if (t->e->identity_on) {
        if (r->backend != NULL)
            backend_count(t, r->backend, r->backend_len);
        else
            res->no_identity++;
    }
    if (!r->keep_alive)
        c->close_after = true;
}

/* Requests still in flight on a connection that is going away are failed. */
static void conn_fail(struct conn *c, enum sc_load_errkind kind, const char *why)
{
    struct thr *t = c->t;
    fail_requests(t, kind, c->inflight ? c->inflight : 1, why);
    t->inflight -= c->inflight;
    c->inflight = 0;
    conn_close(c, true);
}

static void feed_plain(struct conn *c, const char *data, size_t len)
{
    if (sc_resp_parser_feed(&c->rp, data, len) != 0) {
        conn_fail(c, SC_LERR_PROTOCOL, sc_resp_parser_error(&c->rp));
        return;
    }
    if (c->unsolicited) {
        conn_fail(c, SC_LERR_PROTOCOL, "response without a request");
        return;
    }
    if (c->close_after) {
        if (c->inflight > 0) {
            conn_fail(c, SC_LERR_READ, "server closed with pipelined requests unanswered");
            return;
        }
        conn_close(c, true);
        return;
    }
    conn_fill(c);
}

static void conn_ready(struct conn *c)
{
    struct thr *t = c->t;
    c->st = C_READY;
    c->failed_connect = false;
    sc_resp_parser_init(&c->rp, t->e->o->identity_header, t->e->head, on_response, c);
    if (t->initial_pending > 0 && --t->initial_pending == 0)
        pace_start(t);
    conn_fill(c);
}

static void conn_eof(struct conn *c)
{
    struct thr *t = c->t;
    if (sc_resp_parser_eof(&c->rp) != 0 || c->inflight > 0) {
        /* A close-delimited response may just have completed; what is still in flight
         * was cut short. */
        if (c->inflight > 0) {
            conn_fail(c, SC_LERR_READ, "server closed the connection before responding");
            return;
        }
        conn_fail(c, SC_LERR_READ, "server closed the connection mid-response");
        return;
    }
    (void)t;
    conn_close(c, true);
}

static void tls_read(struct conn *c, const char *data, size_t len)
{
    struct thr *t = c->t;

    if (BIO_write(c->rbio, data, (int)len) != (int)len) {
        conn_fail(c, SC_LERR_PROTOCOL, "TLS buffer error");
        return;
    }
    if (c->st == C_HANDSHAKE) {
        int r = SSL_do_handshake(c->ssl);
        if (r != 1) {
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                if (tls_flush(c) < 0)
                    conn_fail(c, SC_LERR_WRITE, "TLS write failed");
                return;
            }
            char why[256];
            c->failed_connect = true;
            conn_fail(c, SC_LERR_CONNECT, sc_tls_describe(c->ssl, why, sizeof(why)));
            return;
        }
        if (tls_flush(c) < 0) {
            conn_fail(c, SC_LERR_WRITE, "TLS write failed");
            return;
        }
        conn_ready(c);
        if (c->st != C_READY)
            return;
    }
    for (;;) {
        int n = SSL_read(c->ssl, t->pbuf, sizeof(t->pbuf));
        if (n > 0) {
            t->res->bytes_read += (uint64_t)n;
            feed_plain(c, t->pbuf, (size_t)n);
            if (c->st != C_READY)
                return;
            continue;
        }
        int e = SSL_get_error(c->ssl, n);
        if (e == SSL_ERROR_WANT_READ)
            return;
        if (e == SSL_ERROR_ZERO_RETURN) {
            conn_eof(c);
            return;
        }
        char why[256];
        conn_fail(c, SC_LERR_PROTOCOL, sc_tls_describe(c->ssl, why, sizeof(why)));
        return;
    }
}

static void tls_begin(struct conn *c)
{
    struct engine *e = c->t->e;
    struct sc_err err;
    int r;

    sc_err_init(&err);
    c->ssl = SSL_new(e->ssl_ctx);
    if (c->ssl == NULL) {
        conn_fail(c, SC_LERR_CONNECT, "cannot create a TLS session");
        return;
    }
    c->rbio = BIO_new(BIO_s_mem());
    c->wbio = BIO_new(BIO_s_mem());
    SSL_set_bio(c->ssl, c->rbio, c->wbio);
    if (sc_tls_set_host(c->ssl, e->url.host, e->o->insecure, &err) != 0) {
        conn_fail(c, SC_LERR_CONNECT, err.msg);
        return;
    }
    SSL_set_connect_state(c->ssl);
    c->st = C_HANDSHAKE;
    r = SSL_do_handshake(c->ssl);
    (void)r;
    if (tls_flush(c) < 0)
        conn_fail(c, SC_LERR_CONNECT, "TLS write failed");
}

static void tunnel_read(struct conn *c, const char *data, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        if (c->tunlen >= sizeof(c->tunbuf) - 1) {
            c->failed_connect = true;
            conn_fail(c, SC_LERR_CONNECT, "proxy answer to CONNECT too long");
            return;
        }
        c->tunbuf[c->tunlen++] = data[i];
        if (c->tunlen >= 4 && memcmp(c->tunbuf + c->tunlen - 4, "\r\n\r\n", 4) == 0)
            break;
    }
    if (i == len)
        return; /* header not complete yet */
    c->tunbuf[c->tunlen] = '\0';
    if (c->tunlen < 12 || strncmp(c->tunbuf, "HTTP/1.", 7) != 0 || c->tunbuf[9] != '2') {
        c->failed_connect = true;
        conn_fail(c, SC_LERR_CONNECT, "proxy refused CONNECT");
        return;
    }
    tls_begin(c);
    if (c->st == C_HANDSHAKE && i + 1 < len)
        tls_read(c, data + i + 1, len - i - 1);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct conn *c = h->data;
    (void)suggested;
    /* Parsing is synchronous in on_read, so one buffer per thread serves every connection. */
    *buf = uv_buf_init(c->t->rbuf, sizeof(c->t->rbuf));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = s->data;

    if (nread == 0 || c->st == C_CLOSING || c->st == C_CLOSED)
        return;
    c->t->now = uv_hrtime();
    if (nread < 0) {
        if (nread == UV_EOF) {
            if (c->st == C_TUNNEL || c->st == C_HANDSHAKE) {
                c->failed_connect = true;
                conn_fail(c, SC_LERR_CONNECT, "closed during connection set-up");
            } else {
                conn_eof(c);
            }
        } else if (nread == UV_ECONNRESET) {
            conn_fail(c, SC_LERR_RESET, uv_strerror((int)nread));
        } else {
            conn_fail(c, SC_LERR_READ, uv_strerror((int)nread));
        }
        return;
    }
    c->t->in_read = true;
    switch (c->st) {
    case C_TUNNEL:
        tunnel_read(c, buf->base, (size_t)nread);
        break;
    case C_HANDSHAKE:
    case C_READY:
        if (c->ssl != NULL) {
            tls_read(c, buf->base, (size_t)nread);
        } else {
            c->t->res->bytes_read += (uint64_t)nread;
            feed_plain(c, buf->base, (size_t)nread);
        }
        break;
    default:
        break;
    }
    c->t->in_read = false;
}

/* ---- connections ------------------------------------------------------------------- */

static void on_connect(uv_connect_t *req, int status)
{
    struct conn *c = req->data;
    struct engine *e = c->t->e;
    int r;

    if (c->st != C_CONNECTING)
        return; /* closed meanwhile */
    if (status < 0) {
        c->failed_connect = true;
        conn_fail(c, SC_LERR_CONNECT, uv_strerror(status));
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    r = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    if (r < 0) {
        conn_fail(c, SC_LERR_READ, uv_strerror(r));
        return;
    }
    if (e->tunnel != NULL) {
        c->st = C_TUNNEL;
        c->tunlen = 0;
        r = raw_write(c, e->tunnel, strlen(e->tunnel), false);
        if (r < 0)
            conn_fail(c, SC_LERR_CONNECT, uv_strerror(r));
        return;
    }
    if (e->ssl_ctx != NULL) {
        tls_begin(c);
        return;
    }
    conn_ready(c);
}

static void conn_start(struct conn *c)
{
    struct thr *t = c->t;
    int r;

    c->retry_at = 0;
    c->close_after = false;
    c->unsolicited = false;
    c->inflight = 0;
    c->head = 0;
    c->since = uv_hrtime();
    uv_tcp_init(&t->loop, &c->tcp);
    c->tcp.data = c;
    t->open_handles++;
    c->st = C_CONNECTING;
    c->creq.data = c;
    r = uv_tcp_connect(&c->creq, &c->tcp, (const struct sockaddr *)&t->e->addr, on_connect);
    if (r < 0) {
        c->failed_connect = true;
        conn_fail(c, SC_LERR_CONNECT, uv_strerror(r));
    }
}

static void on_conn_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    struct thr *t = c->t;

    t->open_handles--;
    if (c->ssl != NULL) {
        SSL_free(c->ssl);
        c->ssl = NULL;
        c->rbio = c->wbio = NULL;
    }
    c->st = C_CLOSED;
    if (c->want_reconnect && !t->stopping) {
        t->res->reconnects++;
        if (c->failed_connect)
            c->retry_at = uv_hrtime() + RETRY_DELAY_NS;
        else
            conn_start(c);
    }
    thr_maybe_finish(t);
}

static void conn_close(struct conn *c, bool reconnect)
{
    struct thr *t = c->t;

    if (c->st == C_CLOSING || c->st == C_CLOSED)
        return;
    if (c->st == C_CONNECTING || c->st == C_TUNNEL || c->st == C_HANDSHAKE) {
        /* Counts as resolved for the start of pacing, whatever the outcome. */
        if (t->initial_pending > 0 && --t->initial_pending == 0)
            pace_start(t);
    }
    idle_remove(c);
    t->inflight -= c->inflight;
    c->inflight = 0;
    c->st = C_CLOSING;
    c->want_reconnect = reconnect;
    uv_read_stop((uv_stream_t *)&c->tcp);
    uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

/* ---- thread lifecycle --------------------------------------------------------------- */

static void on_handle_closed(uv_handle_t *h)
{
    struct thr *t = h->data;
    t->open_handles--;
}

static void thr_maybe_finish(struct thr *t)
{
    if (t->finishing)
        return;
    if (!t->stopping && t->issued >= t->limit && t->inflight == 0)
        t->stopping = true;
    if (!t->stopping || t->inflight > 0)
        return;
    t->finishing = true;
    t->end_ns = uv_hrtime();
    if (t->rate_mode && t->pace_started) {
        uint64_t until = t->end_ns < t->deadline_ns ? t->end_ns : t->deadline_ns;
        t->res->unsent = sc_pace_due(&t->pace, until);
        t->res->pace_window_ns = until > t->pace.start_ns ? until - t->pace.start_ns : 0;
    } else if (t->rate_mode) {
        t->res->unsent = t->limit == UINT64_MAX ? 0 : t->limit;
    }
    for (unsigned i = 0; i < t->nconns; i++) {
        struct conn *c = &t->conns[i];
        c->retry_at = 0;
        conn_close(c, false);
    }
    uv_timer_stop(&t->tick);
    uv_close((uv_handle_t *)&t->tick, on_handle_closed);
    if (t->tfd >= 0) {
        uv_poll_stop(&t->pacer);
        uv_close((uv_handle_t *)&t->pacer, on_handle_closed);
    }
}

static void on_tick(uv_timer_t *h)
{
    struct thr *t = h->data;
    struct engine *e = t->e;
    uint64_t now = uv_hrtime();
    bool any_ready = false;

    if (t->finishing)
        return;
    if (e->o->cancel != NULL && atomic_load(e->o->cancel) != 0) {
        /* Stop now: what is in flight is abandoned, not counted. */
        t->stopping = true;
        for (unsigned i = 0; i < t->nconns; i++) {
            t->inflight -= t->conns[i].inflight;
            t->conns[i].inflight = 0;
        }
    }
    if (now >= t->deadline_ns)
        t->stopping = true;
    for (unsigned i = 0; i < t->nconns; i++) {
        struct conn *c = &t->conns[i];
        switch (c->st) {
        case C_READY:
            any_ready = true;
            if (c->inflight > 0 && now - c->sent_at[c->head] > e->timeout_ns)
                conn_fail(c, SC_LERR_TIMEOUT, "no response within the timeout");
            break;
        case C_CONNECTING:
        case C_TUNNEL:
        case C_HANDSHAKE:
            if (now - c->since > e->timeout_ns) {
                c->failed_connect = true;
                conn_fail(c, SC_LERR_CONNECT, "connection set-up timed out");
            }
            break;
        case C_CLOSED:
            if (c->retry_at != 0 && now >= c->retry_at && !t->stopping)
                conn_start(c);
            break;
        default:
            break;
        }
    }
    if (any_ready || t->inflight > 0)
        t->last_ready_ns = now;
    else if (!t->stopping && now - t->last_ready_ns > e->timeout_ns) {
        /* Nothing connects: give up instead of retrying forever (matters with -n only). */
        t->stopping = true;
        sc_load_result_note(t->res, "thread %u: no connection for %.1fs, stopping early", t->idx,
                            (double)e->timeout_ns / 1e9);
    }
    if (t->idx == 0 && e->o->progress != NULL && now - t->last_progress_report >= 1000000000u) {
        t->last_progress_report = now;
        e->o->progress(e->o->progress_ud, t->res->responses, now - e->start_ns);
    }
    if (t->rate_mode && t->nidle > 0 && sc_pace_due(&t->pace, now) > 0)
        on_pacer(&t->pacer, 0, 0);
    thr_maybe_finish(t);
}

static void *thr_main(void *arg)
{
    struct thr *t = arg;
    struct engine *e = t->e;

    t->tick.data = t;
    uv_timer_init(&t->loop, &t->tick);
    t->open_handles++;
    uv_timer_start(&t->tick, on_tick, TICK_MS, TICK_MS);
    if (t->tfd >= 0) {
        uv_poll_init(&t->loop, &t->pacer, t->tfd);
        t->pacer.data = t;
        t->open_handles++;
        uv_poll_start(&t->pacer, UV_READABLE, on_pacer);
    }
    t->last_ready_ns = uv_hrtime();
    t->initial_pending = t->nconns;
    for (unsigned i = 0; i < t->nconns && !t->stopping; i++)
        conn_start(&t->conns[i]);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    if (t->end_ns == 0)
        t->end_ns = uv_hrtime();
    (void)e;
    return NULL;
}

/* ---- set-up ------------------------------------------------------------------------ */

void sc_load_opts_init(struct sc_load_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->method = "GET";
    o->connections = 10;
    o->threads = 1;
    o->pipeline = 1;
    o->timeout_ns = 10000000000ull;
    o->identity_header = "x-smi-pod";
}

int sc_load_validate(const struct sc_load_opts *o, struct sc_err *err)
{
    struct sc_url u;

    if (sc_url_parse(o->url, &u, err) != 0)
        return SC_EINVAL;
    sc_url_release(&u);
    if (o->proxy != NULL) {
        if (sc_url_parse(o->proxy, &u, err) != 0)
            return sc_err_prefix(err, "invalid proxy");
        if (u.tls) {
            sc_url_release(&u);
            return sc_err_set(err, SC_EINVAL,
                              "invalid proxy '%s': only http:// proxies are "
                              "supported",
                              o->proxy);
        }
        sc_url_release(&u);
    }
    if (o->method == NULL || !sc_is_token(o->method))
        return sc_err_set(err, SC_EINVAL, "invalid method '%s'", o->method ? o->method : "");
    if (o->connections == 0 || o->connections > SC_LOAD_MAX_CONNECTIONS)
        return sc_err_set(err, SC_EINVAL, "connections must be between 1 and %d, not %u",
                          SC_LOAD_MAX_CONNECTIONS, o->connections);
    if (o->threads == 0 || o->threads > SC_LOAD_MAX_THREADS)
        return sc_err_set(err, SC_EINVAL, "threads must be between 1 and %d, not %u",
                          SC_LOAD_MAX_THREADS, o->threads);
    if (o->pipeline == 0 || o->pipeline > SC_LOAD_MAX_PIPELINE)
        return sc_err_set(err, SC_EINVAL, "pipeline depth must be between 1 and %d, not %u",
                          SC_LOAD_MAX_PIPELINE, o->pipeline);
    if (o->duration_ns == 0 && o->requests == 0)
        return sc_err_set(err, SC_EINVAL,
                          "the run is unbounded: give a duration or a request "
                          "count");
    if (!isfinite(o->rate) || o->rate < 0)
        return sc_err_set(err, SC_EINVAL, "invalid rate %g: must be a non-negative number",
                          o->rate);
    if (o->rate > 1e8)
        return sc_err_set(err, SC_EINVAL, "rate %g req/s is beyond any loopback: at most 1e8",
                          o->rate);
    if (o->timeout_ns == 0)
        return sc_err_set(err, SC_EINVAL, "timeout must be greater than zero");
    for (size_t i = 0; i < o->nheaders; i++) {
        const char *h = o->headers[i], *colon = strchr(h, ':');
        if (colon == NULL || colon == h || strpbrk(h, "\r\n") != NULL) {
            return sc_err_set(err, SC_EINVAL, "invalid header '%s': expected 'Name: value'", h);
        }
        for (const char *p = h; p < colon; p++)
            if (!sc_is_token((char[]){*p, '\0'}))
                return sc_err_set(err, SC_EINVAL, "invalid header name in '%s'", h);
    }
    if (o->identity_header != NULL && strlen(o->identity_header) > SC_RESP_FIELD_MAX)
        return sc_err_set(err, SC_EINVAL, "identity header name longer than %d characters",
                          SC_RESP_FIELD_MAX);
    return 0;
}

static bool has_header(const struct sc_load_opts *o, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < o->nheaders; i++)
        if (strlen(o->headers[i]) > n && o->headers[i][n] == ':' &&
            sc_ascii_ieq(o->headers[i], name, n))
            return true;
    return false;
}

static void build_request(struct engine *e)
{
    const struct sc_load_opts *o = e->o;
    size_t cap = 512 + strlen(e->url.path) + strlen(e->url.authority) * 2 + o->body_len;
    char *r, *p;
    bool body = o->body != NULL || strcmp(o->method, "POST") == 0 ||
                strcmp(o->method, "PUT") == 0 || strcmp(o->method, "PATCH") == 0;

    for (size_t i = 0; i < o->nheaders; i++)
        cap += strlen(o->headers[i]) + 2;
    r = p = sc_xcalloc(1, cap);
    if (o->proxy != NULL && !e->url.tls)
        p += sprintf(p, "%s http://%s%s HTTP/1.1\r\n", o->method, e->url.authority, e->url.path);
    else
        p += sprintf(p, "%s %s HTTP/1.1\r\n", o->method, e->url.path);
    if (!has_header(o, "Host"))
        p += sprintf(p, "Host: %s\r\n", e->url.authority);
    if (!has_header(o, "User-Agent"))
        p += sprintf(p, "User-Agent: smi-conformance/%s\r\n", SC_VERSION);
    for (size_t i = 0; i < o->nheaders; i++)
        p += sprintf(p, "%s\r\n", o->headers[i]);
    if (body && !has_header(o, "Content-Length"))
        p += sprintf(p, "Content-Length: %zu\r\n", o->body_len);
    p += sprintf(p, "\r\n");
    if (o->body_len > 0) {
        memcpy(p, o->body, o->body_len);
        p += o->body_len;
    }
    e->req_len = (size_t)(p - r);
    e->reqs = sc_xcalloc(e->pipeline, e->req_len);
    for (unsigned i = 0; i < e->pipeline; i++)
        memcpy(e->reqs + i * e->req_len, r, e->req_len);
    free(r);
    if (o->proxy != NULL && e->url.tls) {
        size_t n = strlen(e->url.host) * 2 + 128;
        bool v6 = strchr(e->url.host, ':') != NULL;
        e->tunnel = sc_xcalloc(1, n);
        snprintf(e->tunnel, n, "CONNECT %s%s%s:%s HTTP/1.1\r\nHost: %s%s%s:%s\r\n\r\n",
                 v6 ? "[" : "", e->url.host, v6 ? "]" : "", e->url.port, v6 ? "[" : "", e->url.host,
                 v6 ? "]" : "", e->url.port);
    }
}

static int resolve(const char *host, const char *port, struct sockaddr_storage *ss, socklen_t *len,
                   struct sc_err *err)
{
    struct addrinfo hints, *ai = NULL;
    int rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0)
        return sc_err_set(err, SC_ECONNECT, "cannot resolve host '%s': %s", host, gai_strerror(rc));
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

static void thr_release(struct thr *t)
{
    if (t->conns != NULL) {
        for (unsigned i = 0; i < t->nconns; i++) {
            free(t->conns[i].intended);
            free(t->conns[i].sent_at);
        }
    }
    free(t->conns);
    free(t->idle);
    free(t->slots);
    if (t->tfd >= 0)
        close(t->tfd);
    if (t->res != NULL)
        sc_load_result_free(t->res);
}

int sc_load_run(const struct sc_load_opts *o, struct sc_load_result **out, struct sc_err *err)
{
    struct engine e;
    struct thr *thrs = NULL;
    struct sc_load_result *res = NULL;
    struct sc_url proxy;
    unsigned nthreads = o->threads, conns_left;
    int rc;
    char what[600];

    *out = NULL;
    rc = sc_load_validate(o, err);
    if (rc != 0)
        return rc;
    memset(&e, 0, sizeof(e));
    memset(&proxy, 0, sizeof(proxy));
    e.o = o;
    e.pipeline = o->pipeline;
    e.timeout_ns = o->timeout_ns;
    if (sc_url_parse(o->url, &e.url, err) != 0)
        return SC_EINVAL;
    e.head = strcmp(o->method, "HEAD") == 0;
    e.identity_on = o->identity_header != NULL && o->identity_header[0] != '\0';
    res = sc_load_result_new();

    if (o->proxy != NULL) {
        if (sc_url_parse(o->proxy, &proxy, err) != 0) {
            rc = SC_EINVAL;
            goto out_release;
        }
        rc = resolve(proxy.host, proxy.port, &e.addr, &e.addrlen, err);
        snprintf(what, sizeof(what), "proxy %s", proxy.authority);
    } else {
        rc = resolve(e.url.host, e.url.port, &e.addr, &e.addrlen, err);
        snprintf(what, sizeof(what), "%s", e.url.authority);
    }
    if (rc != 0)
        goto out_release;
    if (e.url.tls) {
        e.ssl_ctx = sc_tls_client_ctx(o->cafile, o->insecure, err);
        if (e.ssl_ctx == NULL) {
            rc = err ? err->code : SC_EINVAL;
            goto out_release;
        }
    }
    build_request(&e);
    if (!o->no_preflight) {
        uint64_t pt = o->timeout_ns < 5000000000ull ? o->timeout_ns : 5000000000ull;
        rc = sc_net_preflight((struct sockaddr *)&e.addr, e.addrlen, what, e.tunnel, e.ssl_ctx,
                              e.url.host, o->insecure, pt, err);
        if (rc != 0)
            goto out_release;
    }
    {
        /* libuv writes with write(2): a peer that resets must not kill the process. */
        struct sigaction sa;
        if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
            signal(SIGPIPE, SIG_IGN);
    }

    res->url = sc_xstrdup(o->url);
    res->method = sc_xstrdup(o->method);
    res->identity_header = sc_xstrdup(o->identity_header ? o->identity_header : "");
    res->pipeline = o->pipeline;
    res->target_rate = o->rate;
    res->duration_ns = o->duration_ns;
    res->request_limit = o->requests;
    if (nthreads > o->connections) {
        sc_load_result_note(res, "%u threads for %u connections: using %u threads", nthreads,
                            o->connections, o->connections);
        nthreads = o->connections;
    }
    if (o->rate > 0 && o->rate < nthreads) {
        unsigned n = o->rate < 1 ? 1 : (unsigned)o->rate;
        sc_load_result_note(res, "rate %g req/s is lower than %u threads: using %u threads",
                            o->rate, nthreads, n);
        nthreads = n;
    }
    if (o->requests > 0 && o->requests < nthreads) {
        sc_load_result_note(res, "%llu requests for %u threads: using %llu threads",
                            (unsigned long long)o->requests, nthreads,
                            (unsigned long long)o->requests);
        nthreads = (unsigned)o->requests;
    }
    res->threads = nthreads;
    res->connections = o->connections;

    thrs = sc_xcalloc(nthreads, sizeof(*thrs));
    conns_left = o->connections;
    for (unsigned i = 0; i < nthreads; i++) {
        struct thr *t = &thrs[i];
        unsigned nc = o->connections / nthreads + (i < o->connections % nthreads ? 1 : 0);
        t->e = &e;
        t->idx = i;
        t->tfd = -1;
        t->nconns = nc;
        conns_left -= nc;
        t->conns = sc_xcalloc(nc, sizeof(*t->conns));
        t->idle = sc_xcalloc(nc, sizeof(*t->idle));
        for (unsigned k = 0; k < nc; k++) {
            t->conns[k].t = t;
            t->conns[k].intended = sc_xcalloc(e.pipeline, sizeof(uint64_t));
            t->conns[k].sent_at = sc_xcalloc(e.pipeline, sizeof(uint64_t));
        }
        t->limit = UINT64_MAX;
        if (o->requests > 0)
            t->limit = o->requests / nthreads + (i < o->requests % nthreads ? 1 : 0);
        t->res = sc_load_result_new();
        if (o->rate > 0) {
            t->rate_mode = true;
            t->rate = o->rate * (double)nc / (double)o->connections;
            t->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
            if (t->tfd < 0) {
                rc = sc_err_set(err, SC_ESYS, "cannot create a timer: %s", strerror(errno));
                goto out_threads;
            }
        }
        if (uv_loop_init(&t->loop) != 0) {
            rc = sc_err_set(err, SC_ESYS, "cannot create an event loop");
            goto out_threads;
        }
        t->setup_rc = 1; /* loop initialised */
    }
    (void)conns_left;

    e.start_ns = uv_hrtime();
    for (unsigned i = 0; i < nthreads; i++) {
        struct thr *t = &thrs[i];
        t->deadline_ns = o->duration_ns ? e.start_ns + o->duration_ns : UINT64_MAX;
        if (pthread_create(&t->tid, NULL, thr_main, t) != 0) {
            rc = sc_err_set(err, SC_ESYS, "cannot start load thread %u", i);
            /* Threads already running stop at their bound; wait for them below. */
            for (unsigned k = i; k < nthreads; k++)
                thrs[k].setup_rc = 2;
            break;
        }
    }
    {
        uint64_t end = e.start_ns;
        for (unsigned i = 0; i < nthreads; i++) {
            struct thr *t = &thrs[i];
            if (t->setup_rc != 1)
                continue;
            pthread_join(t->tid, NULL);
            for (size_t k = 0; k < t->nslots; k++)
                if (t->slots[k].count > 0)
                    sc_load_result_add_backend(t->res, t->slots[k].name, t->slots[k].len,
                                               t->slots[k].count);
            if (!t->rate_mode)
                sc_hist_merge(t->res->latency_uncorrected, t->res->latency);
            sc_load_result_merge(res, t->res);
            if (t->end_ns > end)
                end = t->end_ns;
        }
        res->elapsed_ns = end - e.start_ns;
    }
    if (res->target_rate > 0 && res->elapsed_ns > 0) {
        double achieved = sc_load_result_achieved_rate(res);
        if (achieved < 0.99 * res->target_rate)
            sc_load_result_note(res,
                                "target rate %.0f req/s not sustained: sent %.0f req/s, "
                                "%llu due requests unsent, max send lag %.2fms",
                                res->target_rate, achieved, (unsigned long long)res->unsent,
                                (double)res->max_lag_ns / 1e6);
    }

out_threads:
    for (unsigned i = 0; i < nthreads && thrs != NULL; i++) {
        if (thrs[i].setup_rc >= 1)
            uv_loop_close(&thrs[i].loop);
        thr_release(&thrs[i]);
    }
    free(thrs);
out_release:
    if (rc == 0) {
        *out = res;
        res = NULL;
    }
    if (res != NULL)
        sc_load_result_free(res);
    if (e.ssl_ctx != NULL)
        SSL_CTX_free(e.ssl_ctx);
    free(e.reqs);
    free(e.tunnel);
    sc_url_release(&e.url);
    sc_url_release(&proxy);
    return rc;
}

/* conn.c - one load connection's state machine: connect, CONNECT tunnel and TLS when asked,
 * pipelined writes, responses counted per status and backend, close and reconnect. The bytes
 * move through the thread's I/O backend (io_epoll.c). */
#include <errno.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/util.h"
#include "load/engine_int.h"
#include "load/tls.h"

#define RETRY_DELAY_NS 10000000ull /* back-off before reconnecting after a connect error */

/* ---- writing -------------------------------------------------------------------- */

/* With a timeline: the requests in flight (at least one: a failed connect) failed with kind. */
static void record_failed(struct conn *c, enum sc_load_errkind kind)
{
    struct thr *t = c->t;
    int outcome = -1 - (int)kind;

    if (!t->e->o->timeline)
        return;
    if (c->h2 != NULL && c->inflight > 0) {
        sc_load_h2_record_failed(c, outcome);
        return;
    }
    if (c->inflight == 0)
        sc_load_timeline_add(t->res, c->since - t->e->start_ns, outcome, c->serial);
    for (unsigned i = 0; i < c->inflight; i++)
        sc_load_timeline_add(t->res, c->sent_at[(c->head + i) % t->e->pipeline] - t->e->start_ns,
                             outcome, c->serial);
}

static const char *errstr(int status)
{
    return strerror(status < 0 ? -status : status);
}

void sc_load_conn_on_write_error(struct conn *c, int status)
{
    if (c->st == C_CLOSING || c->st == C_CLOSED || status == -ECANCELED)
        return;
    record_failed(c, SC_LERR_WRITE);
    sc_load_thr_fail(c->t, SC_LERR_WRITE, c->inflight ? c->inflight : 1, errstr(status));
    c->t->inflight -= c->inflight;
    c->inflight = 0;
    sc_load_conn_close(c, true);
}

static int raw_write(struct conn *c, const char *data, size_t len, bool owned)
{
    return c->t->io->write(c, data, len, owned);
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
        return -ENOMEM;
    n = BIO_read(c->wbio, buf, (int)pending);
    if (n <= 0) {
        /* A memory BIO holding `pending` bytes gives them; if not, the record is lost. */
        free(buf);
        ERR_clear_error();
        return -EPROTO;
    }
    return raw_write(c, buf, (size_t)n, true);
}

int sc_load_conn_send_owned(struct conn *c, char *data, size_t len)
{
    int r;

    if (c->ssl == NULL)
        return raw_write(c, data, len, true);
    r = SSL_write(c->ssl, data, (int)len) <= 0 ? -EPROTO : tls_flush(c);
    ERR_clear_error();
    free(data);
    return r;
}

static int conn_write(struct conn *c, const char *data, size_t len)
{
    if (c->ssl == NULL)
        return raw_write(c, data, len, false);
    if (SSL_write(c->ssl, data, (int)len) <= 0) {
        ERR_clear_error();
        return -EPROTO;
    }
    return tls_flush(c);
}

/* ---- issuing requests ----------------------------------------------------------- */

/* Open loop: take what the pacer says is due, up to `room`; 0 parks the connection idle. */
static unsigned take_paced(struct conn *c, unsigned room, uint64_t now)
{
    struct thr *t = c->t;
    unsigned n = 0;
    uint64_t when;

    while (n < room && sc_pace_take(&t->pace, now, &when)) {
        unsigned slot = (c->head + c->inflight + n) % t->e->pipeline;
        c->intended[slot] = when;
        c->sent_at[slot] = now;
        if (now - when > t->res->max_lag_ns)
            t->res->max_lag_ns = now - when;
        n++;
    }
    if (n == 0) {
        sc_load_thr_idle_add(c);
        sc_load_thr_pacer_arm(t);
    }
    return n;
}

/* Closed loop: as many as fit, intended now. */
static unsigned take_closed(struct conn *c, unsigned room, uint64_t now)
{
    struct thr *t = c->t;
    uint64_t left = t->limit - t->issued;
    unsigned n = room < left ? room : (unsigned)left;

    for (unsigned i = 0; i < n; i++) {
        unsigned slot = (c->head + c->inflight + i) % t->e->pipeline;
        c->intended[slot] = now;
        c->sent_at[slot] = now;
    }
    return n;
}

void sc_load_conn_fill(struct conn *c)
{
    struct thr *t = c->t;
    struct engine *e = t->e;
    unsigned room, n;
    uint64_t now;
    int r;

    if (c->st != C_READY || c->close_after || t->stopping)
        return;
    room = e->pipeline - c->inflight;
    if (room == 0)
        return;
    /* In the read path the clock was just read; elsewhere read it now. */
    now = t->in_read ? t->now : sc_now_ns();
    if (now >= t->deadline_ns) {
        /* Checked here, not only on the tick: at 50k req/s a 5 ms tick is 250 requests. */
        t->stopping = true;
        return;
    }
    if (c->h2 != NULL) {
        sc_load_h2_fill(c, now);
        return;
    }
    n = t->rate_mode ? take_paced(c, room, now) : take_closed(c, room, now);
    if (n == 0)
        return;
    sc_load_thr_idle_remove(c);
    c->inflight += n;
    t->inflight += n;
    t->issued += n;
    t->res->sent += n;
    t->res->bytes_written += (uint64_t)n * e->req_len;
    r = conn_write(c, e->reqs, (size_t)n * e->req_len);
    if (r < 0) {
        record_failed(c, SC_LERR_WRITE);
        sc_load_thr_fail(t, SC_LERR_WRITE, c->inflight, errstr(r));
        t->inflight -= c->inflight;
        c->inflight = 0;
        sc_load_conn_close(c, true);
    }
}

/* ---- responses ---------------------------------------------------------------------- */

/* Inline in the HTTP/1.1 path (on_response); h2.c calls it through the exported wrapper. */
static inline void count_response(struct conn *c, uint64_t intended, uint64_t sent, int status,
                                  const char *backend, size_t backend_len)
{
    struct thr *t = c->t;
    struct sc_load_result *res = t->res;
    uint64_t now = t->now;

    sc_hist_record(res->latency, (now - intended) / 1000);
    if (t->e->o->timeline)
        sc_load_timeline_add(res, sent - t->e->start_ns, status, c->serial);
    /* In closed loop the two are the same; the copy is made once at the end. */
    if (t->rate_mode)
        sc_hist_record(res->latency_uncorrected, (now - sent) / 1000);
    res->responses++;
    if (status >= 0 && status < SC_LOAD_STATUS_MAX)
        res->status[status]++;
    else
        res->status_other++;
    if (t->e->identity_on) {
        if (backend != NULL)
            sc_load_thr_count_backend(t, backend, backend_len);
        else
            res->no_identity++;
    }
}

void sc_load_conn_count_response(struct conn *c, uint64_t intended, uint64_t sent, int status,
                                 const char *backend, size_t backend_len)
{
    count_response(c, intended, sent, status, backend, backend_len);
}

static void on_response(void *ud, const struct sc_resp *r)
{
    struct conn *c = ud;
    struct thr *t = c->t;
    uint64_t intended, sent;

    if (c->inflight == 0) {
        c->unsolicited = true;
        return;
    }
    intended = c->intended[c->head];
    sent = c->sent_at[c->head];
    c->head = (c->head + 1) % t->e->pipeline;
    c->inflight--;
    t->inflight--;
    count_response(c, intended, sent, r->status, r->backend, r->backend_len);
    if (!r->keep_alive)
        c->close_after = true;
}

/* Requests still in flight on a connection that is going away are failed. */
void sc_load_conn_fail(struct conn *c, enum sc_load_errkind kind, const char *why)
{
    struct thr *t = c->t;
    record_failed(c, kind);
    sc_load_thr_fail(t, kind, c->inflight ? c->inflight : 1, why);
    t->inflight -= c->inflight;
    c->inflight = 0;
    sc_load_conn_close(c, true);
}

static void feed_plain(struct conn *c, const char *data, size_t len)
{
    if (c->h2 != NULL) {
        sc_load_h2_feed(c, data, len);
        return;
    }
    if (sc_resp_parser_feed(&c->rp, data, len) != 0) {
        sc_load_conn_fail(c, SC_LERR_PROTOCOL, sc_resp_parser_error(&c->rp));
        return;
    }
    if (c->unsolicited) {
        sc_load_conn_fail(c, SC_LERR_PROTOCOL, "response without a request");
        return;
    }
    if (c->close_after) {
        if (c->inflight > 0) {
            sc_load_conn_fail(c, SC_LERR_READ, "server closed with pipelined requests unanswered");
            return;
        }
        sc_load_conn_close(c, true);
        return;
    }
    sc_load_conn_fill(c);
}

static void conn_ready(struct conn *c)
{
    struct thr *t = c->t;
    c->st = C_READY;
    c->failed_connect = false;
    t->res->connections_opened++;
    if (c->h2 != NULL)
        sc_load_h2_begin(c);
    else
        sc_resp_parser_init(&c->rp, t->e->o->identity_header, t->e->head, on_response, c);
    if (t->initial_pending > 0 && --t->initial_pending == 0)
        sc_load_thr_pace_start(t);
    sc_load_conn_fill(c);
}

static void conn_eof(struct conn *c)
{
    if (c->h2 != NULL) {
        if (c->inflight > 0)
            sc_load_conn_fail(c, sc_load_h2_eof_kind(c),
                              "server closed the connection with streams unanswered");
        else
            sc_load_conn_close(c, true);
        return;
    }
    if (sc_resp_parser_eof(&c->rp) != 0 || c->inflight > 0) {
        /* A close-delimited response may just have completed; what is still in flight
         * was cut short. */
        if (c->inflight > 0) {
            sc_load_conn_fail(c, SC_LERR_READ, "server closed the connection before responding");
            return;
        }
        sc_load_conn_fail(c, SC_LERR_READ, "server closed the connection mid-response");
        return;
    }
    sc_load_conn_close(c, true);
}

/* ---- TLS and the CONNECT tunnel ------------------------------------------------------ */

static bool tls_wants_io(SSL *ssl, int r)
{
    int e = SSL_get_error(ssl, r);
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

/* Handshake with what arrived; returns whether the connection is ready for requests. */
static bool tls_handshake(struct conn *c)
{
    int r = SSL_do_handshake(c->ssl);

    if (r != 1) {
        if (tls_wants_io(c->ssl, r)) {
            if (tls_flush(c) < 0)
                sc_load_conn_fail(c, SC_LERR_WRITE, "TLS write failed");
            return false;
        }
        char why[256];
        c->failed_connect = true;
        sc_load_conn_fail(c, SC_LERR_CONNECT, sc_tls_describe(c->ssl, why, sizeof(why)));
        return false;
    }
    if (tls_flush(c) < 0) {
        sc_load_conn_fail(c, SC_LERR_WRITE, "TLS write failed");
        return false;
    }
    if (c->h2 != NULL && !sc_tls_alpn_is_h2(c->ssl)) {
        /* RFC 9113 section 3.2: "h2" must be selected by ALPN, else no HTTP/2 over TLS. */
        c->failed_connect = true;
        sc_load_conn_fail(c, SC_LERR_CONNECT, "server did not select HTTP/2 (ALPN h2)");
        return false;
    }
    conn_ready(c);
    return c->st == C_READY;
}

static void tls_read(struct conn *c, const char *data, size_t len)
{
    struct thr *t = c->t;

    if (BIO_write(c->rbio, data, (int)len) != (int)len) {
        ERR_clear_error();
        sc_load_conn_fail(c, SC_LERR_PROTOCOL, "TLS buffer error");
        return;
    }
    if (c->st == C_HANDSHAKE && !tls_handshake(c))
        return;
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
        sc_load_conn_fail(c, SC_LERR_PROTOCOL, sc_tls_describe(c->ssl, why, sizeof(why)));
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
        ERR_clear_error();
        sc_load_conn_fail(c, SC_LERR_CONNECT, "cannot create a TLS session");
        return;
    }
    c->rbio = BIO_new(BIO_s_mem());
    c->wbio = BIO_new(BIO_s_mem());
    if (c->rbio == NULL || c->wbio == NULL) {
        BIO_free(c->rbio);
        BIO_free(c->wbio);
        c->rbio = c->wbio = NULL;
        ERR_clear_error();
        sc_load_conn_fail(c, SC_LERR_CONNECT, "cannot create TLS buffers");
        return;
    }
    SSL_set_bio(c->ssl, c->rbio, c->wbio);
    if (sc_tls_set_host(c->ssl, e->url.host, e->o->insecure, &err) != 0) {
        sc_load_conn_fail(c, SC_LERR_CONNECT, err.msg);
        return;
    }
    SSL_set_connect_state(c->ssl);
    c->st = C_HANDSHAKE;
    /* The first step only writes the ClientHello: it wants to read, nothing else. */
    r = SSL_do_handshake(c->ssl);
    if (r != 1 && !tls_wants_io(c->ssl, r)) {
        char why[256];
        c->failed_connect = true;
        sc_load_conn_fail(c, SC_LERR_CONNECT, sc_tls_describe(c->ssl, why, sizeof(why)));
        return;
    }
    if (tls_flush(c) < 0)
        sc_load_conn_fail(c, SC_LERR_CONNECT, "TLS write failed");
}

static void tunnel_read(struct conn *c, const char *data, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        if (c->tunlen >= sizeof(c->tunbuf) - 1) {
            c->failed_connect = true;
            sc_load_conn_fail(c, SC_LERR_CONNECT, "proxy answer to CONNECT too long");
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
        sc_load_conn_fail(c, SC_LERR_CONNECT, "proxy refused CONNECT");
        return;
    }
    tls_begin(c);
    if (c->st == C_HANDSHAKE && i + 1 < len)
        tls_read(c, data + i + 1, len - i - 1);
}

/* ---- reading ------------------------------------------------------------------------- */

void sc_load_conn_on_read_end(struct conn *c, int status)
{
    if (c->st == C_CLOSING || c->st == C_CLOSED)
        return;
    if (status == 0) {
        if (c->st == C_TUNNEL || c->st == C_HANDSHAKE || c->st == C_CONNECTING) {
            c->failed_connect = true;
            sc_load_conn_fail(c, SC_LERR_CONNECT, "closed during connection set-up");
        } else {
            conn_eof(c);
        }
    } else if (status == -ECONNRESET) {
        sc_load_conn_fail(c, SC_LERR_RESET, errstr(status));
    } else {
        sc_load_conn_fail(c, SC_LERR_READ, errstr(status));
    }
}

void sc_load_conn_on_read(struct conn *c, const char *data, size_t len)
{
    if (c->st == C_CLOSING || c->st == C_CLOSED)
        return;
    c->t->now = sc_now_ns();
    c->t->in_read = true;
    switch (c->st) {
    case C_TUNNEL:
        tunnel_read(c, data, len);
        break;
    case C_HANDSHAKE:
    case C_READY:
        if (c->ssl != NULL) {
            tls_read(c, data, len);
        } else {
            c->t->res->bytes_read += (uint64_t)len;
            feed_plain(c, data, len);
        }
        break;
    default:
        break;
    }
    c->t->in_read = false;
}

/* ---- connections ------------------------------------------------------------------- */

void sc_load_conn_on_connect(struct conn *c, int status)
{
    struct engine *e = c->t->e;
    int r;

    if (c->st != C_CONNECTING)
        return; /* closed meanwhile */
    if (status < 0) {
        c->failed_connect = true;
        sc_load_conn_fail(c, SC_LERR_CONNECT, errstr(status));
        return;
    }
    if (e->tunnel != NULL) {
        c->st = C_TUNNEL;
        c->tunlen = 0;
        r = raw_write(c, e->tunnel, strlen(e->tunnel), false);
        if (r < 0)
            sc_load_conn_fail(c, SC_LERR_CONNECT, errstr(r));
        return;
    }
    if (e->ssl_ctx != NULL) {
        tls_begin(c);
        return;
    }
    conn_ready(c);
}

void sc_load_conn_start(struct conn *c)
{
    struct thr *t = c->t;
    int r;

    c->retry_at = 0;
    c->close_after = false;
    c->unsolicited = false;
    c->inflight = 0;
    c->head = 0;
    c->since = sc_now_ns();
    c->serial = atomic_fetch_add(&t->e->conns_started, 1) + 1;
    c->st = C_CONNECTING;
    r = t->io->connect(c);
    if (r < 0) {
        c->failed_connect = true;
        sc_load_conn_fail(c, SC_LERR_CONNECT, errstr(r));
    }
}

void sc_load_conn_on_closed(struct conn *c)
{
    struct thr *t = c->t;

    if (c->ssl != NULL) {
        SSL_free(c->ssl);
        c->ssl = NULL;
        c->rbio = c->wbio = NULL;
    }
    sc_load_h2_end(c);
    c->st = C_CLOSED;
    /* No new connection once every request is issued (closed loop with a count). */
    if (c->want_reconnect && !t->stopping && t->issued < t->limit) {
        t->res->reconnects++;
        if (c->failed_connect)
            c->retry_at = sc_now_ns() + RETRY_DELAY_NS;
        else
            sc_load_conn_start(c);
    }
    sc_load_thr_maybe_finish(t);
}

void sc_load_conn_close(struct conn *c, bool reconnect)
{
    struct thr *t = c->t;

    if (c->st == C_CLOSING || c->st == C_CLOSED)
        return;
    if (c->st == C_CONNECTING || c->st == C_TUNNEL || c->st == C_HANDSHAKE) {
        /* Counts as resolved for the start of pacing, whatever the outcome. */
        if (t->initial_pending > 0 && --t->initial_pending == 0)
            sc_load_thr_pace_start(t);
    }
    sc_load_thr_idle_remove(c);
    t->inflight -= c->inflight;
    c->inflight = 0;
    c->st = C_CLOSING;
    c->want_reconnect = reconnect;
    t->io->close(c);
}

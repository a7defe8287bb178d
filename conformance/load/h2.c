/* h2.c - HTTP/2 and unary gRPC for the load engine on nghttp2's client session: the request
 * built once as a header list, one stream table per connection, every response and reset
 * counted where the stream closes, one nghttp2_session_mem_send drain per turn into one write.
 *
 * References: RFC 9113 (HTTP/2) sections 3.3 (prior knowledge), 5.1 (stream states), 5.2
 * (flow control), 6.5.2 (SETTINGS_MAX_HEADER_LIST_SIZE), 6.8 (GOAWAY), 8.7 (REFUSED_STREAM);
 * gRPC over HTTP/2, grpc/grpc doc/PROTOCOL-HTTP2.md (Length-Prefixed-Message, Trailers-Only). */
#include <nghttp2/nghttp2.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/util.h"
#include "load/engine_int.h"

/* RFC 9113 section 6.5.2: a field costs name + value + 32 bytes; beyond this a response's
 * header block is refused (the stream is reset, counted as a protocol error). */
#define H2_HEADER_LIST_MAX 65536
#define H2_WINDOW          ((1 << 30) - 1)
/* Re-fills after streams freed while sending (locally reset streams), per turn. */
#define H2_REFILL_MAX 4

/* The request as HTTP/2 header fields and body, built once per run. */
struct sc_h2_req {
    nghttp2_nv *nva;
    size_t nnv;
    char **owned; /* lowercased names and built values, freed with the request */
    size_t nowned;
    char *body; /* gRPC: the 5-byte prefix and the message; else the options' body */
    size_t body_len;
    bool has_body;
    size_t idlen; /* of the identity header's name */
    nghttp2_session_callbacks *cbs;
    nghttp2_option *opt;
};

struct h2stream {
    uint64_t intended, sent;
    size_t body_off;
    uint32_t hdr_bytes;
    int32_t id;
    int status;
    int grpc;          /* grpc-status; -1 missing, -2 malformed or above 16 */
    uint32_t rst_code; /* with `rst`: the server's RST_STREAM error code */
    bool in_use, ended, rst, proto_err, has_backend;
    uint8_t blen;
    char backend[SC_RESP_BACKEND_MAX];
};

struct sc_h2_conn {
    nghttp2_session *s;
    struct h2stream *st; /* e->pipeline (max_streams) slots */
    unsigned *free;      /* stack of free slot indices */
    unsigned nfree;
    bool goaway; /* the server sent GOAWAY: no new stream on this connection */
    int32_t goaway_last;
    bool in_feed;  /* inside sc_load_h2_feed: its end flushes once */
    bool freed;    /* a slot was freed while sending: fill again */
    bool dead;     /* the session is being deleted: callbacks count nothing */
    char why[160]; /* detail of the last local protocol error */
};

/* ---- the request, once per run ------------------------------------------------------- */

static void add_nv(struct sc_h2_req *r, const char *name, size_t nlen, const char *value,
                   size_t vlen)
{
    nghttp2_nv *nv = &r->nva[r->nnv++];
    nv->name = (uint8_t *)name;
    nv->namelen = nlen;
    nv->value = (uint8_t *)value;
    nv->valuelen = vlen;
    /* The strings live as long as the engine: nghttp2 need not copy them per request. */
    nv->flags = NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE;
}

static char *keep(struct sc_h2_req *r, char *s)
{
    r->owned[r->nowned++] = s;
    return s;
}

static void add_str(struct sc_h2_req *r, const char *name, const char *value)
{
    add_nv(r, name, strlen(name), value, strlen(value));
}

/* RFC 9113 section 8.2.2: connection-specific fields are not sent in HTTP/2; Host becomes
 * :authority (section 8.3.1). */
static bool connection_specific(const char *name, size_t n)
{
    static const char *const drop[] = {"connection",        "keep-alive", "proxy-connection",
                                       "transfer-encoding", "upgrade",    "host"};
    for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
        if (strlen(drop[i]) == n && sc_ascii_ieq(name, drop[i], n))
            return true;
    return false;
}

static void build_callbacks(struct sc_h2_req *r);

void sc_load_h2_prepare(struct engine *e)
{
    const struct sc_load_opts *o = e->o;
    struct sc_h2_req *r = sc_xcalloc(1, sizeof(*r));
    size_t cap = o->nheaders + 10;
    const char *authority = e->url.authority, *path = e->url.path;

    r->nva = sc_xcalloc(cap, sizeof(*r->nva));
    r->owned = sc_xcalloc(cap * 2 + 4, sizeof(char *));
    for (size_t i = 0; i < o->nheaders; i++) /* a Host header names the authority */
        if (strncasecmp(o->headers[i], "host:", 5) == 0)
            authority = keep(r, sc_xstrdup(o->headers[i] + 5 + strspn(o->headers[i] + 5, " \t")));
    if (o->grpc != NULL) {
        /* PROTOCOL-HTTP2.md: Method "POST", Path "/" Service-Name "/" method name. */
        size_t n = strlen(o->grpc) + 2;
        char *p = keep(r, sc_xcalloc(1, n));
        snprintf(p, n, "/%s", o->grpc);
        path = p;
    }
    add_str(r, ":method", o->grpc != NULL ? "POST" : o->method);
    add_str(r, ":scheme", e->url.tls ? "https" : "http");
    add_str(r, ":authority", authority);
    add_str(r, ":path", path);
    if (o->grpc != NULL) {
        /* PROTOCOL-HTTP2.md: TE "te" "trailers", Content-Type "application/grpc". */
        add_str(r, "content-type", "application/grpc");
        add_str(r, "te", "trailers");
    }
    add_str(r, "user-agent", "smi-conformance/" SC_VERSION);
    for (size_t i = 0; i < o->nheaders; i++) {
        const char *h = o->headers[i], *colon = strchr(h, ':');
        size_t nlen = (size_t)(colon - h);
        char *name, *value;
        if (connection_specific(h, nlen) || (nlen == 10 && sc_ascii_ieq(h, "user-agent", 10)))
            continue;
        name = keep(r, sc_xcalloc(1, nlen + 1));
        for (size_t k = 0; k < nlen; k++) /* RFC 9113 section 8.2.1: lowercase names */
            name[k] = (char)(h[k] >= 'A' && h[k] <= 'Z' ? h[k] + 32 : h[k]);
        value = keep(r, sc_xstrdup(colon + 1 + strspn(colon + 1, " \t")));
        add_str(r, name, value);
    }
    if (o->grpc != NULL) {
        /* Length-Prefixed-Message: Compressed-Flag 0, Message-Length (4 bytes big-endian). */
        r->body_len = o->body_len + 5;
        r->body = sc_xcalloc(1, r->body_len);
        r->body[1] = (char)((o->body_len >> 24) & 0xff);
        r->body[2] = (char)((o->body_len >> 16) & 0xff);
        r->body[3] = (char)((o->body_len >> 8) & 0xff);
        r->body[4] = (char)(o->body_len & 0xff);
        if (o->body_len > 0)
            memcpy(r->body + 5, o->body, o->body_len);
        r->has_body = true;
    } else if (o->body != NULL) {
        r->body = sc_xcalloc(1, o->body_len + 1);
        memcpy(r->body, o->body, o->body_len);
        r->body_len = o->body_len;
        r->has_body = true;
    }
    r->idlen = o->identity_header != NULL ? strlen(o->identity_header) : 0;
    build_callbacks(r);
    e->h2req = r;
}

void sc_load_h2_engine_release(struct engine *e)
{
    struct sc_h2_req *r = e->h2req;

    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nowned; i++)
        free(r->owned[i]);
    free(r->owned);
    free(r->nva);
    free(r->body);
    nghttp2_session_callbacks_del(r->cbs);
    nghttp2_option_del(r->opt);
    free(r);
    e->h2req = NULL;
}

/* ---- the stream table ------------------------------------------------------------------ */

void sc_load_h2_conn_init(struct conn *c)
{
    unsigned n = c->t->e->pipeline;
    struct sc_h2_conn *h = sc_xcalloc(1, sizeof(*h));

    h->st = sc_xcalloc(n, sizeof(*h->st));
    h->free = sc_xcalloc(n, sizeof(*h->free));
    c->h2 = h;
}

void sc_load_h2_conn_release(struct conn *c)
{
    if (c->h2 == NULL)
        return;
    if (c->h2->s != NULL)
        nghttp2_session_del(c->h2->s);
    free(c->h2->st);
    free(c->h2->free);
    free(c->h2);
    c->h2 = NULL;
}

static void reset_table(struct sc_h2_conn *h, unsigned n)
{
    h->nfree = n;
    for (unsigned i = 0; i < n; i++) {
        h->st[i].in_use = false;
        h->free[i] = n - 1 - i;
    }
}

static void slot_free(struct conn *c, struct h2stream *st)
{
    struct sc_h2_conn *h = c->h2;
    st->in_use = false;
    h->free[h->nfree++] = (unsigned)(st - h->st);
    c->inflight--;
    c->t->inflight--;
}

static struct h2stream *slot_by_id(struct sc_h2_conn *h, unsigned n, int32_t id)
{
    for (unsigned i = 0; i < n; i++)
        if (h->st[i].in_use && h->st[i].id == id)
            return &h->st[i];
    return NULL;
}

void sc_load_h2_record_failed(struct conn *c, int outcome)
{
    struct thr *t = c->t;
    struct sc_h2_conn *h = c->h2;

    for (unsigned i = 0; i < t->e->pipeline; i++)
        if (h->st[i].in_use)
            sc_load_timeline_add(t->res, h->st[i].sent - t->e->start_ns, outcome, c->serial);
}

uint64_t sc_load_h2_oldest(const struct conn *c)
{
    uint64_t oldest = UINT64_MAX;
    const struct sc_h2_conn *h = c->h2;

    for (unsigned i = 0; i < c->t->e->pipeline; i++)
        if (h->st[i].in_use && h->st[i].sent < oldest)
            oldest = h->st[i].sent;
    return oldest;
}

enum sc_load_errkind sc_load_h2_eof_kind(const struct conn *c)
{
    return c->h2 != NULL && c->h2->goaway ? SC_LERR_GOAWAY : SC_LERR_READ;
}

/* ---- outcomes -------------------------------------------------------------------------- */

static void count_grpc(struct sc_load_result *res, const struct h2stream *st)
{
    if (st->status != 200)
        return;
    if (st->grpc >= 0)
        res->grpc_status[st->grpc]++;
    else if (st->grpc == -1)
        res->grpc_status_missing++;
    else
        res->grpc_status_other++;
}

/* One failed stream: its kind, a timeline event, the first error's detail. */
static void stream_failed(struct conn *c, struct h2stream *st, enum sc_load_errkind kind,
                          const char *why)
{
    struct thr *t = c->t;

    if (t->e->o->timeline)
        sc_load_timeline_add(t->res, st->sent - t->e->start_ns, -1 - (int)kind, c->serial);
    sc_load_thr_fail(t, kind, 1, why);
    slot_free(c, st);
}

/* Where every stream ends (RFC 9113 section 5.1: "closed"): a complete response is counted
 * whatever follows it (a server may reset after the end of its response, section 8.1). */
static void stream_done(struct conn *c, struct h2stream *st, uint32_t error_code)
{
    struct sc_h2_conn *h = c->h2;
    char why[200];

    if (st->ended && st->status > 0 && !st->proto_err) {
        if (c->t->e->o->grpc != NULL)
            count_grpc(c->t->res, st);
        sc_load_conn_count_response(c, st->intended, st->sent, st->status,
                                    st->has_backend ? st->backend : NULL, st->blen);
        slot_free(c, st);
        return;
    }
    if (st->proto_err) {
        stream_failed(c, st, SC_LERR_PROTOCOL, h->why);
    } else if (st->rst) {
        /* Section 8.7: REFUSED_STREAM means the request was not processed at all. */
        snprintf(why, sizeof(why), "server reset stream %d: %s", st->id,
                 nghttp2_http2_strerror(st->rst_code));
        stream_failed(c, st,
                      st->rst_code == NGHTTP2_REFUSED_STREAM ? SC_LERR_REFUSED_STREAM
                                                             : SC_LERR_RST_STREAM,
                      why);
    } else if (h->goaway && st->id > h->goaway_last) {
        /* Section 6.8: streams above the GOAWAY's last stream id were not processed
         * (nghttp2 closes them itself, with REFUSED_STREAM as the code). */
        snprintf(why, sizeof(why), "stream %d above the GOAWAY's last stream id %d", st->id,
                 h->goaway_last);
        stream_failed(c, st, SC_LERR_GOAWAY, why);
    } else {
        snprintf(why, sizeof(why), "stream %d closed without a complete response: %s", st->id,
                 nghttp2_http2_strerror(error_code));
        stream_failed(c, st, SC_LERR_PROTOCOL, why);
    }
}

/* ---- nghttp2 callbacks ----------------------------------------------------------------- */

static bool counting(const struct conn *c)
{
    return c->st == C_READY && !c->h2->dead;
}

static int on_stream_close(nghttp2_session *s, int32_t id, uint32_t error_code, void *ud)
{
    struct conn *c = ud;
    struct h2stream *st = nghttp2_session_get_stream_user_data(s, id);

    if (st == NULL || !st->in_use || !counting(c))
        return 0;
    stream_done(c, st, error_code);
    if (!c->h2->in_feed)
        c->h2->freed = true;
    return 0;
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
    struct conn *c = ud;
    struct h2stream *st;

    if (!counting(c))
        return 0;
    if (f->hd.type == NGHTTP2_GOAWAY) {
        c->h2->goaway = true;
        c->h2->goaway_last = f->goaway.last_stream_id;
        return 0;
    }
    st = f->hd.stream_id > 0 ? nghttp2_session_get_stream_user_data(s, f->hd.stream_id) : NULL;
    if (st == NULL)
        return 0;
    if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) &&
        (f->hd.flags & NGHTTP2_FLAG_END_STREAM))
        st->ended = true;
    else if (f->hd.type == NGHTTP2_RST_STREAM) {
        st->rst = true;
        st->rst_code = f->rst_stream.error_code;
    }
    return 0;
}

/* A request never sent: after a GOAWAY (section 6.8) or a session error. */
static int on_frame_not_send(nghttp2_session *s, const nghttp2_frame *f, int lib_error, void *ud)
{
    struct conn *c = ud;
    struct h2stream *st;
    char why[160];
    (void)s;

    if (f->hd.type != NGHTTP2_HEADERS || !counting(c))
        return 0;
    st = slot_by_id(c->h2, c->t->e->pipeline, f->hd.stream_id);
    if (st == NULL)
        return 0;
    snprintf(why, sizeof(why), "request not sent: %s", nghttp2_strerror(lib_error));
    stream_failed(c, st, c->h2->goaway ? SC_LERR_GOAWAY : SC_LERR_PROTOCOL, why);
    if (!c->h2->in_feed)
        c->h2->freed = true;
    return 0;
}

static int parse_small(const uint8_t *v, size_t n, int max)
{
    int x = 0;
    if (n == 0 || n > 3)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        x = x * 10 + (v[i] - '0');
    }
    return x <= max ? x : -1;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags, void *ud)
{
    struct conn *c = ud;
    const struct sc_h2_req *r = c->t->e->h2req;
    struct h2stream *st;
    (void)flags;

    if (f->hd.type != NGHTTP2_HEADERS || !counting(c))
        return 0;
    st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
    if (st == NULL)
        return 0;
    st->hdr_bytes += (uint32_t)(namelen + valuelen + 32);
    if (st->hdr_bytes > H2_HEADER_LIST_MAX) {
        st->proto_err = true;
        snprintf(c->h2->why, sizeof(c->h2->why),
                 "response header block of stream %d beyond %d bytes", st->id, H2_HEADER_LIST_MAX);
        /* nghttp2 resets the stream; its close is counted as a protocol error */
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
        st->status = parse_small(value, valuelen, 999);
    } else if (namelen == 11 && memcmp(name, "grpc-status", 11) == 0) {
        /* Trailers, or the only header block of a Trailers-Only response. */
        int g = parse_small(value, valuelen, SC_LOAD_GRPC_STATUS_MAX - 1);
        st->grpc = g >= 0 ? g : -2;
    } else if (c->t->e->identity_on && namelen == r->idlen &&
               sc_ascii_ieq((const char *)name, c->t->e->o->identity_header, namelen)) {
        size_t n = valuelen < SC_RESP_BACKEND_MAX ? valuelen : SC_RESP_BACKEND_MAX;
        memcpy(st->backend, value, n);
        st->blen = (uint8_t)n;
        st->has_backend = true;
    }
    return 0;
}

static ssize_t body_read(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *ud)
{
    struct conn *c = ud;
    const struct sc_h2_req *r = c->t->e->h2req;
    struct h2stream *st = src->ptr;
    size_t left = r->body_len - st->body_off, n = left < len ? left : len;
    (void)s;
    (void)id;

    if (n > 0)
        memcpy(buf, r->body + st->body_off, n);
    st->body_off += n;
    if (st->body_off == r->body_len)
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

static void build_callbacks(struct sc_h2_req *r)
{
    if (nghttp2_session_callbacks_new(&r->cbs) != 0 || nghttp2_option_new(&r->opt) != 0)
        abort(); /* out of memory, like sc_xcalloc */
    nghttp2_session_callbacks_set_on_stream_close_callback(r->cbs, on_stream_close);
    nghttp2_session_callbacks_set_on_frame_recv_callback(r->cbs, on_frame_recv);
    nghttp2_session_callbacks_set_on_frame_not_send_callback(r->cbs, on_frame_not_send);
    nghttp2_session_callbacks_set_on_header_callback(r->cbs, on_header);
    /* Push is disabled in our SETTINGS; a push promise is then a connection error. */
    nghttp2_option_set_max_reserved_remote_streams(r->opt, 0);
}

/* ---- sending --------------------------------------------------------------------------- */

/* Drain everything nghttp2 has to send into one buffer and one write. */
static int h2_flush(struct conn *c)
{
    struct sc_h2_conn *h = c->h2;
    char *buf = NULL;
    size_t len = 0, cap = 0;

    for (;;) {
        const uint8_t *data;
        ssize_t n = nghttp2_session_mem_send(h->s, &data);
        if (n < 0) {
            free(buf);
            snprintf(h->why, sizeof(h->why), "HTTP/2 send: %s", nghttp2_strerror((int)n));
            return -1;
        }
        if (n == 0)
            break;
        if (len + (size_t)n > cap) {
            cap = cap ? cap * 2 : 4096;
            while (cap < len + (size_t)n)
                cap *= 2;
            buf = realloc(buf, cap);
            if (buf == NULL)
                abort();
        }
        memcpy(buf + len, data, (size_t)n);
        len += (size_t)n;
    }
    if (len == 0)
        return 0;
    c->t->res->bytes_written += len;
    if (sc_load_conn_send_owned(c, buf, len) < 0) {
        snprintf(h->why, sizeof(h->why), "write failed");
        return -1;
    }
    return 0;
}

/* Send; streams freed while sending (reset locally) make room for more, a few times. */
static void h2_send(struct conn *c)
{
    struct sc_h2_conn *h = c->h2;

    /* A stream may complete while sending (its response came first): stamp it now. */
    if (!c->t->in_read)
        c->t->now = sc_now_ns();

    for (int i = 0; i < H2_REFILL_MAX; i++) {
        h->freed = false;
        if (h2_flush(c) != 0) {
            sc_load_conn_fail(c, SC_LERR_WRITE, h->why);
            return;
        }
        if (!h->freed || c->st != C_READY)
            break;
        h->in_feed = true; /* fill without flushing: the next turn of this loop does */
        sc_load_conn_fill(c);
        h->in_feed = false;
    }
    if (c->st != C_READY)
        return;
    if (!nghttp2_session_want_read(h->s) && !nghttp2_session_want_write(h->s)) {
        /* The session ended: a GOAWAY either way (ours after a connection error). */
        if (c->inflight > 0)
            sc_load_conn_fail(c, h->goaway ? SC_LERR_GOAWAY : SC_LERR_PROTOCOL,
                              h->goaway ? "connection ended after GOAWAY"
                                        : "HTTP/2 connection error");
        else
            sc_load_conn_close(c, true);
    } else if (h->goaway && c->inflight == 0) {
        sc_load_conn_close(c, true); /* no new stream after GOAWAY: reconnect */
    }
}

void sc_load_h2_begin(struct conn *c)
{
    struct sc_h2_conn *h = c->h2;
    const struct sc_h2_req *r = c->t->e->h2req;
    /* Windows as large as h2load's defaults allow (2^30 - 1): flow control (section 5.2)
     * never holds back the responses; nghttp2 sends the WINDOW_UPDATEs as data is read. */
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, H2_HEADER_LIST_MAX},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, H2_WINDOW},
    };

    reset_table(h, c->t->e->pipeline);
    h->goaway = h->dead = h->freed = h->in_feed = false;
    h->why[0] = '\0';
    if (nghttp2_session_client_new2(&h->s, r->cbs, c, r->opt) != 0)
        abort();
    /* The preface and these SETTINGS go with the first requests, in the same write. */
    if (nghttp2_submit_settings(h->s, NGHTTP2_FLAG_NONE, iv, sizeof(iv) / sizeof(iv[0])) != 0 ||
        nghttp2_session_set_local_window_size(h->s, NGHTTP2_FLAG_NONE, 0, H2_WINDOW) != 0)
        abort();
}

void sc_load_h2_fill(struct conn *c, uint64_t now)
{
    struct thr *t = c->t;
    struct sc_h2_conn *h = c->h2;
    const struct sc_h2_req *r = t->e->h2req;
    uint32_t remote;
    unsigned limit = t->e->pipeline, n = 0, room;

    if (h->goaway)
        return;
    /* Never more than the server allows (section 5.1.2); at least one, so that a server
     * announcing 0 sees its request time out instead of the run waiting forever. */
    remote = nghttp2_session_get_remote_settings(h->s, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
    if (remote < limit)
        limit = remote > 0 ? remote : 1;
    room = c->inflight < limit ? limit - c->inflight : 0;
    if (!t->rate_mode && room > t->limit - t->issued)
        room = (unsigned)(t->limit - t->issued);
    while (n < room && h->nfree > 0) {
        uint64_t when = now;
        struct h2stream *st;
        nghttp2_data_provider prd;
        int32_t id;

        if (t->rate_mode) {
            if (!sc_pace_take(&t->pace, now, &when))
                break;
            if (now - when > t->res->max_lag_ns)
                t->res->max_lag_ns = now - when;
        }
        st = &h->st[h->free[--h->nfree]];
        memset(st, 0, offsetof(struct h2stream, backend));
        st->intended = when;
        st->sent = now;
        st->grpc = -1;
        prd.source.ptr = st;
        prd.read_callback = body_read;
        id = nghttp2_submit_request(h->s, NULL, r->nva, r->nnv, r->has_body ? &prd : NULL, st);
        if (id < 0) {
            /* Stream ids exhausted (2^31, section 5.1.1): no more streams here, reconnect
             * once the others end. The request taken is counted as a protocol error. */
            h->nfree++;
            snprintf(h->why, sizeof(h->why), "cannot open a stream: %s", nghttp2_strerror(id));
            t->issued++;
            sc_load_thr_fail(t, SC_LERR_PROTOCOL, 1, h->why);
            h->goaway = true;
            break;
        }
        st->id = id;
        st->in_use = true;
        n++;
    }
    if (n == 0 && t->rate_mode && c->inflight < limit) {
        sc_load_thr_idle_add(c);
        sc_load_thr_pacer_arm(t);
    }
    if (n > 0)
        sc_load_thr_idle_remove(c);
    c->inflight += n;
    t->inflight += n;
    t->issued += n;
    t->res->sent += n;
    if (!h->in_feed)
        h2_send(c);
}

/* ---- receiving ------------------------------------------------------------------------- */

void sc_load_h2_feed(struct conn *c, const char *data, size_t len)
{
    struct sc_h2_conn *h = c->h2;
    ssize_t n;

    h->in_feed = true;
    n = nghttp2_session_mem_recv(h->s, (const uint8_t *)data, len);
    if (c->st != C_READY) {
        h->in_feed = false;
        return;
    }
    if (n < 0) {
        h->in_feed = false;
        snprintf(h->why, sizeof(h->why), "HTTP/2: %s", nghttp2_strerror((int)n));
        sc_load_conn_fail(c, SC_LERR_PROTOCOL, h->why);
        return;
    }
    sc_load_conn_fill(c);
    h->in_feed = false;
    h2_send(c);
}

void sc_load_h2_end(struct conn *c)
{
    struct sc_h2_conn *h = c->h2;

    if (h == NULL || h->s == NULL)
        return;
    h->dead = true;
    nghttp2_session_del(h->s);
    h->s = NULL;
    reset_table(h, c->t->e->pipeline);
}

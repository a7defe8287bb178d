/* h2server.c - the test server's HTTP/2 modes: an nghttp2 server session for the well-behaved
 * ones, and hostile servers that write raw frames (RFC 9113 section 4.1 frame layout).
 *
 * Modes (per stream unless said otherwise):
 *   h2-ok          200 (or /status/NNN), x-smi-pod, body "ok"
 *   h2-alternate   like h2-ok, identity alternating pod-a, pod-b (server-wide)
 *   h2-tls         like h2-ok over TLS, ALPN "h2" selected
 *   h2-grpc        gRPC (grpc/grpc doc/PROTOCOL-HTTP2.md): /test.Echo/Ok echoes the message
 *                  with trailers grpc-status 0, /test.Echo/NotFound is Trailers-Only with
 *                  grpc-status 5, /test.Echo/NoStatus ends without trailers, /test.Echo/Bad
 *                  sends grpc-status "x"
 *   h2-garbage     answers the preface with bytes that are not HTTP/2
 *   h2-badlen      a SETTINGS frame, then a frame longer than SETTINGS_MAX_FRAME_SIZE
 *   h2-huge        HEADERS + 7 CONTINUATION frames of 100 fields: 80 KB of header block
 *   h2-flood       HEADERS + 100 small CONTINUATION frames (a CONTINUATION flood)
 *   h2-goaway      answers stream 1; on stream 3 sends its HEADERS, then GOAWAY (last
 *                  stream id 3) and ends the connection without more
 *   h2-stall-window  SETTINGS_INITIAL_WINDOW_SIZE 0, never a WINDOW_UPDATE, never answers
 *   h2-rst         RST_STREAM INTERNAL_ERROR on every stream
 *   h2-refused     RST_STREAM REFUSED_STREAM on every stream
 */
#include "h2server.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/util.h"

#define IDLE_POLL_MS 100

bool sc_h2srv_is_mode(const char *mode)
{
    return strncmp(mode, "h2-", 3) == 0;
}

/* ---- I/O ------------------------------------------------------------------------------- */

struct h2c {
    const struct sc_h2srv_ctx *x;
    int fd;
    SSL *ssl;
    bool failed;
};

static int wr(struct h2c *c, const void *buf, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = c->ssl ? SSL_write(c->ssl, (const char *)buf + off, (int)(len - off))
                           : send(c->fd, (const char *)buf + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && !c->ssl && errno == EINTR)
            continue;
        if (n <= 0) {
            c->failed = true;
            return -1;
        }
        off += (size_t)n;
    }
    return 0;
}

/* Read some bytes, waking every IDLE_POLL_MS to notice the server stopping: >0, 0 at EOF or
 * stop, -1 on error. */
static ssize_t rd(struct h2c *c, void *buf, size_t len)
{
    for (;;) {
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        if (atomic_load(c->x->stopping))
            return 0;
        if (c->ssl == NULL || SSL_pending(c->ssl) == 0) {
            int r = poll(&p, 1, IDLE_POLL_MS);
            if (r == 0 || (r < 0 && errno == EINTR))
                continue;
        }
        if (c->ssl) {
            int n = SSL_read(c->ssl, buf, (int)len);
            if (n <= 0 && SSL_get_error(c->ssl, n) == SSL_ERROR_WANT_READ)
                continue;
            ERR_clear_error();
            return n > 0 ? n : 0;
        }
        ssize_t n = read(c->fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        return n;
    }
}

static int rd_full(struct h2c *c, void *buf, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = rd(c, (char *)buf + off, len - off);
        if (n <= 0)
            return -1;
        off += (size_t)n;
    }
    return 0;
}

static void record(struct h2c *c, const char *authority, size_t alen, const char *path, size_t plen)
{
    SC_ASSERT_OK(pthread_mutex_lock(c->x->mu));
    snprintf(c->x->last_line, 512, ":authority %.*s :path %.*s", (int)alen, authority, (int)plen,
             path);
    SC_ASSERT_OK(pthread_mutex_unlock(c->x->mu));
}

/* ---- the well-behaved modes: an nghttp2 server session ---------------------------------- */

struct sstream {
    char path[256];
    char authority[128];
    char body[64];
    size_t body_len, body_off;
    int status;
    bool trailers;
};

#define NV(n, v)                                                                                   \
    {                                                                                              \
        (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NONE             \
    }

static ssize_t sbody_read(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
                          nghttp2_data_source *src, void *ud)
{
    struct sstream *st = src->ptr;
    size_t n = st->body_len - st->body_off;
    (void)ud;

    if (n > len)
        n = len;
    memcpy(buf, st->body + st->body_off, n);
    st->body_off += n;
    if (st->body_off == st->body_len) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        if (st->trailers) {
            nghttp2_nv t[] = {NV("grpc-status", "0")};
            *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
            if (nghttp2_submit_trailer(s, id, t, 1) != 0)
                return NGHTTP2_ERR_CALLBACK_FAILURE;
        }
    }
    return (ssize_t)n;
}

static const char *identity_for(struct h2c *c)
{
    if (strcmp(c->x->mode, "h2-alternate") == 0) {
        uint64_t k = atomic_fetch_add(c->x->alt_next, 1) % 2;
        atomic_fetch_add(&c->x->alt[k], 1);
        return k == 0 ? "pod-a" : "pod-b";
    }
    return c->x->identity;
}

/* gRPC per PROTOCOL-HTTP2.md: Response-Headers, a Length-Prefixed-Message, Trailers; or
 * Trailers-Only. */
static int respond_grpc(nghttp2_session *s, int32_t id, struct sstream *st, const char *pod)
{
    nghttp2_data_provider prd = {.source.ptr = st, .read_callback = sbody_read};

    if (strcmp(st->path, "/test.Echo/NotFound") == 0) {
        nghttp2_nv h[] = {NV(":status", "200"), NV("content-type", "application/grpc"),
                          NV("x-smi-pod", pod), NV("grpc-status", "5")};
        return nghttp2_submit_response(s, id, h, 4, NULL);
    }
    if (strcmp(st->path, "/test.Echo/Bad") == 0) {
        nghttp2_nv h[] = {NV(":status", "200"), NV("content-type", "application/grpc"),
                          NV("x-smi-pod", pod), NV("grpc-status", "x")};
        return nghttp2_submit_response(s, id, h, 4, NULL);
    }
    nghttp2_nv h[] = {NV(":status", "200"), NV("content-type", "application/grpc"),
                      NV("x-smi-pod", pod)};
    st->trailers = strcmp(st->path, "/test.Echo/NoStatus") != 0;
    return nghttp2_submit_response(s, id, h, 3, &prd); /* the body is the request's message */
}

static int s_on_request(nghttp2_session *s, int32_t id, struct sstream *st, struct h2c *c)
{
    const char *pod = identity_for(c);
    char code[8];
    const char *p = strstr(st->path, "/status/");
    int status = p ? atoi(p + 8) : 200;
    nghttp2_data_provider prd = {.source.ptr = st, .read_callback = sbody_read};

    atomic_fetch_add(c->x->requests, 1);
    record(c, st->authority, strlen(st->authority), st->path, strlen(st->path));
    atomic_fetch_add(c->x->responses, 1);
    if (strcmp(c->x->mode, "h2-grpc") == 0)
        return respond_grpc(s, id, st, pod);
    if (status < 100 || status > 599)
        status = 200;
    snprintf(code, sizeof(code), "%d", status);
    nghttp2_nv h[] = {NV(":status", code), NV("content-type", "text/plain"), NV("x-smi-pod", pod)};
    memcpy(st->body, "ok", 2);
    st->body_len = 2;
    return nghttp2_submit_response(s, id, h, 3, &prd);
}

static int s_on_begin_headers(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
    (void)ud;
    if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST)
        return nghttp2_session_set_stream_user_data(s, f->hd.stream_id,
                                                    calloc(1, sizeof(struct sstream)));
    return 0;
}

static int s_on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
                       size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                       void *ud)
{
    struct sstream *st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
    (void)flags;
    (void)ud;

    if (st == NULL)
        return 0;
    if (namelen == 5 && memcmp(name, ":path", 5) == 0)
        snprintf(st->path, sizeof(st->path), "%.*s", (int)valuelen, (const char *)value);
    else if (namelen == 10 && memcmp(name, ":authority", 10) == 0)
        snprintf(st->authority, sizeof(st->authority), "%.*s", (int)valuelen, (const char *)value);
    return 0;
}

static int s_on_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data, size_t len,
                     void *ud)
{
    struct sstream *st = nghttp2_session_get_stream_user_data(s, id);
    (void)flags;
    (void)ud;

    if (st != NULL && st->body_len + len <= sizeof(st->body)) {
        memcpy(st->body + st->body_len, data, len); /* echoed back by gRPC Ok */
        st->body_len += len;
    }
    return 0;
}

static int s_on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
    struct sstream *st;

    if ((f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) ||
        !(f->hd.flags & NGHTTP2_FLAG_END_STREAM))
        return 0;
    st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
    if (st == NULL)
        return 0;
    return s_on_request(s, f->hd.stream_id, st, ud) == 0 ? 0 : NGHTTP2_ERR_CALLBACK_FAILURE;
}

static int s_on_close(nghttp2_session *s, int32_t id, uint32_t code, void *ud)
{
    (void)code;
    (void)ud;
    free(nghttp2_session_get_stream_user_data(s, id));
    return 0;
}

static void serve_session(struct h2c *c)
{
    nghttp2_session_callbacks *cb;
    nghttp2_session *s;
    nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 1000}};
    static _Thread_local char wbuf[65536];
    char buf[16384];
    int one = 1;

    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    SC_ASSERT_OK(nghttp2_session_callbacks_new(&cb));
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, s_on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, s_on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, s_on_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, s_on_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, s_on_close);
    SC_ASSERT_OK(nghttp2_session_server_new(&s, cb, c));
    nghttp2_session_callbacks_del(cb);
    SC_ASSERT_OK(nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, iv, 1));
    while (!c->failed) {
        const uint8_t *out;
        ssize_t n;
        size_t len = 0;
        /* One write per turn: small writes and the peer's delayed ACK cost 40 ms each. */
        while ((n = nghttp2_session_mem_send(s, &out)) > 0) {
            if (len + (size_t)n > sizeof(wbuf)) {
                if (wr(c, wbuf, len) != 0)
                    break;
                len = 0;
            }
            if ((size_t)n > sizeof(wbuf)) {
                if (wr(c, out, (size_t)n) != 0)
                    break;
                continue;
            }
            memcpy(wbuf + len, out, (size_t)n);
            len += (size_t)n;
        }
        if (len > 0 && !c->failed)
            wr(c, wbuf, len);
        if (n < 0 || c->failed || (!nghttp2_session_want_read(s) && !nghttp2_session_want_write(s)))
            break;
        n = rd(c, buf, sizeof(buf));
        if (n <= 0 || nghttp2_session_mem_recv(s, (const uint8_t *)buf, (size_t)n) < 0)
            break;
    }
    nghttp2_session_del(s); /* frees the streams; their user data leaks only if never closed */
}

/* ---- hostile modes: raw frames ----------------------------------------------------------- */

static int frame(struct h2c *c, uint8_t type, uint8_t flags, uint32_t sid, const void *p,
                 size_t len)
{
    uint8_t h[9] = {
        (uint8_t)(len >> 16), (uint8_t)(len >> 8),  (uint8_t)len,        type,        flags,
        (uint8_t)(sid >> 24), (uint8_t)(sid >> 16), (uint8_t)(sid >> 8), (uint8_t)sid};
    if (wr(c, h, 9) != 0)
        return -1;
    return len > 0 ? wr(c, p, len) : 0;
}

static int rst(struct h2c *c, uint32_t sid, uint32_t code)
{
    uint8_t p[4] = {(uint8_t)(code >> 24), (uint8_t)(code >> 16), (uint8_t)(code >> 8),
                    (uint8_t)code};
    return frame(c, 3, 0, sid, p, 4);
}

/* :status 200 (static table index 8, RFC 7541 appendix A), then `n` fields "x-fill: a*100"
 * as literals without indexing. */
static size_t fill_block(uint8_t *p, bool status, int n)
{
    size_t k = 0;
    if (status)
        p[k++] = 0x88;
    for (int i = 0; i < n; i++) {
        p[k++] = 0x00;
        p[k++] = 6;
        memcpy(p + k, "x-fill", 6);
        k += 6;
        p[k++] = 100;
        memset(p + k, 'a', 100);
        k += 100;
    }
    return k;
}

/* HEADERS with END_STREAM but not END_HEADERS, then `frames` CONTINUATION frames of
 * `fields` fields each (section 6.10). */
static int huge_headers(struct h2c *c, uint32_t sid, int frames, int fields)
{
    uint8_t block[12000];
    size_t n = fill_block(block, true, fields);

    if (frame(c, 1, 0x1, sid, block, n) != 0)
        return -1;
    for (int i = 0; i < frames; i++) {
        n = fill_block(block, false, fields);
        if (frame(c, 9, i == frames - 1 ? 0x4 : 0, sid, block, n) != 0)
            return -1;
    }
    return 0;
}

static int goaway(struct h2c *c, uint32_t sid)
{
    uint8_t status200 = 0x88, p[8] = {0, 0, 0, (uint8_t)sid, 0, 0, 0, 0};

    if (sid == 1) /* answered: HEADERS with END_STREAM and END_HEADERS */
        return frame(c, 1, 0x5, sid, &status200, 1);
    if (sid != 3)
        return 0;
    /* Stream 3 is mid-response (headers, no end) when GOAWAY says it was the last. */
    if (frame(c, 1, 0x4, sid, &status200, 1) != 0 || frame(c, 7, 0, 0, p, 8) != 0)
        return -1;
    shutdown(c->fd, SHUT_WR);
    return 0;
}

static int on_raw_headers(struct h2c *c, uint32_t sid)
{
    const char *m = c->x->mode;

    atomic_fetch_add(c->x->requests, 1);
    if (strcmp(m, "h2-rst") == 0)
        return rst(c, sid, NGHTTP2_INTERNAL_ERROR);
    if (strcmp(m, "h2-refused") == 0)
        return rst(c, sid, NGHTTP2_REFUSED_STREAM);
    if (strcmp(m, "h2-huge") == 0)
        return huge_headers(c, sid, 7, 100);
    if (strcmp(m, "h2-flood") == 0)
        return huge_headers(c, sid, 100, 1);
    if (strcmp(m, "h2-goaway") == 0)
        return goaway(c, sid);
    return 0; /* h2-stall-window, h2-badlen: never answer */
}

static int raw_preamble(struct h2c *c)
{
    const char *m = c->x->mode;
    uint8_t window0[6] = {0, 4, 0, 0, 0, 0}; /* SETTINGS_INITIAL_WINDOW_SIZE = 0 */
    static const char garbage[] = "GARBAGE! this is not an HTTP/2 server\r\n\r\n";

    if (strcmp(m, "h2-garbage") == 0)
        return wr(c, garbage, sizeof(garbage) - 1);
    if (strcmp(m, "h2-stall-window") == 0)
        return frame(c, 4, 0, 0, window0, 6);
    if (frame(c, 4, 0, 0, NULL, 0) != 0)
        return -1;
    if (strcmp(m, "h2-badlen") == 0) {
        /* A DATA frame header announcing 1 MiB: beyond the 16384 default (section 4.2). */
        uint8_t h[9] = {0x10, 0, 0, 0, 0, 0, 0, 0, 1};
        return wr(c, h, 9);
    }
    return 0;
}

static void serve_raw(struct h2c *c)
{
    char preface[24];
    uint8_t *payload = malloc(1 << 24);

    if (payload == NULL || rd_full(c, preface, 24) != 0 || raw_preamble(c) != 0)
        goto out;
    for (;;) {
        uint8_t h[9];
        uint32_t len, sid;
        if (rd_full(c, h, 9) != 0)
            break;
        len = (uint32_t)h[0] << 16 | (uint32_t)h[1] << 8 | h[2];
        sid = ((uint32_t)h[5] << 24 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 8 | h[8]) &
              0x7fffffffu;
        if (len > 0 && rd_full(c, payload, len) != 0)
            break;
        if (h[3] == 4 && !(h[4] & 1) && frame(c, 4, 1, 0, NULL, 0) != 0) /* SETTINGS ack */
            break;
        if (h[3] == 1 && on_raw_headers(c, sid) != 0)
            break;
    }
out:
    free(payload);
}

void sc_h2srv_serve(const struct sc_h2srv_ctx *x, int fd, SSL *ssl)
{
    struct h2c c = {.x = x, .fd = fd, .ssl = ssl};

    if (strcmp(x->mode, "h2-ok") == 0 || strcmp(x->mode, "h2-alternate") == 0 ||
        strcmp(x->mode, "h2-tls") == 0 || strcmp(x->mode, "h2-grpc") == 0)
        serve_session(&c);
    else
        serve_raw(&c);
}

static int select_h2(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                     const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)ssl;
    (void)arg;
    for (unsigned int i = 0; i + 1 < inlen; i += 1u + in[i]) {
        if (in[i] == 2 && i + 3 <= inlen && memcmp(in + i + 1, "h2", 2) == 0) {
            *out = in + i + 1;
            *outlen = 2;
            return SSL_TLSEXT_ERR_OK;
        }
    }
    return SSL_TLSEXT_ERR_NOACK;
}

void sc_h2srv_alpn(SSL_CTX *ctx)
{
    SSL_CTX_set_alpn_select_cb(ctx, select_h2, NULL);
}

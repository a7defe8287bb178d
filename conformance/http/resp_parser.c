/* resp_parser.c - response framing: status, keep-alive, identity header, completion. */
#include "http/resp_parser.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"

static int on_message_begin(http_parser *hp)
{
    struct sc_resp_parser *p = hp->data;
    p->in_message = true;
    p->last_was_value = true;
    p->capturing = false;
    p->field_len = 0;
    p->field_long = false;
    p->have_backend = false;
    p->backend_len = 0;
    p->body_bytes = 0;
    return 0;
}

/* The field name is compared with the wanted name piece by piece as it arrives (it may be
 * split across reads); nothing is copied. */
static int on_header_field(http_parser *hp, const char *at, size_t len)
{
    struct sc_resp_parser *p = hp->data;
    if (p->want == NULL)
        return 0;
    if (p->last_was_value) { /* a new header starts */
        p->field_len = 0;
        p->field_long = false; /* here: "does not match" */
        p->last_was_value = false;
        p->capturing = false;
    }
    if (p->field_long)
        return 0;
    if (p->field_len + len > p->want_len || !sc_ascii_ieq(at, p->want + p->field_len, len))
        p->field_long = true;
    else
        p->field_len += len;
    return 0;
}

static int on_header_value(http_parser *hp, const char *at, size_t len)
{
    struct sc_resp_parser *p = hp->data;
    if (p->want == NULL)
        return 0;
    if (!p->last_was_value) { /* first piece of this value: decide once */
        p->last_was_value = true;
        p->capturing = !p->field_long && p->field_len == p->want_len && !p->have_backend;
        if (p->capturing) {
            p->have_backend = true;
            p->backend_len = 0;
        }
    }
    if (p->capturing) {
        size_t room = sizeof(p->backend) - p->backend_len;
        if (len > room)
            len = room; /* identities are short; a longer one is truncated, not an error */
        memcpy(p->backend + p->backend_len, at, len);
        p->backend_len += len;
    }
    return 0;
}

static int on_headers_complete(http_parser *hp)
{
    struct sc_resp_parser *p = hp->data;
    /* Returning 1 tells http-parser that this response has no body. */
    return p->head ? 1 : 0;
}

static int on_body(http_parser *hp, const char *at, size_t len)
{
    struct sc_resp_parser *p = hp->data;
    (void)at;
    p->body_bytes += len;
    return 0;
}

static int on_message_complete(http_parser *hp)
{
    struct sc_resp_parser *p = hp->data;
    struct sc_resp r;

    p->in_message = false;
    if (hp->status_code >= 100 && hp->status_code < 200 && hp->status_code != 101)
        return 0; /* interim response: the real one follows */
    r.status = hp->status_code;
    r.keep_alive = http_should_keep_alive(hp) != 0;
    p->closing = !r.keep_alive;
    r.backend = p->have_backend ? p->backend : NULL;
    r.backend_len = p->have_backend ? p->backend_len : 0;
    r.body_bytes = p->body_bytes;
    p->cb(p->ud, &r);
    return 0;
}

/* ---- the fast path ---------------------------------------------------------------------- */

/* RFC 9110 5.6.2's tchar: the characters of a header name (the first 128 bytes; the rest
 * are not). */
static const unsigned char TCHAR[128] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* controls */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* controls */
    0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0, /*  !"#$%&'()*+,-./ */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, /* 0-9 :;<=>? */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* @A-O */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, /* P-Z [\]^_ */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* `a-o */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, /* p-z {|}~ DEL */
};

static bool all_tchar(const char *s, size_t n)
{
    unsigned ok = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        ok &= ch < 128 ? TCHAR[ch] : 0u;
    }
    return ok != 0;
}

/* Every byte of [s, s+n) is printable ASCII (0x20..0x7e): 8 bytes at a time, where a byte
 * below 0x20 sets its high bit in (x - 0x20..) & ~x and a byte from 0x7f up sets it in
 * (x + 0x01..) | x (a borrow or carry only starts at such a byte). Tabs, CRs and obs-text
 * are thereby left to http-parser. */
static bool plain_text(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, sizeof(x));
        if ((((x - 0x20 * ones) & ~x) | ((x + ones) | x)) & highs)
            return false;
    }
    for (; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
            return false;
    return true;
}

/* `s` (n bytes) equals `lower` (lowercase ASCII), in any case. */
static bool ieq_lower(const char *s, const char *lower, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch >= 'A' && ch <= 'Z' ? ch + 32 : ch) != (unsigned char)lower[i])
            return false;
    }
    return true;
}

#define NAME_IS(s, n, lit) ((n) == sizeof(lit) - 1 && ieq_lower(s, lit, sizeof(lit) - 1))

/* What the header lines said that matters to the framing. */
struct fast_view {
    uint64_t length;
    bool have_length;
    const char *backend;
    size_t backend_len;
};

/* One header line [s, eol) without its CRLF, printable: false when it is not of the simple
 * shape. */
static bool fast_header(const struct sc_resp_parser *p, const char *s, const char *eol,
                        struct fast_view *v)
{
    const char *colon = memchr(s, ':', (size_t)(eol - s)), *val;
    size_t nlen, vlen;

    if (colon == NULL || colon == s)
        return false;
    nlen = (size_t)(colon - s);
    if (!all_tchar(s, nlen))
        return false;
    for (val = colon + 1; val < eol && *val == ' '; val++)
        ;
    vlen = (size_t)(eol - val);
    if (NAME_IS(s, nlen, "content-length")) {
        if (v->have_length || vlen == 0 || vlen > 12) /* two of them: http-parser's to judge */
            return false;
        v->length = 0;
        for (size_t i = 0; i < vlen; i++) {
            if (val[i] < '0' || val[i] > '9')
                return false;
            v->length = v->length * 10 + (uint64_t)(val[i] - '0');
        }
        v->have_length = true;
    } else if (NAME_IS(s, nlen, "transfer-encoding") || NAME_IS(s, nlen, "upgrade")) {
        return false;
    } else if (NAME_IS(s, nlen, "connection") && !NAME_IS(val, vlen, "keep-alive")) {
        return false; /* close, or a list: http-parser's to read */
    }
    if (p->want != NULL && v->backend == NULL && nlen == p->want_len &&
        sc_ascii_ieq(s, p->want, nlen)) {
        if (vlen == 0 || val[vlen - 1] == ' ')
            return false;
        v->backend = val;
        v->backend_len = vlen;
    }
    return true;
}

/*
 * The common response, whole in `data`: "HTTP/1.1 SSS reason", header lines of tokens and
 * printable ASCII values (no tab) ending in CRLF (at most 8 KB in all), exactly one Content-Length,
 * no Transfer-Encoding, Upgrade or Connection other than keep-alive, a status of 200..599 but 204
 * and 304, and the whole body. Reported as http-parser would report it; returns the bytes taken, or
 * 0 when the response is anything else (then http-parser takes it, from its first byte).
 */
static size_t fast_response(struct sc_resp_parser *p, const char *data, size_t len)
{
    const char *end = data + len, *s, *eol;
    struct fast_view v = {0};
    struct sc_resp r;
    size_t head_len;

    if (len < 19 || memcmp(data, "HTTP/1.1 ", 9) != 0 || data[12] != ' ')
        return 0;
    for (int i = 9; i < 12; i++)
        if (data[i] < '0' || data[i] > '9')
            return 0;
    r.status = (data[9] - '0') * 100 + (data[10] - '0') * 10 + (data[11] - '0');
    if (r.status < 200 || r.status > 599 || r.status == 204 || r.status == 304)
        return 0;
    for (s = data + 13;; s = eol + 1) {
        if (s - data > 8192)
            return 0; /* a long header block: http-parser's */
        eol = memchr(s, '\n', (size_t)(end - s));
        if (eol == NULL || eol == s || eol[-1] != '\r' || !plain_text(s, (size_t)(eol - 1 - s)))
            return 0;
        if (eol - 1 == s)
            break;                                             /* the empty line */
        if (s != data + 13 && !fast_header(p, s, eol - 1, &v)) /* the first: the reason */
            return 0;
    }
    head_len = (size_t)(eol + 1 - data);
    if (!v.have_length || v.length > len - head_len)
        return 0; /* no length or a partial body: http-parser's */
    p->have_backend = v.backend != NULL;
    p->backend_len = v.backend_len < sizeof(p->backend) ? v.backend_len : sizeof(p->backend);
    if (p->have_backend)
        memcpy(p->backend, v.backend, p->backend_len);
    r.keep_alive = true;
    r.backend = p->have_backend ? p->backend : NULL;
    r.backend_len = p->have_backend ? p->backend_len : 0;
    r.body_bytes = v.length;
    p->cb(p->ud, &r);
    return head_len + (size_t)v.length;
}

static const http_parser_settings settings = {
    .on_message_begin = on_message_begin,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

void sc_resp_parser_init(struct sc_resp_parser *p, const char *identity_header, bool head,
                         sc_resp_cb cb, void *ud)
{
    memset(p, 0, sizeof(*p));
    http_parser_init(&p->hp, HTTP_RESPONSE);
    p->hp.data = p;
    p->want = identity_header;
    p->want_len = identity_header ? strlen(identity_header) : 0;
    if (p->want_len == 0 || p->want_len > SC_RESP_FIELD_MAX)
        p->want = NULL;
    p->head = head;
    p->cb = cb;
    p->ud = ud;
    p->at_start = true;
}

void sc_resp_parser_set_fast(struct sc_resp_parser *p, bool on)
{
    p->no_fast = !on;
}

int sc_resp_parser_feed(struct sc_resp_parser *p, const char *data, size_t len)
{
    size_t n;

    while (len > 0 && p->at_start && !p->no_fast && !p->head) {
        n = fast_response(p, data, len);
        if (n == 0)
            break;
        data += n;
        len -= n;
    }
    if (len == 0)
        return 0;
    n = http_parser_execute(&p->hp, &settings, data, len);
    if (HTTP_PARSER_ERRNO(&p->hp) != HPE_OK || n != len) {
        p->at_start = false;
        return -1;
    }
    p->at_start = !p->in_message && !p->closing;
    return 0;
}

int sc_resp_parser_eof(struct sc_resp_parser *p)
{
    if (HTTP_PARSER_ERRNO(&p->hp) != HPE_OK)
        return -1;
    if (!p->in_message)
        return 0;
    /* A zero-length execute signals EOF: it completes a close-delimited body and
     * flags a truncated one. */
    http_parser_execute(&p->hp, &settings, NULL, 0);
    if (HTTP_PARSER_ERRNO(&p->hp) != HPE_OK || p->in_message)
        return -1;
    return 0;
}

bool sc_resp_parser_busy(const struct sc_resp_parser *p)
{
    return p->in_message;
}

const char *sc_resp_parser_error(const struct sc_resp_parser *p)
{
    enum http_errno e = HTTP_PARSER_ERRNO(&p->hp);
    if (e == HPE_OK)
        return p->in_message ? "connection closed before the response was complete"
                             : "unexpected data";
    return http_errno_description(e);
}

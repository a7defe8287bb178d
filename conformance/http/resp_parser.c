/* resp_parser.c - response framing: status, keep-alive, identity header, completion. */
#include "http/resp_parser.h"

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
    r.backend = p->have_backend ? p->backend : NULL;
    r.backend_len = p->have_backend ? p->backend_len : 0;
    r.body_bytes = p->body_bytes;
    p->cb(p->ud, &r);
    return 0;
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
}

int sc_resp_parser_feed(struct sc_resp_parser *p, const char *data, size_t len)
{
    size_t n;

    if (len == 0)
        return 0;
    n = http_parser_execute(&p->hp, &settings, data, len);
    if (HTTP_PARSER_ERRNO(&p->hp) != HPE_OK || n != len)
        return -1;
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

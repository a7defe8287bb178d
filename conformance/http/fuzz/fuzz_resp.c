/* fuzz_resp.c - libFuzzer harness: the load engine's HTTP/1.1 response framing. The stream is
 * fed whole, then in pieces cut where the input says, then whole to http-parser alone (no fast
 * path): the callbacks and the outcome must be the same all three times (resp_parser.h: "Any
 * split of the stream gives the same callbacks"; the fast path reports what http-parser
 * would). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fuzz/fuzz_input.h"
#include "http/resp_parser.h"

#define MAX_SEEN 64

struct seen {
    size_t n; /* responses reported (only the first MAX_SEEN are kept) */
    struct sc_resp r[MAX_SEEN];
    char backend[MAX_SEEN][SC_RESP_BACKEND_MAX];
};

static void on_resp(void *ud, const struct sc_resp *resp)
{
    struct seen *s = ud;
    if (resp->backend != NULL && resp->backend_len > SC_RESP_BACKEND_MAX)
        abort();
    if (s->n < MAX_SEEN) {
        s->r[s->n] = *resp;
        if (resp->backend != NULL)
            memcpy(s->backend[s->n], resp->backend, resp->backend_len);
        s->r[s->n].backend = NULL; /* the parser's storage; compared through the copy */
    }
    s->n++;
}

/* Feed `body` in pieces no longer than `step` (0: whole); the outcome is 0 or -1 from the
 * first failing feed, or the end of stream's. */
static int run(const char *body, size_t len, bool head, size_t step, bool fast, struct seen *s)
{
    struct sc_resp_parser p;
    memset(s, 0, sizeof(*s));
    sc_resp_parser_init(&p, "x-backend", head, on_resp, s);
    sc_resp_parser_set_fast(&p, fast);
    for (size_t off = 0; off < len;) {
        size_t n = step == 0 || len - off < step ? len - off : step;
        if (sc_resp_parser_feed(&p, body + off, n) != 0) {
            if (sc_resp_parser_error(&p) == NULL)
                abort(); /* a failure says why */
            return -1;
        }
        off += n;
    }
    return sc_resp_parser_eof(&p) != 0 ? -2 : 0;
}

static bool same(const struct seen *a, const struct seen *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n && i < MAX_SEEN; i++)
        if (a->r[i].status != b->r[i].status || a->r[i].keep_alive != b->r[i].keep_alive ||
            a->r[i].backend_len != b->r[i].backend_len ||
            a->r[i].body_bytes != b->r[i].body_bytes ||
            memcmp(a->backend[i], b->backend[i], a->r[i].backend_len) != 0)
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct seen whole, cut;
    if (size < 1)
        return 0;
    /* first byte: bit 0 = HEAD responses, the rest the piece length (1..128) */
    bool head = data[0] & 1;
    size_t step = (size_t)(data[0] >> 1) + 1;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;

    int rc_whole = run(body, len, head, 0, true, &whole);
    int rc_cut = run(body, len, head, step, true, &cut);
    if (rc_whole != rc_cut || !same(&whole, &cut)) {
        fprintf(stderr, "fuzz_resp: split by %zu: outcome %d/%d, %zu/%zu responses\n", step,
                rc_whole, rc_cut, whole.n, cut.n);
        abort();
    }
    int rc_slow = run(body, len, head, 0, false, &cut);
    if (rc_whole != rc_slow || !same(&whole, &cut)) {
        fprintf(stderr, "fuzz_resp: fast path vs http-parser: outcome %d/%d, %zu/%zu responses\n",
                rc_whole, rc_slow, whole.n, cut.n);
        abort();
    }
    return 0;
}

/* fuzz_h2.c - libFuzzer harness: the load engine's HTTP/2 client (h2.c over conn.c) fed
 * arbitrary server bytes through a fake I/O backend (no socket): one connection with four
 * streams in flight, the input read in two pieces and then the end of the connection. Every
 * request must end counted once, as a response or an error, and nothing may crash or leak.
 * The first byte picks plain HTTP/2 or gRPC. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/fuzz/fuzz_input.h"
#include "load/engine_int.h"

static bool closing;

static int f_thr_init(struct thr *t, struct sc_err *err)
{
    (void)t;
    (void)err;
    return 0;
}

static void f_thr(struct thr *t)
{
    (void)t;
}

static int f_connect(struct conn *c)
{
    (void)c;
    return 0;
}

static int f_write(struct conn *c, const char *data, size_t len, bool owned)
{
    (void)c;
    (void)len;
    if (owned)
        free((char *)data);
    return 0;
}

static void f_close(struct conn *c)
{
    (void)c;
    closing = true;
}

static bool f_pacer(struct thr *t, uint64_t at)
{
    (void)t;
    (void)at;
    return false;
}

static const struct sc_load_io_ops fuzz_io = {
    .name = "fuzz",
    .thr_init = f_thr_init,
    .thr_begin = f_thr,
    .thr_run = f_thr,
    .thr_release = f_thr,
    .connect = f_connect,
    .write = f_write,
    .close = f_close,
    .pacer_arm = f_pacer,
    .stop = f_thr,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sc_load_opts o;
    struct engine e;
    struct thr t;
    struct sc_err err;
    struct conn *c;
    size_t half;

    if (size == 0)
        return 0;
    sc_load_opts_init(&o);
    o.url = "http://127.0.0.1:1/";
    o.h2 = true;
    o.max_streams = 4;
    o.requests = 8;
    o.no_preflight = true;
    o.timeline = true;
    if (data[0] & 1) {
        o.grpc = "test.Echo/Ok";
        o.body = "hi";
        o.body_len = 2;
    }
    data++;
    size--;
    sc_err_init(&err);
    memset(&t, 0, sizeof(t));
    closing = false;
    if (sc_load_engine_prepare(&e, &o, &err) != 0 ||
        sc_load_thr_init(&t, &e, 0, 1, o.requests, 0, &fuzz_io, &err) != 0)
        abort(); /* nothing here depends on the input */
    e.start_ns = sc_now_ns();
    t.deadline_ns = UINT64_MAX;
    c = &t.conns[0];
    sc_load_conn_start(c);
    sc_load_conn_on_connect(c, 0);
    half = size / 2;
    if (!closing && half > 0)
        sc_load_conn_on_read(c, (const char *)data, half);
    if (!closing && size > half)
        sc_load_conn_on_read(c, (const char *)data + half, size - half);
    if (!closing)
        sc_load_conn_on_read_end(c, 0);
    t.stopping = true; /* no reconnect: one connection per input */
    if (c->st == C_CLOSING)
        sc_load_conn_on_closed(c);
    /* Every request issued ended once: as a response or as an error of some kind. */
    if (t.res->responses + sc_load_result_errors(t.res) != t.issued || t.inflight != 0)
        abort();
    sc_load_thr_release(&t);
    sc_load_engine_release(&e);
    return 0;
}

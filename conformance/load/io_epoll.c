/* io_epoll.c - the load engine's libuv backend: one loop per thread on epoll, writes tried
 * directly on the socket (one write system call, no epoll change) and queued when it is full,
 * a 5 ms libuv timer for the tick and a timerfd for the pacer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "load/engine_int.h"

#define TICK_MS 5

/* ---- connections ------------------------------------------------------------------- */

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
    if (status < 0)
        sc_load_conn_on_write_error(c, status);
}

static int ep_write(struct conn *c, const char *data, size_t len, bool owned)
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

    if (nread > 0)
        sc_load_conn_on_read(c, buf->base, (size_t)nread);
    else if (nread < 0) /* libuv's codes are negative errnos on Linux, but for its own EOF */
        sc_load_conn_on_read_end(c, nread == UV_EOF ? 0 : (int)nread);
}

static void on_connect(uv_connect_t *req, int status)
{
    struct conn *c = req->data;
    int r;

    if (c->st != C_CONNECTING || status < 0) {
        sc_load_conn_on_connect(c, status);
        return;
    }
    r = uv_tcp_nodelay(&c->tcp, 1);
    if (r == 0)
        r = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    sc_load_conn_on_connect(c, r);
}

static int ep_connect(struct conn *c)
{
    struct thr *t = c->t;

    /* No socket yet (that comes with the connect): only a bad argument could fail this. */
    SC_ASSERT_OK(uv_tcp_init(&t->loop, &c->tcp));
    c->tcp.data = c;
    t->open_handles++;
    c->creq.data = c;
    return uv_tcp_connect(&c->creq, &c->tcp, (const struct sockaddr *)&t->e->addr, on_connect);
}

static void on_conn_closed(uv_handle_t *h)
{
    struct conn *c = h->data;

    c->t->open_handles--;
    sc_load_conn_on_closed(c);
}

static void ep_close(struct conn *c)
{
    /* Stopping a stream that does not read is allowed: this cannot fail. */
    SC_ASSERT_OK(uv_read_stop((uv_stream_t *)&c->tcp));
    uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

/* ---- the loop, the tick and the pacer ------------------------------------------------ */

static bool ep_pacer_arm(struct thr *t, uint64_t at)
{
    struct itimerspec its;

    memset(&its, 0, sizeof(its));
    its.it_value.tv_sec = (time_t)(at / 1000000000u);
    its.it_value.tv_nsec = (long)(at % 1000000000u);
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
        its.it_value.tv_nsec = 1;
    return timerfd_settime(t->tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0;
}

static void on_pacer(uv_poll_t *h, int status, int events)
{
    struct thr *t = h->data;
    uint64_t expirations;
    (void)status;
    (void)events;

    if (read(t->tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
        sc_log_debug("load", "timerfd read: %s", strerror(errno));
    sc_load_thr_on_pacer(t);
}

static void on_tick(uv_timer_t *h)
{
    sc_load_thr_on_tick(h->data);
}

static void on_handle_closed(uv_handle_t *h)
{
    struct thr *t = h->data;
    t->open_handles--;
}

static void ep_stop(struct thr *t)
{
    SC_ASSERT_OK(uv_timer_stop(&t->tick));
    uv_close((uv_handle_t *)&t->tick, on_handle_closed);
    if (t->pacer_ready) {
        SC_ASSERT_OK(uv_poll_stop(&t->pacer));
        uv_close((uv_handle_t *)&t->pacer, on_handle_closed);
    }
}

static void ep_begin(struct thr *t)
{
    t->tick.data = t;
    SC_ASSERT_OK(uv_timer_init(&t->loop, &t->tick));
    t->open_handles++;
    SC_ASSERT_OK(uv_timer_start(&t->tick, on_tick, TICK_MS, TICK_MS));
    if (t->pacer_ready)
        SC_ASSERT_OK(uv_poll_start(&t->pacer, UV_READABLE, on_pacer));
}

static void ep_run(struct thr *t)
{
    /* Returns once every handle is closed: nothing here calls uv_stop(). */
    SC_ASSERT_OK(uv_run(&t->loop, UV_RUN_DEFAULT));
}

static int ep_thr_init(struct thr *t, struct sc_err *err)
{
    int r;

    if (t->rate_mode) {
        t->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (t->tfd < 0)
            return sc_err_set(err, SC_ESYS, "cannot create a timer: %s", strerror(errno));
    }
    r = uv_loop_init(&t->loop);
    if (r != 0)
        return sc_err_set(err, SC_ESYS, "cannot create an event loop: %s", uv_strerror(r));
    t->loop_ready = true;
    if (t->tfd >= 0) {
        /* Here rather than on the thread, so that a failure (a watch limit) fails the run
         * before any load is sent. */
        r = uv_poll_init(&t->loop, &t->pacer, t->tfd);
        if (r != 0)
            return sc_err_set(err, SC_ESYS, "cannot watch the pacing timer: %s", uv_strerror(r));
        t->pacer.data = t;
        t->open_handles++;
        t->pacer_ready = true;
    }
    return 0;
}

static void ep_thr_release(struct thr *t)
{
    if (t->loop_ready) {
        if (t->pacer_ready && !t->started) {
            /* Never run: its handle still needs its close turn before the loop can close. */
            uv_close((uv_handle_t *)&t->pacer, NULL);
            SC_ASSERT_OK(uv_run(&t->loop, UV_RUN_DEFAULT));
        }
        /* A finished thread closed every handle, so the loop has nothing left open. */
        SC_ASSERT_OK(uv_loop_close(&t->loop));
        t->loop_ready = false;
    }
    if (t->tfd >= 0) {
        close(t->tfd);
        t->tfd = -1;
    }
}

const struct sc_load_io_ops sc_load_io_epoll = {
    .name = "epoll",
    .thr_init = ep_thr_init,
    .thr_begin = ep_begin,
    .thr_run = ep_run,
    .thr_release = ep_thr_release,
    .connect = ep_connect,
    .write = ep_write,
    .close = ep_close,
    .pacer_arm = ep_pacer_arm,
    .stop = ep_stop,
};

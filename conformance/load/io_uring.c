/*
 * io_uring.c - the load engine's io_uring backend. Each thread owns a ring set up for a single
 * issuer with deferred task work (the kernel runs completions only when the thread waits), so
 * one io_uring_enter per loop turn submits every send and collects every completion of every
 * connection: the epoll backend's write and read system calls per request become a share of one.
 * Reads are multishot receives into a ring of provided buffers (armed once per connection);
 * sends go one at a time per connection (a second send in flight could overtake the first);
 * the 5 ms tick and the pacer are the wait's timeout, not timers of their own.
 *
 * Needs Linux 6.1 (IORING_SETUP_DEFER_TASKRUN; multishot receive is 6.0, provided-buffer rings
 * and cancel-by-descriptor 5.19): where the ring cannot be set up (older kernel, io_uring
 * disabled by kernel.io_uring_disabled, refused by a container's seccomp profile) thr_init
 * fails and the engine falls back to epoll. Sources: io_uring_setup(2), io_uring_enter(2),
 * io_uring_register_buf_ring(3), io_uring_prep_recv_multishot(3), io_uring_prep_cancel_fd(3).
 */
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/util.h"
#include "load/engine_int.h"

#define TICK_NS   5000000ull
#define BUF_SIZE  16384u /* one receive's buffer */
#define BGID      1      /* the provided-buffer group */
#define BATCH     256    /* completions taken from the ring at once */
#define SQE_TRIES 4      /* submissions to free a submission slot before giving up */

/* What a completion belongs to: the connection's address with the operation in its low bits
 * (struct conn is at least 8-aligned). 0 is an operation whose completion nobody waits for. */
enum { OP_NONE = 0, OP_CONNECT = 1, OP_RECV = 2, OP_SEND = 3, OP_MASK = 3 };

/* A write waiting behind the send in flight (TLS records, a tunnel request): rare. */
struct wbuf {
    struct wbuf *next;
    const char *data;
    size_t len;
    bool owned;
};

struct uring_thr {
    struct io_uring ring;
    bool ring_ready;
    struct io_uring_buf_ring *br;
    size_t br_bytes;
    char *bufs;
    unsigned nbufs;
    unsigned live;       /* connections with a socket or a close still to report */
    uint64_t next_tick;  /* monotonic ns */
    uint64_t pacer_at;   /* 0: not armed */
    bool stopped;        /* the thread is finishing: no more ticks */
    struct conn *closed; /* closes to report from the loop */
};

static uint64_t udata(struct conn *c, unsigned op)
{
    return (uint64_t)(uintptr_t)c | op;
}

static unsigned pow2_at_least(unsigned n, unsigned lo, unsigned hi)
{
    unsigned p = lo;
    while (p < n && p < hi)
        p *= 2;
    return p;
}

static struct io_uring_sqe *get_sqe(struct uring_thr *u)
{
    for (int i = 0; i < SQE_TRIES; i++) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
        if (sqe != NULL)
            return sqe;
        /* The queue is full: hand it to the kernel, which frees every slot it takes. */
        (void)io_uring_submit(&u->ring);
    }
    return NULL;
}

/* ---- closing --------------------------------------------------------------------------- */

static void free_writes(struct conn *c)
{
    if (c->send_busy && c->send_owned)
        free((char *)c->send_data);
    c->send_busy = false;
    c->send_data = NULL;
    while (c->wq_head != NULL) {
        struct wbuf *w = c->wq_head;
        c->wq_head = w->next;
        if (w->owned)
            free((char *)w->data);
        free(w);
    }
    c->wq_tail = NULL;
}

/* Report the close from the loop, as libuv does: never from inside the caller's call. */
static void queue_closed(struct conn *c)
{
    struct uring_thr *u = c->t->u;

    if (c->close_queued)
        return;
    c->close_queued = true;
    c->next_closed = u->closed;
    u->closed = c;
}

static void flush_closed(struct uring_thr *u)
{
    while (u->closed != NULL) {
        struct conn *c = u->closed;
        u->closed = c->next_closed;
        c->close_queued = false;
        free_writes(c);
        if (c->fd >= 0)
            close(c->fd);
        c->fd = -1;
        u->live--;
        sc_load_conn_on_closed(c);
    }
}

static bool closing(const struct conn *c)
{
    return c->st == C_CLOSING || c->st == C_CLOSED;
}

/* An operation of `c` completed: a closing connection is closed once none is left. */
static void op_done(struct conn *c)
{
    c->ops--;
    if (c->ops == 0 && c->st == C_CLOSING)
        queue_closed(c);
}

static void ur_close(struct conn *c)
{
    struct uring_thr *u = c->t->u;
    struct io_uring_sqe *sqe;

    if (c->fd < 0 || c->ops == 0) {
        queue_closed(c);
        return;
    }
    /* Every operation still pending on the socket ends with -ECANCELED (or its result, when
     * it had already completed); the last completion queues the close. */
    sqe = get_sqe(u);
    if (sqe != NULL) {
        io_uring_prep_cancel_fd(sqe, c->fd, IORING_ASYNC_CANCEL_ALL);
        sqe->user_data = OP_NONE;
    } else {
        /* No slot at all: shutting the socket down ends its receive and send as well. */
        (void)shutdown(c->fd, SHUT_RDWR);
    }
}

/* ---- sending --------------------------------------------------------------------------- */

static int submit_send(struct conn *c)
{
    struct io_uring_sqe *sqe = get_sqe(c->t->u);

    if (sqe == NULL)
        return -EBUSY;
    io_uring_prep_send(sqe, c->fd, c->send_data + c->send_off, c->send_len - c->send_off,
                       MSG_NOSIGNAL);
    sqe->user_data = udata(c, OP_SEND);
    c->ops++;
    return 0;
}

static int start_send(struct conn *c, const char *data, size_t len, bool owned)
{
    int r;

    c->send_busy = true;
    c->send_data = data;
    c->send_len = len;
    c->send_off = 0;
    c->send_owned = owned;
    r = submit_send(c);
    if (r < 0) {
        if (owned)
            free((char *)data);
        c->send_busy = false;
        c->send_data = NULL;
    }
    return r;
}

static int ur_write(struct conn *c, const char *data, size_t len, bool owned)
{
    struct wbuf *w;

    if (c->fd < 0) {
        if (owned)
            free((char *)data);
        return -EBADF;
    }
    if (!c->send_busy)
        return start_send(c, data, len, owned);
    w = sc_xcalloc(1, sizeof(*w));
    w->data = data;
    w->len = len;
    w->owned = owned;
    if (c->wq_tail != NULL)
        c->wq_tail->next = w;
    else
        c->wq_head = w;
    c->wq_tail = w;
    return 0;
}

static void on_send(struct conn *c, int res)
{
    int r = 0;

    if (res < 0 || closing(c)) {
        free_writes(c);
        op_done(c);
        if (res < 0)
            sc_load_conn_on_write_error(c, res);
        return;
    }
    c->send_off += (size_t)res;
    if (c->send_off < c->send_len) {
        r = submit_send(c); /* a short send: the rest, still before anything queued */
    } else {
        struct wbuf *w = c->wq_head;
        if (c->send_owned)
            free((char *)c->send_data);
        c->send_busy = false;
        c->send_data = NULL;
        if (w != NULL) {
            c->wq_head = w->next;
            if (c->wq_head == NULL)
                c->wq_tail = NULL;
            r = start_send(c, w->data, w->len, w->owned);
            free(w);
        }
    }
    op_done(c);
    if (r < 0)
        sc_load_conn_on_write_error(c, r);
}

/* ---- receiving ------------------------------------------------------------------------- */

static int arm_recv(struct conn *c)
{
    struct io_uring_sqe *sqe = get_sqe(c->t->u);

    if (sqe == NULL)
        return -EBUSY;
    io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = BGID;
    sqe->user_data = udata(c, OP_RECV);
    c->ops++;
    c->recv_armed = true;
    return 0;
}

static void recycle(struct uring_thr *u, unsigned bid)
{
    io_uring_buf_ring_add(u->br, u->bufs + (size_t)bid * BUF_SIZE, BUF_SIZE, (unsigned short)bid,
                          io_uring_buf_ring_mask(u->nbufs), 0);
    io_uring_buf_ring_advance(u->br, 1);
}

static void on_recv(struct conn *c, const struct io_uring_cqe *cqe)
{
    struct uring_thr *u = c->t->u;
    bool more = (cqe->flags & IORING_CQE_F_MORE) != 0;
    int res = cqe->res;
    int r = 0;

    if (!more)
        c->recv_armed = false;
    if (res > 0 && (cqe->flags & IORING_CQE_F_BUFFER)) {
        unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
        sc_load_conn_on_read(c, u->bufs + (size_t)bid * BUF_SIZE, (size_t)res);
        recycle(u, bid);
        /* The kernel ended the multishot receive (it may after any completion): again. */
        if (!more && !closing(c))
            r = arm_recv(c);
    } else if (res == -ENOBUFS) {
        /* Every buffer was taken within one turn; they are back now and the data waits in
         * the socket. */
        if (!closing(c))
            r = arm_recv(c);
    } else if (res == 0 || (res < 0 && res != -ECANCELED)) {
        sc_load_conn_on_read_end(c, res);
    }
    if (!more)
        op_done(c);
    if (r < 0)
        sc_load_conn_on_read_end(c, r);
}

/* ---- connecting ------------------------------------------------------------------------ */

static void on_connect(struct conn *c, int res)
{
    int one = 1, r;

    if (res < 0 || closing(c)) {
        op_done(c);
        sc_load_conn_on_connect(c, res < 0 ? res : -ECANCELED);
        return;
    }
    r = setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0 ? 0 : -errno;
    if (r == 0)
        r = arm_recv(c);
    op_done(c);
    sc_load_conn_on_connect(c, r);
}

static int ur_connect(struct conn *c)
{
    struct thr *t = c->t;
    struct io_uring_sqe *sqe;

    t->u->live++; /* from here on the connection's close is reported, whatever happens */
    c->ops = 0;
    c->recv_armed = false;
    c->send_busy = false;
    c->fd = socket(t->e->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
    if (c->fd < 0)
        return -errno;
    sqe = get_sqe(t->u);
    if (sqe == NULL)
        return -EBUSY;
    io_uring_prep_connect(sqe, c->fd, (const struct sockaddr *)&t->e->addr, t->e->addrlen);
    sqe->user_data = udata(c, OP_CONNECT);
    c->ops++;
    return 0;
}

/* ---- the loop -------------------------------------------------------------------------- */

static void dispatch(const struct io_uring_cqe *cqe)
{
    struct conn *c = (struct conn *)(uintptr_t)(cqe->user_data & ~(uint64_t)OP_MASK);

    switch (cqe->user_data & OP_MASK) {
    case OP_CONNECT:
        on_connect(c, cqe->res);
        break;
    case OP_RECV:
        on_recv(c, cqe);
        break;
    case OP_SEND:
        on_send(c, cqe->res);
        break;
    default:
        break;
    }
}

/* Submit what the last turn prepared and wait for a completion until `until`. */
static void wait_turn(struct uring_thr *u, uint64_t now, uint64_t until)
{
    struct io_uring_cqe *cqe;
    uint64_t ns = until > now ? until - now : 1000;
    struct __kernel_timespec ts = {.tv_sec = (long long)(ns / 1000000000u),
                                   .tv_nsec = (long long)(ns % 1000000000u)};

    /* -ETIME (the timeout) and -EINTR (a signal) only end the wait. */
    (void)io_uring_submit_and_wait_timeout(&u->ring, &cqe, 1, &ts, NULL);
}

static void ur_run(struct thr *t)
{
    struct uring_thr *u = t->u;
    struct io_uring_cqe *cqes[BATCH];

    for (;;) {
        uint64_t now, until;
        unsigned n;

        flush_closed(u);
        if (t->finishing && u->live == 0)
            break;
        now = sc_now_ns();
        if (!u->stopped && now >= u->next_tick) {
            u->next_tick = now + TICK_NS;
            sc_load_thr_on_tick(t);
            continue;
        }
        if (u->pacer_at != 0 && now >= u->pacer_at) {
            u->pacer_at = 0;
            sc_load_thr_on_pacer(t);
            continue;
        }
        until = u->stopped ? now + TICK_NS : u->next_tick;
        if (u->pacer_at != 0 && u->pacer_at < until)
            until = u->pacer_at;
        wait_turn(u, now, until);
        while ((n = io_uring_peek_batch_cqe(&u->ring, cqes, BATCH)) > 0) {
            for (unsigned i = 0; i < n; i++)
                dispatch(cqes[i]);
            io_uring_cq_advance(&u->ring, n);
        }
    }
}

static bool ur_pacer_arm(struct thr *t, uint64_t at)
{
    t->u->pacer_at = at == 0 ? 1 : at;
    return true;
}

static void ur_stop(struct thr *t)
{
    t->u->stopped = true;
    t->u->pacer_at = 0;
}

/* ---- set-up ---------------------------------------------------------------------------- */

static int buffers_init(struct uring_thr *u, unsigned nconns, struct sc_err *err)
{
    struct io_uring_buf_reg reg;
    int r;

    /* Two buffers per connection cover a response and the start of the next in one turn. */
    u->nbufs = pow2_at_least(2 * nconns, 64, 4096);
    u->br_bytes = (size_t)u->nbufs * sizeof(struct io_uring_buf);
    u->br = mmap(NULL, u->br_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (u->br == MAP_FAILED) {
        u->br = NULL;
        return sc_err_set(err, SC_ESYS, "io_uring: cannot map the buffer ring: %s",
                          strerror(errno));
    }
    memset(&reg, 0, sizeof(reg));
    reg.ring_addr = (uint64_t)(uintptr_t)u->br;
    reg.ring_entries = u->nbufs;
    reg.bgid = BGID;
    r = io_uring_register_buf_ring(&u->ring, &reg, 0);
    if (r < 0)
        return sc_err_set(err, SC_ESYS, "io_uring: cannot register the buffer ring: %s",
                          strerror(-r));
    u->bufs = sc_xcalloc(u->nbufs, BUF_SIZE);
    io_uring_buf_ring_init(u->br);
    for (unsigned i = 0; i < u->nbufs; i++)
        io_uring_buf_ring_add(u->br, u->bufs + (size_t)i * BUF_SIZE, BUF_SIZE, (unsigned short)i,
                              io_uring_buf_ring_mask(u->nbufs), (int)i);
    io_uring_buf_ring_advance(u->br, (int)u->nbufs);
    return 0;
}

/* Every operation used here, as the ring reports it (an emulation such as gVisor's may
 * accept the set-up and lack some of them: then epoll, not errors counted against a mesh). */
static bool ops_supported(struct io_uring *ring, struct sc_err *err)
{
    static const struct {
        int op;
        const char *name;
    } need[] = {{IORING_OP_CONNECT, "connect"},
                {IORING_OP_SEND, "send"},
                {IORING_OP_RECV, "recv"},
                {IORING_OP_ASYNC_CANCEL, "cancel"}};
    struct io_uring_probe *probe = io_uring_get_probe_ring(ring);
    bool ok = probe != NULL;

    if (!ok)
        sc_err_set(err, SC_ESYS, "io_uring: the kernel does not say which operations it has");
    for (size_t i = 0; ok && i < sizeof(need) / sizeof(need[0]); i++) {
        if (!io_uring_opcode_supported(probe, need[i].op)) {
            sc_err_set(err, SC_ESYS, "io_uring: the kernel lacks the %s operation", need[i].name);
            ok = false;
        }
    }
    io_uring_free_probe(probe);
    return ok;
}

static int ur_thr_init(struct thr *t, struct sc_err *err)
{
    struct io_uring_params p;
    unsigned entries = pow2_at_least(2 * t->nconns, 64, 4096);
    struct uring_thr *u = sc_xcalloc(1, sizeof(*u));
    int r;

    t->u = u;
    memset(&p, 0, sizeof(p));
    /* Created here but enabled on the load thread, which thereby becomes its only issuer. */
    p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_R_DISABLED |
              IORING_SETUP_CQSIZE;
    p.cq_entries = entries * 4;
    r = io_uring_queue_init_params(entries, &u->ring, &p);
    if (r < 0)
        return sc_err_set(err, SC_ESYS, "io_uring: cannot set up a ring: %s", strerror(-r));
    u->ring_ready = true;
    if (!(p.features & IORING_FEAT_EXT_ARG))
        return sc_err_set(err, SC_ESYS, "io_uring: the kernel cannot wait with a timeout");
    if (!ops_supported(&u->ring, err))
        return SC_ESYS;
    return buffers_init(u, t->nconns, err);
}

static void ur_begin(struct thr *t)
{
    struct uring_thr *u = t->u;
    /* Debian 12's liburing 2.3 declares io_uring_enable_rings() but does not export it: the
     * register call it wraps, directly. */
    long r =
        syscall(__NR_io_uring_register, u->ring.ring_fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0);

    u->next_tick = sc_now_ns() + TICK_NS;
    /* The ring's descriptor registered with itself: io_uring_enter then skips the descriptor
     * lookup (a reference count on a shared file table) of every turn. Best effort. */
    if (r == 0)
        (void)io_uring_register_ring_fd(&u->ring);
    if (r < 0) {
        /* Cannot happen to a ring set up disabled by thr_init; if it did, say so and stop. */
        sc_load_result_note(t->res, "thread %u: io_uring: cannot enable the ring: %s", t->idx,
                            strerror(errno));
        t->stopping = true;
    }
}

static void ur_thr_release(struct thr *t)
{
    struct uring_thr *u = t->u;

    if (u == NULL)
        return;
    for (unsigned i = 0; i < t->nconns; i++) {
        free_writes(&t->conns[i]);
        if (t->conns[i].fd >= 0)
            close(t->conns[i].fd);
        t->conns[i].fd = -1;
    }
    /* Closing the ring frees its registrations (the buffer ring with it). */
    if (u->ring_ready)
        io_uring_queue_exit(&u->ring);
    if (u->br != NULL)
        munmap(u->br, u->br_bytes);
    free(u->bufs);
    free(u);
    t->u = NULL;
}

const struct sc_load_io_ops sc_load_io_uring = {
    .name = "io_uring",
    .thr_init = ur_thr_init,
    .thr_begin = ur_begin,
    .thr_run = ur_run,
    .thr_release = ur_thr_release,
    .connect = ur_connect,
    .write = ur_write,
    .close = ur_close,
    .pacer_arm = ur_pacer_arm,
    .stop = ur_stop,
};

/* thread.c - one load thread: its tick, pacing, idle list and statistics (wrk's shape: each
 * thread owns its connections and counts, merged after the join), over its I/O backend. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/util.h"
#include "load/engine_int.h"

#define BACKEND_SLOTS_MIN 16

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

void sc_load_thr_count_backend(struct thr *t, const char *name, size_t len)
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

void sc_load_thr_fail(struct thr *t, enum sc_load_errkind kind, uint64_t n, const char *why)
{
    t->res->errors[kind] += n;
    if (t->res->first_error == NULL && why != NULL) {
        const char *name = sc_load_errkind_name(kind);
        size_t len = strlen(name) + strlen(why) + sizeof(": ");
        t->res->first_error = sc_xcalloc(1, len);
        snprintf(t->res->first_error, len, "%s: %s", name, why);
    }
}

/* ---- idle list and pacing (open loop) ------------------------------------------- */

void sc_load_thr_idle_add(struct conn *c)
{
    struct thr *t = c->t;
    if (c->in_idle)
        return;
    c->in_idle = true;
    t->idle[t->nidle++] = c;
}

void sc_load_thr_idle_remove(struct conn *c)
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

void sc_load_thr_pacer_arm(struct thr *t)
{
    uint64_t next;

    if (!t->rate_mode || t->stopping || t->nidle == 0 || !t->pace_started)
        return;
    next = sc_pace_next(&t->pace);
    if (next == UINT64_MAX || next == t->pacer_at)
        return;
    /* When arming fails the tick still hands out what is due, only 5 ms later. */
    if (t->io->pacer_arm(t, next))
        t->pacer_at = next;
}

void sc_load_thr_on_pacer(struct thr *t)
{
    t->pacer_at = 0;
    /* Each idle connection takes what is due; conn_fill removes it from the list when it
     * sends. Walk a snapshot: the list shrinks while we go. */
    while (t->nidle > 0 && !t->stopping) {
        struct conn *c = t->idle[t->nidle - 1];
        if (sc_pace_due(&t->pace, sc_now_ns()) == 0)
            break;
        sc_load_thr_idle_remove(c);
        sc_load_conn_fill(c);
        if (c->in_idle) /* nothing could be sent after all */
            break;
    }
    sc_load_thr_pacer_arm(t);
}

void sc_load_thr_pace_start(struct thr *t)
{
    if (!t->rate_mode || t->pace_started)
        return;
    sc_pace_init(&t->pace, sc_now_ns(), t->rate, t->limit);
    t->pace_started = true;
}

/* ---- thread lifecycle --------------------------------------------------------------- */

void sc_load_thr_maybe_finish(struct thr *t)
{
    if (t->finishing)
        return;
    if (!t->stopping && t->issued >= t->limit && t->inflight == 0)
        t->stopping = true;
    if (!t->stopping || t->inflight > 0)
        return;
    t->finishing = true;
    t->end_ns = sc_now_ns();
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
        sc_load_conn_close(c, false);
    }
    t->io->stop(t);
}

/* Cancel: stop now; what is in flight is abandoned, not counted. */
static void thr_cancel(struct thr *t)
{
    t->stopping = true;
    for (unsigned i = 0; i < t->nconns; i++) {
        t->inflight -= t->conns[i].inflight;
        t->conns[i].inflight = 0;
    }
}

/* Timeouts, reconnects after a back-off; returns whether a connection is ready. */
static bool check_conns(struct thr *t, uint64_t now)
{
    struct engine *e = t->e;
    bool any_ready = false;

    for (unsigned i = 0; i < t->nconns; i++) {
        struct conn *c = &t->conns[i];
        switch (c->st) {
        case C_READY:
            any_ready = true;
            if (c->inflight > 0 &&
                now - (c->h2 != NULL ? sc_load_h2_oldest(c) : c->sent_at[c->head]) > e->timeout_ns)
                sc_load_conn_fail(c, SC_LERR_TIMEOUT, "no response within the timeout");
            break;
        case C_CONNECTING:
        case C_TUNNEL:
        case C_HANDSHAKE:
            if (now - c->since > e->timeout_ns) {
                c->failed_connect = true;
                sc_load_conn_fail(c, SC_LERR_CONNECT, "connection set-up timed out");
            }
            break;
        case C_CLOSED:
            if (c->retry_at != 0 && now >= c->retry_at && !t->stopping)
                sc_load_conn_start(c);
            break;
        default:
            break;
        }
    }
    return any_ready;
}

void sc_load_thr_on_tick(struct thr *t)
{
    struct engine *e = t->e;
    uint64_t now = sc_now_ns();
    bool any_ready;

    if (t->finishing)
        return;
    if (e->o->cancel != NULL && atomic_load(e->o->cancel) != 0)
        thr_cancel(t);
    if (now >= t->deadline_ns)
        t->stopping = true;
    any_ready = check_conns(t, now);
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
        sc_load_thr_on_pacer(t);
    sc_load_thr_maybe_finish(t);
}

void *sc_load_thr_main(void *arg)
{
    struct thr *t = arg;

    t->io->thr_begin(t);
    t->last_ready_ns = sc_now_ns();
    t->initial_pending = t->nconns;
    for (unsigned i = 0; i < t->nconns && !t->stopping; i++)
        sc_load_conn_start(&t->conns[i]);
    t->io->thr_run(t);
    if (t->end_ns == 0)
        t->end_ns = sc_now_ns();
    return NULL;
}

/* ---- set-up and teardown, on the calling thread ------------------------------------------ */

int sc_load_thr_init(struct thr *t, struct engine *e, unsigned idx, unsigned nconns, uint64_t limit,
                     double rate, const struct sc_load_io_ops *io, struct sc_err *err)
{
    t->e = e;
    t->io = io;
    t->idx = idx;
    t->tfd = -1;
    t->nconns = nconns;
    t->conns = sc_xcalloc(nconns, sizeof(*t->conns));
    t->idle = sc_xcalloc(nconns, sizeof(*t->idle));
    for (unsigned k = 0; k < nconns; k++) {
        t->conns[k].t = t;
        t->conns[k].intended = sc_xcalloc(e->pipeline, sizeof(uint64_t));
        t->conns[k].sent_at = sc_xcalloc(e->pipeline, sizeof(uint64_t));
        if (e->h2)
            sc_load_h2_conn_init(&t->conns[k]);
    }
    t->limit = limit;
    t->res = sc_load_result_new();
    if (rate > 0) {
        t->rate_mode = true;
        t->rate = rate;
    }
    return io->thr_init(t, err);
}

void sc_load_thr_collect(struct thr *t, struct sc_load_result *into)
{
    for (size_t k = 0; k < t->nslots; k++)
        if (t->slots[k].count > 0)
            sc_load_result_add_backend(t->res, t->slots[k].name, t->slots[k].len,
                                       t->slots[k].count);
    /* In closed loop the two latencies are the same; recorded once, copied here. */
    if (!t->rate_mode)
        sc_hist_merge(t->res->latency_uncorrected, t->res->latency);
    sc_load_result_merge(into, t->res);
}

void sc_load_thr_release(struct thr *t)
{
    if (t->io != NULL)
        t->io->thr_release(t);
    if (t->conns != NULL) {
        for (unsigned i = 0; i < t->nconns; i++) {
            free(t->conns[i].intended);
            free(t->conns[i].sent_at);
            sc_load_h2_conn_release(&t->conns[i]);
        }
    }
    free(t->conns);
    free(t->idle);
    free(t->slots);
    sc_load_result_free(t->res);
}

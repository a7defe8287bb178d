/* pace.h - the open-loop (constant rate) schedule: intended send times, as pure arithmetic. */
#ifndef SC_PACE_H
#define SC_PACE_H

#include <stdint.h>

/*
 * Request k (k = 0, 1, ...) is intended to be sent at start + k * 1e9 / rate nanoseconds.
 * Nothing here reads a clock: callers pass `now`, so the schedule is testable by counts.
 * Computing each time from k (not by adding intervals) keeps rounding from drifting.
 */
struct sc_pace {
    uint64_t start_ns;
    double rate;    /* requests per second, > 0 */
    uint64_t limit; /* total requests allowed (UINT64_MAX for unbounded) */
    uint64_t sent;  /* requests handed out so far */
};

void sc_pace_init(struct sc_pace *p, uint64_t start_ns, double rate, uint64_t limit);

/* Intended send time of request k. */
uint64_t sc_pace_time(const struct sc_pace *p, uint64_t k);

/* How many requests are due at `now` and not yet handed out (the backlog). */
uint64_t sc_pace_due(const struct sc_pace *p, uint64_t now_ns);

/* Hand out the next due request: returns 1 and its intended time, or 0 when none is due
 * at `now` (or the limit is reached). */
int sc_pace_take(struct sc_pace *p, uint64_t now_ns, uint64_t *intended_ns);

/* When the next request falls due (its intended time), or UINT64_MAX when the limit is
 * reached. */
uint64_t sc_pace_next(const struct sc_pace *p);

#endif

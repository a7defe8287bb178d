/* pace.c - constant-rate schedule arithmetic. */
#include "load/pace.h"

#include <math.h>

void sc_pace_init(struct sc_pace *p, uint64_t start_ns, double rate, uint64_t limit)
{
    p->start_ns = start_ns;
    p->rate = rate;
    p->limit = limit;
    p->sent = 0;
}

uint64_t sc_pace_time(const struct sc_pace *p, uint64_t k)
{
    return p->start_ns + (uint64_t)llround((double)k * 1e9 / p->rate);
}

uint64_t sc_pace_due(const struct sc_pace *p, uint64_t now_ns)
{
    uint64_t n;

    if (now_ns < p->start_ns)
        return 0;
    /* Requests 0..n-1 have intended time <= now: n = floor(elapsed * rate / 1e9) + 1,
     * corrected for rounding against sc_pace_time so both agree exactly. */
    n = (uint64_t)floor((double)(now_ns - p->start_ns) * p->rate / 1e9) + 1;
    while (n > 0 && sc_pace_time(p, n - 1) > now_ns)
        n--;
    while (sc_pace_time(p, n) <= now_ns)
        n++;
    if (n > p->limit)
        n = p->limit;
    return n > p->sent ? n - p->sent : 0;
}

int sc_pace_take(struct sc_pace *p, uint64_t now_ns, uint64_t *intended_ns)
{
    if (p->sent >= p->limit)
        return 0;
    if (sc_pace_time(p, p->sent) > now_ns)
        return 0;
    *intended_ns = sc_pace_time(p, p->sent);
    p->sent++;
    return 1;
}

uint64_t sc_pace_next(const struct sc_pace *p)
{
    if (p->sent >= p->limit)
        return UINT64_MAX;
    return sc_pace_time(p, p->sent);
}

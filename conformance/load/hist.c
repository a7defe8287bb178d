/* hist.c - log-linear histogram (the HdrHistogram layout, re-derived for fixed parameters). */
#include "load/hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HALF      (SC_HIST_SUB_BUCKETS / 2)
#define HALF_BITS (SC_HIST_SUB_BITS - 1)

struct sc_hist *sc_hist_new(void)
{
    struct sc_hist *h = malloc(sizeof(*h));
    if (h == NULL)
        abort();
    sc_hist_reset(h);
    return h;
}

void sc_hist_free(struct sc_hist *h)
{
    free(h);
}

void sc_hist_reset(struct sc_hist *h)
{
    memset(h, 0, sizeof(*h));
    h->min = UINT64_MAX;
}

/*
 * Bucket b >= 0 covers [2^(b+HALF_BITS), 2^(b+SUB_BITS)) in steps of 2^b, except bucket 0,
 * which also covers [0, HALF) in steps of 1. Index = (b + 1) * HALF + (sub - HALF) where
 * sub = v >> b lies in [HALF, SUB_BUCKETS) (or [0, SUB_BUCKETS) in bucket 0).
 */
size_t sc_hist_index(uint64_t v)
{
    unsigned b;
    uint64_t sub;

    if (v > SC_HIST_MAX)
        v = SC_HIST_MAX;
    if (v < SC_HIST_SUB_BUCKETS)
        return (size_t)v;
    b = (unsigned)(63 - __builtin_clzll(v)) - HALF_BITS;
    sub = v >> b;
    return (size_t)(b + 1) * HALF + (size_t)(sub - HALF);
}

uint64_t sc_hist_index_lo(size_t i)
{
    size_t b;
    uint64_t sub;

    if (i < SC_HIST_SUB_BUCKETS)
        return i;
    b = i / HALF - 1;
    sub = (uint64_t)(i % HALF) + HALF;
    return sub << b;
}

uint64_t sc_hist_index_hi(size_t i)
{
    size_t b;

    if (i < SC_HIST_SUB_BUCKETS)
        return i;
    b = i / HALF - 1;
    return sc_hist_index_lo(i) + (UINT64_C(1) << b) - 1;
}

void sc_hist_record_n(struct sc_hist *h, uint64_t v, uint64_t n)
{
    if (n == 0)
        return;
    h->counts[sc_hist_index(v)] += n;
    h->count += n;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
    h->sum += (double)v * (double)n;
    h->sumsq += (double)v * (double)v * (double)n;
}

void sc_hist_record(struct sc_hist *h, uint64_t v)
{
    sc_hist_record_n(h, v, 1);
}

void sc_hist_merge(struct sc_hist *into, const struct sc_hist *from)
{
    if (from->count == 0)
        return;
    for (size_t i = 0; i < SC_HIST_LEN; i++)
        into->counts[i] += from->counts[i];
    into->count += from->count;
    if (from->min < into->min)
        into->min = from->min;
    if (from->max > into->max)
        into->max = from->max;
    into->sum += from->sum;
    into->sumsq += from->sumsq;
}

uint64_t sc_hist_percentile(const struct sc_hist *h, double p)
{
    uint64_t rank, seen = 0;

    if (h->count == 0)
        return 0;
    if (p >= 100.0)
        return h->max;
    if (p <= 0.0)
        return h->min;
    /* The smallest value with at least p% of the values at or below it. */
    rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
    if (rank == 0)
        rank = 1;
    for (size_t i = 0; i < SC_HIST_LEN; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t v = sc_hist_index_hi(i);
            if (v > h->max)
                v = h->max;
            if (v < h->min)
                v = h->min;
            return v;
        }
    }
    return h->max;
}

double sc_hist_mean(const struct sc_hist *h)
{
    return h->count ? h->sum / (double)h->count : 0.0;
}

double sc_hist_stdev(const struct sc_hist *h)
{
    double m, var;
    if (h->count < 2)
        return 0.0;
    m = sc_hist_mean(h);
    var = h->sumsq / (double)h->count - m * m;
    return var > 0 ? sqrt(var) : 0.0;
}

double sc_hist_within_stdev(const struct sc_hist *h)
{
    double m = sc_hist_mean(h), sd = sc_hist_stdev(h);
    double lo = m - sd, hi = m + sd;
    uint64_t in = 0;

    if (h->count == 0)
        return 0.0;
    for (size_t i = 0; i < SC_HIST_LEN; i++) {
        if (h->counts[i] == 0)
            continue;
        /* A bucket's midpoint stands for its values. */
        double mid = ((double)sc_hist_index_lo(i) + (double)sc_hist_index_hi(i)) / 2.0;
        if (mid >= lo && mid <= hi)
            in += h->counts[i];
    }
    return 100.0 * (double)in / (double)h->count;
}

bool sc_hist_next(const struct sc_hist *h, size_t *pos, uint64_t *lo, uint64_t *count)
{
    for (size_t i = *pos; i < SC_HIST_LEN; i++) {
        if (h->counts[i] != 0) {
            *lo = sc_hist_index_lo(i);
            *count = h->counts[i];
            *pos = i + 1;
            return true;
        }
    }
    *pos = SC_HIST_LEN;
    return false;
}

int sc_hist_add_bucket(struct sc_hist *h, uint64_t lo, uint64_t n)
{
    size_t i;
    if (lo > SC_HIST_MAX)
        return -1;
    i = sc_hist_index(lo);
    if (sc_hist_index_lo(i) != lo)
        return -1;
    h->counts[i] += n;
    h->count += n;
    return 0;
}

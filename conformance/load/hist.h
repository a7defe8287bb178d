/* hist.h - an HDR-style log-linear histogram: constant memory, 3 significant digits, mergeable. */
#ifndef SC_HIST_H
#define SC_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/*
 * Values are unsigned integers (the load engine records microseconds). Each power-of-two
 * range is cut into SC_HIST_SUB_BUCKETS/2 equal steps, so any recorded value is known to
 * within 1/1024 of itself (about 3 significant digits); values below SC_HIST_SUB_BUCKETS
 * are exact. Values above SC_HIST_MAX are counted in the top bucket; min, max, count and
 * sum stay exact for every value. Memory is fixed (about 240 KB), whatever is recorded.
 */
#define SC_HIST_SUB_BITS    11
#define SC_HIST_SUB_BUCKETS (1u << SC_HIST_SUB_BITS)
#define SC_HIST_MAX_BITS    38 /* 2^38 us is about 76 hours */
#define SC_HIST_MAX         ((UINT64_C(1) << SC_HIST_MAX_BITS) - 1)
#define SC_HIST_BUCKETS     (SC_HIST_MAX_BITS - SC_HIST_SUB_BITS + 1)
#define SC_HIST_LEN         ((SC_HIST_BUCKETS + 1) * (SC_HIST_SUB_BUCKETS / 2))

struct sc_hist {
    /* read-only for users */
    uint64_t count;
    uint64_t min; /* UINT64_MAX when empty */
    uint64_t max;
    double sum;
    double sumsq;
    /* private */
    uint64_t counts[SC_HIST_LEN];
};

/* Allocate an empty histogram; aborts on out-of-memory. Free with sc_hist_free(). */
struct sc_hist *sc_hist_new(void);
void sc_hist_free(struct sc_hist *h);
void sc_hist_reset(struct sc_hist *h);

/* Record `v` once / `n` times. O(1), no allocation. */
void sc_hist_record(struct sc_hist *h, uint64_t v);
void sc_hist_record_n(struct sc_hist *h, uint64_t v, uint64_t n);

/* Add every count of `from` into `into`: the result equals recording both streams. */
void sc_hist_merge(struct sc_hist *into, const struct sc_hist *from);

/* The value at percentile p (0..100): the highest value equivalent to the bucket holding
 * the p-th ranked value, clamped to [min, max]; p >= 100 gives the exact max.
 * 0 when empty. */
uint64_t sc_hist_percentile(const struct sc_hist *h, double p);
double sc_hist_mean(const struct sc_hist *h);
double sc_hist_stdev(const struct sc_hist *h);
/* Share of recorded values within mean +/- stdev, in percent (wrk's "+/- Stdev"). */
double sc_hist_within_stdev(const struct sc_hist *h);

/* Bucket index of a value and the value range [lo, hi] of an index. */
size_t sc_hist_index(uint64_t v);
uint64_t sc_hist_index_lo(size_t i);
uint64_t sc_hist_index_hi(size_t i);

/* Iterate the non-empty buckets: start with *pos = 0; returns false at the end. */
bool sc_hist_next(const struct sc_hist *h, size_t *pos, uint64_t *lo, uint64_t *count);

/* Add `n` counts to the bucket whose lowest value is `lo` (as written by sc_hist_next),
 * used to rebuild a histogram from its serialised buckets. min/max/sum are not touched:
 * the caller restores them from their exact serialised values. Returns -1 if `lo` is not
 * the lowest value of a bucket. */
SC_MUST_CHECK int sc_hist_add_bucket(struct sc_hist *h, uint64_t lo, uint64_t n);

#endif

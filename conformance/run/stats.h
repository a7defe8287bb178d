/* stats.h - the statistics behind split verdicts: sample sizes from tolerances, intervals. */
#ifndef SC_STATS_H
#define SC_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Chance that a correct mesh fails one split assertion: at most this. */
#define SC_STATS_FALSE_FAIL 1e-6

/*
 * Requests needed so that a correct mesh fails a split assertion over `k` backends with
 * non-zero weight, each checked to within `tolerance` (absolute share, 0 < t < 1), with
 * probability at most `delta`.
 *
 * A correct mesh sends each request to backend i with probability p_i (independently; a
 * deterministic weighted round robin deviates even less). The observed share of n requests,
 * X_i / n, is a mean of n Bernoulli(p_i) variables, so Hoeffding's inequality gives
 *     P(|X_i/n - p_i| > t) <= 2 exp(-2 n t^2)
 * whatever p_i is. The assertion fails if any of the k backends is off, so by the union bound
 *     P(fail) <= 2 k exp(-2 n t^2) <= delta   when   n >= ln(2k / delta) / (2 t^2).
 * E.g. k = 2, t = 0.05, delta = 1e-6: n = 3041. Zero-weight backends are checked for exactly
 * zero requests and need no budget: a correct mesh never sends them anything.
 */
uint64_t sc_stats_split_requests(unsigned k, double tolerance, double delta);

/* Chance that a mesh sending more than the tolerance elsewhere passes a one-backend split. */
#define SC_STATS_MISS 1e-6

/*
 * Requests for a split where one backend has all the weight (`{a: 1, b: 0}`). A correct mesh
 * sends it every request, so it passes whatever n is; the sample only has to catch a mesh that
 * sends a share q >= tolerance elsewhere, which passes only if none of n requests goes
 * elsewhere: (1 - q)^n <= (1 - t)^n <= delta when n >= ln(delta) / ln(1 - t). E.g. t = 0.05,
 * delta = 1e-6: n = 270 (instead of the 2902 a share to be measured would need).
 */
uint64_t sc_stats_sole_backend_requests(double tolerance, double delta);

/* Wilson score interval for x successes in n at confidence z (1.96 ~ 95%). */
void sc_stats_wilson(uint64_t x, uint64_t n, double z, double *lo, double *hi);

#endif

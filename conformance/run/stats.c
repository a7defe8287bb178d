/* stats.c - sample sizes for split verdicts and score intervals for reports. */
#include "run/stats.h"

#include <math.h>

uint64_t sc_stats_split_requests(unsigned k, double tolerance, double delta)
{
    if (k == 0)
        k = 1;
    if (tolerance <= 0 || tolerance >= 1 || delta <= 0 || delta >= 1)
        return 0;
    return (uint64_t)ceil(log(2.0 * (double)k / delta) / (2.0 * tolerance * tolerance));
}

uint64_t sc_stats_sole_backend_requests(double tolerance, double delta)
{
    if (tolerance <= 0 || tolerance >= 1 || delta <= 0 || delta >= 1)
        return 0;
    return (uint64_t)ceil(log(delta) / log1p(-tolerance));
}

void sc_stats_wilson(uint64_t x, uint64_t n, double z, double *lo, double *hi)
{
    double p, z2, den, centre, half;

    if (n == 0) {
        *lo = 0;
        *hi = 1;
        return;
    }
    p = (double)x / (double)n;
    z2 = z * z;
    den = 1 + z2 / (double)n;
    centre = (p + z2 / (2 * (double)n)) / den;
    half = z * sqrt(p * (1 - p) / (double)n + z2 / (4 * (double)n * (double)n)) / den;
    *lo = centre - half < 0 ? 0 : centre - half;
    *hi = centre + half > 1 ? 1 : centre + half;
}

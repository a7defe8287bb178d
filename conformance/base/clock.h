/* clock.h - the clocks of the harness: monotonic for durations, wall for reports; sleeping. */
#ifndef SC_BASE_CLOCK_H
#define SC_BASE_CLOCK_H

#include <stdint.h>

/* Monotonic clock in nanoseconds (CLOCK_MONOTONIC, the clock libuv's uv_hrtime uses). */
uint64_t sc_now_ns(void);

/* Wall clock in milliseconds since the epoch, for timestamps in reports. */
uint64_t sc_wall_ms(void);

/* Sleep at least `ms` milliseconds; a signal does not cut the sleep short (callers that must
 * react to a signal poll a flag between short sleeps). */
void sc_sleep_ms(unsigned ms);

#endif

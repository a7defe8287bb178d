/* util.h - small helpers shared by every module: durations, sizes, strings. */
#ifndef SC_UTIL_H
#define SC_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Parse a duration: a number with an optional unit us, ms, s, m, h (no unit = seconds),
 * e.g. "10s", "250ms", "1.5m". Negative, empty, unknown units, trailing text and values
 * over a day fail with SC_EINVAL and a message naming the input. */
SC_MUST_CHECK int sc_parse_duration_ns(const char *s, uint64_t *out_ns, struct sc_err *err);

/* Parse a non-negative integer with an optional k/M/G suffix (powers of 1000) into
 * [min, max]; `what` names the option in the message. */
SC_MUST_CHECK int sc_parse_count(const char *s, const char *what, uint64_t min, uint64_t max,
                                 uint64_t *out, struct sc_err *err);

/* Parse a non-negative decimal number (may have a fraction and a k/M suffix). */
SC_MUST_CHECK int sc_parse_rate(const char *s, const char *what, double *out, struct sc_err *err);

/* Human formatting into buf: "1.23ms", "12.40MB". Return buf. */
char *sc_fmt_duration_us(double us, char *buf, size_t len);
char *sc_fmt_bytes(double bytes, char *buf, size_t len);

/* ASCII case-insensitive compare of n bytes. */
bool sc_ascii_ieq(const char *a, const char *b, size_t n);

/* Is s a non-empty HTTP token (RFC 9110 tchar: a method or a header name)? */
bool sc_is_token(const char *s);

/* Does JSON text hold a NUL character: a raw 0 byte or a \u0000 escape? cJSON decodes it into
 * its C strings, which then silently end there (issue 15 #10): callers refuse such input. */
bool sc_json_has_nul(const char *text, size_t len);

/* Append one formatted line (a '\n' is added) to the heap string *buf (NULL = empty);
 * lines longer than 1 KiB are cut. Aborts on out-of-memory. */
void sc_append_linev(char **buf, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* strdup that aborts on out-of-memory: for small, bounded strings where the
 * caller cannot do anything useful on failure. Caller owns the result. */
char *sc_xstrdup(const char *s);
void *sc_xcalloc(size_t n, size_t size);
/* A Kubernetes CPU quantity ("4", "3500m", "1.5") in millicores into *out: 0, or -1 when it
 * is not one. */
int sc_parse_millicores(const char *q, unsigned long *out);
/* realloc of n elements of size bytes that aborts on out-of-memory or overflow. */
void *sc_xreallocarray(void *p, size_t n, size_t size);

#endif

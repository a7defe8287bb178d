/* log.c - level-checked logging to stderr. */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum sc_log_level sc_log_threshold = SC_LOG_WARN;

static const char *const level_names[] = {"error", "warn", "info", "debug", "trace"};

int sc_log_level_parse(const char *name)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
        if (strcmp(name, level_names[i]) == 0)
            return (int)i;
    return -1;
}

void sc_log_init(void)
{
    const char *v = getenv("SC_LOG");
    int lvl;

    if (v == NULL)
        return;
    lvl = sc_log_level_parse(v);
    if (lvl >= 0)
        sc_log_threshold = (enum sc_log_level)lvl;
}

void sc_log_write(enum sc_log_level level, const char *component, const char *fmt, ...)
{
    char line[1024];
    struct timespec ts;
    struct tm tm;
    size_t n;
    va_list ap;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ldZ %-5s %s: ", ts.tv_nsec / 1000000,
                          level_names[level], component);
    if (n < sizeof(line)) {
        va_start(ap, fmt);
        vsnprintf(line + n, sizeof(line) - n, fmt, ap);
        va_end(ap);
    }
    /* One fputs per line so lines from several threads do not interleave. */
    fprintf(stderr, "%s\n", line);
}

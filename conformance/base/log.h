/* log.h - level-checked logging: one line to stderr with time, level and component. */
#ifndef SC_LOG_H
#define SC_LOG_H

enum sc_log_level { SC_LOG_ERROR = 0, SC_LOG_WARN, SC_LOG_INFO, SC_LOG_DEBUG, SC_LOG_TRACE };

/* The current threshold; messages above it cost one comparison. Default SC_LOG_WARN,
 * or the value of SC_LOG (error|warn|info|debug|trace) read by sc_log_init(). */
extern enum sc_log_level sc_log_threshold;

/* Read SC_LOG from the environment. Safe to call more than once. */
void sc_log_init(void);
/* Parse a level name; returns -1 when unknown. */
int sc_log_level_parse(const char *name);

void sc_log_write(enum sc_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Never pass tokens, keys or certificates: logs end up in CI output and reports. */
#define SC_LOG(level, component, ...)                                                              \
    do {                                                                                           \
        if ((level) <= sc_log_threshold)                                                           \
            sc_log_write((level), (component), __VA_ARGS__);                                       \
    } while (0)

#define sc_log_error(comp, ...) SC_LOG(SC_LOG_ERROR, comp, __VA_ARGS__)
#define sc_log_warn(comp, ...)  SC_LOG(SC_LOG_WARN, comp, __VA_ARGS__)
#define sc_log_info(comp, ...)  SC_LOG(SC_LOG_INFO, comp, __VA_ARGS__)
#define sc_log_debug(comp, ...) SC_LOG(SC_LOG_DEBUG, comp, __VA_ARGS__)

#endif

/* err.h - the one error idiom of the harness: negative SC_E* codes plus a message buffer. */
#ifndef SC_ERR_H
#define SC_ERR_H

#include <stdarg.h>
#include <stddef.h>

/* On a function whose result says whether it worked: ignoring the result is a compile error
 * in CI (-Werror). Predicates and functions that cannot fail do not carry it. */
#define SC_MUST_CHECK __attribute__((warn_unused_result))

/* Error codes. Actions return 0 on success or one of these (always negative). */
enum {
    SC_OK = 0,
    SC_EINVAL = -1,   /* bad input: option, file content, argument */
    SC_ENOMEM = -2,   /* allocation failed */
    SC_EIO = -3,      /* read/write on a file or socket failed */
    SC_ECONNECT = -4, /* could not reach a peer */
    SC_EPROTO = -5,   /* a peer spoke something we do not understand */
    SC_ETIMEOUT = -6, /* a bounded wait ran out */
    SC_ENOTFOUND = -7,
    SC_ESYS = -8, /* a system call failed for another reason */
    SC_EBUSY = -9,
    SC_ECANCELED = -10, /* the run was interrupted (SIGINT/SIGTERM) */
};

/*
 * struct sc_err carries the first failure's detail up the call stack. The innermost
 * failing function writes the message with sc_err_set(); callers that add context use
 * sc_err_prefix(). Only the CLI prints it. The buffer is caller-owned and fixed-size, so
 * filling it never allocates and never fails.
 */
struct sc_err {
    int code;      /* the SC_E* code of the first failure, 0 when none */
    char msg[512]; /* lowercase, no final period, what went wrong first */
};

/* Reset to "no error". */
void sc_err_init(struct sc_err *err);

/* Record a failure; returns code so callers can write `return sc_err_set(err, ...)`.
 * A NULL err is allowed and only returns the code. A second call overwrites the first:
 * callers set once, at the innermost point. */
int sc_err_set(struct sc_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sc_err_vset(struct sc_err *err, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Add context in front of the existing message: "cannot load 'x': <old message>".
 * Returns err->code (or SC_EINVAL if none was set). */
int sc_err_prefix(struct sc_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * For calls that fail only on a programming error (locking an initialised mutex, starting an
 * initialised libuv timer): stop with where and what, rather than carry on in a state nobody
 * planned for. `call` returns 0 on success and an error number otherwise (pthread style) or a
 * negative one (libuv style). Not for anything input, the network or the system can make fail.
 */
#define SC_ASSERT_OK(call)                                                                         \
    do {                                                                                           \
        int sc_assert_rc_ = (call);                                                                \
        if (sc_assert_rc_ != 0)                                                                    \
            sc_fatal(__FILE__, __LINE__, #call, sc_assert_rc_);                                    \
    } while (0)

/* Print "smi-conformance: fatal: FILE:LINE: WHAT failed (RC)" to stderr and abort. */
__attribute__((noreturn)) void sc_fatal(const char *file, int line, const char *what, int rc);

/* A short name for a code ("invalid input", "timeout", ...). Static storage. */
const char *sc_strerror(int code);

#endif

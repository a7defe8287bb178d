/* err.c - the error idiom: first failure's message in a caller-supplied buffer. */
#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sc_err_init(struct sc_err *err)
{
    err->code = 0;
    err->msg[0] = '\0';
}

int sc_err_vset(struct sc_err *err, int code, const char *fmt, va_list ap)
{
    if (err == NULL)
        return code;
    err->code = code;
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    return code;
}

int sc_err_set(struct sc_err *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sc_err_vset(err, code, fmt, ap);
    va_end(ap);
    return code;
}

int sc_err_prefix(struct sc_err *err, const char *fmt, ...)
{
    char head[256];
    char old[sizeof(err->msg)];
    va_list ap;

    if (err == NULL)
        return SC_EINVAL;
    va_start(ap, fmt);
    vsnprintf(head, sizeof(head), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    {
        /* head, then ": " and the old message, each cut to what still fits. */
        size_t cap = sizeof(err->msg) - 1, n = strnlen(head, cap);
        memcpy(err->msg, head, n);
        if (old[0] != '\0' && n + 2 < cap) {
            size_t m = strnlen(old, cap - n - 2);
            memcpy(err->msg + n, ": ", 2);
            memcpy(err->msg + n + 2, old, m);
            n += 2 + m;
        }
        err->msg[n] = '\0';
    }
    if (err->code == 0)
        err->code = SC_EINVAL;
    return err->code;
}

const char *sc_strerror(int code)
{
    switch (code) {
    case SC_OK:
        return "ok";
    case SC_EINVAL:
        return "invalid input";
    case SC_ENOMEM:
        return "out of memory";
    case SC_EIO:
        return "input/output error";
    case SC_ECONNECT:
        return "cannot connect";
    case SC_EPROTO:
        return "protocol error";
    case SC_ETIMEOUT:
        return "timed out";
    case SC_ENOTFOUND:
        return "not found";
    case SC_ESYS:
        return "system error";
    case SC_ECANCELED:
        return "interrupted";
    case SC_EBUSY:
        return "busy";
    }
    return "unknown error";
}

void sc_fatal(const char *file, int line, const char *what, int rc)
{
    fprintf(stderr, "smi-conformance: fatal: %s:%d: %s failed (%d)\n", file, line, what, rc);
    abort();
}

/* buf.c - growable text, output escapes and whole-file I/O for the reporters. */
#include "reporters/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void reserve(struct sc_buf *b, size_t more)
{
    size_t need = b->len + more + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL)
        abort();
    b->p = p;
    b->cap = cap;
}

void sc_buf_release(struct sc_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

char *sc_buf_detach(struct sc_buf *b)
{
    char *p;
    reserve(b, 0);
    b->p[b->len] = '\0';
    p = b->p;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

void sc_buf_put(struct sc_buf *b, const char *s, size_t n)
{
    reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void sc_buf_puts(struct sc_buf *b, const char *s)
{
    sc_buf_put(b, s, strlen(s));
}

void sc_buf_printf(struct sc_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not one. Overlong forms,
 * surrogates and code points above U+10FFFF are refused, as XML parsers refuse them. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
            return 0;
        /* U+FFFE and U+FFFF are not XML characters either */
        if (c == 0xef && s[1] == 0xbf && s[2] >= 0xbe)
            return 0;
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

static const char REPLACEMENT[] = "\xef\xbf\xbd";

void sc_buf_esc(struct sc_buf *b, const char *s, enum sc_esc mode)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    bool xml = mode == SC_ESC_XML_TEXT || mode == SC_ESC_XML_ATTR || mode == SC_ESC_MD_CELL;

    while (*p) {
        size_t n = utf8_len(p);
        unsigned c = *p;
        if (n == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
            sc_buf_puts(b, REPLACEMENT);
            p++;
            continue;
        }
        if (n > 1) {
            sc_buf_put(b, (const char *)p, n);
            p += n;
            continue;
        }
        p++;
        if (xml && c == '&')
            sc_buf_puts(b, "&amp;");
        else if (xml && c == '<')
            sc_buf_puts(b, "&lt;");
        else if (xml && c == '>')
            sc_buf_puts(b, "&gt;");
        else if ((mode == SC_ESC_XML_ATTR || mode == SC_ESC_MD_CELL) && c == '"')
            sc_buf_puts(b, "&quot;");
        else if (mode == SC_ESC_XML_ATTR && c == '\'')
            sc_buf_puts(b, "&apos;");
        else if (mode == SC_ESC_XML_ATTR && (c == '\n' || c == '\t' || c == '\r'))
            sc_buf_printf(b, "&#%u;", c);
        else if (mode == SC_ESC_MD_CELL && c == '|')
            sc_buf_puts(b, "\\|");
        else if (mode == SC_ESC_MD_CELL && (c == '\n' || c == '\r' || c == '\t'))
            sc_buf_puts(b, " ");
        else if (mode == SC_ESC_MD_CELL &&
                 (c == '`' || c == '*' || c == '_' || c == '[' || c == ']' || c == '\\'))
            sc_buf_printf(b, "\\%c", c);
        else if (mode == SC_ESC_XML_TEXT && c == '\r')
            sc_buf_puts(b, "&#13;");
        else
            sc_buf_put(b, (const char *)p - 1, 1);
    }
}

/* Write all of text to fd; 0 or -1 with errno set. */
static int write_all(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        text += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A FIFO, a character device (/dev/null, /dev/stdout) or a socket: written where it is, never
 * replaced (issue 15 #4). */
static int write_through(const char *path, const char *shown, const char *text, size_t len,
                         struct sc_err *err)
{
    int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    int rc = 0;

    if (fd < 0)
        return sc_err_set(err, SC_EIO, "cannot write '%s': %s", shown, strerror(errno));
    if (write_all(fd, text, len) != 0)
        rc = sc_err_set(err, SC_EIO, "cannot write '%s': %s", shown, strerror(errno));
    if (close(fd) != 0 && rc == 0)
        rc = sc_err_set(err, SC_EIO, "cannot write '%s': %s", shown, strerror(errno));
    return rc;
}

/* A regular file (or a new one): written beside it, then renamed into place. */
static int write_atomic(const char *path, const char *shown, const char *text, size_t len,
                        struct sc_err *err)
{
    char *tmp;
    int fd, rc = 0;

    if (asprintf(&tmp, "%s.tmp%ld", path, (long)getpid()) < 0)
        abort();
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = sc_err_set(err, SC_EIO, "cannot write '%s': %s", shown, strerror(errno));
        free(tmp);
        return rc;
    }
    if (write_all(fd, text, len) != 0)
        rc = sc_err_set(err, SC_EIO, "cannot write '%s': %s", shown, strerror(errno));
    if (close(fd) != 0 && rc == 0)
        rc = sc_err_set(err, SC_EIO, "cannot write '%s': %s", shown, strerror(errno));
    if (rc == 0 && rename(tmp, path) != 0)
        rc = sc_err_set(err, SC_EIO, "cannot write '%s': %s", shown, strerror(errno));
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

int sc_report_write_file(const char *path, const char *text, size_t len, struct sc_err *err)
{
    struct stat st;
    char *real = NULL;
    int rc;

    if (strcmp(path, "-") == 0) {
        if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0)
            return sc_err_set(err, SC_EIO, "cannot write to standard output: %s", strerror(errno));
        return 0;
    }
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        /* a symlink: the user means its target; write that, the link stays */
        real = realpath(path, NULL);
        if (real == NULL)
            return sc_err_set(err, SC_EIO, "cannot write '%s': symlink to a missing target: %s",
                              path, strerror(errno));
    }
    if (stat(real ? real : path, &st) != 0) {
        if (errno != ENOENT) {
            rc = sc_err_set(err, SC_EIO, "cannot write '%s': %s", path, strerror(errno));
            free(real);
            return rc;
        }
        rc = write_atomic(path, path, text, len, err);
    } else if (S_ISDIR(st.st_mode)) {
        rc = sc_err_set(err, SC_EIO, "cannot write '%s': it is a directory", path);
    } else if (S_ISREG(st.st_mode)) {
        rc = write_atomic(real ? real : path, path, text, len, err);
    } else if (S_ISBLK(st.st_mode)) {
        rc = sc_err_set(err, SC_EIO, "cannot write '%s': refusing to write a block device", path);
    } else {
        rc = write_through(real ? real : path, path, text, len, err);
    }
    free(real);
    return rc;
}

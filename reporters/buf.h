/* buf.h - a growable text buffer for the reporters, with the escapes each output format needs. */
#ifndef SC_REPORT_BUF_H
#define SC_REPORT_BUF_H

#include <stddef.h>

#include "base/err.h"

/* Text being built. Appending aborts on out-of-memory: reports are small and a half-written
 * report is worse than none. `p` is always NUL-terminated once anything was appended. */
struct sc_buf {
    char *p;
    size_t len, cap;
};

#define SC_BUF_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void sc_buf_release(struct sc_buf *b);
/* Hand the text to the caller (never NULL; caller frees) and reset the buffer. */
char *sc_buf_detach(struct sc_buf *b);

void sc_buf_put(struct sc_buf *b, const char *s, size_t n);
void sc_buf_puts(struct sc_buf *b, const char *s);
void sc_buf_printf(struct sc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* How text from the run (messages, logs, names) is made safe for a format. Every mode also
 * replaces bytes that are not valid UTF-8, and control characters other than tab and newline,
 * with U+FFFD, so a stray escape sequence in a log cannot break the document. */
enum sc_esc {
    SC_ESC_NONE,     /* only the UTF-8/control clean-up */
    SC_ESC_XML_TEXT, /* & < > */
    SC_ESC_XML_ATTR, /* & < > " ' and tab/newline/CR as character references */
    SC_ESC_MD_CELL,  /* a Markdown table cell: | escaped, newlines become spaces, HTML escaped */
};
void sc_buf_esc(struct sc_buf *b, const char *s, enum sc_esc mode);

/* Write text to `path` ("-" is standard output). Regular files are written beside the target
 * and renamed into place, so a reader never sees half a report. A FIFO or a character device
 * (/dev/null, /dev/stdout) is written through, never replaced; a symlink's target is written
 * (resolved first), the link stays; a directory, a block device or a dangling symlink is an
 * error. Every write and close is checked. */
SC_MUST_CHECK int sc_report_write_file(const char *path, const char *text, size_t len,
                                       struct sc_err *err);

/* The largest results file or manifest the reporters read (sc_file_read's bound). */
#define SC_REPORT_MAX_INPUT (256u * 1024 * 1024)

#endif

/* url.h - parse http:// and https:// URLs into the parts a client needs. */
#ifndef SC_URL_H
#define SC_URL_H

#include <stdbool.h>

#include "base/err.h"

/* A parsed URL. All strings are owned by the struct; release with sc_url_release(). */
struct sc_url {
    bool tls;        /* https */
    char *host;      /* without brackets for IPv6 literals */
    char *port;      /* always set: the explicit port or 80/443 */
    char *path;      /* origin-form target: path and query, at least "/" */
    char *authority; /* the Host header value: host[:port] as written (brackets kept) */
};

/* Parse `s`. Only http and https are accepted; userinfo is rejected (credentials must not
 * travel in URLs that end up in logs). On failure sets err ("invalid URL '...': ...") and
 * leaves *u released. */
SC_MUST_CHECK int sc_url_parse(const char *s, struct sc_url *u, struct sc_err *err);

/* Free the strings; safe on a zeroed or already released struct. */
void sc_url_release(struct sc_url *u);

#endif

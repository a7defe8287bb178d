/* curl_opts.h - libcurl options and header lists with every result kept (internal to the
 * platform layer: local/ and kube/). */
#ifndef SC_PLATFORM_CURL_OPTS_H
#define SC_PLATFORM_CURL_OPTS_H

#include <curl/curl.h>
#include <stdbool.h>

#include "base/err.h"

/*
 * curl_easy_setopt can fail even with a valid option on a valid handle: out of memory when it
 * copies a string, CURLE_UNKNOWN_OPTION or CURLE_NOT_BUILT_IN from a libcurl built without the
 * feature. The first failure and the option's name are kept; setting the rest is harmless
 * (each call stands alone), so a sequence of options is checked once, at its end.
 */
struct sc_curl_opts {
    CURLcode cc;        /* the first failure, CURLE_OK when none */
    const char *failed; /* its option's name */
};

static inline void sc_curl_opt_note(struct sc_curl_opts *o, CURLcode cc, const char *name)
{
    if (o->cc == CURLE_OK && cc != CURLE_OK) {
        o->cc = cc;
        o->failed = name;
    }
}

/* Set one option on h, keeping its result in o. */
#define SC_CURL_SET(o, h, opt, val) sc_curl_opt_note((o), curl_easy_setopt((h), opt, (val)), #opt)

/* 0, or the first failure as "cannot set CURLOPT_X: <libcurl's reason>". */
SC_MUST_CHECK static inline int sc_curl_opts_result(const struct sc_curl_opts *o,
                                                    struct sc_err *err)
{
    if (o->cc == CURLE_OK)
        return 0;
    return sc_err_set(err, o->cc == CURLE_OUT_OF_MEMORY ? SC_ENOMEM : SC_ESYS, "cannot set %s: %s",
                      o->failed, curl_easy_strerror(o->cc));
}

/* Append line to *list; false (and *list unchanged, still the caller's) when out of memory. */
SC_MUST_CHECK static inline bool sc_curl_header(struct curl_slist **list, const char *line)
{
    struct curl_slist *n = curl_slist_append(*list, line);
    if (n == NULL)
        return false;
    *list = n;
    return true;
}

#endif

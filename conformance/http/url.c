/* url.c - URL parsing for the load engine and the agents (http-parser's URL parser). */
#include "http/url.h"

#include <http_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

static char *dup_field(const char *s, const struct http_parser_url *pu, int f)
{
    size_t off = pu->field_data[f].off, len = pu->field_data[f].len;
    char *r = malloc(len + 1);
    if (r == NULL)
        abort();
    memcpy(r, s + off, len);
    r[len] = '\0';
    return r;
}

void sc_url_release(struct sc_url *u)
{
    free(u->host);
    free(u->port);
    free(u->path);
    free(u->authority);
    memset(u, 0, sizeof(*u));
}

int sc_url_parse(const char *s, struct sc_url *u, struct sc_err *err)
{
    struct http_parser_url pu;
    char *scheme;
    size_t slen;

    memset(u, 0, sizeof(*u));
    if (s == NULL || *s == '\0')
        return sc_err_set(err, SC_EINVAL, "invalid URL '': empty");
    slen = strlen(s);
    if (slen > 8000)
        return sc_err_set(err, SC_EINVAL, "invalid URL: longer than 8000 characters");
    http_parser_url_init(&pu);
    if (http_parser_parse_url(s, slen, 0, &pu) != 0 || !(pu.field_set & (1 << UF_SCHEMA)) ||
        !(pu.field_set & (1 << UF_HOST)))
        return sc_err_set(err, SC_EINVAL, "invalid URL '%s': expected http://host[:port]/path", s);
    if (pu.field_set & (1 << UF_USERINFO))
        return sc_err_set(err, SC_EINVAL, "invalid URL '%s': credentials in URLs are not supported",
                          s);
    scheme = dup_field(s, &pu, UF_SCHEMA);
    if (strcasecmp(scheme, "http") == 0) {
        u->tls = false;
    } else if (strcasecmp(scheme, "https") == 0) {
        u->tls = true;
    } else {
        sc_err_set(err, SC_EINVAL, "invalid URL '%s': unknown scheme '%s' (use http or https)", s,
                   scheme);
        free(scheme);
        return SC_EINVAL;
    }
    free(scheme);
    u->host = dup_field(s, &pu, UF_HOST);
    if (pu.field_set & (1 << UF_PORT)) {
        if (pu.port == 0) {
            sc_err_set(err, SC_EINVAL, "invalid URL '%s': port 0", s);
            sc_url_release(u);
            return SC_EINVAL;
        }
        u->port = dup_field(s, &pu, UF_PORT);
    } else {
        u->port = sc_xstrdup(u->tls ? "443" : "80");
    }
    {
        /* The authority as written: from the host field (including IPv6 brackets) to
         * the end of the port, if any. */
        size_t start = pu.field_data[UF_HOST].off;
        size_t end = start + pu.field_data[UF_HOST].len;
        if (start > 0 && s[start - 1] == '[') {
            start--;
            end++;
        }
        if (pu.field_set & (1 << UF_PORT))
            end = (size_t)pu.field_data[UF_PORT].off + pu.field_data[UF_PORT].len;
        u->authority = malloc(end - start + 1);
        if (u->authority == NULL)
            abort();
        memcpy(u->authority, s + start, end - start);
        u->authority[end - start] = '\0';
    }
    {
        size_t off = 0, end = 0;
        if (pu.field_set & (1 << UF_PATH)) {
            off = pu.field_data[UF_PATH].off;
            end = off + pu.field_data[UF_PATH].len;
        }
        if (pu.field_set & (1 << UF_QUERY)) {
            if (!(pu.field_set & (1 << UF_PATH)))
                off = (size_t)pu.field_data[UF_QUERY].off - 1;
            end = (size_t)pu.field_data[UF_QUERY].off + pu.field_data[UF_QUERY].len;
        }
        if (end == 0) {
            u->path = sc_xstrdup("/");
        } else if (s[off] == '?') {
            u->path = malloc(end - off + 2);
            if (u->path == NULL)
                abort();
            u->path[0] = '/';
            memcpy(u->path + 1, s + off, end - off);
            u->path[end - off + 1] = '\0';
        } else {
            u->path = malloc(end - off + 1);
            if (u->path == NULL)
                abort();
            memcpy(u->path, s + off, end - off);
            u->path[end - off] = '\0';
        }
    }
    return 0;
}

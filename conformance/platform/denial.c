/* denial.c - the names of the signals a mesh denies with, and a denial set in words. */
#include <stdio.h>
#include <string.h>

#include "platform/platform.h"

static const char *const deny_names[] = {"refused", "reset", "closed", "timeout", "proxy"};

unsigned sc_deny_kind_parse(const char *name)
{
    for (unsigned i = 0; i < sizeof(deny_names) / sizeof(deny_names[0]); i++)
        if (strcmp(name, deny_names[i]) == 0)
            return 1u << i;
    return 0;
}

void sc_denial_describe(const struct sc_denial *d, const char *proto, char *buf, size_t len)
{
    unsigned kinds = strcmp(proto, "http") == 0  ? d->http
                     : strcmp(proto, "tcp") == 0 ? d->tcp
                                                 : d->udp;
    size_t l = 0;
    buf[0] = '\0';
    for (size_t i = 0; strcmp(proto, "http") == 0 && i < d->nhttp_status && l < len; i++)
        l += (size_t)snprintf(buf + l, len - l, "%s%d", l ? ", " : "", d->http_status[i]);
    for (unsigned i = 0; i < sizeof(deny_names) / sizeof(deny_names[0]) && l < len; i++)
        if (kinds & (1u << i))
            l += (size_t)snprintf(buf + l, len - l, "%s%s", l ? ", " : "", deny_names[i]);
    if (l == 0)
        snprintf(buf, len, "nothing");
}

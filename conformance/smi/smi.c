/* smi.c - the typed SMI object model: kind and group names, versions, freeing, matching. */
#include "smi/smi.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

static const char *const kind_names[SC_SMI_KIND_COUNT] = {"TrafficTarget", "HTTPRouteGroup",
                                                          "TCPRoute", "UDPRoute", "TrafficSplit"};
static const char *const group_names[SC_SMI_GROUP_COUNT] = {
    "access.smi-spec.io", "specs.smi-spec.io", "split.smi-spec.io"};

const char *sc_smi_kind_name(enum sc_smi_kind k)
{
    return (unsigned)k < SC_SMI_KIND_COUNT ? kind_names[k] : "?";
}

const char *sc_smi_group_name(enum sc_smi_group g)
{
    return (unsigned)g < SC_SMI_GROUP_COUNT ? group_names[g] : "?";
}

enum sc_smi_group sc_smi_kind_group(enum sc_smi_kind k)
{
    switch (k) {
    case SC_SMI_TRAFFIC_TARGET:
        return SC_SMI_ACCESS;
    case SC_SMI_TRAFFIC_SPLIT:
        return SC_SMI_SPLIT;
    default:
        return SC_SMI_SPECS;
    }
}

int sc_smi_group_newest(enum sc_smi_group g)
{
    return g == SC_SMI_ACCESS ? 3 : 4;
}

bool sc_smi_version_exists(enum sc_smi_kind k, int version)
{
    if (k == SC_SMI_UDP_ROUTE)
        return version == 4;
    return version >= 1 && version <= sc_smi_group_newest(sc_smi_kind_group(k));
}

int sc_smi_kind_parse(const char *name)
{
    for (int k = 0; k < SC_SMI_KIND_COUNT; k++)
        if (strcmp(kind_names[k], name) == 0)
            return k;
    return -1;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void sc_smi_obj_free(struct sc_smi_obj *o)
{
    if (o == NULL)
        return;
    switch (o->kind) {
    case SC_SMI_TRAFFIC_TARGET:
        free(o->u.tt.dest.name);
        free(o->u.tt.dest.ns);
        for (size_t i = 0; i < o->u.tt.nsources; i++) {
            free(o->u.tt.sources[i].name);
            free(o->u.tt.sources[i].ns);
        }
        free(o->u.tt.sources);
        for (size_t i = 0; i < o->u.tt.nrules; i++) {
            free(o->u.tt.rules[i].name);
            free_strs(o->u.tt.rules[i].matches, o->u.tt.rules[i].nmatches);
        }
        free(o->u.tt.rules);
        break;
    case SC_SMI_HTTP_ROUTE_GROUP:
        for (size_t i = 0; i < o->u.hrg.nmatches; i++) {
            struct sc_smi_http_match *m = &o->u.hrg.matches[i];
            free(m->name);
            if (m->path_regex) {
                regfree(&m->path_re);
                regfree(&m->path_re_any);
                free(m->path_regex);
            }
            free_strs(m->methods, m->nmethods);
            for (size_t j = 0; j < m->nheaders; j++) {
                free(m->headers[j].name);
                free(m->headers[j].regex);
                regfree(&m->headers[j].re);
            }
            free(m->headers);
        }
        free(o->u.hrg.matches);
        break;
    case SC_SMI_TCP_ROUTE:
    case SC_SMI_UDP_ROUTE:
        free(o->u.route.match_name);
        free(o->u.route.ports);
        break;
    case SC_SMI_TRAFFIC_SPLIT:
        free(o->u.ts.service);
        for (size_t i = 0; i < o->u.ts.nbackends; i++)
            free(o->u.ts.backends[i].service);
        free(o->u.ts.backends);
        free_strs(o->u.ts.matches, o->u.ts.nmatches);
        break;
    default:
        break;
    }
    sc_doc_node_free(o->doc);
    free(o->name);
    free(o->ns);
    free(o->file);
    free(o);
}

void sc_smi_obj_list_free(struct sc_smi_obj *list)
{
    while (list) {
        struct sc_smi_obj *next = list->next;
        sc_smi_obj_free(list);
        list = next;
    }
}

bool sc_smi_match_method(const struct sc_smi_http_match *mt, const char *m)
{
    if (mt->nmethods == 0)
        return true;
    for (size_t i = 0; i < mt->nmethods; i++)
        if (strcmp(mt->methods[i], "*") == 0 || strcmp(mt->methods[i], m) == 0)
            return true;
    return false;
}

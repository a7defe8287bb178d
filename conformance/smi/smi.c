/* smi.c - the typed SMI object model: names, parsing entry points, freeing, matching. */
#include "smi/smi.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "smi/check.h"

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

/* ---- entry points ---- */

int sc_smi_obj_from_doc(const struct sc_doc_node *root, const char *file, const char *default_ns,
                        struct sc_smi_obj **out, struct sc_smi_diag *diag, struct sc_err *err)
{
    struct sc_smi_vctx v = {.file = file ? file : "<input>", .diag = diag, .err = err};
    const struct sc_doc_node *av, *kn;
    struct sc_smi_obj *o;
    char group[64];
    int rc, version = 0, kind;

    *out = NULL;
    if (diag)
        memset(diag, 0, sizeof(*diag));
    if (root->type != SC_DOC_MAP)
        return sc_smi_fail_at(&v, root->line, root->col, "expected an object, got %s",
                              sc_smi_type_name(root->type));
    if ((rc = sc_smi_get_node(&v, root, "apiVersion", SC_DOC_STR, true, &av)) ||
        (rc = sc_smi_get_node(&v, root, "kind", SC_DOC_STR, true, &kn)))
        return rc;
    const char *slash = strchr(av->text, '/');
    size_t glen = slash ? (size_t)(slash - av->text) : 0;
    int g = -1;
    if (slash && glen < sizeof(group)) {
        memcpy(group, av->text, glen);
        group[glen] = '\0';
        for (int i = 0; i < SC_SMI_GROUP_COUNT; i++)
            if (strcmp(group, group_names[i]) == 0)
                g = i;
        char *end;
        if (strncmp(slash + 1, "v1alpha", 7) == 0) {
            version = (int)strtol(slash + 8, &end, 10);
            if (*end != '\0' || end == slash + 8)
                version = 0;
        }
    }
    if (g < 0) {
        sc_smi_path_push(&v, "apiVersion");
        return sc_smi_fail_at(&v, av->line, av->col,
                              "unknown API group in '%s' (expected access.smi-spec.io, "
                              "specs.smi-spec.io or split.smi-spec.io)",
                              av->text);
    }
    kind = sc_smi_kind_parse(kn->text);
    if (kind < 0 || (int)sc_smi_kind_group((enum sc_smi_kind)kind) != g) {
        sc_smi_path_push(&v, "kind");
        return sc_smi_fail_at(&v, kn->line, kn->col, "unknown kind '%s' in %s", kn->text, group);
    }
    if (!sc_smi_version_exists((enum sc_smi_kind)kind, version)) {
        sc_smi_path_push(&v, "apiVersion");
        return sc_smi_fail_at(&v, av->line, av->col, "%s has no version '%s'", kn->text, slash + 1);
    }
    o = sc_xcalloc(1, sizeof(*o));
    o->kind = (enum sc_smi_kind)kind;
    o->version = version;
    o->file = sc_xstrdup(v.file);
    o->line = root->line;
    o->col = root->col;
    if ((rc = sc_smi_check_metadata(&v, root, default_ns, o)))
        goto out_free;
    switch (o->kind) {
    case SC_SMI_TRAFFIC_TARGET:
        rc = sc_smi_check_traffic_target(&v, root, o);
        break;
    case SC_SMI_HTTP_ROUTE_GROUP:
        rc = sc_smi_check_http_route_group(&v, root, o);
        break;
    case SC_SMI_TCP_ROUTE:
    case SC_SMI_UDP_ROUTE:
        rc = sc_smi_check_route(&v, root, o);
        break;
    case SC_SMI_TRAFFIC_SPLIT:
        rc = sc_smi_check_traffic_split(&v, root, o);
        break;
    default:
        rc = SC_EINVAL;
    }
    if (rc)
        goto out_free;
    o->doc = sc_doc_node_dup(root);
    *out = o;
    return 0;
out_free:
    sc_smi_obj_free(o);
    return rc;
}

int sc_smi_parse(const char *buf, size_t len, const char *file, const char *default_ns,
                 struct sc_smi_obj **out, struct sc_smi_diag *diag, struct sc_err *err)
{
    struct sc_doc *docs = NULL;
    struct sc_smi_obj *head = NULL, **tail = &head;
    int rc;

    *out = NULL;
    if (diag)
        memset(diag, 0, sizeof(*diag));
    rc = sc_doc_parse(buf, len, file, &docs, err);
    if (rc)
        return rc;
    for (struct sc_doc *d = docs; d; d = d->next) {
        rc = sc_smi_obj_from_doc(d->root, file, default_ns, tail, diag, err);
        if (rc) {
            sc_smi_obj_list_free(head);
            head = NULL;
            break;
        }
        tail = &(*tail)->next;
    }
    sc_doc_free(docs);
    if (rc == 0 && head == NULL)
        rc = sc_err_set(err, SC_EINVAL, "%s: no objects", file ? file : "<input>");
    *out = head;
    return rc;
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

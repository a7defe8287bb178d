/* smi.c - schema checks per group/kind/version (SMI-SPEC.md) and the typed object model. */
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

/* ---- checking context: the field path and the first failure ---- */

struct vctx {
    const char *file;
    struct sc_smi_diag *diag;
    struct sc_err *err;
    char path[256];
};

static size_t path_push(struct vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t path_push(struct vctx *v, const char *fmt, ...)
{
    size_t mark = strlen(v->path);
    va_list ap;
    va_start(ap, fmt);
    if (mark < sizeof(v->path))
        vsnprintf(v->path + mark, sizeof(v->path) - mark, fmt, ap);
    va_end(ap);
    return mark;
}

static void path_pop(struct vctx *v, size_t mark)
{
    v->path[mark] = '\0';
}

static int fail_at(struct vctx *v, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_at(struct vctx *v, int line, int col, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const char *path = v->path[0] == '.' ? v->path + 1 : v->path;
    if (v->diag) {
        v->diag->line = line;
        v->diag->col = col;
        snprintf(v->diag->path, sizeof(v->diag->path), "%s", path);
        snprintf(v->diag->msg, sizeof(v->diag->msg), "%s", msg);
    }
    return sc_err_set(v->err, SC_EINVAL, "%s:%d:%d: %s%s%s", v->file, line, col, path,
                      path[0] ? ": " : "", msg);
}

static const char *type_name(enum sc_doc_type t)
{
    static const char *const names[] = {"null",   "boolean", "integer", "number",
                                        "string", "object",  "list"};
    return names[t];
}

/* Every key of map `m` must be in `allowed` (NULL-terminated). */
static int check_fields(struct vctx *v, const struct sc_doc_node *m, const char *const *allowed)
{
    for (const struct sc_doc_node *c = m->child; c; c = c->next) {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            ok = ok || strcmp(*a, c->key) == 0;
        if (!ok) {
            size_t mark = path_push(v, ".%s", c->key);
            int rc = fail_at(v, c->key_line, c->key_col, "unknown field");
            path_pop(v, mark);
            return rc;
        }
    }
    return 0;
}

/* Fetch member `key` of `m` with type `t`. Absent (or null) and required: error. */
static int get_node(struct vctx *v, const struct sc_doc_node *m, const char *key,
                    enum sc_doc_type t, bool required, const struct sc_doc_node **out)
{
    const struct sc_doc_node *n = sc_doc_get(m, key);
    *out = NULL;
    if (n == NULL || n->type == SC_DOC_NULL) {
        if (!required)
            return 0;
        size_t mark = path_push(v, ".%s", key);
        int rc = fail_at(v, n ? n->line : m->line, n ? n->col : m->col, "required field missing");
        path_pop(v, mark);
        return rc;
    }
    if (n->type != t) {
        size_t mark = path_push(v, ".%s", key);
        int rc =
            fail_at(v, n->line, n->col, "expected %s, got %s", type_name(t), type_name(n->type));
        path_pop(v, mark);
        return rc;
    }
    *out = n;
    return 0;
}

static int get_str(struct vctx *v, const struct sc_doc_node *m, const char *key, bool required,
                   char **out)
{
    const struct sc_doc_node *n;
    int rc = get_node(v, m, key, SC_DOC_STR, required, &n);
    if (rc)
        return rc;
    if (n && n->text[0] == '\0' && required) {
        size_t mark = path_push(v, ".%s", key);
        rc = fail_at(v, n->line, n->col, "must not be empty");
        path_pop(v, mark);
        return rc;
    }
    *out = n ? sc_xstrdup(n->text) : NULL;
    return 0;
}

static int check_enum(struct vctx *v, const struct sc_doc_node *m, const char *key,
                      const char *const *values)
{
    const struct sc_doc_node *n = sc_doc_get(m, key);
    char list[160] = "";
    for (const char *const *p = values; *p; p++) {
        if (n && strcmp(n->text, *p) == 0)
            return 0;
        size_t l = strlen(list);
        snprintf(list + l, sizeof(list) - l, "%s%s", l ? ", " : "", *p);
    }
    size_t mark = path_push(v, ".%s", key);
    int rc = fail_at(v, n->line, n->col, "must be one of %s, got '%s'", list, n->text);
    path_pop(v, mark);
    return rc;
}

static int get_port(struct vctx *v, const struct sc_doc_node *n, int *out)
{
    char *end;
    long p;
    if (n->type != SC_DOC_INT)
        return fail_at(v, n->line, n->col, "expected integer, got %s", type_name(n->type));
    p = strtol(n->text, &end, 10);
    if (p < 1 || p > 65535)
        return fail_at(v, n->line, n->col, "port must be in 1..65535, got %s", n->text);
    *out = (int)p;
    return 0;
}

/* A list of strings. */
static int get_str_list(struct vctx *v, const struct sc_doc_node *m, const char *key, char ***out,
                        size_t *nout)
{
    const struct sc_doc_node *s;
    int rc = get_node(v, m, key, SC_DOC_SEQ, false, &s);
    *out = NULL;
    *nout = 0;
    if (rc || s == NULL)
        return rc;
    *out = sc_xcalloc(s->n + 1, sizeof(char *));
    size_t i = 0;
    for (const struct sc_doc_node *c = s->child; c; c = c->next, i++) {
        if (c->type != SC_DOC_STR) {
            size_t mark = path_push(v, ".%s[%zu]", key, i);
            rc = fail_at(v, c->line, c->col, "expected string, got %s", type_name(c->type));
            path_pop(v, mark);
            return rc;
        }
        (*out)[i] = sc_xstrdup(c->text);
        (*nout)++;
    }
    return 0;
}

/* ---- metadata ---- */

static bool dns_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
        return false;
    for (const char *p = s; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' || *p == '.'))
            return false;
    return true;
}

static int check_str_map(struct vctx *v, const struct sc_doc_node *m, const char *key)
{
    const struct sc_doc_node *n;
    int rc = get_node(v, m, key, SC_DOC_MAP, false, &n);
    if (rc || n == NULL)
        return rc;
    for (const struct sc_doc_node *c = n->child; c; c = c->next) {
        if (c->type != SC_DOC_STR) {
            size_t mark = path_push(v, ".%s.%s", key, c->key);
            rc = fail_at(v, c->line, c->col, "expected string, got %s", type_name(c->type));
            path_pop(v, mark);
            return rc;
        }
    }
    return 0;
}

static int check_metadata(struct vctx *v, const struct sc_doc_node *root, const char *default_ns,
                          struct sc_smi_obj *o)
{
    static const char *const fields[] = {"name",
                                         "namespace",
                                         "labels",
                                         "annotations",
                                         "uid",
                                         "resourceVersion",
                                         "generation",
                                         "creationTimestamp",
                                         "deletionTimestamp",
                                         "deletionGracePeriodSeconds",
                                         "finalizers",
                                         "ownerReferences",
                                         "managedFields",
                                         "generateName",
                                         "selfLink",
                                         NULL};
    const struct sc_doc_node *md;
    int rc = get_node(v, root, "metadata", SC_DOC_MAP, true, &md);
    if (rc)
        return rc;
    size_t mark = path_push(v, ".metadata");
    if ((rc = check_fields(v, md, fields)) || (rc = get_str(v, md, "name", true, &o->name)) ||
        (rc = get_str(v, md, "namespace", false, &o->ns)) ||
        (rc = check_str_map(v, md, "labels")) || (rc = check_str_map(v, md, "annotations")))
        goto out;
    const struct sc_doc_node *n = sc_doc_get(md, "name");
    if (!dns_name_ok(o->name)) {
        path_push(v, ".name");
        rc = fail_at(v, n->line, n->col, "'%s' is not a valid name (lowercase RFC 1123)", o->name);
        goto out;
    }
    if (o->ns && !dns_name_ok(o->ns)) {
        n = sc_doc_get(md, "namespace");
        path_push(v, ".namespace");
        rc = fail_at(v, n->line, n->col, "'%s' is not a valid namespace", o->ns);
        goto out;
    }
    if (o->ns == NULL)
        o->ns = sc_xstrdup(default_ns ? default_ns : "default");
out:
    path_pop(v, mark);
    return rc;
}

/* ---- TrafficTarget ---- */

static int check_sa(struct vctx *v, const struct sc_doc_node *m, const struct sc_smi_obj *o,
                    bool allow_port, bool port_is_string, struct sc_smi_sa *sa, int *port)
{
    static const char *const with_port[] = {"kind", "name", "namespace", "port", NULL};
    static const char *const no_port[] = {"kind", "name", "namespace", NULL};
    static const char *const kinds[] = {"ServiceAccount", NULL};
    const struct sc_doc_node *k;
    int rc;

    if ((rc = check_fields(v, m, allow_port ? with_port : no_port)) ||
        (rc = get_node(v, m, "kind", SC_DOC_STR, true, &k)) ||
        (rc = check_enum(v, m, "kind", kinds)) || (rc = get_str(v, m, "name", true, &sa->name)) ||
        (rc = get_str(v, m, "namespace", false, &sa->ns)))
        return rc;
    if (sa->ns == NULL)
        sa->ns = sc_xstrdup(o->ns);
    const struct sc_doc_node *p = sc_doc_get(m, "port");
    if (p && p->type != SC_DOC_NULL) {
        size_t mark = path_push(v, ".port");
        if (port_is_string && p->type == SC_DOC_STR) {
            /* v1alpha1 declares the port a string: accept digits. */
            char *end;
            long n = strtol(p->text, &end, 10);
            if (*end != '\0' || n < 1 || n > 65535)
                rc = fail_at(v, p->line, p->col, "port must be a number in 1..65535, got '%s'",
                             p->text);
            else
                *port = (int)n;
        } else {
            rc = get_port(v, p, port);
        }
        path_pop(v, mark);
    }
    return rc;
}

static int check_traffic_target(struct vctx *v, const struct sc_doc_node *root,
                                struct sc_smi_obj *o)
{
    static const char *const top1[] = {"apiVersion", "kind",  "metadata", "destination",
                                       "sources",    "specs", NULL};
    static const char *const top[] = {"apiVersion", "kind", "metadata", "spec", NULL};
    static const char *const spec_fields[] = {"destination", "sources", "rules", NULL};
    static const char *const rule_fields[] = {"kind", "name", "matches", NULL};
    static const char *const kinds2[] = {"HTTPRouteGroup", "TCPRoute", NULL};
    static const char *const kinds3[] = {"HTTPRouteGroup", "TCPRoute", "UDPRoute", NULL};
    const struct sc_doc_node *spec = root, *dest, *srcs, *rules;
    const char *rules_key = o->version == 1 ? "specs" : "rules";
    bool req = o->version >= 3;
    size_t mark0 = strlen(v->path);
    int rc;

    if (o->version == 1) {
        if ((rc = check_fields(v, root, top1)))
            return rc;
    } else {
        if ((rc = check_fields(v, root, top)) ||
            (rc = get_node(v, root, "spec", SC_DOC_MAP, true, &spec)))
            return rc;
        path_push(v, ".spec");
        if ((rc = check_fields(v, spec, spec_fields)))
            goto out;
    }
    if ((rc = get_node(v, spec, "destination", SC_DOC_MAP, true, &dest)) ||
        (rc = get_node(v, spec, "sources", SC_DOC_SEQ, o->version >= 2, &srcs)) ||
        (rc = get_node(v, spec, rules_key, SC_DOC_SEQ, req, &rules)))
        goto out;
    size_t mark = path_push(v, ".destination");
    rc = check_sa(v, dest, o, o->version <= 2, o->version == 1, &o->u.tt.dest, &o->u.tt.dest_port);
    path_pop(v, mark);
    if (rc)
        goto out;
    if (srcs) {
        o->u.tt.sources = sc_xcalloc(srcs->n + 1, sizeof(*o->u.tt.sources));
        size_t i = 0;
        for (const struct sc_doc_node *c = srcs->child; c; c = c->next, i++) {
            mark = path_push(v, ".sources[%zu]", i);
            if (c->type != SC_DOC_MAP)
                rc = fail_at(v, c->line, c->col, "expected object, got %s", type_name(c->type));
            else
                rc = check_sa(v, c, o, false, false, &o->u.tt.sources[i], NULL);
            o->u.tt.nsources = i + 1;
            path_pop(v, mark);
            if (rc)
                goto out;
        }
    }
    if (rules) {
        o->u.tt.rules = sc_xcalloc(rules->n + 1, sizeof(*o->u.tt.rules));
        size_t i = 0;
        for (const struct sc_doc_node *c = rules->child; c; c = c->next, i++) {
            struct sc_smi_rule *r = &o->u.tt.rules[i];
            const struct sc_doc_node *k;
            o->u.tt.nrules = i + 1;
            mark = path_push(v, ".%s[%zu]", rules_key, i);
            if (c->type != SC_DOC_MAP) {
                rc = fail_at(v, c->line, c->col, "expected object, got %s", type_name(c->type));
                goto out;
            }
            if ((rc = check_fields(v, c, rule_fields)) ||
                (rc = get_node(v, c, "kind", SC_DOC_STR, true, &k)) ||
                (rc = check_enum(v, c, "kind", o->version >= 3 ? kinds3 : kinds2)) ||
                (rc = get_str(v, c, "name", true, &r->name)) ||
                (rc = get_str_list(v, c, "matches", &r->matches, &r->nmatches)))
                goto out;
            r->kind = (enum sc_smi_kind)sc_smi_kind_parse(k->text);
            path_pop(v, mark);
        }
    }
out:
    path_pop(v, mark0);
    return rc;
}

/* ---- HTTPRouteGroup ---- */

static int compile(struct vctx *v, const struct sc_doc_node *n, const char *prefix, const char *re,
                   const char *suffix, regex_t *out)
{
    char buf[1024], ebuf[128];
    int r;
    snprintf(buf, sizeof(buf), "%s%s%s", prefix, re, suffix);
    r = regcomp(out, buf, REG_EXTENDED | REG_NOSUB);
    if (r != 0) {
        regerror(r, out, ebuf, sizeof(ebuf));
        return fail_at(v, n->line, n->col, "invalid regular expression '%s': %s", re, ebuf);
    }
    return 0;
}

static int add_header(struct vctx *v, struct sc_smi_http_match *mt, const struct sc_doc_node *h)
{
    struct sc_smi_header *hd = &mt->headers[mt->nheaders];
    size_t mark = path_push(v, ".%s", h->key);
    int rc = 0;
    if (h->type != SC_DOC_STR) {
        rc = fail_at(v, h->line, h->col, "expected string, got %s", type_name(h->type));
    } else if ((rc = compile(v, h, "", h->text, "", &hd->re)) == 0) {
        hd->name = sc_xstrdup(h->key);
        hd->regex = sc_xstrdup(h->text);
        mt->nheaders++;
    }
    path_pop(v, mark);
    return rc;
}

static const char *const methods[] = {"*",       "GET",     "HEAD",  "PUT",   "POST", "DELETE",
                                      "CONNECT", "OPTIONS", "TRACE", "PATCH", NULL};

static int check_http_match(struct vctx *v, const struct sc_doc_node *m, int version,
                            struct sc_smi_http_match *mt)
{
    static const char *const f1[] = {"name", "pathRegex", "methods", NULL};
    static const char *const f2[] = {"name", "pathRegex", "methods", "headers", NULL};
    const struct sc_doc_node *pr, *hs;
    int rc;

    if ((rc = check_fields(v, m, version == 1 ? f1 : f2)) ||
        (rc = get_str(v, m, "name", true, &mt->name)) ||
        (rc = get_node(v, m, "pathRegex", SC_DOC_STR, false, &pr)) ||
        (rc = get_str_list(v, m, "methods", &mt->methods, &mt->nmethods)))
        return rc;
    for (size_t i = 0; i < mt->nmethods; i++) {
        bool ok = false;
        for (const char *const *p = methods; *p; p++)
            ok = ok || strcmp(*p, mt->methods[i]) == 0;
        if (!ok) {
            const struct sc_doc_node *mn = sc_doc_get(m, "methods")->child;
            for (size_t j = 0; j < i; j++)
                mn = mn->next;
            size_t mark = path_push(v, ".methods[%zu]", i);
            rc = fail_at(v, mn->line, mn->col,
                         "unknown method '%s' (expected *, GET, HEAD, PUT, POST, DELETE, "
                         "CONNECT, OPTIONS, TRACE or PATCH)",
                         mt->methods[i]);
            path_pop(v, mark);
            return rc;
        }
    }
    if (pr) {
        size_t mark = path_push(v, ".pathRegex");
        rc = compile(v, pr, "^(", pr->text, ")", &mt->path_re);
        if (rc == 0) {
            rc = compile(v, pr, "", pr->text, "", &mt->path_re_any);
            if (rc)
                regfree(&mt->path_re);
            else
                mt->path_regex = sc_xstrdup(pr->text);
        }
        path_pop(v, mark);
        if (rc)
            return rc;
    }
    hs = sc_doc_get(m, "headers");
    if (hs == NULL || hs->type == SC_DOC_NULL || version == 1)
        return 0;
    size_t mark = path_push(v, ".headers");
    if (hs->type == SC_DOC_MAP) {
        mt->headers = sc_xcalloc(hs->n + 1, sizeof(*mt->headers));
        for (const struct sc_doc_node *h = hs->child; h && rc == 0; h = h->next)
            rc = add_header(v, mt, h);
    } else if (hs->type == SC_DOC_SEQ) {
        /* The CRD's list-of-objects form: [{name: regex}, ...], all ANDed. */
        size_t total = 0, i = 0;
        for (const struct sc_doc_node *e = hs->child; e; e = e->next)
            total += e->type == SC_DOC_MAP ? e->n : 0;
        mt->headers = sc_xcalloc(total + 1, sizeof(*mt->headers));
        for (const struct sc_doc_node *e = hs->child; e && rc == 0; e = e->next, i++) {
            size_t m2 = path_push(v, "[%zu]", i);
            if (e->type != SC_DOC_MAP)
                rc = fail_at(v, e->line, e->col, "expected object, got %s", type_name(e->type));
            for (const struct sc_doc_node *h = e->child; h && rc == 0; h = h->next)
                rc = add_header(v, mt, h);
            path_pop(v, m2);
        }
    } else {
        rc = fail_at(v, hs->line, hs->col, "expected object, got %s", type_name(hs->type));
    }
    path_pop(v, mark);
    return rc;
}

static int check_http_route_group(struct vctx *v, const struct sc_doc_node *root,
                                  struct sc_smi_obj *o)
{
    static const char *const top_old[] = {"apiVersion", "kind", "metadata", "matches", NULL};
    static const char *const top[] = {"apiVersion", "kind", "metadata", "spec", NULL};
    static const char *const spec_fields[] = {"matches", NULL};
    const struct sc_doc_node *spec = root, *ms;
    size_t mark0 = strlen(v->path);
    int rc;

    if (o->version <= 2) {
        if ((rc = check_fields(v, root, top_old)))
            return rc;
    } else {
        if ((rc = check_fields(v, root, top)) ||
            (rc = get_node(v, root, "spec", SC_DOC_MAP, true, &spec)))
            return rc;
        path_push(v, ".spec");
        if ((rc = check_fields(v, spec, spec_fields)))
            goto out;
    }
    if ((rc = get_node(v, spec, "matches", SC_DOC_SEQ, true, &ms)))
        goto out;
    o->u.hrg.matches = sc_xcalloc(ms->n + 1, sizeof(*o->u.hrg.matches));
    size_t i = 0;
    for (const struct sc_doc_node *c = ms->child; c; c = c->next, i++) {
        size_t mark = path_push(v, ".matches[%zu]", i);
        o->u.hrg.nmatches = i + 1;
        if (c->type != SC_DOC_MAP)
            rc = fail_at(v, c->line, c->col, "expected object, got %s", type_name(c->type));
        else
            rc = check_http_match(v, c, o->version, &o->u.hrg.matches[i]);
        path_pop(v, mark);
        if (rc)
            goto out;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(o->u.hrg.matches[j].name, o->u.hrg.matches[i].name) == 0) {
                mark = path_push(v, ".matches[%zu].name", i);
                rc = fail_at(v, c->line, c->col, "duplicate match name '%s'",
                             o->u.hrg.matches[i].name);
                path_pop(v, mark);
                goto out;
            }
        }
    }
out:
    path_pop(v, mark0);
    return rc;
}

/* ---- TCPRoute, UDPRoute ---- */

static int check_route(struct vctx *v, const struct sc_doc_node *root, struct sc_smi_obj *o)
{
    static const char *const top_old[] = {"apiVersion", "kind", "metadata", NULL};
    static const char *const top[] = {"apiVersion", "kind", "metadata", "spec", NULL};
    static const char *const none[] = {NULL};
    static const char *const spec4[] = {"matches", NULL};
    static const char *const match4[] = {"name", "ports", NULL};
    const struct sc_doc_node *spec, *m, *ports;
    size_t mark0 = strlen(v->path);
    int rc;

    if (o->version <= 2)
        return check_fields(v, root, top_old);
    if ((rc = check_fields(v, root, top)) ||
        (rc = get_node(v, root, "spec", SC_DOC_MAP, false, &spec)) || spec == NULL)
        return rc;
    path_push(v, ".spec");
    if ((rc = check_fields(v, spec, o->version == 3 ? none : spec4)) ||
        (rc = get_node(v, spec, "matches", SC_DOC_MAP, false, &m)) || m == NULL)
        goto out;
    path_push(v, ".matches");
    if ((rc = check_fields(v, m, match4)) ||
        (rc = get_str(v, m, "name", false, &o->u.route.match_name)) ||
        (rc = get_node(v, m, "ports", SC_DOC_SEQ, false, &ports)) || ports == NULL)
        goto out;
    o->u.route.ports = sc_xcalloc(ports->n + 1, sizeof(int));
    size_t i = 0;
    for (const struct sc_doc_node *c = ports->child; c; c = c->next, i++) {
        size_t mark = path_push(v, ".ports[%zu]", i);
        rc = get_port(v, c, &o->u.route.ports[i]);
        path_pop(v, mark);
        if (rc)
            goto out;
        o->u.route.nports = i + 1;
    }
out:
    path_pop(v, mark0);
    return rc;
}

/* ---- TrafficSplit ---- */

int sc_smi_quantity_parse(const char *s, double *out)
{
    static const struct {
        const char *suffix;
        double mult;
    } sfx[] = {{"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0},
               {"n", 1e-9},    {"u", 1e-6},       {"m", 1e-3},          {"k", 1e3},
               {"M", 1e6},     {"G", 1e9},        {"T", 1e12},          {"", 1.0}};
    char *end;
    const char *p = s;
    if (*p == '+')
        p++;
    if (!isdigit((unsigned char)*p) && *p != '.')
        return SC_EINVAL;
    double d = strtod(p, &end);
    if (end == p || !isfinite(d))
        return SC_EINVAL;
    for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
        if (strcmp(end, sfx[i].suffix) == 0) {
            *out = d * sfx[i].mult;
            return 0;
        }
    }
    return SC_EINVAL;
}

static int check_weight(struct vctx *v, const struct sc_doc_node *w, int version, double *out)
{
    if (version == 1 &&
        (w->type == SC_DOC_INT || w->type == SC_DOC_FLOAT || w->type == SC_DOC_STR)) {
        if (w->text[0] == '-' || sc_smi_quantity_parse(w->text, out) != 0)
            return fail_at(v, w->line, w->col, "'%s' is not a non-negative quantity", w->text);
        return 0;
    }
    if (w->type != SC_DOC_INT)
        return fail_at(v, w->line, w->col, "expected integer, got %s", type_name(w->type));
    long n = strtol(w->text, NULL, 10);
    if (n < 0 || n > 1000000000L)
        return fail_at(v, w->line, w->col, "weight must be in 0..1000000000, got %s", w->text);
    *out = (double)n;
    return 0;
}

static int check_traffic_split(struct vctx *v, const struct sc_doc_node *root, struct sc_smi_obj *o)
{
    static const char *const top[] = {"apiVersion", "kind", "metadata", "spec", NULL};
    static const char *const spec12[] = {"service", "backends", NULL};
    static const char *const spec34[] = {"service", "backends", "matches", NULL};
    static const char *const be_fields[] = {"service", "weight", NULL};
    static const char *const m_fields[] = {"kind", "name", "apiGroup", NULL};
    static const char *const m_kinds[] = {"HTTPRouteGroup", NULL};
    const struct sc_doc_node *spec, *bes, *ms;
    size_t mark0 = strlen(v->path), i;
    int rc;

    if ((rc = check_fields(v, root, top)) ||
        (rc = get_node(v, root, "spec", SC_DOC_MAP, true, &spec)))
        return rc;
    path_push(v, ".spec");
    if ((rc = check_fields(v, spec, o->version >= 3 ? spec34 : spec12)) ||
        (rc = get_str(v, spec, "service", true, &o->u.ts.service)) ||
        (rc = get_node(v, spec, "backends", SC_DOC_SEQ, true, &bes)) ||
        (rc = get_node(v, spec, "matches", SC_DOC_SEQ, false, &ms)))
        goto out;
    o->u.ts.backends = sc_xcalloc(bes->n + 1, sizeof(*o->u.ts.backends));
    i = 0;
    for (const struct sc_doc_node *c = bes->child; c; c = c->next, i++) {
        struct sc_smi_backend *b = &o->u.ts.backends[i];
        const struct sc_doc_node *w;
        size_t mark = path_push(v, ".backends[%zu]", i);
        o->u.ts.nbackends = i + 1;
        if (c->type != SC_DOC_MAP) {
            rc = fail_at(v, c->line, c->col, "expected object, got %s", type_name(c->type));
            goto out;
        }
        if ((rc = check_fields(v, c, be_fields)) ||
            (rc = get_str(v, c, "service", true, &b->service)))
            goto out;
        w = sc_doc_get(c, "weight");
        if (w == NULL || w->type == SC_DOC_NULL) {
            path_push(v, ".weight");
            rc = fail_at(v, c->line, c->col, "required field missing");
            goto out;
        }
        path_push(v, ".weight");
        if ((rc = check_weight(v, w, o->version, &b->weight)))
            goto out;
        path_pop(v, mark);
    }
    if (ms) {
        o->u.ts.matches = sc_xcalloc(ms->n + 1, sizeof(char *));
        i = 0;
        for (const struct sc_doc_node *c = ms->child; c; c = c->next, i++) {
            const struct sc_doc_node *k;
            char *ag = NULL;
            size_t mark = path_push(v, ".matches[%zu]", i);
            if (c->type != SC_DOC_MAP) {
                rc = fail_at(v, c->line, c->col, "expected object, got %s", type_name(c->type));
                goto out;
            }
            if ((rc = check_fields(v, c, m_fields)) ||
                (rc = get_node(v, c, "kind", SC_DOC_STR, true, &k)) ||
                (rc = check_enum(v, c, "kind", m_kinds)) ||
                (rc = get_str(v, c, "apiGroup", false, &ag)) ||
                (rc = get_str(v, c, "name", true, &o->u.ts.matches[i])))
                goto out;
            free(ag);
            o->u.ts.nmatches = i + 1;
            path_pop(v, mark);
        }
    }
out:
    path_pop(v, mark0);
    return rc;
}

/* ---- entry points ---- */

int sc_smi_obj_from_doc(const struct sc_doc_node *root, const char *file, const char *default_ns,
                        struct sc_smi_obj **out, struct sc_smi_diag *diag, struct sc_err *err)
{
    struct vctx v = {.file = file ? file : "<input>", .diag = diag, .err = err};
    const struct sc_doc_node *av, *kn;
    struct sc_smi_obj *o;
    char group[64];
    int rc, version = 0, kind;

    *out = NULL;
    if (diag)
        memset(diag, 0, sizeof(*diag));
    if (root->type != SC_DOC_MAP)
        return fail_at(&v, root->line, root->col, "expected an object, got %s",
                       type_name(root->type));
    if ((rc = get_node(&v, root, "apiVersion", SC_DOC_STR, true, &av)) ||
        (rc = get_node(&v, root, "kind", SC_DOC_STR, true, &kn)))
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
        path_push(&v, "apiVersion");
        return fail_at(&v, av->line, av->col,
                       "unknown API group in '%s' (expected access.smi-spec.io, "
                       "specs.smi-spec.io or split.smi-spec.io)",
                       av->text);
    }
    kind = sc_smi_kind_parse(kn->text);
    if (kind < 0 || (int)sc_smi_kind_group((enum sc_smi_kind)kind) != g) {
        path_push(&v, "kind");
        return fail_at(&v, kn->line, kn->col, "unknown kind '%s' in %s", kn->text, group);
    }
    if (!sc_smi_version_exists((enum sc_smi_kind)kind, version)) {
        path_push(&v, "apiVersion");
        return fail_at(&v, av->line, av->col, "%s has no version '%s'", kn->text, slash + 1);
    }
    o = sc_xcalloc(1, sizeof(*o));
    o->kind = (enum sc_smi_kind)kind;
    o->version = version;
    o->file = sc_xstrdup(v.file);
    o->line = root->line;
    o->col = root->col;
    if ((rc = check_metadata(&v, root, default_ns, o)))
        goto out_free;
    switch (o->kind) {
    case SC_SMI_TRAFFIC_TARGET:
        rc = check_traffic_target(&v, root, o);
        break;
    case SC_SMI_HTTP_ROUTE_GROUP:
        rc = check_http_route_group(&v, root, o);
        break;
    case SC_SMI_TCP_ROUTE:
    case SC_SMI_UDP_ROUTE:
        rc = check_route(&v, root, o);
        break;
    case SC_SMI_TRAFFIC_SPLIT:
        rc = check_traffic_split(&v, root, o);
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

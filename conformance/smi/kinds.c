/* kinds.c - the schema of each SMI kind at each version (SMI-SPEC.md): TrafficTarget,
 * HTTPRouteGroup, TCPRoute and UDPRoute, TrafficSplit, filling the typed object. */
#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "smi/check.h"

/* ---- TrafficTarget ---- */

static int check_sa(struct sc_smi_vctx *v, const struct sc_doc_node *m, const struct sc_smi_obj *o,
                    bool allow_port, bool port_is_string, struct sc_smi_sa *sa, int *port)
{
    static const char *const with_port[] = {"kind", "name", "namespace", "port", NULL};
    static const char *const no_port[] = {"kind", "name", "namespace", NULL};
    static const char *const kinds[] = {"ServiceAccount", NULL};
    const struct sc_doc_node *k;
    int rc;

    if ((rc = sc_smi_check_fields(v, m, allow_port ? with_port : no_port)) ||
        (rc = sc_smi_get_node(v, m, "kind", SC_DOC_STR, true, &k)) ||
        (rc = sc_smi_check_enum(v, m, "kind", kinds)) ||
        (rc = sc_smi_get_str(v, m, "name", true, &sa->name)) ||
        (rc = sc_smi_get_str(v, m, "namespace", false, &sa->ns)))
        return rc;
    if (sa->ns == NULL)
        sa->ns = sc_xstrdup(o->ns);
    const struct sc_doc_node *p = sc_doc_get(m, "port");
    if (p && p->type != SC_DOC_NULL) {
        size_t mark = sc_smi_path_push(v, ".port");
        if (port_is_string && p->type == SC_DOC_STR) {
            /* v1alpha1 declares the port a string: accept digits. */
            char *end;
            long n = strtol(p->text, &end, 10);
            if (*end != '\0' || n < 1 || n > 65535)
                rc = sc_smi_fail_at(v, p->line, p->col,
                                    "port must be a number in 1..65535, got '%s'", p->text);
            else
                *port = (int)n;
        } else {
            rc = sc_smi_get_port(v, p, port);
        }
        sc_smi_path_pop(v, mark);
    }
    return rc;
}

int sc_smi_check_traffic_target(struct sc_smi_vctx *v, const struct sc_doc_node *root,
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
        if ((rc = sc_smi_check_fields(v, root, top1)))
            return rc;
    } else {
        if ((rc = sc_smi_check_fields(v, root, top)) ||
            (rc = sc_smi_get_node(v, root, "spec", SC_DOC_MAP, true, &spec)))
            return rc;
        sc_smi_path_push(v, ".spec");
        if ((rc = sc_smi_check_fields(v, spec, spec_fields)))
            goto out;
    }
    if ((rc = sc_smi_get_node(v, spec, "destination", SC_DOC_MAP, true, &dest)) ||
        (rc = sc_smi_get_node(v, spec, "sources", SC_DOC_SEQ, o->version >= 2, &srcs)) ||
        (rc = sc_smi_get_node(v, spec, rules_key, SC_DOC_SEQ, req, &rules)))
        goto out;
    size_t mark = sc_smi_path_push(v, ".destination");
    rc = check_sa(v, dest, o, o->version <= 2, o->version == 1, &o->u.tt.dest, &o->u.tt.dest_port);
    sc_smi_path_pop(v, mark);
    if (rc)
        goto out;
    if (srcs) {
        o->u.tt.sources = sc_xcalloc(srcs->n + 1, sizeof(*o->u.tt.sources));
        size_t i = 0;
        for (const struct sc_doc_node *c = srcs->child; c; c = c->next, i++) {
            mark = sc_smi_path_push(v, ".sources[%zu]", i);
            if (c->type != SC_DOC_MAP)
                rc = sc_smi_fail_at(v, c->line, c->col, "expected object, got %s",
                                    sc_smi_type_name(c->type));
            else
                rc = check_sa(v, c, o, false, false, &o->u.tt.sources[i], NULL);
            o->u.tt.nsources = i + 1;
            sc_smi_path_pop(v, mark);
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
            mark = sc_smi_path_push(v, ".%s[%zu]", rules_key, i);
            if (c->type != SC_DOC_MAP) {
                rc = sc_smi_fail_at(v, c->line, c->col, "expected object, got %s",
                                    sc_smi_type_name(c->type));
                goto out;
            }
            if ((rc = sc_smi_check_fields(v, c, rule_fields)) ||
                (rc = sc_smi_get_node(v, c, "kind", SC_DOC_STR, true, &k)) ||
                (rc = sc_smi_check_enum(v, c, "kind", o->version >= 3 ? kinds3 : kinds2)) ||
                (rc = sc_smi_get_str(v, c, "name", true, &r->name)) ||
                (rc = sc_smi_get_str_list(v, c, "matches", &r->matches, &r->nmatches)))
                goto out;
            r->kind = (enum sc_smi_kind)sc_smi_kind_parse(k->text);
            sc_smi_path_pop(v, mark);
        }
    }
out:
    sc_smi_path_pop(v, mark0);
    return rc;
}

/* ---- HTTPRouteGroup ---- */

static int compile(struct sc_smi_vctx *v, const struct sc_doc_node *n, const char *prefix,
                   const char *re, const char *suffix, regex_t *out)
{
    char buf[1024], ebuf[128];
    int r;
    snprintf(buf, sizeof(buf), "%s%s%s", prefix, re, suffix);
    r = regcomp(out, buf, REG_EXTENDED | REG_NOSUB);
    if (r != 0) {
        regerror(r, out, ebuf, sizeof(ebuf));
        return sc_smi_fail_at(v, n->line, n->col, "invalid regular expression '%s': %s", re, ebuf);
    }
    return 0;
}

static int add_header(struct sc_smi_vctx *v, struct sc_smi_http_match *mt,
                      const struct sc_doc_node *h)
{
    struct sc_smi_header *hd = &mt->headers[mt->nheaders];
    size_t mark = sc_smi_path_push(v, ".%s", h->key);
    int rc = 0;
    if (h->type != SC_DOC_STR) {
        rc = sc_smi_fail_at(v, h->line, h->col, "expected string, got %s",
                            sc_smi_type_name(h->type));
    } else if ((rc = compile(v, h, "", h->text, "", &hd->re)) == 0) {
        hd->name = sc_xstrdup(h->key);
        hd->regex = sc_xstrdup(h->text);
        mt->nheaders++;
    }
    sc_smi_path_pop(v, mark);
    return rc;
}

static const char *const methods[] = {"*",       "GET",     "HEAD",  "PUT",   "POST", "DELETE",
                                      "CONNECT", "OPTIONS", "TRACE", "PATCH", NULL};

static int check_http_match(struct sc_smi_vctx *v, const struct sc_doc_node *m, int version,
                            struct sc_smi_http_match *mt)
{
    static const char *const f1[] = {"name", "pathRegex", "methods", NULL};
    static const char *const f2[] = {"name", "pathRegex", "methods", "headers", NULL};
    const struct sc_doc_node *pr, *hs;
    int rc;

    if ((rc = sc_smi_check_fields(v, m, version == 1 ? f1 : f2)) ||
        (rc = sc_smi_get_str(v, m, "name", true, &mt->name)) ||
        (rc = sc_smi_get_node(v, m, "pathRegex", SC_DOC_STR, false, &pr)) ||
        (rc = sc_smi_get_str_list(v, m, "methods", &mt->methods, &mt->nmethods)))
        return rc;
    for (size_t i = 0; i < mt->nmethods; i++) {
        bool ok = false;
        for (const char *const *p = methods; *p; p++)
            ok = ok || strcmp(*p, mt->methods[i]) == 0;
        if (!ok) {
            const struct sc_doc_node *mn = sc_doc_get(m, "methods")->child;
            for (size_t j = 0; j < i; j++)
                mn = mn->next;
            size_t mark = sc_smi_path_push(v, ".methods[%zu]", i);
            rc = sc_smi_fail_at(v, mn->line, mn->col,
                                "unknown method '%s' (expected *, GET, HEAD, PUT, POST, DELETE, "
                                "CONNECT, OPTIONS, TRACE or PATCH)",
                                mt->methods[i]);
            sc_smi_path_pop(v, mark);
            return rc;
        }
    }
    if (pr) {
        size_t mark = sc_smi_path_push(v, ".pathRegex");
        rc = compile(v, pr, "^(", pr->text, ")", &mt->path_re);
        if (rc == 0) {
            rc = compile(v, pr, "", pr->text, "", &mt->path_re_any);
            if (rc)
                regfree(&mt->path_re);
            else
                mt->path_regex = sc_xstrdup(pr->text);
        }
        sc_smi_path_pop(v, mark);
        if (rc)
            return rc;
    }
    hs = sc_doc_get(m, "headers");
    if (hs == NULL || hs->type == SC_DOC_NULL || version == 1)
        return 0;
    size_t mark = sc_smi_path_push(v, ".headers");
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
            size_t m2 = sc_smi_path_push(v, "[%zu]", i);
            if (e->type != SC_DOC_MAP)
                rc = sc_smi_fail_at(v, e->line, e->col, "expected object, got %s",
                                    sc_smi_type_name(e->type));
            for (const struct sc_doc_node *h = e->child; h && rc == 0; h = h->next)
                rc = add_header(v, mt, h);
            sc_smi_path_pop(v, m2);
        }
    } else {
        rc = sc_smi_fail_at(v, hs->line, hs->col, "expected object, got %s",
                            sc_smi_type_name(hs->type));
    }
    sc_smi_path_pop(v, mark);
    return rc;
}

int sc_smi_check_http_route_group(struct sc_smi_vctx *v, const struct sc_doc_node *root,
                                  struct sc_smi_obj *o)
{
    static const char *const top_old[] = {"apiVersion", "kind", "metadata", "matches", NULL};
    static const char *const top[] = {"apiVersion", "kind", "metadata", "spec", NULL};
    static const char *const spec_fields[] = {"matches", NULL};
    const struct sc_doc_node *spec = root, *ms;
    size_t mark0 = strlen(v->path);
    int rc;

    if (o->version <= 2) {
        if ((rc = sc_smi_check_fields(v, root, top_old)))
            return rc;
    } else {
        if ((rc = sc_smi_check_fields(v, root, top)) ||
            (rc = sc_smi_get_node(v, root, "spec", SC_DOC_MAP, true, &spec)))
            return rc;
        sc_smi_path_push(v, ".spec");
        if ((rc = sc_smi_check_fields(v, spec, spec_fields)))
            goto out;
    }
    if ((rc = sc_smi_get_node(v, spec, "matches", SC_DOC_SEQ, true, &ms)))
        goto out;
    o->u.hrg.matches = sc_xcalloc(ms->n + 1, sizeof(*o->u.hrg.matches));
    size_t i = 0;
    for (const struct sc_doc_node *c = ms->child; c; c = c->next, i++) {
        size_t mark = sc_smi_path_push(v, ".matches[%zu]", i);
        o->u.hrg.nmatches = i + 1;
        if (c->type != SC_DOC_MAP)
            rc = sc_smi_fail_at(v, c->line, c->col, "expected object, got %s",
                                sc_smi_type_name(c->type));
        else
            rc = check_http_match(v, c, o->version, &o->u.hrg.matches[i]);
        sc_smi_path_pop(v, mark);
        if (rc)
            goto out;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(o->u.hrg.matches[j].name, o->u.hrg.matches[i].name) == 0) {
                mark = sc_smi_path_push(v, ".matches[%zu].name", i);
                rc = sc_smi_fail_at(v, c->line, c->col, "duplicate match name '%s'",
                                    o->u.hrg.matches[i].name);
                sc_smi_path_pop(v, mark);
                goto out;
            }
        }
    }
out:
    sc_smi_path_pop(v, mark0);
    return rc;
}

/* ---- TCPRoute, UDPRoute ---- */

int sc_smi_check_route(struct sc_smi_vctx *v, const struct sc_doc_node *root, struct sc_smi_obj *o)
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
        return sc_smi_check_fields(v, root, top_old);
    if ((rc = sc_smi_check_fields(v, root, top)) ||
        (rc = sc_smi_get_node(v, root, "spec", SC_DOC_MAP, false, &spec)) || spec == NULL)
        return rc;
    sc_smi_path_push(v, ".spec");
    if ((rc = sc_smi_check_fields(v, spec, o->version == 3 ? none : spec4)) ||
        (rc = sc_smi_get_node(v, spec, "matches", SC_DOC_MAP, false, &m)) || m == NULL)
        goto out;
    sc_smi_path_push(v, ".matches");
    if ((rc = sc_smi_check_fields(v, m, match4)) ||
        (rc = sc_smi_get_str(v, m, "name", false, &o->u.route.match_name)) ||
        (rc = sc_smi_get_node(v, m, "ports", SC_DOC_SEQ, false, &ports)) || ports == NULL)
        goto out;
    o->u.route.ports = sc_xcalloc(ports->n + 1, sizeof(int));
    size_t i = 0;
    for (const struct sc_doc_node *c = ports->child; c; c = c->next, i++) {
        size_t mark = sc_smi_path_push(v, ".ports[%zu]", i);
        rc = sc_smi_get_port(v, c, &o->u.route.ports[i]);
        sc_smi_path_pop(v, mark);
        if (rc)
            goto out;
        o->u.route.nports = i + 1;
    }
out:
    sc_smi_path_pop(v, mark0);
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

static int check_weight(struct sc_smi_vctx *v, const struct sc_doc_node *w, int version,
                        struct sc_smi_backend *b)
{
    if (version == 1 &&
        (w->type == SC_DOC_INT || w->type == SC_DOC_FLOAT || w->type == SC_DOC_STR)) {
        if (w->text[0] == '-' || sc_smi_quantity_parse(w->text, &b->weight) != 0)
            return sc_smi_fail_at(v, w->line, w->col, "'%s' is not a non-negative quantity",
                                  w->text);
        b->number = strtod(w->text, NULL);
        return 0;
    }
    if (w->type != SC_DOC_INT)
        return sc_smi_fail_at(v, w->line, w->col, "expected integer, got %s",
                              sc_smi_type_name(w->type));
    long n = strtol(w->text, NULL, 10);
    if (n < 0 || n > 1000000000L)
        return sc_smi_fail_at(v, w->line, w->col, "weight must be in 0..1000000000, got %s",
                              w->text);
    b->weight = b->number = (double)n;
    return 0;
}

int sc_smi_check_traffic_split(struct sc_smi_vctx *v, const struct sc_doc_node *root,
                               struct sc_smi_obj *o)
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

    if ((rc = sc_smi_check_fields(v, root, top)) ||
        (rc = sc_smi_get_node(v, root, "spec", SC_DOC_MAP, true, &spec)))
        return rc;
    sc_smi_path_push(v, ".spec");
    if ((rc = sc_smi_check_fields(v, spec, o->version >= 3 ? spec34 : spec12)) ||
        (rc = sc_smi_get_str(v, spec, "service", true, &o->u.ts.service)) ||
        (rc = sc_smi_get_node(v, spec, "backends", SC_DOC_SEQ, true, &bes)) ||
        (rc = sc_smi_get_node(v, spec, "matches", SC_DOC_SEQ, false, &ms)))
        goto out;
    o->u.ts.backends = sc_xcalloc(bes->n + 1, sizeof(*o->u.ts.backends));
    i = 0;
    for (const struct sc_doc_node *c = bes->child; c; c = c->next, i++) {
        struct sc_smi_backend *b = &o->u.ts.backends[i];
        const struct sc_doc_node *w;
        size_t mark = sc_smi_path_push(v, ".backends[%zu]", i);
        o->u.ts.nbackends = i + 1;
        if (c->type != SC_DOC_MAP) {
            rc = sc_smi_fail_at(v, c->line, c->col, "expected object, got %s",
                                sc_smi_type_name(c->type));
            goto out;
        }
        if ((rc = sc_smi_check_fields(v, c, be_fields)) ||
            (rc = sc_smi_get_str(v, c, "service", true, &b->service)))
            goto out;
        w = sc_doc_get(c, "weight");
        if (w == NULL || w->type == SC_DOC_NULL) {
            sc_smi_path_push(v, ".weight");
            rc = sc_smi_fail_at(v, c->line, c->col, "required field missing");
            goto out;
        }
        sc_smi_path_push(v, ".weight");
        if ((rc = check_weight(v, w, o->version, b)))
            goto out;
        sc_smi_path_pop(v, mark);
    }
    if (ms) {
        o->u.ts.matches = sc_xcalloc(ms->n + 1, sizeof(char *));
        i = 0;
        for (const struct sc_doc_node *c = ms->child; c; c = c->next, i++) {
            const struct sc_doc_node *k;
            char *ag = NULL;
            size_t mark = sc_smi_path_push(v, ".matches[%zu]", i);
            if (c->type != SC_DOC_MAP) {
                rc = sc_smi_fail_at(v, c->line, c->col, "expected object, got %s",
                                    sc_smi_type_name(c->type));
                goto out;
            }
            if ((rc = sc_smi_check_fields(v, c, m_fields)) ||
                (rc = sc_smi_get_node(v, c, "kind", SC_DOC_STR, true, &k)) ||
                (rc = sc_smi_check_enum(v, c, "kind", m_kinds)) ||
                (rc = sc_smi_get_str(v, c, "apiGroup", false, &ag)) ||
                (rc = sc_smi_get_str(v, c, "name", true, &o->u.ts.matches[i])))
                goto out;
            free(ag);
            o->u.ts.nmatches = i + 1;
            sc_smi_path_pop(v, mark);
        }
    }
out:
    sc_smi_path_pop(v, mark0);
    return rc;
}

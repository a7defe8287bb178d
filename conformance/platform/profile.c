/* profile.c - load mesh profiles (YAML) with positions in every error. */
#include "platform/profile.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/doc.h"
#include "base/file.h"
#include "base/util.h"

#define PROFILE_MAX_FILE (1u << 20) /* a profile is a page of YAML */

static const char *const group_names[SC_PROFILE_NGROUPS] = {"access", "specs", "split", "metrics"};
static const int group_max[SC_PROFILE_NGROUPS] = {4, 4, 4, 2};

const char *sc_profile_group_name(enum sc_profile_group g)
{
    return group_names[g];
}

int sc_profile_group(const char *name)
{
    for (int g = 0; g < SC_PROFILE_NGROUPS; g++)
        if (strcmp(name, group_names[g]) == 0)
            return g;
    return -1;
}

size_t sc_profile_claimed(const struct sc_profile *p, enum sc_profile_group g, const int *served,
                          size_t nserved, int *out)
{
    size_t n = 0;
    for (size_t i = 0; i < nserved; i++) {
        bool claimed = !p->claimed[g];
        for (size_t j = 0; j < p->nversions[g] && !claimed; j++)
            claimed = p->versions[g][j] == served[i];
        if (claimed)
            out[n++] = served[i];
    }
    return n;
}

static int perr(const char *file, const struct sc_doc_node *n, const char *field,
                struct sc_err *err, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int perr(const char *file, const struct sc_doc_node *n, const char *field,
                struct sc_err *err, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sc_err_set(err, SC_EINVAL, "%s:%d:%d: %s: %s", file, n ? n->line : 1, n ? n->col : 1,
                      field, msg);
}

static bool scalar(const struct sc_doc_node *n)
{
    return n != NULL && n->type != SC_DOC_MAP && n->type != SC_DOC_SEQ && n->type != SC_DOC_NULL;
}

/* Refuse keys outside `allowed` (NULL-terminated): a typo must not go unnoticed. */
static int only_keys(const char *file, const struct sc_doc_node *m, const char *where,
                     const char *const *allowed, struct sc_err *err)
{
    for (const struct sc_doc_node *c = m->child; c; c = c->next) {
        bool ok = false;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = strcmp(c->key, allowed[i]) == 0;
        if (!ok) {
            char field[128], list[256] = "";
            struct sc_doc_node pos = *c;
            pos.line = c->key_line;
            pos.col = c->key_col;
            snprintf(field, sizeof(field), "%s%s%s", where, where[0] ? "." : "", c->key);
            for (size_t i = 0; allowed[i]; i++)
                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
                         allowed[i]);
            return perr(file, &pos, field, err, "unknown field (expected one of: %s)", list);
        }
    }
    return 0;
}

static int pairs(const char *file, const struct sc_doc_node *m, const char *field,
                 struct sc_profile_pairs *out, struct sc_err *err)
{
    size_t i = 0;
    if (m == NULL || m->type == SC_DOC_NULL)
        return 0;
    if (m->type != SC_DOC_MAP)
        return perr(file, m, field, err, "expected a mapping of names to values");
    out->v = sc_xcalloc(m->n + 1, sizeof(*out->v));
    for (const struct sc_doc_node *c = m->child; c; c = c->next) {
        if (!scalar(c)) {
            char f[160];
            snprintf(f, sizeof(f), "%s.%s", field, c->key);
            return perr(file, c, f, err, "expected a string value");
        }
        out->v[i].key = sc_xstrdup(c->key);
        out->v[i].value = sc_xstrdup(c->text);
        out->n = ++i;
    }
    return 0;
}

static void pairs_free(struct sc_profile_pairs *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].key);
        free(p->v[i].value);
    }
    free(p->v);
    memset(p, 0, sizeof(*p));
}

static int strings(const char *file, const struct sc_doc_node *l, const char *field, char ***out,
                   size_t *n, struct sc_err *err)
{
    if (l == NULL || l->type == SC_DOC_NULL)
        return 0;
    if (l->type != SC_DOC_SEQ)
        return perr(file, l, field, err, "expected a list");
    *out = sc_xcalloc(l->n + 1, sizeof(char *));
    for (const struct sc_doc_node *c = l->child; c; c = c->next) {
        if (!scalar(c))
            return perr(file, c, field, err, "expected a string");
        (*out)[(*n)++] = sc_xstrdup(c->text);
    }
    return 0;
}

static int opt_str(const char *file, const struct sc_doc_node *m, const char *key, char **out,
                   struct sc_err *err)
{
    const struct sc_doc_node *n = sc_doc_get(m, key);
    if (n == NULL || n->type == SC_DOC_NULL)
        return 0;
    if (!scalar(n))
        return perr(file, n, key, err, "expected a string");
    *out = sc_xstrdup(n->text);
    return 0;
}

static int joining(const char *file, const struct sc_doc_node *m, const char *where,
                   struct sc_profile_pairs *labels, struct sc_profile_pairs *annotations,
                   struct sc_err *err)
{
    static const char *const keys[] = {"labels", "annotations", NULL};
    char f[64];
    int rc;
    if (m == NULL || m->type == SC_DOC_NULL)
        return 0;
    if (m->type != SC_DOC_MAP)
        return perr(file, m, where, err, "expected a mapping with labels and annotations");
    if ((rc = only_keys(file, m, where, keys, err)) != 0)
        return rc;
    snprintf(f, sizeof(f), "%s.labels", where);
    if ((rc = pairs(file, sc_doc_get(m, "labels"), f, labels, err)) != 0)
        return rc;
    snprintf(f, sizeof(f), "%s.annotations", where);
    return pairs(file, sc_doc_get(m, "annotations"), f, annotations, err);
}

static int cmp_desc(const void *a, const void *b)
{
    return *(const int *)b - *(const int *)a;
}

/* One protocol's denial set: a scalar or a list of statuses (http) and signal names. */
static int parse_denial_list(const char *file, const struct sc_doc_node *l, const char *field,
                             unsigned allowed, struct sc_denial *d, unsigned *kinds,
                             struct sc_err *err)
{
    const struct sc_doc_node *one = l->type == SC_DOC_SEQ ? l->child : l;
    if (l->type == SC_DOC_SEQ && l->child == NULL)
        return perr(file, l, field, err, "an empty list: name at least one signal");
    for (; one != NULL; one = l->type == SC_DOC_SEQ ? one->next : NULL) {
        unsigned k = scalar(one) ? sc_deny_kind_parse(one->text) : 0;
        bool is_http = strcmp(field, "denial.http") == 0;
        if (is_http && one->type == SC_DOC_INT && atoi(one->text) >= 400 &&
            atoi(one->text) <= 599 && d->nhttp_status < SC_DENY_STATUS_MAX) {
            d->http_status[d->nhttp_status++] = atoi(one->text);
            continue;
        }
        if (k == 0 || (k & allowed) == 0)
            return perr(file, one, field, err, "'%s' is not a denial signal here (expected %s)",
                        scalar(one) ? one->text : "a list",
                        is_http ? "a status from 400 to 599, refused, reset, closed or timeout"
                        : allowed == SC_DENY_TIMEOUT ? "timeout"
                                                     : "refused, reset, closed or timeout");
        *kinds |= k;
    }
    return 0;
}

/* denial.grpc: the gRPC statuses (1..16, by number) of a denied call answered with HTTP 200; a
 * scalar or a list. Default 7, PERMISSION_DENIED: the status gRPC clients give a 403
 * (grpc/grpc doc/http-grpc-status-mapping.md; grpc-java GrpcUtil.httpStatusToGrpcCode). */
static int parse_denial_grpc(const char *file, const struct sc_doc_node *l, struct sc_denial *d,
                             struct sc_err *err)
{
    const struct sc_doc_node *one = l->type == SC_DOC_SEQ ? l->child : l;
    d->grpc = 0;
    if (l->type == SC_DOC_SEQ && l->child == NULL)
        return perr(file, l, "denial.grpc", err, "an empty list: name at least one status");
    for (; one != NULL; one = l->type == SC_DOC_SEQ ? one->next : NULL) {
        if (one->type != SC_DOC_INT || atoi(one->text) < 1 || atoi(one->text) > 16)
            return perr(file, one, "denial.grpc", err,
                        "'%s' is not a gRPC status (expected a code from 1 to 16, e.g. 7 for "
                        "PERMISSION_DENIED)",
                        scalar(one) ? one->text : "a list");
        d->grpc |= 1u << atoi(one->text);
    }
    return 0;
}

/* denial: {http: [403, reset], tcp: [refused], udp: [timeout]}: every signal the mesh uses. */
static int parse_denial(const char *file, const struct sc_doc_node *n,
                        const struct sc_doc_node *root, struct sc_denial *d, struct sc_err *err)
{
    static const char *const keys[] = {"http", "tcp", "udp", "grpc", NULL};
    const unsigned stream = SC_DENY_REFUSED | SC_DENY_RESET | SC_DENY_CLOSED | SC_DENY_TIMEOUT;
    const struct sc_doc_node *h, *t, *u;
    int rc;

    if (n == NULL || n->type != SC_DOC_MAP)
        return perr(file, n ? n : root, "denial", err, "missing (a mapping with http and tcp)");
    if ((rc = only_keys(file, n, "denial", keys, err)) != 0)
        return rc;
    h = sc_doc_get(n, "http");
    t = sc_doc_get(n, "tcp");
    u = sc_doc_get(n, "udp");
    if (h == NULL)
        return perr(file, n, "denial.http", err, "missing (e.g. 403, or [403, reset])");
    if (t == NULL)
        return perr(file, n, "denial.tcp", err, "missing (e.g. reset, or [refused, reset])");
    d->udp = SC_DENY_TIMEOUT; /* a dropped datagram is silence, whatever the mesh */
    d->grpc = 1u << 7;        /* PERMISSION_DENIED */
    if (sc_doc_get(n, "grpc") != NULL &&
        (rc = parse_denial_grpc(file, sc_doc_get(n, "grpc"), d, err)) != 0)
        return rc;
    if ((rc = parse_denial_list(file, h, "denial.http", stream, d, &d->http, err)) != 0 ||
        (rc = parse_denial_list(file, t, "denial.tcp", stream, d, &d->tcp, err)) != 0 ||
        (u != NULL &&
         (rc = parse_denial_list(file, u, "denial.udp", SC_DENY_TIMEOUT, d, &d->udp, err)) != 0))
        return rc;
    return 0;
}

/* consistency: how long a change may take to reach every proxy; metrics: how counts are
 * reported (exact, or within a relative tolerance) and how long they may take to appear. */
static int parse_timing(const char *file, const struct sc_doc_node *r, struct sc_profile *p,
                        struct sc_err *err)
{
    const struct sc_doc_node *n;
    uint64_t ns;
    struct sc_err e;
    int rc;

    p->metrics_exact = false;
    p->metrics_tolerance = 0.1;
    p->metrics_deadline_ms = 60000;
    p->metrics_scrape_ms = 10000;
    if ((n = sc_doc_get(r, "consistency")) != NULL) {
        sc_err_init(&e);
        if (!scalar(n) || sc_parse_duration_ns(n->text, &ns, &e) != 0 || ns < 1000000000ull)
            return perr(file, n, "consistency", err, "expected a duration of at least 1s");
        p->consistency_ms = (unsigned)(ns / 1000000);
    }
    if ((n = sc_doc_get(r, "metrics")) == NULL)
        return 0;
    {
        static const char *const keys[] = {"exact",          "tolerance", "deadline",
                                           "scrapeInterval", "noData",    NULL};
        const struct sc_doc_node *x = sc_doc_get(n, "exact"), *t = sc_doc_get(n, "tolerance"),
                                 *dl = sc_doc_get(n, "deadline"),
                                 *si = sc_doc_get(n, "scrapeInterval");
        if (n->type != SC_DOC_MAP)
            return perr(file, n, "metrics", err,
                        "expected a mapping of exact, tolerance, deadline, scrapeInterval, "
                        "noData");
        if ((rc = only_keys(file, n, "metrics", keys, err)) != 0)
            return rc;
        if (x != NULL && (x->type != SC_DOC_BOOL))
            return perr(file, x, "metrics.exact", err, "expected true or false");
        p->metrics_exact = x != NULL && strcmp(x->text, "true") == 0;
        if (t != NULL) {
            char *end;
            double v = scalar(t) ? strtod(t->text, &end) : -1;
            if (v < 0 || v >= 1 || (scalar(t) && *end != '\0'))
                return perr(file, t, "metrics.tolerance", err,
                            "expected a relative tolerance from 0 to below 1, e.g. 0.1");
            p->metrics_tolerance = v;
        }
        if (dl != NULL) {
            sc_err_init(&e);
            if (!scalar(dl) || sc_parse_duration_ns(dl->text, &ns, &e) != 0 || ns < 1000000000ull)
                return perr(file, dl, "metrics.deadline", err,
                            "expected a duration of at least 1s");
            p->metrics_deadline_ms = (unsigned)(ns / 1000000);
        }
        if (si != NULL) {
            sc_err_init(&e);
            if (!scalar(si) || sc_parse_duration_ns(si->text, &ns, &e) != 0 || ns < 100000000ull ||
                ns > 600000000000ull)
                return perr(file, si, "metrics.scrapeInterval", err,
                            "expected a duration from 100ms to 600s");
            p->metrics_scrape_ms = (unsigned)(ns / 1000000);
        }
        if (p->metrics_exact)
            p->metrics_scrape_ms = 0;
        if ((rc = opt_str(file, n, "noData", &p->metrics_no_data, err)) != 0)
            return rc;
    }
    return 0;
}

/* controlPlane: one {namespace, deployments} mapping or a list of them. */
static int parse_control(const char *file, const struct sc_doc_node *n, struct sc_profile *p,
                         struct sc_err *err)
{
    static const char *const keys[] = {"namespace", "deployments", NULL};
    const struct sc_doc_node *one = n->type == SC_DOC_SEQ ? n->child : n;
    int rc;
    for (; one != NULL; one = n->type == SC_DOC_SEQ ? one->next : NULL) {
        struct sc_profile_control *c;
        if (one->type != SC_DOC_MAP)
            return perr(file, one, "controlPlane", err,
                        "expected {namespace: NS, deployments: [NAME, ...]} or a list of them");
        if ((rc = only_keys(file, one, "controlPlane", keys, err)) != 0)
            return rc;
        p->control = realloc(p->control, (p->ncontrol + 1) * sizeof(*p->control));
        if (p->control == NULL)
            abort();
        c = &p->control[p->ncontrol++];
        memset(c, 0, sizeof(*c));
        if ((rc = opt_str(file, one, "namespace", &c->ns, err)) != 0 ||
            (rc = strings(file, sc_doc_get(one, "deployments"), "controlPlane.deployments",
                          &c->deployments, &c->ndeployments, err)) != 0)
            return rc;
        if (c->ns == NULL || c->ndeployments == 0)
            return perr(file, one, "controlPlane", err,
                        "name the namespace and at least one deployment");
    }
    return 0;
}

static int parse(const char *file, const struct sc_doc_node *r, struct sc_profile *p,
                 struct sc_err *err)
{
    static const char *const top[] = {
        "name",         "description", "sources",        "namespace",    "pod",        "agentPort",
        "bypass",       "denial",      "consistency",    "metrics",      "enforcing",  "claims",
        "routeHeaders", "unmeshed",    "tcpAppProtocol", "controlPlane", "sidecarCPU", NULL};
    const struct sc_doc_node *n;
    int rc;

    if (r == NULL || r->type != SC_DOC_MAP)
        return perr(file, r, "profile", err, "expected a mapping");
    if ((rc = only_keys(file, r, "", top, err)) != 0)
        return rc;
    if ((rc = opt_str(file, r, "name", &p->name, err)) != 0 ||
        (rc = opt_str(file, r, "description", &p->description, err)) != 0 ||
        (rc = opt_str(file, r, "tcpAppProtocol", &p->tcp_app_protocol, err)) != 0)
        return rc;
    if (p->name == NULL)
        return perr(file, r, "name", err, "missing");
    if ((rc = strings(file, sc_doc_get(r, "sources"), "sources", &p->sources, &p->nsources, err)) !=
        0)
        return rc;
    if (p->nsources == 0)
        return perr(file, r, "sources", err, "name at least one document the facts come from");
    if ((rc = joining(file, sc_doc_get(r, "namespace"), "namespace", &p->ns_labels,
                      &p->ns_annotations, err)) != 0 ||
        (rc = joining(file, sc_doc_get(r, "pod"), "pod", &p->pod_labels, &p->pod_annotations,
                      err)) != 0 ||
        (rc = joining(file, sc_doc_get(r, "unmeshed"), "unmeshed", &p->unmeshed_labels,
                      &p->unmeshed_annotations, err)) != 0)
        return rc;
    p->unmeshed_known = sc_doc_get(r, "unmeshed") != NULL;
    p->agent_port = 9090;
    if ((n = sc_doc_get(r, "agentPort")) != NULL) {
        if (n->type != SC_DOC_INT || atoi(n->text) < 1 || atoi(n->text) > 65535)
            return perr(file, n, "agentPort", err, "expected a port number");
        p->agent_port = atoi(n->text);
    }
    if ((n = sc_doc_get(r, "bypass")) != NULL) {
        static const char *const keys[] = {"annotations", NULL};
        if (n->type != SC_DOC_MAP)
            return perr(file, n, "bypass", err, "expected a mapping with annotations");
        if ((rc = only_keys(file, n, "bypass", keys, err)) != 0 ||
            (rc = pairs(file, sc_doc_get(n, "annotations"), "bypass.annotations",
                        &p->bypass_annotations, err)) != 0)
            return rc;
    }
    if ((n = sc_doc_get(r, "routeHeaders")) != NULL) {
        if (!scalar(n) || (strcmp(n->text, "map") != 0 && strcmp(n->text, "list") != 0))
            return perr(file, n, "routeHeaders", err, "expected map or list");
        p->headers_list = strcmp(n->text, "list") == 0;
    }
    if ((n = sc_doc_get(r, "controlPlane")) != NULL && (rc = parse_control(file, n, p, err)) != 0)
        return rc;
    if ((n = sc_doc_get(r, "sidecarCPU")) != NULL &&
        (!scalar(n) || sc_parse_millicores(n->text, &p->sidecar_millicpu) != 0))
        return perr(file, n, "sidecarCPU", err, "expected a CPU quantity such as 100m or 0.1");
    if ((rc = parse_denial(file, sc_doc_get(r, "denial"), r, &p->deny, err)) != 0 ||
        (rc = parse_timing(file, r, p, err)) != 0)
        return rc;
    if ((n = sc_doc_get(r, "enforcing")) != NULL) {
        static const char *const keys[] = {"note", "namespace", NULL};
        if (n->type != SC_DOC_MAP)
            return perr(file, n, "enforcing", err, "expected a mapping with note and namespace");
        if ((rc = only_keys(file, n, "enforcing", keys, err)) != 0 ||
            (rc = opt_str(file, n, "note", &p->enforcing_note, err)) != 0 ||
            (rc = joining(file, sc_doc_get(n, "namespace"), "enforcing.namespace",
                          &p->enforce_ns_labels, &p->enforce_ns_annotations, err)) != 0)
            return rc;
    }
    n = sc_doc_get(r, "claims");
    if (n == NULL || n->type != SC_DOC_MAP)
        return perr(file, n ? n : r, "claims", err,
                    "missing (a mapping of access, specs, split, metrics and features)");
    {
        static const char *const keys[] = {"access", "specs", "split", "metrics", "features", NULL};
        if ((rc = only_keys(file, n, "claims", keys, err)) != 0)
            return rc;
        for (int g = 0; g < SC_PROFILE_NGROUPS; g++) {
            const struct sc_doc_node *l = sc_doc_get(n, group_names[g]);
            char f[64];
            snprintf(f, sizeof(f), "claims.%s", group_names[g]);
            if (l == NULL)
                continue;
            if (l->type != SC_DOC_SEQ)
                return perr(file, l, f, err, "expected a list of versions (v1alphaN), may be []");
            p->claimed[g] = true;
            for (const struct sc_doc_node *c = l->child; c; c = c->next) {
                int v = 0;
                char tail;
                if (!scalar(c) || sscanf(c->text, "v1alpha%d%c", &v, &tail) != 1 || v < 1 ||
                    v > group_max[g])
                    return perr(file, c, f, err, "'%s' is not a %s version (v1alpha1..v1alpha%d)",
                                c->text ? c->text : "", group_names[g], group_max[g]);
                for (size_t k = 0; k < p->nversions[g]; k++)
                    if (p->versions[g][k] == v)
                        return perr(file, c, f, err, "'%s' is listed twice", c->text);
                p->versions[g][p->nversions[g]++] = v;
            }
            qsort(p->versions[g], p->nversions[g], sizeof(int), cmp_desc);
        }
        if ((rc = strings(file, sc_doc_get(n, "features"), "claims.features", &p->features,
                          &p->nfeatures, err)) != 0)
            return rc;
        p->features_claimed = sc_doc_get(n, "features") != NULL;
    }
    return 0;
}

int sc_profile_load(const char *path, struct sc_profile **out, struct sc_err *err)
{
    struct sc_profile *p;
    struct sc_doc *docs = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc;

    *out = NULL;
    rc = sc_file_read(path, PROFILE_MAX_FILE, &text, &len, err);
    if (rc != 0)
        return sc_err_prefix(err, "cannot load mesh profile");
    rc = sc_doc_parse(text, len, path, &docs, err);
    free(text);
    if (rc != 0)
        return rc;
    p = sc_xcalloc(1, sizeof(*p));
    p->file = sc_xstrdup(path);
    if (docs == NULL || docs->next != NULL)
        rc = sc_err_set(err, SC_EINVAL, "%s: expected exactly one YAML document", path);
    else
        rc = parse(path, docs->root, p, err);
    sc_doc_free(docs);
    if (rc != 0) {
        sc_profile_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int sc_profile_find(const char *name_or_path, const char *dir, struct sc_profile **out,
                    struct sc_err *err)
{
    char path[4096];
    size_t n = strlen(name_or_path);
    if (strchr(name_or_path, '/') != NULL || (n > 5 && strcmp(name_or_path + n - 5, ".yaml") == 0))
        return sc_profile_load(name_or_path, out, err);
    for (const char *c = name_or_path; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
            return sc_err_set(err, SC_EINVAL, "mesh '%s': expected a profile name or file",
                              name_or_path);
    if (dir == NULL)
        dir = getenv("SC_PROFILES");
    if (dir == NULL)
        dir = "suites/profiles";
    snprintf(path, sizeof(path), "%s/%s.yaml", dir, name_or_path);
    return sc_profile_load(path, out, err);
}

void sc_profile_free(struct sc_profile *p)
{
    if (p == NULL)
        return;
    free(p->metrics_no_data);
    free(p->tcp_app_protocol);
    free(p->file);
    free(p->name);
    free(p->description);
    for (size_t i = 0; i < p->nsources; i++)
        free(p->sources[i]);
    free(p->sources);
    pairs_free(&p->ns_labels);
    pairs_free(&p->ns_annotations);
    pairs_free(&p->pod_labels);
    pairs_free(&p->pod_annotations);
    pairs_free(&p->bypass_annotations);
    pairs_free(&p->unmeshed_labels);
    pairs_free(&p->unmeshed_annotations);
    pairs_free(&p->enforce_ns_labels);
    pairs_free(&p->enforce_ns_annotations);
    free(p->enforcing_note);
    for (size_t i = 0; i < p->ncontrol; i++) {
        free(p->control[i].ns);
        for (size_t k = 0; k < p->control[i].ndeployments; k++)
            free(p->control[i].deployments[k]);
        free(p->control[i].deployments);
    }
    free(p->control);
    for (size_t i = 0; i < p->nfeatures; i++)
        free(p->features[i]);
    free(p->features);
    free(p);
}

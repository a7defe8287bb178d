/* suite.c - load and check test files: every mistake reported with FILE:LINE:COL. */
#include "suite/suite.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/util.h"
#include "suite/fields.h"
#include "suite/metrics_expect.h"
#include "smi/smi.h"

#define MAX_FILE (1024 * 1024)

static const char *const areas[] = {"access", "specs", "split", "metrics"};

const char *sc_proto_name(enum sc_proto p)
{
    return p == SC_PROTO_TCP ? "tcp" : p == SC_PROTO_UDP ? "udp" : "http";
}

const char *sc_traffic_proto_name(enum sc_proto p, enum sc_wire w)
{
    if (p != SC_PROTO_HTTP)
        return sc_proto_name(p);
    return w == SC_WIRE_GRPC ? "grpc" : w == SC_WIRE_HTTP2 ? "http2" : "http";
}

/* A service port's protocol (http, tcp, udp) or, with `wire` (traffic), also http2 and grpc:
 * HTTP traffic on the wire as HTTP/2 or gRPC, to a service port that is http. */
static int parse_proto(const char *file, const struct sc_doc_node *m, enum sc_proto *p,
                       enum sc_wire *wire, struct sc_err *err)
{
    const char *s = sc_doc_get_str(m, "protocol");
    if (s == NULL)
        return 0;
    if (strcmp(s, "http") == 0)
        *p = SC_PROTO_HTTP;
    else if (strcmp(s, "tcp") == 0)
        *p = SC_PROTO_TCP;
    else if (strcmp(s, "udp") == 0)
        *p = SC_PROTO_UDP;
    else if (wire != NULL && (strcmp(s, "http2") == 0 || strcmp(s, "grpc") == 0)) {
        *p = SC_PROTO_HTTP;
        *wire = s[0] == 'g' ? SC_WIRE_GRPC : SC_WIRE_HTTP2;
    } else
        return sc_sf_fail(err, file, sc_doc_get(m, "protocol"),
                          wire ? "unknown protocol '%s' (expected http, http2, grpc, tcp or udp)"
                               : "unknown protocol '%s' (expected http, tcp or udp)",
                          s);
    return 0;
}

/* A gRPC call's path is /SERVICE/METHOD (grpc/grpc doc/PROTOCOL-HTTP2.md: Path ->
 * ":path" "/" Service-Name "/" {method name}). */
static bool grpc_path(const char *path)
{
    const char *slash = strchr(path + 1, '/');
    return path[0] == '/' && slash != NULL && slash > path + 1 && slash[1] != '\0' &&
           strchr(slash + 1, '/') == NULL;
}

static int parse_workload(const char *file, const struct sc_doc_node *m, struct sc_workload *w,
                          struct sc_err *err)
{
    static const char *const keys[] = {"name",     "serviceAccount", "labels", "version",
                                       "replicas", "namespace",      "mesh",   NULL};
    long replicas = 1;
    bool mesh = true;
    const char *ns = sc_doc_get_str(m, "namespace");
    if (sc_sf_check_keys(file, m, "workload", keys, err) ||
        sc_sf_get_string(file, m, "name", true, &w->name, err) ||
        sc_sf_get_string(file, m, "serviceAccount", true, &w->sa, err) ||
        sc_sf_get_string(file, m, "version", false, &w->version, err) ||
        sc_sf_get_kvs(file, m, "labels", &w->labels, &w->nlabels, err) ||
        sc_sf_get_int(file, m, "replicas", 1, 16, &replicas, err) ||
        sc_sf_get_bool(file, m, "mesh", &mesh, err))
        return SC_EINVAL;
    w->replicas = (unsigned)replicas;
    w->unmeshed = !mesh;
    if (ns != NULL && strcmp(ns, "$NS2") != 0 && strcmp(ns, "$NS") != 0)
        return sc_sf_fail(err, file, sc_doc_get(m, "namespace"),
                          "a workload's namespace is $NS (the default) or $NS2, not '%s'", ns);
    w->second_ns = ns != NULL && strcmp(ns, "$NS2") == 0;
    return 0;
}

static int parse_service(const char *file, const struct sc_doc_node *m, struct sc_service *s,
                         struct sc_err *err)
{
    static const char *const keys[] = {"name", "selector", "ports", NULL};
    const struct sc_doc_node *ports;
    if (sc_sf_check_keys(file, m, "service", keys, err) ||
        sc_sf_get_string(file, m, "name", true, &s->name, err) ||
        sc_sf_get_kvs(file, m, "selector", &s->selector, &s->nselector, err))
        return SC_EINVAL;
    ports = sc_doc_get(m, "ports");
    if (ports == NULL || ports->type != SC_DOC_SEQ || ports->n == 0)
        return sc_sf_fail(err, file, ports ? ports : m,
                          "service '%s' needs a non-empty list 'ports'", s->name);
    s->ports = sc_xcalloc(ports->n, sizeof(*s->ports));
    for (const struct sc_doc_node *p = ports->child; p; p = p->next) {
        struct sc_svc_port *sp = &s->ports[s->nports++];
        long port = 0, target = 0;
        sp->proto = SC_PROTO_HTTP;
        if (p->type == SC_DOC_INT) {
            port = strtol(p->text, NULL, 10);
        } else {
            static const char *const pk[] = {"port", "targetPort", "protocol", NULL};
            if (sc_sf_check_keys(file, p, "service port", pk, err) ||
                sc_sf_get_int(file, p, "port", 1, 65535, &port, err) ||
                sc_sf_get_int(file, p, "targetPort", 1, 65535, &target, err) ||
                parse_proto(file, p, &sp->proto, NULL, err))
                return SC_EINVAL;
        }
        if (port < 1 || port > 65535)
            return sc_sf_fail(err, file, p, "port must be between 1 and 65535");
        sp->port = (int)port;
        sp->target_port = target ? (int)target : (int)port;
    }
    return 0;
}

static int parse_traffic(const char *file, const struct sc_doc_node *m, struct sc_traffic *t,
                         struct sc_err *err)
{
    static const char *const keys[] = {"from",   "to",   "port",    "protocol",
                                       "method", "path", "headers", NULL};
    long port = 0;
    if (sc_sf_check_keys(file, m, "traffic", keys, err) ||
        sc_sf_get_string(file, m, "from", true, &t->from, err) ||
        sc_sf_get_string(file, m, "to", true, &t->to, err) ||
        sc_sf_get_int(file, m, "port", 1, 65535, &port, err) ||
        parse_proto(file, m, &t->proto, &t->wire, err) ||
        sc_sf_get_string(file, m, "method", false, &t->method, err) ||
        sc_sf_get_string(file, m, "path", false, &t->path, err) ||
        sc_sf_get_kvs(file, m, "headers", &t->headers, &t->nheaders, err))
        return SC_EINVAL;
    t->port = (int)port;
    if (t->wire == SC_WIRE_GRPC) {
        if (t->method != NULL && strcmp(t->method, "POST") != 0)
            return sc_sf_fail(err, file, sc_doc_get(m, "method"),
                              "a gRPC call's method is POST, not '%s'", t->method);
        if (t->path == NULL || !grpc_path(t->path))
            return sc_sf_fail(err, file, t->path ? sc_doc_get(m, "path") : m,
                              "gRPC traffic needs 'path: /SERVICE/METHOD' (the call's :path)");
        if (t->method == NULL)
            t->method = sc_xstrdup("POST");
    }
    if (t->method == NULL)
        t->method = sc_xstrdup("GET");
    if (t->path == NULL)
        t->path = sc_xstrdup("/");
    if (t->path[0] != '/')
        return sc_sf_fail(err, file, sc_doc_get(m, "path"), "path must start with '/'");
    return 0;
}

static int parse_expect(const char *file, const struct sc_doc_node *m, struct sc_step *s,
                        struct sc_err *err)
{
    static const char *const keys[] = {"traffic",   "allowed",     "backends", "split",
                                       "tolerance", "consecutive", "requests", "metrics",
                                       "spec",      "held",        NULL};
    const struct sc_doc_node *split = sc_doc_get(m, "split"), *spec = sc_doc_get(m, "spec");
    long consecutive = 3, requests = 0;

    if (spec != NULL) {
        if (spec->type != SC_DOC_STR || spec->text[0] == '\0')
            return sc_sf_fail(err, file, spec, "'spec' is the SMI spec statement checked, quoted");
        s->spec = sc_xstrdup(spec->text);
    }
    if (sc_sf_check_keys(file, m, "expect", keys, err) ||
        sc_sf_get_int(file, m, "consecutive", 1, 100, &consecutive, err) ||
        sc_sf_get_int(file, m, "requests", 1, 1000000, &requests, err))
        return SC_EINVAL;
    s->consecutive = (unsigned)consecutive;
    s->requests = (unsigned)requests;
    if (sc_doc_get(m, "metrics") != NULL) {
        s->expect = SC_EXPECT_METRICS;
        return sc_suite_parse_metrics(file, sc_doc_get(m, "metrics"), &s->metrics, err);
    }
    if (sc_doc_get(m, "held") != NULL) {
        s->expect = SC_EXPECT_ACCESS;
        if (sc_doc_get(m, "traffic") != NULL || split != NULL || sc_doc_get(m, "allowed") == NULL)
            return sc_sf_fail(err, file, m, "expect held takes 'allowed' and no traffic or split");
        if (sc_sf_get_string(file, m, "held", true, &s->hold, err) ||
            sc_sf_get_bool(file, m, "allowed", &s->allowed, err))
            return SC_EINVAL;
        return 0;
    }
    if (sc_doc_get(m, "traffic") == NULL)
        return sc_sf_fail(err, file, m, "expect needs 'traffic' (or 'metrics')");
    if (parse_traffic(file, sc_doc_get(m, "traffic"), &s->traffic, err))
        return SC_EINVAL;
    if (split != NULL) {
        const struct sc_doc_node *tol = sc_doc_get(m, "tolerance");
        s->expect = SC_EXPECT_SPLIT;
        if (split->type != SC_DOC_MAP || split->n == 0)
            return sc_sf_fail(err, file, split, "'split' must map backend services to weights");
        if (split->n > SC_SUITE_SHARES_MAX)
            return sc_sf_fail(err, file, split, "'split' lists %zu backends, at most %d are judged",
                              split->n, SC_SUITE_SHARES_MAX);
        s->shares = sc_xcalloc(split->n, sizeof(*s->shares));
        for (const struct sc_doc_node *c = split->child; c; c = c->next) {
            struct sc_share *sh = &s->shares[s->nshares++];
            sh->service = sc_xstrdup(c->key);
            if (sc_sf_get_number(file, c, "a split weight", &sh->weight, err))
                return SC_EINVAL;
        }
        s->tolerance = 0.05;
        if (tol != NULL && sc_sf_get_number(file, tol, "tolerance", &s->tolerance, err))
            return SC_EINVAL;
        if (s->tolerance <= 0.001 || s->tolerance >= 0.5)
            return sc_sf_fail(err, file, tol, "tolerance must be between 0.001 and 0.5");
        return 0;
    }
    s->expect = SC_EXPECT_ACCESS;
    if (sc_doc_get(m, "allowed") == NULL)
        return sc_sf_fail(err, file, m, "expect needs 'allowed: true|false', 'split' or 'metrics'");
    if (sc_sf_get_bool(file, m, "allowed", &s->allowed, err) ||
        sc_sf_get_strings(file, m, "backends", &s->backends, &s->nbackends, err))
        return SC_EINVAL;
    if (s->requests == 0)
        s->requests = 20;
    return 0;
}

static int parse_apply(const char *file, const struct sc_doc_node *v, struct sc_step *s,
                       struct sc_err *err)
{
    struct sc_err inner;
    if (v->type != SC_DOC_STR)
        return sc_sf_fail(err, file, v, "'apply' must be a YAML block of SMI objects (apply: |)");
    sc_err_init(&inner);
    if (sc_doc_parse(v->text, strlen(v->text), file, &s->objects, &inner) != 0)
        return sc_sf_fail(err, file, v, "in this apply block: %s", inner.msg);
    if (s->objects == NULL)
        return sc_sf_fail(err, file, v, "'apply' holds no object");
    for (struct sc_doc *d = s->objects; d; d = d->next) {
        struct sc_smi_obj *o = NULL;
        struct sc_smi_diag diag;
        int rc;
        sc_err_init(&inner);
        rc = sc_smi_obj_from_doc(d->root, file, "default", &o, &diag, &inner);
        /* Positions inside the block: lines count from the line after "apply: |", and
         * the block's content is indented one level (two columns) past the key. */
        if (rc != 0)
            return sc_err_set(err, SC_EINVAL, "%s:%d:%d: %s: %s", file, v->line + diag.line,
                              diag.col + v->key_col + 1, diag.path[0] ? diag.path : "object",
                              diag.msg);
        /* (a TrafficTarget may be older, for destination.port: smi/convert.c) */
        if (o->version != sc_smi_group_newest(sc_smi_kind_group(o->kind)) &&
            o->kind != SC_SMI_TRAFFIC_TARGET) {
            enum sc_smi_group g = sc_smi_kind_group(o->kind);
            sc_smi_obj_free(o);
            return sc_err_set(err, SC_EINVAL,
                              "%s:%d:%d: objects in suites are written in the newest version of "
                              "their group (%s v1alpha%d)",
                              file, v->line + d->line, d->col + v->key_col + 1,
                              sc_smi_group_name(g), sc_smi_group_newest(g));
        }
        sc_smi_obj_free(o);
    }
    return 0;
}

static int parse_step(const char *file, const struct sc_doc_node *m, struct sc_step *s,
                      struct sc_err *err)
{
    const struct sc_doc_node *v;
    s->line = m->line;
    s->col = m->col;
    if (m->type != SC_DOC_MAP || m->n != 1)
        return sc_sf_fail(err, file, m,
                          "a step is a mapping with exactly one of apply, delete, expect, send, "
                          "hold");
    v = m->child;
    if (strcmp(v->key, "apply") == 0) {
        s->kind = SC_STEP_APPLY;
        return parse_apply(file, v, s, err);
    }
    if (strcmp(v->key, "delete") == 0) {
        s->kind = SC_STEP_DELETE;
        if (v->type != SC_DOC_SEQ || v->n == 0)
            return sc_sf_fail(err, file, v, "'delete' must be a list of {kind, name}");
        s->del_kinds = sc_xcalloc(v->n, sizeof(char *));
        s->del_names = sc_xcalloc(v->n, sizeof(char *));
        for (const struct sc_doc_node *c = v->child; c; c = c->next) {
            static const char *const keys[] = {"kind", "name", NULL};
            size_t i = s->ndel++;
            if (sc_sf_check_keys(file, c, "delete item", keys, err) ||
                sc_sf_get_string(file, c, "kind", true, &s->del_kinds[i], err) ||
                sc_sf_get_string(file, c, "name", true, &s->del_names[i], err))
                return SC_EINVAL;
            if (sc_smi_kind_parse(s->del_kinds[i]) < 0)
                return sc_sf_fail(err, file, sc_doc_get(c, "kind"), "unknown SMI kind '%s'",
                                  s->del_kinds[i]);
        }
        return 0;
    }
    if (strcmp(v->key, "expect") == 0) {
        s->kind = SC_STEP_EXPECT;
        return parse_expect(file, v, s, err);
    }
    if (strcmp(v->key, "hold") == 0) {
        static const char *const keys[] = {"id", "traffic", NULL};
        s->kind = SC_STEP_HOLD;
        if (sc_sf_check_keys(file, v, "hold", keys, err) ||
            sc_sf_get_string(file, v, "id", true, &s->hold, err))
            return SC_EINVAL;
        if (sc_doc_get(v, "traffic") == NULL)
            return sc_sf_fail(err, file, v, "hold needs 'traffic'");
        return parse_traffic(file, sc_doc_get(v, "traffic"), &s->traffic, err);
    }
    if (strcmp(v->key, "send") == 0) {
        static const char *const keys[] = {"traffic", "requests", NULL};
        long requests = 100;
        s->kind = SC_STEP_SEND;
        if (sc_sf_check_keys(file, v, "send", keys, err) ||
            sc_sf_get_int(file, v, "requests", 1, 1000000, &requests, err))
            return SC_EINVAL;
        if (sc_doc_get(v, "traffic") == NULL)
            return sc_sf_fail(err, file, v, "send needs 'traffic'");
        s->requests = (unsigned)requests;
        return parse_traffic(file, sc_doc_get(v, "traffic"), &s->traffic, err);
    }
    return sc_err_set(err, SC_EINVAL,
                      "%s:%d:%d: unknown step '%s' (expected apply, delete, "
                      "expect, send or hold)",
                      file, v->key_line, v->key_col, v->key);
}

/* Names used by steps must exist in the test. */
/* A trafficsplits expectation names a TrafficSplit applied in an earlier step, whose root
 * and backends are services of the test (the runner derives the expected counts from them). */
static int check_split_ref(const struct sc_test *t, size_t step, struct sc_err *err)
{
    const struct sc_step *s = &t->steps[step];
    const struct sc_doc_node *spec = NULL;
    for (size_t i = 0; i < step; i++)
        for (const struct sc_doc *d = t->steps[i].objects; d; d = d->next) {
            const char *kind = sc_doc_get_str(d->root, "kind");
            const char *name = sc_doc_get_str(sc_doc_get(d->root, "metadata"), "name");
            if (kind && name && strcmp(kind, "TrafficSplit") == 0 &&
                strcmp(name, s->metrics.name) == 0)
                spec = sc_doc_get(d->root, "spec");
        }
    if (spec == NULL)
        return sc_err_set(err, SC_EINVAL,
                          "%s:%d:%d: no TrafficSplit '%s' is applied before this step", t->file,
                          s->line, s->col, s->metrics.name);
    const char *root = sc_doc_get_str(spec, "service");
    if (root == NULL || sc_test_service(t, root) == NULL)
        return sc_err_set(err, SC_EINVAL,
                          "%s:%d:%d: the root service '%s' of TrafficSplit '%s' is not a service "
                          "of the test",
                          t->file, s->line, s->col, root ? root : "", s->metrics.name);
    for (const struct sc_doc_node *b =
             sc_doc_get(spec, "backends") ? sc_doc_get(spec, "backends")->child : NULL;
         b; b = b->next) {
        const char *svc = sc_doc_get_str(b, "service");
        if (svc == NULL || sc_test_service(t, svc) == NULL)
            return sc_err_set(err, SC_EINVAL,
                              "%s:%d:%d: backend '%s' of TrafficSplit '%s' is not a service of "
                              "the test",
                              t->file, s->line, s->col, svc ? svc : "", s->metrics.name);
    }
    return 0;
}

/* An expectation on held traffic names an HTTP hold of an earlier step; hold ids are unique. */
static int check_held_ref(struct sc_test *t, size_t step, struct sc_err *err)
{
    struct sc_step *s = &t->steps[step];
    for (size_t i = 0; i < step; i++)
        if (t->steps[i].kind == SC_STEP_HOLD && strcmp(t->steps[i].hold, s->hold) == 0) {
            if (s->kind == SC_STEP_HOLD)
                return sc_err_set(err, SC_EINVAL, "%s:%d:%d: hold '%s' is already held", t->file,
                                  s->line, s->col, s->hold);
            s->hold_step = i;
            if (t->steps[i].traffic.proto == SC_PROTO_HTTP &&
                t->steps[i].traffic.wire == SC_WIRE_HTTP1)
                return 0;
            return sc_err_set(err, SC_EINVAL, "%s:%d:%d: held traffic '%s' must be HTTP/1.1",
                              t->file, t->steps[i].line, t->steps[i].col, s->hold);
        }
    if (s->kind == SC_STEP_HOLD)
        return 0;
    return sc_err_set(err, SC_EINVAL, "%s:%d:%d: no hold '%s' in an earlier step", t->file, s->line,
                      s->col, s->hold);
}

static bool has_feature(const struct sc_test *t, const char *f)
{
    for (size_t i = 0; i < t->nfeatures; i++)
        if (strcmp(t->features[i], f) == 0)
            return true;
    return false;
}

static int check_refs(struct sc_test *t, struct sc_err *err)
{
    for (size_t i = 0; i < t->nsteps; i++) {
        const struct sc_step *s = &t->steps[i];
        const struct sc_traffic *tr = &s->traffic;
        if (s->kind == SC_STEP_EXPECT && s->expect == SC_EXPECT_METRICS &&
            strcmp(s->metrics.resource, "trafficsplits") == 0 && check_split_ref(t, i, err) != 0)
            return SC_EINVAL;
        if (s->hold != NULL && check_held_ref(t, i, err) != 0)
            return SC_EINVAL;
        if (s->kind != SC_STEP_SEND && s->kind != SC_STEP_HOLD &&
            !(s->kind == SC_STEP_EXPECT && s->expect != SC_EXPECT_METRICS && s->hold == NULL))
            continue;
        if (tr->wire != SC_WIRE_HTTP1 && !has_feature(t, SC_FEATURE_HTTP2))
            return sc_err_set(err, SC_EINVAL,
                              "%s:%d:%d: %s traffic needs the test to declare 'features: [%s]' "
                              "(a mesh may not support it)",
                              t->file, s->line, s->col, sc_traffic_proto_name(tr->proto, tr->wire),
                              SC_FEATURE_HTTP2);
        if (sc_test_workload(t, tr->from) == NULL)
            return sc_err_set(err, SC_EINVAL, "%s:%d:%d: unknown workload '%s' in traffic.from",
                              t->file, s->line, s->col, tr->from);
        if (sc_test_service(t, tr->to) == NULL)
            return sc_err_set(err, SC_EINVAL, "%s:%d:%d: unknown service '%s' in traffic.to",
                              t->file, s->line, s->col, tr->to);
        for (size_t k = 0; k < s->nshares; k++)
            if (sc_test_service(t, s->shares[k].service) == NULL)
                return sc_err_set(err, SC_EINVAL, "%s:%d:%d: unknown backend service '%s'", t->file,
                                  s->line, s->col, s->shares[k].service);
        for (size_t k = 0; k < s->nbackends; k++)
            if (sc_test_service(t, s->backends[k]) == NULL)
                return sc_err_set(err, SC_EINVAL, "%s:%d:%d: unknown backend service '%s'", t->file,
                                  s->line, s->col, s->backends[k]);
    }
    return 0;
}

static int parse_test(const char *file, const struct sc_doc_node *root, struct sc_test *t,
                      struct sc_err *err)
{
    static const char *const keys[] = {"name",      "area",     "description", "features",
                                       "workloads", "services", "steps",       NULL};
    const struct sc_doc_node *v;
    bool area_ok = false;

    if (sc_sf_check_keys(file, root, "test", keys, err) ||
        sc_sf_get_string(file, root, "name", true, &t->name, err) ||
        sc_sf_get_string(file, root, "area", true, &t->area, err) ||
        sc_sf_get_string(file, root, "description", false, &t->description, err) ||
        sc_sf_get_strings(file, root, "features", &t->features, &t->nfeatures, err))
        return SC_EINVAL;
    for (size_t i = 0; i < 4; i++)
        area_ok = area_ok || strcmp(t->area, areas[i]) == 0;
    if (!area_ok)
        return sc_sf_fail(err, file, sc_doc_get(root, "area"),
                          "unknown area '%s' (expected access, specs, split or metrics)", t->area);
    for (const char *p = t->name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return sc_sf_fail(err, file, sc_doc_get(root, "name"),
                              "test name '%s' may hold only a-z, 0-9 and '-'", t->name);
    if (t->nfeatures == 0) {
        t->features = sc_xcalloc(1, sizeof(char *));
        t->features[t->nfeatures++] = sc_xstrdup("core");
    }
    v = sc_doc_get(root, "workloads");
    if (v == NULL || v->type != SC_DOC_SEQ || v->n == 0)
        return sc_sf_fail(err, file, v ? v : root, "a test needs a non-empty list 'workloads'");
    t->workloads = sc_xcalloc(v->n, sizeof(*t->workloads));
    for (const struct sc_doc_node *c = v->child; c; c = c->next)
        if (parse_workload(file, c, &t->workloads[t->nworkloads++], err))
            return SC_EINVAL;
    v = sc_doc_get(root, "services");
    if (v != NULL) {
        if (v->type != SC_DOC_SEQ)
            return sc_sf_fail(err, file, v, "'services' must be a list");
        t->services = sc_xcalloc(v->n ? v->n : 1, sizeof(*t->services));
        for (const struct sc_doc_node *c = v->child; c; c = c->next)
            if (parse_service(file, c, &t->services[t->nservices++], err))
                return SC_EINVAL;
    }
    v = sc_doc_get(root, "steps");
    if (v == NULL || v->type != SC_DOC_SEQ || v->n == 0)
        return sc_sf_fail(err, file, v ? v : root, "a test needs a non-empty list 'steps'");
    t->steps = sc_xcalloc(v->n, sizeof(*t->steps));
    for (const struct sc_doc_node *c = v->child; c; c = c->next)
        if (parse_step(file, c, &t->steps[t->nsteps++], err))
            return SC_EINVAL;
    return check_refs(t, err);
}

int sc_test_load(const char *path, struct sc_test **out, struct sc_err *err)
{
    struct sc_doc *docs = NULL;
    struct sc_test *t;
    size_t len;
    char *buf;
    int rc;

    *out = NULL;
    rc = sc_file_read(path, MAX_FILE, &buf, &len, err);
    if (rc != 0)
        return rc == SC_ENOTFOUND ? SC_EIO : rc;
    rc = sc_doc_parse(buf, len, path, &docs, err);
    free(buf);
    if (rc != 0)
        return SC_EINVAL;
    if (docs == NULL || docs->next != NULL) {
        rc =
            sc_err_set(err, SC_EINVAL, "%s:1:1: a test file holds exactly one YAML document", path);
        sc_doc_free(docs);
        return rc;
    }
    t = sc_xcalloc(1, sizeof(*t));
    t->file = sc_xstrdup(path);
    rc = parse_test(path, docs->root, t, err);
    sc_doc_free(docs);
    if (rc != 0) {
        sc_test_free(t);
        return SC_EINVAL;
    }
    for (size_t i = 0; i < t->nworkloads; i++)
        t->second_ns = t->second_ns || t->workloads[i].second_ns;
    /* $NS2 anywhere in the objects means the test needs a second namespace. */
    for (size_t i = 0; i < t->nsteps; i++)
        if (t->steps[i].kind == SC_STEP_APPLY) {
            char *text = NULL;
            if (sc_file_read(path, MAX_FILE, &text, NULL, NULL) == 0)
                t->second_ns = t->second_ns || strstr(text, "$NS2") != NULL;
            free(text);
            break;
        }
    *out = t;
    return 0;
}

static void free_traffic(struct sc_traffic *t)
{
    free(t->from);
    free(t->to);
    free(t->method);
    free(t->path);
    sc_sf_free_kvs(t->headers, t->nheaders);
}

void sc_test_free(struct sc_test *t)
{
    if (t == NULL)
        return;
    free(t->file);
    free(t->name);
    free(t->area);
    free(t->description);
    sc_sf_free_strings(t->features, t->nfeatures);
    for (size_t i = 0; i < t->nworkloads; i++) {
        free(t->workloads[i].name);
        free(t->workloads[i].sa);
        free(t->workloads[i].version);
        sc_sf_free_kvs(t->workloads[i].labels, t->workloads[i].nlabels);
    }
    free(t->workloads);
    for (size_t i = 0; i < t->nservices; i++) {
        free(t->services[i].name);
        sc_sf_free_kvs(t->services[i].selector, t->services[i].nselector);
        free(t->services[i].ports);
    }
    free(t->services);
    for (size_t i = 0; i < t->nsteps; i++) {
        struct sc_step *s = &t->steps[i];
        sc_doc_free(s->objects);
        sc_sf_free_strings(s->del_kinds, s->ndel);
        sc_sf_free_strings(s->del_names, s->ndel);
        free_traffic(&s->traffic);
        sc_sf_free_strings(s->backends, s->nbackends);
        for (size_t k = 0; k < s->nshares; k++)
            free(s->shares[k].service);
        free(s->shares);
        sc_metrics_expect_release(&s->metrics);
        free(s->spec);
        free(s->hold);
    }
    free(t->steps);
    free(t);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int sc_suites_load(const char *dir, struct sc_test ***out, size_t *n, struct sc_err *err)
{
    char **paths = NULL;
    size_t npaths = 0;
    struct sc_test **tests;
    int rc = 0;

    *out = NULL;
    *n = 0;
    for (size_t a = 0; a < 4; a++) {
        char sub[1024];
        DIR *d;
        struct dirent *e;
        snprintf(sub, sizeof(sub), "%s/%s", dir, areas[a]);
        d = opendir(sub);
        if (d == NULL) {
            if (errno == ENOENT)
                continue;
            rc = sc_err_set(err, SC_EIO, "cannot read suite folder '%s': %s", sub, strerror(errno));
            goto out_paths;
        }
        while ((e = readdir(d)) != NULL) {
            size_t l = strlen(e->d_name);
            char p[1400];
            if (l < 6 || strcmp(e->d_name + l - 5, ".yaml") != 0)
                continue;
            snprintf(p, sizeof(p), "%s/%s", sub, e->d_name);
            paths = realloc(paths, (npaths + 1) * sizeof(char *));
            if (paths == NULL)
                abort();
            paths[npaths++] = sc_xstrdup(p);
        }
        closedir(d);
    }
    if (npaths == 0) {
        rc = sc_err_set(err, SC_EINVAL, "no tests found under '%s' (expected %s/access/*.yaml ...)",
                        dir, dir);
        goto out_paths;
    }
    qsort(paths, npaths, sizeof(char *), cmp_str);
    tests = sc_xcalloc(npaths, sizeof(*tests));
    for (size_t i = 0; i < npaths; i++) {
        rc = sc_test_load(paths[i], &tests[i], err);
        if (rc != 0) {
            sc_tests_free(tests, i);
            goto out_paths;
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(tests[k]->name, tests[i]->name) == 0) {
                rc = sc_err_set(err, SC_EINVAL, "%s:1:1: test name '%s' is already used by '%s'",
                                paths[i], tests[i]->name, tests[k]->file);
                sc_tests_free(tests, i + 1);
                goto out_paths;
            }
    }
    *out = tests;
    *n = npaths;
out_paths:
    sc_sf_free_strings(paths, npaths);
    return rc;
}

void sc_tests_free(struct sc_test **tests, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sc_test_free(tests[i]);
    free(tests);
}

const struct sc_workload *sc_test_workload(const struct sc_test *t, const char *name)
{
    for (size_t i = 0; i < t->nworkloads; i++)
        if (strcmp(t->workloads[i].name, name) == 0)
            return &t->workloads[i];
    return NULL;
}

const struct sc_service *sc_test_service(const struct sc_test *t, const char *name)
{
    for (size_t i = 0; i < t->nservices; i++)
        if (strcmp(t->services[i].name, name) == 0)
            return &t->services[i];
    return NULL;
}

bool sc_service_selects(const struct sc_service *s, const struct sc_workload *w)
{
    if (s->nselector == 0)
        return false;
    for (size_t i = 0; i < s->nselector; i++) {
        bool found = false;
        for (size_t k = 0; k < w->nlabels && !found; k++)
            found = strcmp(w->labels[k].key, s->selector[i].key) == 0 &&
                    strcmp(w->labels[k].value, s->selector[i].value) == 0;
        if (!found)
            return false;
    }
    return true;
}

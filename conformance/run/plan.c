/* plan.c - planning: each test at each served version of its area, filtered, with the cases
 * a version cannot express skipped (with the reason) before anything is deployed. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "run/case.h"
#include "smi/convert.h"

const char *const sc_runner_groups[SC_GROUPS] = {"access", "specs", "split", "metrics"};

int sc_runner_group_index(const char *g)
{
    for (int i = 0; i < SC_GROUPS; i++)
        if (strcmp(sc_runner_groups[i], g) == 0)
            return i;
    return -1;
}

int sc_runner_smi_group_index(enum sc_smi_group g)
{
    return g == SC_SMI_ACCESS  ? SC_GROUP_ACCESS
           : g == SC_SMI_SPECS ? SC_GROUP_SPECS
                               : SC_GROUP_SPLIT;
}

/* The protocols t's traffic uses, each once, in the order of sc_report_protocols. */
static void case_protocols(const struct sc_test *t, struct sc_case *c)
{
    static const char *const order[] = {"http", "http2", "grpc", "tcp", "udp"};
    bool used[5] = {false};
    for (size_t i = 0; i < t->nsteps; i++) {
        const struct sc_step *s = &t->steps[i];
        const char *name;
        if (s->traffic.from == NULL)
            continue; /* apply, delete, metrics, held: no traffic of their own */
        name = sc_traffic_proto_name(s->traffic.proto, s->traffic.wire);
        for (size_t k = 0; k < 5; k++)
            used[k] = used[k] || strcmp(order[k], name) == 0;
    }
    c->protocols = sc_xcalloc(5, sizeof(char *));
    for (size_t k = 0; k < 5; k++)
        if (used[k])
            c->protocols[c->nprotocols++] = sc_xstrdup(order[k]);
}

/* The first extended feature of t the platform's mesh does not claim, or NULL. */
static const char *unclaimed_feature(const struct sc_platform *p, const struct sc_test *t)
{
    for (size_t f = 0; p->features_claimed && f < t->nfeatures; f++) {
        bool claimed = strcmp(t->features[f], "core") == 0;
        for (size_t k = 0; k < p->nfeatures && !claimed; k++)
            claimed = strcmp(p->features[k], t->features[f]) == 0;
        if (!claimed)
            return t->features[f];
    }
    return NULL;
}

static bool in_list(const char *const *list, const char *s)
{
    if (list == NULL)
        return true;
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

/* The newest version of group gi the platform serves, 0 when none. */
static int newest_served(struct sc_platform *p, int gi)
{
    int vs[8];
    size_t n = 0;
    if (p->ops->served(p, sc_runner_groups[gi], vs, &n) != 0 || n == 0)
        return 0;
    return vs[0];
}

/* Replace $NS2 and $NS in every scalar. */
static void substitute(struct sc_doc_node *n, const char *ns, const char *ns2)
{
    for (; n; n = n->next) {
        if (n->text != NULL && strchr(n->text, '$') != NULL) {
            char out[1024];
            size_t o = 0;
            for (const char *s = n->text; *s && o < sizeof(out) - 64;) {
                if (strncmp(s, "$NS2", 4) == 0) {
                    o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", ns2);
                    s += 4;
                } else if (strncmp(s, "$NS", 3) == 0) {
                    o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", ns);
                    s += 3;
                } else {
                    out[o++] = *s++;
                }
            }
            out[o] = '\0';
            free(n->text);
            n->text = sc_xstrdup(out);
        }
        substitute(n->child, ns, ns2);
    }
}

/* Convert one object to the case's versions; SC_ENOTFOUND means "skip: <why>". */
int sc_runner_convert(const struct sc_doc_node *in, const struct sc_versions *vs, const char *ns,
                      const char *ns2, struct sc_doc_node **out, struct sc_err *err)
{
    const char *kind = sc_doc_get_str(in, "kind");
    int k = kind ? sc_smi_kind_parse(kind) : -1, gi, rc;
    struct sc_doc_node *conv = NULL;
    struct sc_smi_obj *obj = NULL;

    if (k < 0)
        return sc_err_set(err, SC_EINVAL, "unknown kind");
    gi = sc_runner_smi_group_index(sc_smi_kind_group((enum sc_smi_kind)k));
    if (vs->v[gi] == 0)
        return sc_err_set(err, SC_ENOTFOUND, "%s is not served by the platform",
                          sc_smi_group_name(sc_smi_kind_group((enum sc_smi_kind)k)));
    if (!sc_smi_version_exists((enum sc_smi_kind)k, vs->v[gi]))
        return sc_err_set(err, SC_ENOTFOUND, "%s does not exist in %s v1alpha%d", kind,
                          sc_smi_group_name(sc_smi_kind_group((enum sc_smi_kind)k)), vs->v[gi]);
    rc = sc_smi_convert(in, vs->v[gi], &conv, err);
    if (rc != 0)
        return rc;
    if (ns != NULL)
        substitute(conv, ns, ns2);
    /* Every manifest applied must hold to its version's schema. */
    rc = sc_smi_obj_from_doc(conv, "converted", ns ? ns : "default", &obj, NULL, err);
    if (rc != 0) {
        sc_err_prefix(err, "converted %s does not validate against v1alpha%d", kind, vs->v[gi]);
        sc_doc_node_free(conv);
        return SC_EINVAL;
    }
    sc_smi_obj_free(obj);
    *out = conv;
    return 0;
}

struct sc_planned *sc_runner_plan_of(struct sc_run *run, struct sc_test *const *tests,
                                     size_t ntests, struct sc_platform *p)
{
    struct sc_planned *pl = sc_xcalloc(run->ncases ? run->ncases : 1, sizeof(*pl));
    for (size_t i = 0; i < run->ncases; i++) {
        struct sc_case *c = &run->cases[i];
        int gi = sc_runner_group_index(c->area);
        int v = strncmp(c->version, "v1alpha", 7) == 0 ? atoi(c->version + 7) : 0;
        for (size_t k = 0; k < ntests; k++)
            if (strcmp(tests[k]->name, c->test) == 0)
                pl[i].test = tests[k];
        for (int g = 0; g < SC_GROUPS; g++)
            pl[i].vs.v[g] = newest_served(p, g);
        pl[i].vs.v[gi] = v;
    }
    return pl;
}

/* Does the test deny traffic anywhere (an access expectation with allowed: false)? */
static bool denies(const struct sc_test *t)
{
    for (size_t i = 0; i < t->nsteps; i++)
        if (t->steps[i].kind == SC_STEP_EXPECT && t->steps[i].expect == SC_EXPECT_ACCESS &&
            !t->steps[i].allowed)
            return true;
    return false;
}

bool sc_runner_left_out(const struct sc_test *t, const struct sc_versions *vs, const char *kind)
{
    int k = kind ? sc_smi_kind_parse(kind) : -1;
    int gi;
    if (k < 0 || (strcmp(t->area, "split") != 0 && strcmp(t->area, "metrics") != 0))
        return false;
    gi = sc_runner_smi_group_index(sc_smi_kind_group((enum sc_smi_kind)k));
    /* Without SMI access control the mesh admits all traffic: TrafficTargets, and the route
     * groups they would name when specs are not served either, have nothing to do. */
    if (vs->v[SC_GROUP_ACCESS] != 0)
        return false;
    return gi == SC_GROUP_ACCESS || (gi == SC_GROUP_SPECS && vs->v[SC_GROUP_SPECS] == 0);
}

/* Does the test hold traffic across its steps (a hold step)? */
static bool holds(const struct sc_test *t)
{
    for (size_t i = 0; i < t->nsteps; i++)
        if (t->steps[i].kind == SC_STEP_HOLD)
            return true;
    return false;
}

static bool has_unmeshed(const struct sc_test *t)
{
    for (size_t i = 0; i < t->nworkloads; i++)
        if (t->workloads[i].unmeshed)
            return true;
    return false;
}

static bool uses_trafficsplits(const struct sc_test *t)
{
    for (size_t i = 0; i < t->nsteps; i++)
        if (t->steps[i].kind == SC_STEP_EXPECT && t->steps[i].expect == SC_EXPECT_METRICS &&
            strcmp(t->steps[i].metrics.resource, "trafficsplits") == 0)
            return true;
    return false;
}

/* Why t cannot run at versions cv on p (owned), or NULL: what the case needs and the platform
 * or its mesh profile does not give. */
static char *skip_reason(const struct sc_platform *p, const struct sc_test *t,
                         const struct sc_versions *cv, int v)
{
    char why[200];
    if (strcmp(t->area, "metrics") == 0 && uses_trafficsplits(t) && v < 2)
        return sc_xstrdup("the trafficsplits resource needs metrics v1alpha2");
    if (unclaimed_feature(p, t) != NULL) {
        snprintf(why, sizeof(why),
                 "the mesh profile does not claim the extended feature '%s' (claims.features): "
                 "reported as not supported",
                 unclaimed_feature(p, t));
        return sc_xstrdup(why);
    }
    if (has_unmeshed(t) && !p->unmeshed_ok)
        return sc_xstrdup("the test keeps a workload out of the mesh (mesh: false): the mesh "
                          "profile does not say how (unmeshed)");
    if (cv->v[SC_GROUP_ACCESS] == 0 && strcmp(t->area, "access") != 0 && denies(t))
        return sc_xstrdup("the test denies traffic, which needs SMI access control: the "
                          "platform does not serve it");
    if (holds(t) && p->ops->cancel_traffic == NULL)
        return sc_xstrdup("the test holds traffic, which needs a platform that can cancel a "
                          "traffic plan");
    return NULL;
}

int sc_runner_plan(struct sc_platform *p, struct sc_test *const *tests, size_t ntests,
                   const struct sc_runner_opts *o, struct sc_run *run, struct sc_err *err)
{
    regex_t focus, skip;
    bool have_focus = false, have_skip = false;
    int rc = 0;

    if (o->focus != NULL) {
        if (regcomp(&focus, o->focus, REG_EXTENDED | REG_NOSUB) != 0)
            return sc_err_set(err, SC_EINVAL, "invalid --focus regex '%s'", o->focus);
        have_focus = true;
    }
    if (o->skip != NULL) {
        if (regcomp(&skip, o->skip, REG_EXTENDED | REG_NOSUB) != 0) {
            rc = sc_err_set(err, SC_EINVAL, "invalid --skip regex '%s'", o->skip);
            goto out;
        }
        have_skip = true;
    }
    for (size_t i = 0; i < ntests; i++) {
        const struct sc_test *t = tests[i];
        int gi = sc_runner_group_index(t->area), vs[8];
        size_t nv = 0;
        bool feature_ok = o->features == NULL;

        if (!in_list(o->areas, t->area))
            continue;
        for (size_t f = 0; f < t->nfeatures && !feature_ok; f++)
            feature_ok = in_list(o->features, t->features[f]);
        if (!feature_ok)
            continue;
        if (p->ops->served(p, sc_runner_groups[gi], vs, &nv) != 0)
            nv = 0;
        if (nv == 0) {
            vs[0] = 0; /* one skipped case saying the group is not served */
            nv = 1;
        }
        for (size_t k = nv; k-- > 0;) { /* oldest first */
            char label[300], version[16];
            struct sc_case *c;
            struct sc_versions cv;

            /* a group not served has no version to name */
            snprintf(version, sizeof(version), vs[k] ? "v1alpha%d" : "not served", vs[k]);
            snprintf(label, sizeof(label), "%s [%s]", t->name, version);
            if (have_focus && regexec(&focus, label, 0, NULL, 0) != 0)
                continue;
            if (have_skip && regexec(&skip, label, 0, NULL, 0) == 0)
                continue;
            c = sc_run_add_case(run);
            c->test = sc_xstrdup(t->name);
            c->area = sc_xstrdup(t->area);
            c->version = sc_xstrdup(version);
            c->file = sc_xstrdup(t->file);
            c->features = sc_xcalloc(t->nfeatures, sizeof(char *));
            for (size_t f = 0; f < t->nfeatures; f++)
                c->features[c->nfeatures++] = sc_xstrdup(t->features[f]);
            case_protocols(t, c);
            if (vs[k] == 0) {
                c->verdict = SC_SKIPPED;
                c->message = sc_xstrdup("the platform does not serve this SMI group");
                continue;
            }
            for (int g = 0; g < SC_GROUPS; g++)
                cv.v[g] = newest_served(p, g);
            cv.v[gi] = vs[k];
            if ((c->message = skip_reason(p, t, &cv, vs[k])) != NULL) {
                c->verdict = SC_SKIPPED;
                continue;
            }
            /* Every object must be expressible in this case's versions, or be left out
             * because the mesh does not do access control. Runnable cases wait as "skipped,
             * no reason yet" until a worker takes them. */
            c->verdict = SC_SKIPPED;
            for (size_t s = 0; s < t->nsteps && c->message == NULL; s++) {
                for (struct sc_doc *d = t->steps[s].objects; d; d = d->next) {
                    struct sc_doc_node *conv = NULL;
                    struct sc_err e;
                    int crc;
                    if (sc_runner_left_out(t, &cv, sc_doc_get_str(d->root, "kind")))
                        continue;
                    sc_err_init(&e);
                    crc = sc_runner_convert(d->root, &cv, "plan-ns", "plan-ns2", &conv, &e);
                    sc_doc_node_free(conv);
                    if (crc == SC_ENOTFOUND) {
                        c->verdict = SC_SKIPPED;
                        c->message = sc_xstrdup(e.msg);
                        break;
                    }
                    if (crc != 0) {
                        rc = sc_err_set(err, SC_EINVAL, "%s:%d:%d: %s", t->file, t->steps[s].line,
                                        t->steps[s].col, e.msg);
                        goto out;
                    }
                }
            }
        }
    }
out:
    if (have_focus)
        regfree(&focus);
    if (have_skip)
        regfree(&skip);
    return rc;
}

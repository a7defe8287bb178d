/* steps.c - the steps that change or use the mesh without judging it: apply and delete SMI
 * objects (converted to the case's versions), and send measured traffic for metrics. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/case.h"

/* An HTTPRouteGroup's header filters as a list of one-key maps ({name: regex} each), the
 * shape the CRDs that clusters install declare, when the platform asks for it. */
void sc_runner_headers_as_list(struct sc_doc_node *obj)
{
    const char *kind = sc_doc_get_str(obj, "kind");
    struct sc_doc_node *matches = sc_doc_get(sc_doc_get(obj, "spec"), "matches");
    if (kind == NULL || strcmp(kind, "HTTPRouteGroup") != 0 || matches == NULL)
        return;
    for (struct sc_doc_node *m = matches->child; m; m = m->next) {
        struct sc_doc_node *h = sc_doc_get(m, "headers"), *list;
        if (h == NULL || h->type != SC_DOC_MAP)
            continue;
        h = sc_doc_take(m, "headers");
        list = sc_doc_node_new(SC_DOC_SEQ, NULL);
        for (struct sc_doc_node *f = h->child; f; f = f->next) {
            struct sc_doc_node *item = sc_doc_node_new(SC_DOC_MAP, NULL);
            sc_doc_append(item, f->key, sc_doc_node_dup(f));
            sc_doc_append(list, NULL, item);
        }
        sc_doc_append(m, "headers", list);
        sc_doc_node_free(h);
    }
}

int sc_runner_step_apply(struct sc_casectx *x, const struct sc_step *s)
{
    struct sc_platform *p = x->r->p;
    sc_runner_holds_mark_change(x);
    for (struct sc_doc *d = s->objects; d; d = d->next) {
        struct sc_doc_node *conv = NULL;
        struct sc_err err;
        cJSON *j;
        char *text;
        int rc;
        const char *kind = sc_doc_get_str(d->root, "kind");
        const char *name = sc_doc_get_str(sc_doc_get(d->root, "metadata"), "name");

        if (sc_runner_left_out(x->t, &x->vs, kind)) {
            sc_case_log(x->c,
                        "leave out %s '%s': the platform does not serve SMI access, all "
                        "traffic is admitted",
                        kind, name);
            continue;
        }
        sc_err_init(&err);
        rc = sc_runner_convert(d->root, &x->vs, x->ns, x->ns2, &conv, &err);
        if (rc != 0) {
            sc_runner_error(x, "apply %s '%s': %s", kind, name, err.msg);
            return -1;
        }
        if (p->headers_list)
            sc_runner_headers_as_list(conv);
        j = sc_doc_to_json(conv);
        text = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
        sc_case_log(x->c, "apply %s", text);
        {
            const char *ons = sc_doc_get_str(sc_doc_get(conv, "metadata"), "namespace");
            rc = p->ops->apply(p, ons ? ons : x->ns, text, &err);
        }
        free(text);
        sc_doc_node_free(conv);
        if (rc != 0) {
            sc_runner_error(x, "apply %s '%s': %s", kind, name, err.msg);
            return -1;
        }
    }
    x->gen++;
    return 0;
}

int sc_runner_step_delete(struct sc_casectx *x, const struct sc_step *s)
{
    struct sc_platform *p = x->r->p;
    sc_runner_holds_mark_change(x);
    for (size_t i = 0; i < s->ndel; i++) {
        int k = sc_smi_kind_parse(s->del_kinds[i]);
        enum sc_smi_group g = sc_smi_kind_group((enum sc_smi_kind)k);
        char api[96];
        struct sc_err err;
        if (sc_runner_left_out(x->t, &x->vs, s->del_kinds[i]))
            continue; /* never applied */
        snprintf(api, sizeof(api), "%s/v1alpha%d", sc_smi_group_name(g),
                 x->vs.v[sc_runner_smi_group_index(g)]);
        sc_err_init(&err);
        sc_case_log(x->c, "delete %s %s/%s", api, s->del_kinds[i], s->del_names[i]);
        if (p->ops->remove(p, x->ns, api, s->del_kinds[i], s->del_names[i], &err) != 0) {
            sc_runner_error(x, "delete %s '%s': %s", s->del_kinds[i], s->del_names[i], err.msg);
            return -1;
        }
    }
    x->gen++;
    return 0;
}

/* A send's traffic is in force when every request is answered by a pod (of the service, or
 * of a split's backends: a send measures what the mesh does, it does not judge it). */
static bool answered(const struct sc_step *s, const struct sc_outcome *o)
{
    uint64_t n = 0;
    (void)s;
    for (size_t i = 0; i < o->res.nbackends; i++)
        n += o->res.backends[i].count;
    return o->total > 0 && n == o->total;
}

int sc_runner_step_send(struct sc_casectx *x, const struct sc_step *s)
{
    struct sc_outcome o;
    struct sc_err err;
    char desc[400], what[480], key[768];

    sc_runner_describe_traffic(x, &s->traffic, desc, sizeof(desc));
    sc_case_log(x->c, "send %u requests %s", s->requests, desc);
    snprintf(what, sizeof(what), "%s is answered by pods", desc);
    /* What a send measures must be in force first, like any expectation. */
    if (sc_runner_settle(x, s, s->traffic.proto == SC_PROTO_HTTP ? 5 : 2, answered, "answered",
                         what) != 0)
        return -1;
    sc_runner_metrics_warm(x, s);
    sc_err_init(&err);
    if (sc_runner_send(x, &s->traffic, s->requests, NULL, &o, &err) != 0) {
        sc_runner_error(x, "send %s: %s", desc, err.msg);
        return -1;
    }
    if (o.status2xx != 0 && o.status5xx != 0) {
        sc_runner_fail(
            x, "send %s: mixed 2xx and 5xx answers; metrics tests need one class per send", desc);
        sc_runner_outcome_release(&o);
        return -1;
    }
    if (o.status2xx + o.status5xx != o.total) {
        char text[300];
        sc_runner_outcome_text(&o, text, sizeof(text));
        sc_runner_fail(x, "send %s: not every request was answered with 2xx or 5xx: %s", desc,
                       text);
        sc_runner_outcome_release(&o);
        return -1;
    }
    sc_runner_keep_latency(x, &o.res);
    sc_case_log(x->c, "  %llu answered (%llu 2xx, %llu 5xx)", (unsigned long long)o.total,
                (unsigned long long)o.status2xx, (unsigned long long)o.status5xx);
    sc_runner_outcome_release(&o);
    sc_runner_traffic_key(&s->traffic, key, sizeof(key));
    sc_runner_remember(x, key, "answered");
    return 0;
}

/* convert.c - version conversion from the newest SMI shapes into the older ones. */
#include "smi/convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "smi/smi.h"

static void set_api_version(struct sc_doc_node *root, const char *group, int version)
{
    char av[80];
    struct sc_doc_node *n = sc_doc_get(root, "apiVersion");
    snprintf(av, sizeof(av), "%s/v1alpha%d", group, version);
    free(n->text);
    n->text = sc_xstrdup(av);
}

/* Move every member of `spec` to the top level of `root` and drop `spec`. */
static void hoist_spec(struct sc_doc_node *root)
{
    struct sc_doc_node *spec = sc_doc_take(root, "spec");
    if (spec == NULL)
        return;
    for (struct sc_doc_node *c = spec->child; c;) {
        struct sc_doc_node *next = c->next;
        c->next = NULL;
        sc_doc_append(root, c->key, c);
        c = next;
    }
    spec->child = NULL;
    sc_doc_node_free(spec);
}

static void rename_key(struct sc_doc_node *m, const char *from, const char *to)
{
    struct sc_doc_node *n = sc_doc_get(m, from);
    if (n) {
        free(n->key);
        n->key = sc_xstrdup(to);
    }
}

/* An integer weight w as the v1alpha1 quantity w/1000: "1" when whole units, else milli
 * ("500m", "0m", "1500m"). A string: YAML would read "1" back as an integer otherwise. */
static void milli_weight(struct sc_doc_node *w)
{
    char buf[40];
    long long n = strtoll(w->text, NULL, 10);
    if (n > 0 && n % 1000 == 0)
        snprintf(buf, sizeof(buf), "%lld", n / 1000);
    else
        snprintf(buf, sizeof(buf), "%lldm", n);
    free(w->text);
    w->text = sc_xstrdup(buf);
    w->type = SC_DOC_STR;
}

int sc_smi_convert(const struct sc_doc_node *in, int version, struct sc_doc_node **out,
                   struct sc_err *err)
{
    const char *av = sc_doc_get_str(in, "apiVersion"), *kn = sc_doc_get_str(in, "kind");
    const char *name = sc_doc_get_str(sc_doc_get(in, "metadata"), "name");
    struct sc_doc_node *d, *spec;
    int kind, newest, written;

    *out = NULL;
    if (av == NULL || kn == NULL || (kind = sc_smi_kind_parse(kn)) < 0)
        return sc_err_set(err, SC_EINVAL, "not an SMI object (apiVersion and kind expected)");
    enum sc_smi_group g = sc_smi_kind_group((enum sc_smi_kind)kind);
    const char *group = sc_smi_group_name(g);
    newest = sc_smi_group_newest(g);
    written = strncmp(av, group, strlen(group)) == 0 && strchr(av, '/') != NULL
                  ? (int)strtol(strchr(av, '/') + 8, NULL, 10)
                  : 0;
    /* A TrafficTarget may be written in an older version, for the fields only older versions
     * have (destination.port in v1alpha1/2): it exists there and in the versions before. */
    if (written != newest && !(kind == SC_SMI_TRAFFIC_TARGET && written >= 1 && written < newest))
        return sc_err_set(err, SC_EINVAL, "%s '%s' is not written as %s/v1alpha%d", kn,
                          name ? name : "?", group, newest);
    if (version > written)
        return sc_err_set(err, SC_ENOTFOUND,
                          "%s '%s' is written as %s/v1alpha%d (fields only older versions have): "
                          "it has no v1alpha%d form",
                          kn, name ? name : "?", group, written, version);
    if (!sc_smi_version_exists((enum sc_smi_kind)kind, version))
        return sc_err_set(err, SC_ENOTFOUND, "%s does not exist in %s/v1alpha%d", kn, group,
                          version);
    d = sc_doc_node_dup(in);
    set_api_version(d, group, version);
    spec = sc_doc_get(d, "spec");
    switch (kind) {
    case SC_SMI_TRAFFIC_TARGET:
        if (version == 1 && written > 1) {
            const struct sc_doc_node *rules = sc_doc_get(spec, "rules");
            for (const struct sc_doc_node *r = rules ? rules->child : NULL; r; r = r->next) {
                const char *rk = sc_doc_get_str(r, "kind");
                if (rk && strcmp(rk, "UDPRoute") == 0)
                    goto unsupported_udp;
            }
            rename_key(spec, "rules", "specs");
            hoist_spec(d);
        } else if (version == 2) {
            const struct sc_doc_node *rules = sc_doc_get(spec, "rules");
            for (const struct sc_doc_node *r = rules ? rules->child : NULL; r; r = r->next) {
                const char *rk = sc_doc_get_str(r, "kind");
                if (rk && strcmp(rk, "UDPRoute") == 0)
                    goto unsupported_udp;
            }
        }
        break;
    case SC_SMI_HTTP_ROUTE_GROUP:
        if (version == 1) {
            const struct sc_doc_node *ms = sc_doc_get(spec, "matches");
            for (const struct sc_doc_node *m = ms ? ms->child : NULL; m; m = m->next) {
                if (sc_doc_get(m, "headers")) {
                    sc_doc_node_free(d);
                    return sc_err_set(err, SC_ENOTFOUND,
                                      "HTTPRouteGroup '%s' matches headers, which need "
                                      "specs.smi-spec.io/v1alpha2 or later",
                                      name ? name : "?");
                }
            }
        }
        if (version <= 2)
            hoist_spec(d);
        break;
    case SC_SMI_TCP_ROUTE:
        if (version <= 3) {
            const struct sc_doc_node *ports = sc_doc_get(sc_doc_get(spec, "matches"), "ports");
            if (ports && ports->n > 0) {
                sc_doc_node_free(d);
                return sc_err_set(err, SC_ENOTFOUND,
                                  "TCPRoute '%s' lists ports, which need "
                                  "specs.smi-spec.io/v1alpha4",
                                  name ? name : "?");
            }
            sc_doc_remove(d, "spec");
            if (version == 3)
                sc_doc_append(d, "spec", sc_doc_node_new(SC_DOC_MAP, NULL));
        }
        break;
    case SC_SMI_TRAFFIC_SPLIT:
        if (version <= 2 && sc_doc_get(spec, "matches")) {
            sc_doc_node_free(d);
            return sc_err_set(err, SC_ENOTFOUND,
                              "TrafficSplit '%s' uses matches, which need "
                              "split.smi-spec.io/v1alpha3 or later",
                              name ? name : "?");
        }
        if (version == 1) {
            /* Integer weights w become the quantities w/1000, written as the spec writes them
             * (1 = 1000m): 1000 -> "1", 500 -> "500m", 0 -> "0m", 1500 -> "1500m". Proportions
             * stay; a mesh reading "500m" as 500 does not. */
            struct sc_doc_node *bes = sc_doc_get(spec, "backends");
            for (struct sc_doc_node *b = bes ? bes->child : NULL; b; b = b->next) {
                struct sc_doc_node *w = sc_doc_get(b, "weight");
                if (w && w->type == SC_DOC_INT)
                    milli_weight(w);
            }
        }
        break;
    default:
        break;
    }
    *out = d;
    return 0;
unsupported_udp:
    sc_doc_node_free(d);
    return sc_err_set(err, SC_ENOTFOUND,
                      "TrafficTarget '%s' has a UDPRoute rule, which needs "
                      "access.smi-spec.io/v1alpha3",
                      name ? name : "?");
}

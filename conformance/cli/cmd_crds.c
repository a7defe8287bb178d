/* cmd_crds.c - `smi-conformance crds --release R`: the SMI CRDs of one SDK release, each kind
 * serving exactly the version that release has, so that a pipeline can test each release's
 * version set (../shared/design/SMI-SPEC.md, "Versions and releases"). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

/* Versions per release (smi-sdk-go): access, specs, split; metrics is an aggregated API. */
static const struct release {
    const char *name;
    int access, specs, split;
} releases[] = {{"v0.3.0", 1, 2, 3}, {"v0.4.1", 2, 3, 3}, {"v0.5.0", 3, 4, 4}};

static const struct kind {
    const char *group, *kind, *plural, *singular;
    int which;       /* 0 access, 1 specs, 2 split */
    int since;       /* the first version of the group that has the kind */
    const char *doc; /* what the spec says it is */
} kinds[] = {
    {"access.smi-spec.io", "TrafficTarget", "traffictargets", "traffictarget", 0, 1,
     "which sources may reach a destination, over which routes"},
    {"specs.smi-spec.io", "HTTPRouteGroup", "httproutegroups", "httproutegroup", 1, 1,
     "HTTP traffic matches by path regex, methods and headers"},
    {"specs.smi-spec.io", "TCPRoute", "tcproutes", "tcproute", 1, 1, "TCP traffic (by port)"},
    {"specs.smi-spec.io", "UDPRoute", "udproutes", "udproute", 1, 4, "UDP traffic (by port)"},
    {"split.smi-spec.io", "TrafficSplit", "trafficsplits", "trafficsplit", 2, 1,
     "weights of a root service's traffic over its backends"},
};

/* The schema of kind k at version v: open, except where the harness depends on a shape. The
 * header filters of HTTPRouteGroup v1alpha3/v1alpha4 are a map of header name to value regex
 * (SMI-SPEC.md, Shapes; the SDK's Go types decode a map), which is what the profiles' default
 * routeHeaders: map writes; the SDK's own CRD files declare a list instead, and
 * `smi-conformance preflight` reports which one a cluster serves. */
static void schema(const struct kind *k, int v)
{
    printf("      schema:\n        openAPIV3Schema:\n          type: object\n");
    if (strcmp(k->kind, "HTTPRouteGroup") == 0 && v >= 3) {
        printf("          properties:\n"
               "            spec:\n"
               "              type: object\n"
               "              x-kubernetes-preserve-unknown-fields: true\n"
               "              properties:\n"
               "                matches:\n"
               "                  type: array\n"
               "                  items:\n"
               "                    type: object\n"
               "                    x-kubernetes-preserve-unknown-fields: true\n"
               "                    properties:\n"
               "                      headers:\n"
               "                        type: object\n"
               "                        additionalProperties: {type: string}\n");
    }
    printf("          x-kubernetes-preserve-unknown-fields: true\n");
}

static void crd(const struct kind *k, int v)
{
    printf("---\n"
           "# %s: %s\n"
           "apiVersion: apiextensions.k8s.io/v1\n"
           "kind: CustomResourceDefinition\n"
           "metadata:\n"
           "  name: %s.%s\n"
           "  labels: {app.kubernetes.io/part-of: smi-conformance}\n"
           "spec:\n"
           "  group: %s\n"
           "  scope: Namespaced\n"
           "  names: {kind: %s, listKind: %sList, plural: %s, singular: %s}\n"
           "  versions:\n"
           "    - name: v1alpha%d\n"
           "      served: true\n"
           "      storage: true\n",
           k->kind, k->doc, k->plural, k->group, k->group, k->kind, k->kind, k->plural, k->singular,
           v);
    schema(k, v);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: smi-conformance crds --release v0.3.0|v0.4.1|v0.5.0\n"
               "\n"
               "Print the SMI CRDs of one smi-sdk-go release, each kind serving exactly that\n"
               "release's version (access/specs/split: v0.3.0 v1alpha1/v1alpha2/v1alpha3,\n"
               "v0.4.1 v1alpha2/v1alpha3/v1alpha3, v0.5.0 v1alpha3/v1alpha4/v1alpha4; UDPRoute\n"
               "from specs v1alpha4). TrafficMetrics is an aggregated API, not a CRD: the mesh\n"
               "serves it. Apply with: smi-conformance crds --release R | kubectl apply -f -\n");
}

int sc_cmd_crds(int argc, char **argv)
{
    const struct release *r = NULL;

    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return SC_EXIT_OK;
    }
    if (argc != 3 || strcmp(argv[1], "--release") != 0) {
        usage(stderr);
        return SC_EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof(releases) / sizeof(releases[0]); i++)
        if (strcmp(argv[2], releases[i].name) == 0)
            r = &releases[i];
    if (r == NULL) {
        sc_cli_error("crds: unknown release '%s' (expected v0.3.0, v0.4.1 or v0.5.0)", argv[2]);
        return SC_EXIT_USAGE;
    }
    printf("# The SMI CRDs of smi-sdk-go %s (smi-conformance crds --release %s)\n", r->name,
           r->name);
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        const struct kind *k = &kinds[i];
        int v = k->which == 0 ? r->access : k->which == 1 ? r->specs : r->split;
        if (v >= k->since)
            crd(k, v);
    }
    return SC_EXIT_OK;
}

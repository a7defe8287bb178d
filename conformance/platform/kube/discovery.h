/* discovery.h - which SMI groups and versions a cluster serves, and their resource names. */
#ifndef SC_KUBE_DISCOVERY_H
#define SC_KUBE_DISCOVERY_H

#include <stddef.h>

#include "base/err.h"
#include "platform/kube/client.h"
#include "platform/profile.h"

struct sc_kube_resource {
    char *group; /* "split.smi-spec.io" */
    int version; /* N of v1alphaN */
    char *kind;  /* "TrafficSplit" */
    char *name;  /* "trafficsplits" */
};

struct sc_kube_discovery {
    int versions[SC_PROFILE_NGROUPS][8]; /* served versions, newest first */
    size_t nversions[SC_PROFILE_NGROUPS];
    struct sc_kube_resource *res;
    size_t nres;
};

/*
 * GET /apis, then /apis/GROUP/v1alphaN for every SMI group version listed. A version whose
 * resource list cannot be read (an aggregated API that is not available answers 503) is not
 * served; metrics.smi-spec.io counts as served only when its list answers 200. Fails only
 * when /apis itself cannot be read. *d is filled (sc_kube_discovery_release).
 */
SC_MUST_CHECK int sc_kube_discover(struct sc_kube_client *c, struct sc_kube_discovery *d,
                                   struct sc_err *err);
void sc_kube_discovery_release(struct sc_kube_discovery *d);

/* The plural resource name of `kind` in "GROUP/v1alphaN"; NULL when discovery did not list
 * it. */
const char *sc_kube_resource_name(const struct sc_kube_discovery *d, const char *api_version,
                                  const char *kind);

/*
 * The header filter shape the served HTTPRouteGroup CRD declares for specs version
 * v1alpha`version` (GET the CustomResourceDefinition httproutegroups.specs.smi-spec.io; the
 * type of spec.matches.items.properties.headers in that version's openAPIV3Schema): 1 array
 * (a list of one-key maps), 0 object (the spec's map), -1 unknown, with the reason in why (the
 * CRD cannot be read, e.g. no permission, or its schema does not say).
 */
int sc_kube_crd_headers(struct sc_kube_client *c, int version, char *why, size_t len);

/*
 * The header filter shape learned without reading the CRD: two server-side dry-run applies
 * (?dryRun=All: validated as a write, nothing persisted; authorised as the same apply, so as
 * patch and create on httproutegroups) of a one-match HTTPRouteGroup in namespace "default",
 * headers as a list, then as a map. 1 list, 0 map when exactly that one is accepted; -1 when
 * both or neither are (untyped schema, no permission, webhook refusals). why says what each
 * answered, either way.
 */
int sc_kube_dry_run_headers(struct sc_kube_client *c, int version, char *why, size_t len);

#endif

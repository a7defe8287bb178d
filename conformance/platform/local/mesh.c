/* mesh.c - which mesh the local platform emulates: the profile (suites/profiles/NAME.yaml) the
 * verdicts follow, and the refmesh personality of the same name that behaves like that mesh. */
#include "platform/local/mesh.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"

/* The refmesh's own profile: whatever the profile directory holds, "local" is the reference. */
#define REFERENCE_PROFILE "local"

int sc_local_mesh_load(const char *mesh, const char *profiles_dir, struct sc_profile **out,
                       struct sc_err *err)
{
    *out = NULL;
    if (mesh == NULL)
        return 0; /* the reference mesh, with the defaults that need no file */
    if (sc_profile_find(mesh, profiles_dir, out, err) != 0)
        return sc_err_prefix(err, "--mesh %s", mesh);
    return 0;
}

const char *sc_local_personality(const struct sc_profile *prof)
{
    if (prof == NULL || strcmp(prof->name, REFERENCE_PROFILE) == 0)
        return NULL;
    return prof->name;
}

void sc_local_mesh_apply(const struct sc_profile *prof, struct sc_platform *base)
{
    struct sc_denial *d = &base->deny;

    /* The reference mesh (fixtures/refmesh/route.c): 403 to a denied request and to a denied
     * CONNECT; a denied datagram is dropped. */
    memset(d, 0, sizeof(*d));
    d->http_status[0] = 403;
    d->nhttp_status = 1;
    d->tcp = SC_DENY_PROXY;
    d->udp = SC_DENY_TIMEOUT;
    d->grpc = 1u << 7;          /* PERMISSION_DENIED, should the refmesh answer a gRPC call so */
    base->metrics_exact = true; /* the refmesh counts every request it proxied */
    base->metrics_tolerance = 0;
    base->metrics_deadline_ms = 0;
    base->metrics_scrape_ms = 0;
    base->headers_list = false;
    base->metrics_no_data = NULL;
    base->unmeshed_ok = true;       /* the refmesh registers such a pod as unmeshed */
    base->features_claimed = false; /* the reference mesh implements every feature */
    if (sc_local_personality(prof) == NULL)
        return;
    base->features = prof->features;
    base->nfeatures = prof->nfeatures;
    base->features_claimed = prof->features_claimed;
    /* A personality signals as its mesh does, seen through the refmesh's explicit proxy: a
     * refused connection can only be emulated there by closing the accepted connection before
     * any byte (fixtures/refmesh/README.md, Knobs), which the agent reports as closed. */
    *d = prof->deny;
    if (d->http & SC_DENY_REFUSED)
        d->http |= SC_DENY_CLOSED;
    if (d->tcp & SC_DENY_REFUSED)
        d->tcp |= SC_DENY_CLOSED;
    base->consistency_ms = prof->consistency_ms > SC_LOCAL_CONSISTENCY_MS ? SC_LOCAL_CONSISTENCY_MS
                                                                          : prof->consistency_ms;
    base->metrics_exact = prof->metrics_exact;
    base->metrics_tolerance = prof->metrics_tolerance;
    base->metrics_deadline_ms = prof->metrics_deadline_ms;
    base->metrics_scrape_ms = prof->metrics_exact ? 0 : SC_LOCAL_SCRAPE_MS;
    /* the deadline counts scrape intervals: it shrinks with them (never below 10 s) */
    if (!prof->metrics_exact && prof->metrics_scrape_ms > SC_LOCAL_SCRAPE_MS) {
        uint64_t ms =
            (uint64_t)prof->metrics_deadline_ms * SC_LOCAL_SCRAPE_MS / prof->metrics_scrape_ms;
        base->metrics_deadline_ms = ms < 10000 ? 10000 : (unsigned)ms;
    }
    base->headers_list = prof->headers_list;
    base->metrics_no_data = prof->metrics_no_data;
}

int sc_local_served_parse(const char *json, const struct sc_profile *prof,
                          int versions[SC_PROFILE_NGROUPS][8], size_t n[SC_PROFILE_NGROUPS],
                          struct sc_err *err)
{
    cJSON *j = cJSON_Parse(json);
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(j, "groups");
    int rc = 0;

    if (!cJSON_IsObject(groups)) {
        cJSON_Delete(j);
        return sc_err_set(err, SC_EPROTO, "refmesh GET /apis: no \"groups\" object in %.120s",
                          json);
    }
    for (int g = 0; g < SC_PROFILE_NGROUPS && rc == 0; g++) {
        const cJSON *v;
        int served[8];
        size_t ns = 0;
        cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(groups, sc_profile_group_name(g)))
        {
            int x = 0;
            char tail;
            if (!cJSON_IsString(v) || sscanf(v->valuestring, "v1alpha%d%c", &x, &tail) != 1 ||
                x < 1 || ns >= 8) {
                rc = sc_err_set(err, SC_EPROTO, "refmesh GET /apis: bad %s version",
                                sc_profile_group_name(g));
                break;
            }
            served[ns++] = x;
        }
        n[g] = prof ? sc_profile_claimed(prof, g, served, ns, versions[g]) : ns;
        if (prof == NULL)
            memcpy(versions[g], served, ns * sizeof(int));
    }
    cJSON_Delete(j);
    return rc;
}

/* mesh.h - the mesh the local platform emulates (--mesh NAME): its profile and the refmesh
 * personality of the same name. Internal to the local platform. */
#ifndef SC_PLATFORM_LOCAL_MESH_H
#define SC_PLATFORM_LOCAL_MESH_H

#include "base/err.h"
#include "platform/platform.h"
#include "platform/profile.h"

/* The scrape interval of a personality whose metrics API is Prometheus-backed, on loopback:
 * a real one scrapes every 10 s or more; the arithmetic of increase() is the same at 2 s and
 * a run stays short (fixtures/refmesh/README.md, Metrics). */
#define SC_LOCAL_SCRAPE_MS 2000

/* The longest wait for a change to take effect on loopback, whatever the real mesh needs: a
 * personality propagates within 1.5 s (fixtures/refmesh/personality.c), so a policy that is
 * not in force after this never will be, and a failing run does not wait minutes per case. */
#define SC_LOCAL_CONSISTENCY_MS 30000

/* Load the profile of `mesh` (a name in profiles_dir, or a file); NULL mesh = the reference
 * mesh, *out NULL. */
SC_MUST_CHECK int sc_local_mesh_load(const char *mesh, const char *profiles_dir,
                                     struct sc_profile **out, struct sc_err *err);

/* The refmesh personality to start for the profile, or NULL for the reference mesh. */
const char *sc_local_personality(const struct sc_profile *prof);

/* The platform's denial set, consistency and metrics judging for the profile (NULL: the
 * reference mesh). */
void sc_local_mesh_apply(const struct sc_profile *prof, struct sc_platform *base);

/* Read the refmesh's GET /apis answer: per group the versions served and, with a profile,
 * claimed (newest first). SC_EPROTO for an answer that is not that. */
SC_MUST_CHECK int sc_local_served_parse(const char *json, const struct sc_profile *prof,
                                        int versions[SC_PROFILE_NGROUPS][8],
                                        size_t n[SC_PROFILE_NGROUPS], struct sc_err *err);

#endif

/* local.h - the local platform: smi-refmesh and one smi-fixture process per pod, on loopback. */
#ifndef SC_PLATFORM_LOCAL_H
#define SC_PLATFORM_LOCAL_H

#include "base/err.h"
#include "platform/platform.h"

struct sc_local_opts {
    const char *refmesh_bin; /* NULL: found next to the harness, in the build tree or PATH */
    const char *fixture_bin;
    const char *const *violations; /* NULL-terminated --violate names, may be NULL */
    unsigned long seed;            /* split seed for the refmesh; 0 = from the clock */
    /* The mesh to emulate: a profile name in profiles_dir (NULL: suites/profiles) or a file,
     * whose refmesh personality is started; NULL = the reference mesh. */
    const char *mesh, *profiles_dir;
};

/* Start smi-refmesh and return the platform (caller destroys with p->ops->destroy). */
SC_MUST_CHECK int sc_local_new(const struct sc_local_opts *o, struct sc_platform **out,
                               struct sc_err *err);

/* The refmesh admin API base URL ("http://127.0.0.1:PORT"), for --keep. */
const char *sc_local_admin_url(const struct sc_platform *p);

/* Stop every child process at once (from a signal handler's second SIGINT: async-signal
 * safe, uses only kill()). */
void sc_local_kill_all(void);

#endif

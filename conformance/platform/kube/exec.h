/* exec.h - exec credential plugins (client.authentication.k8s.io v1 and v1beta1). */
#ifndef SC_KUBE_EXEC_H
#define SC_KUBE_EXEC_H

#include <stdbool.h>
#include <time.h>

#include "base/err.h"
#include "platform/kube/kubeconfig.h"

/* What a plugin handed back; every field but expiry is secret. */
struct sc_kube_cred {
    char *token;
    char *cert_pem, *key_pem;
    time_t expiry; /* 0: does not expire */
};

/*
 * Run the plugin (stdin from /dev/null, stderr passed through, KUBERNETES_EXEC_INFO set,
 * bounded by timeout_ms) and parse its ExecCredential. `server` and `ca_pem` are given to
 * the plugin when provideClusterInfo is set. Errors never quote the plugin's output: it
 * may hold a token. *out is filled on success (sc_kube_cred_release).
 */
SC_MUST_CHECK int sc_kube_exec_run(const struct sc_kube_exec *x, const char *server,
                                   const char *ca_pem, unsigned timeout_ms,
                                   struct sc_kube_cred *out, struct sc_err *err);
void sc_kube_cred_release(struct sc_kube_cred *c);

/* Parse an RFC 3339 time ("2024-05-01T10:00:00Z", "...+02:00", fractions allowed). */
SC_MUST_CHECK bool sc_kube_parse_time(const char *s, time_t *out);

#endif

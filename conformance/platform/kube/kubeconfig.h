/* kubeconfig.h - how to reach a cluster, resolved the way kubectl resolves it. */
#ifndef SC_KUBE_KUBECONFIG_H
#define SC_KUBE_KUBECONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

/* The largest kubeconfig, profile, token or certificate file read. */
#define SC_KUBE_MAX_FILE (16u * 1024 * 1024)

/* An exec credential plugin (users[].user.exec). */
struct sc_kube_exec {
    char *api_version; /* client.authentication.k8s.io/v1 or /v1beta1 */
    char *command;     /* resolved against the kubeconfig's folder when it has a '/' */
    char **args;       /* NULL-terminated */
    char **env;        /* NULL-terminated "NAME=value" */
    char *install_hint;
    bool provide_cluster_info;
};

/*
 * One resolved context: cluster, user and namespace, with every file already read (PEM
 * blocks are in memory, checked to parse). `origin` names where each part came from, for
 * messages; it never holds secret material.
 */
struct sc_kube_config {
    char *origin;  /* "FILE (context NAME)" or "in-cluster" */
    char *context; /* NULL in-cluster */
    char *server;  /* https://host:port[/prefix] */
    char *tls_server_name;
    char *proxy_url;
    bool insecure;
    char *ca_pem; /* NULL: the system's trust store */
    char *cert_pem, *key_pem;
    char *token;      /* secret */
    char *token_file; /* read again on every request (projected tokens rotate) */
    char *username, *password;
    struct sc_kube_exec *exec;
    char *ns; /* the context's namespace, may be NULL */
};

/*
 * Load the kubeconfig like kubectl: `path` when given (it must exist), else the files of
 * $KUBECONFIG (colon-separated; missing ones skipped; for every cluster, user and context
 * name and for current-context the first file that sets it wins), else ~/.kube/config.
 * `context` (NULL: current-context) picks the context. Errors name the file, line, column
 * and field: "a.yaml:12:7: users[alice].user.client-key-data: invalid base64".
 * *out is the caller's (sc_kube_config_free).
 */
SC_MUST_CHECK int sc_kube_config_load(const char *path, const char *context,
                                      struct sc_kube_config **out, struct sc_err *err);

/* In-cluster: $KUBERNETES_SERVICE_HOST/_PORT and the service account's token, ca.crt and
 * namespace under `sa_dir` (NULL: /var/run/secrets/kubernetes.io/serviceaccount). */
SC_MUST_CHECK int sc_kube_config_in_cluster(const char *sa_dir, struct sc_kube_config **out,
                                            struct sc_err *err);

void sc_kube_config_free(struct sc_kube_config *c);

/* Decode standard base64 (padding optional, whitespace ignored) into a NUL-terminated buffer
 * the caller frees; *len gets the decoded size. Returns false on bad input. */
SC_MUST_CHECK bool sc_kube_base64_decode(const char *in, char **out, size_t *len);

#endif

/* client.h - a Kubernetes API client on libcurl: TLS, credentials, retries, Status errors. */
#ifndef SC_KUBE_CLIENT_H
#define SC_KUBE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "platform/kube/kubeconfig.h"

struct sc_kube_client;

struct sc_kube_client_opts {
    unsigned max_attempts;      /* per call, retries included; 0 = 5 */
    unsigned backoff_base_ms;   /* first retry's backoff cap, doubled each time; 0 = 200 */
    unsigned backoff_max_ms;    /* 0 = 5000 */
    unsigned retry_after_max_s; /* longest Retry-After honoured; 0 = 30 */
    unsigned timeout_ms;        /* default per-request timeout; 0 = 30000 */
};

/* Build a client for cfg, which is taken (freed with the client, or at once on failure).
 * Exec credentials are fetched lazily, at the first request. *out is the caller's. */
SC_MUST_CHECK int sc_kube_client_new(struct sc_kube_config *cfg,
                                     const struct sc_kube_client_opts *o,
                                     struct sc_kube_client **out, struct sc_err *err);
void sc_kube_client_free(struct sc_kube_client *c);

/* One API call's answer. */
struct sc_kube_resp {
    long status; /* HTTP status, 0 when no answer came */
    char *body;  /* NUL-terminated, caller frees (sc_kube_resp_release) */
    size_t len;
    unsigned attempts; /* how many times the request was sent */
};
void sc_kube_resp_release(struct sc_kube_resp *r);

/*
 * Send one request to the API server: path is absolute ("/api/v1/namespaces"), with its
 * query. body may be NULL; content_type defaults to application/json. timeout_ms 0 = the
 * client's default. Retries (jittered exponential backoff) on 429 (honouring Retry-After)
 * for every method, and on 5xx and connection errors for idempotent calls (GET, HEAD, PUT,
 * DELETE, and server-side apply PATCHes); a POST is retried after a connection error only
 * when nothing was sent. Returns 0 when an answer came (any status: see resp->status), else
 * SC_ECONNECT/SC_ETIMEOUT with the reason. Thread-safe: connections are pooled.
 */
SC_MUST_CHECK int sc_kube_do(struct sc_kube_client *c, const char *method, const char *path,
                             const char *content_type, const char *body, unsigned timeout_ms,
                             struct sc_kube_resp *resp, struct sc_err *err);

/*
 * A watch (path with ?watch=1&resourceVersion=RV&timeoutSeconds=S): GET it as sc_kube_do
 * does, and return as soon as the first event (one line) has arrived, then in resp->body, or
 * when the server ends the stream (after S seconds, with no event: an empty body). timeout_ms
 * should exceed S. A non-200 answer (a refused watch, 410 Gone) is returned as an answer.
 */
SC_MUST_CHECK int sc_kube_watch_first(struct sc_kube_client *c, const char *path,
                                      unsigned timeout_ms, struct sc_kube_resp *resp,
                                      struct sc_err *err);

/*
 * sc_kube_do expecting 2xx: on success *out (may be NULL) gets the body (caller frees).
 * Otherwise the error message is the server's: a Kubernetes Status becomes
 * "forbidden: <message>" (its reason, in words, then its message); any other answer becomes
 * "METHOD PATH: HTTP 502: <body, shortened>". Codes:
 * 404 SC_ENOTFOUND, 409 SC_EBUSY, 400/422 SC_EINVAL, 401/403 SC_EINVAL, 429/5xx SC_EIO.
 * *status (may be NULL) gets the HTTP status.
 */
SC_MUST_CHECK int sc_kube_call(struct sc_kube_client *c, const char *method, const char *path,
                               const char *content_type, const char *body, char **out, long *status,
                               struct sc_err *err);

/* Format a non-2xx answer the way sc_kube_call does (for callers of sc_kube_do). */
int sc_kube_status_error(const char *method, const char *path, long status, const char *body,
                         struct sc_err *err);

/* Replace every secret the client knows (token, password, key, exec credential) found in
 * text with "[redacted]", in place (the text only gets shorter). */
void sc_kube_redact(struct sc_kube_client *c, char *text);

/* The configuration in use (no secrets in origin/server; the rest is the client's). */
const struct sc_kube_config *sc_kube_client_config(const struct sc_kube_client *c);

/* Percent-encode s for a query value into buf. Returns buf. */
char *sc_kube_query_escape(const char *s, char *buf, size_t len);

#endif

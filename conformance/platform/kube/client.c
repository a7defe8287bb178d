/* client.c - Kubernetes API calls over libcurl, with pooled connections and retries. */
#include "platform/kube/client.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/file.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/util.h"
#include "platform/curl_opts.h"
#include "platform/kube/exec.h"

#define MAX_BODY          (64u * 1024 * 1024)
#define EXEC_TIMEOUT_MS   60000u
#define EXEC_REFRESH_SKEW 10 /* seconds before expiry a credential is fetched again */

struct handle {
    CURL *h;
    struct handle *next;
};

struct sc_kube_client {
    struct sc_kube_config *cfg;
    struct sc_kube_client_opts o;
    char *base;                 /* URL prefix requests go to (tls-server-name as host) */
    struct curl_slist *conn_to; /* tls-server-name: connect to the real host */
    pthread_mutex_t mu;         /* pool, credential, seed */
    struct handle *pool;
    struct sc_kube_cred cred; /* from the exec plugin */
    bool have_cred;
    unsigned seed;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT; /* written once, under curl_once */

static void curl_init_once(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

const struct sc_kube_config *sc_kube_client_config(const struct sc_kube_client *c)
{
    return c->cfg;
}

void sc_kube_resp_release(struct sc_kube_resp *r)
{
    free(r->body);
    memset(r, 0, sizeof(*r));
}

char *sc_kube_query_escape(const char *s, char *buf, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (; *s && n + 4 < len; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            buf[n++] = (char)ch;
        } else {
            buf[n++] = '%';
            buf[n++] = hex[ch >> 4];
            buf[n++] = hex[ch & 15];
        }
    }
    buf[n] = '\0';
    return buf;
}

/* Split "scheme://host[:port][/prefix]" for tls-server-name. */
static int setup_server_name(struct sc_kube_client *c, struct sc_err *err)
{
    const char *s = c->cfg->server, *hs, *he, *ps;
    char host[256], port[16] = "443", buf[1024];
    bool https = strncmp(s, "https://", 8) == 0;

    hs = s + (https ? 8 : 7);
    if (!https)
        strcpy(port, "80");
    if (*hs == '[') {
        he = strchr(hs, ']');
        if (he == NULL)
            return sc_err_set(err, SC_EINVAL, "%s: server '%s' is not a URL", c->cfg->origin, s);
        he++;
    } else {
        he = hs + strcspn(hs, ":/");
    }
    if ((size_t)(he - hs) >= sizeof(host))
        return sc_err_set(err, SC_EINVAL, "%s: server host name too long", c->cfg->origin);
    memcpy(host, hs, (size_t)(he - hs));
    host[he - hs] = '\0';
    ps = he;
    if (*ps == ':') {
        size_t n = strcspn(ps + 1, "/");
        if (n == 0 || n >= sizeof(port))
            return sc_err_set(err, SC_EINVAL, "%s: server '%s' has a bad port", c->cfg->origin, s);
        memcpy(port, ps + 1, n);
        port[n] = '\0';
        ps += 1 + n;
    }
    if (c->cfg->tls_server_name == NULL) {
        c->base = sc_xstrdup(s);
    } else {
        /* The URL names tls-server-name (SNI and certificate check), CONNECT_TO the real
         * address: what client-go's ServerName does. */
        snprintf(buf, sizeof(buf), "%s://%s:%s%s", https ? "https" : "http",
                 c->cfg->tls_server_name, port, ps);
        c->base = sc_xstrdup(buf);
        snprintf(buf, sizeof(buf), "%s:%s:%s:%s", c->cfg->tls_server_name, port, host, port);
        if (!sc_curl_header(&c->conn_to, buf))
            return sc_err_set(err, SC_ENOMEM, "%s: out of memory for tls-server-name",
                              c->cfg->origin);
    }
    {
        size_t n = strlen(c->base);
        while (n > 0 && c->base[n - 1] == '/')
            c->base[--n] = '\0';
    }
    return 0;
}

int sc_kube_client_new(struct sc_kube_config *cfg, const struct sc_kube_client_opts *o,
                       struct sc_kube_client **out, struct sc_err *err)
{
    struct sc_kube_client *c;
    int rc;

    *out = NULL;
    SC_ASSERT_OK(pthread_once(&curl_once, curl_init_once));
    if (curl_init_rc != CURLE_OK) {
        sc_kube_config_free(cfg);
        return sc_err_set(err, SC_ESYS, "cannot initialise libcurl: %s",
                          curl_easy_strerror(curl_init_rc));
    }
    c = sc_xcalloc(1, sizeof(*c));
    c->cfg = cfg;
    if (o != NULL)
        c->o = *o;
    if (c->o.max_attempts == 0)
        c->o.max_attempts = 5;
    if (c->o.backoff_base_ms == 0)
        c->o.backoff_base_ms = 200;
    if (c->o.backoff_max_ms == 0)
        c->o.backoff_max_ms = 5000;
    if (c->o.retry_after_max_s == 0)
        c->o.retry_after_max_s = 30;
    if (c->o.timeout_ms == 0)
        c->o.timeout_ms = 30000;
    c->seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    rc = setup_server_name(c, err);
    if (rc != 0)
        goto fail;
    rc = pthread_mutex_init(&c->mu, NULL);
    if (rc != 0) {
        rc = sc_err_set(err, SC_ESYS, "cannot create the client's lock: %s", strerror(rc));
        goto fail;
    }
    *out = c;
    return 0;
fail:
    curl_slist_free_all(c->conn_to);
    free(c->base);
    sc_kube_config_free(cfg);
    free(c);
    return rc;
}

void sc_kube_client_free(struct sc_kube_client *c)
{
    if (c == NULL)
        return;
    while (c->pool) {
        struct handle *h = c->pool;
        c->pool = h->next;
        curl_easy_cleanup(h->h);
        free(h);
    }
    sc_kube_cred_release(&c->cred);
    curl_slist_free_all(c->conn_to);
    free(c->base);
    sc_kube_config_free(c->cfg);
    SC_ASSERT_OK(pthread_mutex_destroy(&c->mu));
    free(c);
}

/* A pooled handle, or a new one into *out; fails when libcurl cannot make one (memory). */
static int take_handle(struct sc_kube_client *c, struct handle **out, struct sc_err *err)
{
    struct handle *h;
    SC_ASSERT_OK(pthread_mutex_lock(&c->mu));
    h = c->pool;
    if (h)
        c->pool = h->next;
    SC_ASSERT_OK(pthread_mutex_unlock(&c->mu));
    if (h == NULL) {
        h = sc_xcalloc(1, sizeof(*h));
        h->h = curl_easy_init();
        if (h->h == NULL) {
            free(h);
            *out = NULL;
            return sc_err_set(err, SC_ENOMEM, "cannot create a libcurl handle");
        }
    }
    *out = h;
    return 0;
}

static void give_handle(struct sc_kube_client *c, struct handle *h)
{
    SC_ASSERT_OK(pthread_mutex_lock(&c->mu));
    h->next = c->pool;
    c->pool = h;
    SC_ASSERT_OK(pthread_mutex_unlock(&c->mu));
}

/* What one request authenticates with; strings are copies, wiped on release. */
struct auth {
    char *bearer;
    char *cert_pem, *key_pem;
};

static void auth_release(struct auth *a)
{
    if (a->bearer)
        memset(a->bearer, 0, strlen(a->bearer));
    if (a->key_pem)
        memset(a->key_pem, 0, strlen(a->key_pem));
    free(a->bearer);
    free(a->cert_pem);
    free(a->key_pem);
    memset(a, 0, sizeof(*a));
}

static int get_auth(struct sc_kube_client *c, bool force_refresh, struct auth *a,
                    struct sc_err *err)
{
    const struct sc_kube_config *cfg = c->cfg;
    memset(a, 0, sizeof(*a));
    if (cfg->cert_pem) {
        a->cert_pem = sc_xstrdup(cfg->cert_pem);
        a->key_pem = sc_xstrdup(cfg->key_pem);
    }
    if (cfg->token != NULL && cfg->token[0] != '\0') {
        a->bearer = sc_xstrdup(cfg->token);
    } else if (cfg->token_file != NULL) {
        char *t = NULL;
        size_t len = 0;
        if (sc_file_read(cfg->token_file, SC_KUBE_MAX_FILE, &t, &len, err) != 0) {
            auth_release(a);
            return sc_err_prefix(err, "%s: tokenFile", cfg->origin);
        }
        while (len > 0 && (t[len - 1] == '\n' || t[len - 1] == '\r' || t[len - 1] == ' '))
            t[--len] = '\0';
        a->bearer = t;
    }
    if (cfg->exec != NULL) {
        int rc = 0;
        SC_ASSERT_OK(pthread_mutex_lock(&c->mu));
        if (!c->have_cred || force_refresh ||
            (c->cred.expiry != 0 && time(NULL) + EXEC_REFRESH_SKEW >= c->cred.expiry)) {
            struct sc_kube_cred fresh;
            memset(&fresh, 0, sizeof(fresh));
            rc =
                sc_kube_exec_run(cfg->exec, cfg->server, cfg->ca_pem, EXEC_TIMEOUT_MS, &fresh, err);
            if (rc == 0) {
                sc_kube_cred_release(&c->cred);
                c->cred = fresh;
                c->have_cred = true;
                sc_log_debug("kube", "exec credential refreshed (expires %lld)",
                             (long long)fresh.expiry);
            }
        }
        if (rc == 0) {
            if (c->cred.token) {
                free(a->bearer);
                a->bearer = sc_xstrdup(c->cred.token);
            }
            if (c->cred.cert_pem) {
                free(a->cert_pem);
                free(a->key_pem);
                a->cert_pem = sc_xstrdup(c->cred.cert_pem);
                a->key_pem = sc_xstrdup(c->cred.key_pem);
            }
        }
        SC_ASSERT_OK(pthread_mutex_unlock(&c->mu));
        if (rc != 0) {
            auth_release(a);
            return sc_err_prefix(err, "%s", cfg->origin);
        }
    }
    return 0;
}

struct sink {
    char *p;
    size_t n, cap;
    bool too_big;
    bool first_line; /* a watch: stop once the first event (a whole line) is in */
    bool line_done;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct sink *b = ud;
    size_t len = size * nmemb;
    if (b->n + len > MAX_BODY) {
        b->too_big = true;
        return 0;
    }
    if (b->n + len + 1 > b->cap) {
        b->cap = (b->n + len + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (b->p == NULL)
            abort();
    }
    memcpy(b->p + b->n, ptr, len);
    b->n += len;
    b->p[b->n] = '\0';
    if (b->first_line && memchr(ptr, '\n', len) != NULL) {
        b->line_done = true;
        return 0; /* CURLE_WRITE_ERROR: the caller has what it waited for */
    }
    return len;
}

static bool is_idempotent(const char *method, const char *content_type)
{
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 || strcmp(method, "PUT") == 0 ||
        strcmp(method, "DELETE") == 0)
        return true;
    /* Server-side apply states the whole intent: sending it twice changes nothing. */
    return strcmp(method, "PATCH") == 0 && content_type != NULL &&
           strcmp(content_type, "application/apply-patch+yaml") == 0;
}

/* Full jitter: uniform in [0, min(max, base * 2^attempt)). */
static unsigned backoff_ms(struct sc_kube_client *c, unsigned attempt)
{
    unsigned long cap = c->o.backoff_base_ms;
    unsigned r;
    for (unsigned i = 1; i < attempt && cap < c->o.backoff_max_ms; i++)
        cap *= 2;
    if (cap > c->o.backoff_max_ms)
        cap = c->o.backoff_max_ms;
    SC_ASSERT_OK(pthread_mutex_lock(&c->mu));
    r = (unsigned)rand_r(&c->seed);
    SC_ASSERT_OK(pthread_mutex_unlock(&c->mu));
    return cap ? (unsigned)(r % cap) : 0;
}

static int setup(struct sc_kube_client *c, CURL *h, const char *method, const char *url,
                 const struct curl_slist *hdr, const char *body, unsigned timeout_ms,
                 const struct auth *a, struct sink *sink, struct sc_err *err)
{
    const struct sc_kube_config *cfg = c->cfg;
    struct sc_curl_opts o = {CURLE_OK, NULL};
    curl_easy_reset(h);
    SC_CURL_SET(&o, h, CURLOPT_URL, url);
    SC_CURL_SET(&o, h, CURLOPT_NOSIGNAL, 1L);
    SC_CURL_SET(&o, h, CURLOPT_USERAGENT, "smi-conformance/" SC_VERSION);
    SC_CURL_SET(&o, h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    SC_CURL_SET(&o, h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    SC_CURL_SET(&o, h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    SC_CURL_SET(&o, h, CURLOPT_WRITEFUNCTION, on_data);
    SC_CURL_SET(&o, h, CURLOPT_WRITEDATA, sink);
    SC_CURL_SET(&o, h, CURLOPT_HTTPHEADER, hdr);
    SC_CURL_SET(&o, h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (strcmp(method, "GET") != 0)
        SC_CURL_SET(&o, h, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        SC_CURL_SET(&o, h, CURLOPT_NOBODY, 1L);
    if (body != NULL) {
        SC_CURL_SET(&o, h, CURLOPT_POSTFIELDS, body);
        SC_CURL_SET(&o, h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    if (c->conn_to)
        SC_CURL_SET(&o, h, CURLOPT_CONNECT_TO, c->conn_to);
    if (cfg->proxy_url)
        SC_CURL_SET(&o, h, CURLOPT_PROXY, cfg->proxy_url);
    if (cfg->insecure) {
        SC_CURL_SET(&o, h, CURLOPT_SSL_VERIFYPEER, 0L);
        SC_CURL_SET(&o, h, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (cfg->ca_pem) {
        struct curl_blob b = {cfg->ca_pem, strlen(cfg->ca_pem), CURL_BLOB_COPY};
        SC_CURL_SET(&o, h, CURLOPT_CAINFO_BLOB, &b);
    }
    if (a->cert_pem) {
        struct curl_blob cb = {a->cert_pem, strlen(a->cert_pem), CURL_BLOB_COPY};
        struct curl_blob kb = {a->key_pem, strlen(a->key_pem), CURL_BLOB_COPY};
        SC_CURL_SET(&o, h, CURLOPT_SSLCERT_BLOB, &cb);
        SC_CURL_SET(&o, h, CURLOPT_SSLCERTTYPE, "PEM");
        SC_CURL_SET(&o, h, CURLOPT_SSLKEY_BLOB, &kb);
        SC_CURL_SET(&o, h, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (a->bearer == NULL && cfg->username != NULL) {
        SC_CURL_SET(&o, h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        SC_CURL_SET(&o, h, CURLOPT_USERNAME, cfg->username);
        SC_CURL_SET(&o, h, CURLOPT_PASSWORD, cfg->password ? cfg->password : "");
    }
    return sc_curl_opts_result(&o, err);
}

/* The header list holds the token: wipe it before it goes back to the heap. */
static void drop_headers(struct curl_slist *hdr)
{
    for (struct curl_slist *s = hdr; s; s = s->next)
        memset(s->data, 0, strlen(s->data));
    curl_slist_free_all(hdr);
}

/* One request's headers into *out (the caller's, drop_headers). */
static int build_headers(const char *body, const char *content_type, const struct auth *a,
                         struct curl_slist **out, struct sc_err *err)
{
    struct curl_slist *hdr = NULL;
    bool ok = sc_curl_header(&hdr, "Accept: application/json") && sc_curl_header(&hdr, "Expect:");

    *out = NULL;
    if (ok && body != NULL) {
        char ctype[128];
        snprintf(ctype, sizeof(ctype), "Content-Type: %s",
                 content_type ? content_type : "application/json");
        ok = sc_curl_header(&hdr, ctype);
    }
    if (ok && a->bearer != NULL) {
        size_t n = strlen(a->bearer) + 32;
        char *authz = sc_xcalloc(1, n);
        snprintf(authz, n, "Authorization: Bearer %s", a->bearer);
        ok = sc_curl_header(&hdr, authz);
        memset(authz, 0, n);
        free(authz);
    }
    if (!ok) {
        drop_headers(hdr);
        return sc_err_set(err, SC_ENOMEM, "out of memory for the request's headers");
    }
    *out = hdr;
    return 0;
}

/* What one attempt got: libcurl's result and, when an answer came, its status and body. */
struct attempt {
    CURLcode cc;
    long status;
    curl_off_t retry_after;
    struct sink sink; /* the body (ours, free) */
};

/* Send the request once. Fails only when it cannot be sent (no memory, an option libcurl
 * refuses) or its answer cannot be read; a network failure is at->cc. */
static int attempt_once(struct sc_kube_client *c, CURL *h, const char *method, const char *url,
                        const char *content_type, const char *body, unsigned timeout_ms,
                        const struct auth *a, struct attempt *at, struct sc_err *err)
{
    struct curl_slist *hdr = NULL;
    CURLcode ic = CURLE_OK;
    bool first_line = at->sink.first_line;
    int rc;

    memset(at, 0, sizeof(*at));
    at->sink.first_line = first_line;
    rc = build_headers(body, content_type, a, &hdr, err);
    if (rc != 0)
        return rc;
    rc = setup(c, h, method, url, hdr, body, timeout_ms, a, &at->sink, err);
    if (rc == 0)
        at->cc = curl_easy_perform(h);
    if (rc == 0 && at->cc == CURLE_WRITE_ERROR && at->sink.line_done)
        at->cc = CURLE_OK;
    if (rc == 0 && at->cc == CURLE_OK) {
        ic = curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &at->status);
        if (ic == CURLE_OK)
            ic = curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &at->retry_after);
    }
    drop_headers(hdr);
    if (ic != CURLE_OK)
        rc = sc_err_set(err, SC_ESYS, "%s %s: cannot read the answer's status: %s", method, url,
                        curl_easy_strerror(ic));
    if (rc != 0) {
        free(at->sink.p);
        at->sink.p = NULL;
    }
    return rc;
}

/* After an attempt: 1 to try again after *delay ms, 0 when resp holds the answer (which then
 * owns the body), or an error. */
static int next_step(struct sc_kube_client *c, const char *method, const char *path, bool idem,
                     unsigned attempt, struct attempt *at, struct sc_kube_resp *resp,
                     unsigned *delay, struct sc_err *err)
{
    bool again;
    if (at->cc == CURLE_OK) {
        long status = at->status;
        again = status == 429 ||
                (idem && (status == 500 || status == 502 || status == 503 || status == 504));
        if (!again || attempt >= c->o.max_attempts) {
            resp->status = status;
            resp->body = at->sink.p ? at->sink.p : sc_xstrdup("");
            resp->len = at->sink.n;
            sc_log_debug("kube", "%s %s: %ld (attempt %u)", method, path, status, attempt);
            return 0;
        }
        free(at->sink.p);
        if (at->retry_after > 0)
            *delay = (unsigned)(at->retry_after > (curl_off_t)c->o.retry_after_max_s
                                    ? c->o.retry_after_max_s
                                    : at->retry_after) *
                     1000u;
        else
            *delay = backoff_ms(c, attempt);
        sc_log_debug("kube", "%s %s: %ld, retrying in %ums", method, path, status, *delay);
        return 1;
    }
    /* Nothing reached the server when the connection was refused. */
    again = idem || at->cc == CURLE_COULDNT_CONNECT || at->cc == CURLE_COULDNT_RESOLVE_HOST;
    free(at->sink.p);
    if (at->sink.too_big)
        return sc_err_set(err, SC_EPROTO, "%s %s: the answer is larger than %u bytes", method, path,
                          MAX_BODY);
    if (!again || attempt >= c->o.max_attempts)
        return sc_err_set(err, at->cc == CURLE_OPERATION_TIMEDOUT ? SC_ETIMEOUT : SC_ECONNECT,
                          "%s %s%s: %s (after %u attempts)", method, c->base, path,
                          curl_easy_strerror(at->cc), attempt);
    *delay = backoff_ms(c, attempt);
    sc_log_debug("kube", "%s %s: %s, retrying in %ums", method, path, curl_easy_strerror(at->cc),
                 *delay);
    return 1;
}

static int do_request(struct sc_kube_client *c, const char *method, const char *path,
                      const char *content_type, const char *body, unsigned timeout_ms,
                      bool first_line, struct sc_kube_resp *resp, struct sc_err *err)
{
    bool idem = is_idempotent(method, content_type), refreshed = false;
    struct handle *hd;
    struct auth a;
    char *url;
    int rc;

    memset(resp, 0, sizeof(*resp));
    if (timeout_ms == 0)
        timeout_ms = c->o.timeout_ms;
    rc = get_auth(c, false, &a, err);
    if (rc != 0)
        return rc;
    rc = take_handle(c, &hd, err);
    if (rc != 0) {
        auth_release(&a);
        return rc;
    }
    url = sc_xcalloc(1, strlen(c->base) + strlen(path) + 1);
    strcpy(url, c->base);
    strcat(url, path);
    for (unsigned attempt = 1;; attempt++) {
        struct attempt at;
        unsigned delay = 0;

        at.sink.first_line = first_line;
        rc = attempt_once(c, hd->h, method, url, content_type, body, timeout_ms, &a, &at, err);
        if (rc != 0)
            break;
        resp->attempts = attempt;
        if (at.cc == CURLE_OK && at.status == 401 && c->cfg->exec != NULL && !refreshed) {
            /* client-go: a rejected exec credential is fetched again once. */
            refreshed = true;
            free(at.sink.p);
            auth_release(&a);
            rc = get_auth(c, true, &a, err);
            if (rc != 0)
                break;
            continue;
        }
        rc = next_step(c, method, path, idem, attempt, &at, resp, &delay, err);
        if (rc <= 0)
            break;
        sc_sleep_ms(delay);
    }
    give_handle(c, hd);
    auth_release(&a);
    free(url);
    return rc;
}

int sc_kube_do(struct sc_kube_client *c, const char *method, const char *path,
               const char *content_type, const char *body, unsigned timeout_ms,
               struct sc_kube_resp *resp, struct sc_err *err)
{
    return do_request(c, method, path, content_type, body, timeout_ms, false, resp, err);
}

int sc_kube_watch_first(struct sc_kube_client *c, const char *path, unsigned timeout_ms,
                        struct sc_kube_resp *resp, struct sc_err *err)
{
    return do_request(c, "GET", path, NULL, NULL, timeout_ms, true, resp, err);
}

/* "AlreadyExists" -> "already exists". */
static void reason_words(const char *reason, char *out, size_t len)
{
    size_t n = 0;
    for (const char *p = reason; *p && n + 2 < len; p++) {
        if (isupper((unsigned char)*p) && p != reason)
            out[n++] = ' ';
        out[n++] = (char)tolower((unsigned char)*p);
    }
    out[n] = '\0';
}

static int code_for(long status)
{
    switch (status) {
    case 404:
        return SC_ENOTFOUND;
    case 409:
        return SC_EBUSY;
    case 400:
    case 401:
    case 403:
    case 422:
        return SC_EINVAL;
    default:
        return status >= 500 || status == 429 ? SC_EIO : SC_EPROTO;
    }
}

int sc_kube_status_error(const char *method, const char *path, long status, const char *body,
                         struct sc_err *err)
{
    cJSON *j = cJSON_Parse(body ? body : "");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(j, "kind");
    int code = code_for(status);

    if (cJSON_IsString(kind) && strcmp(kind->valuestring, "Status") == 0) {
        const cJSON *reason = cJSON_GetObjectItemCaseSensitive(j, "reason");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "message");
        char words[64];
        if (cJSON_IsString(reason) && reason->valuestring[0])
            reason_words(reason->valuestring, words, sizeof(words));
        else
            snprintf(words, sizeof(words), "HTTP %ld", status);
        const char *m = cJSON_IsString(msg) ? msg->valuestring : "(no message)";
        size_t ml = strlen(m);
        /* A server-side apply that creates is authorised as create after patch (kube-apiserver
         * endpoints/handlers/patch.go), and RBAC's refusal of it gives no reason. */
        bool apply_create = status == 403 && strcmp(method, "PATCH") == 0 && ml >= 14 &&
                            strcmp(m + ml - 14, "is forbidden: ") == 0;
        sc_err_set(err, code, "%s: %s%s", words, m,
                   apply_create ? "(a server-side apply that creates its object needs the "
                                  "\"create\" verb as well as \"patch\")"
                                : "");
    } else {
        char shown[201];
        size_t n = 0;
        for (const char *p = body ? body : ""; *p && n < sizeof(shown) - 1; p++)
            shown[n++] = (*p == '\n' || *p == '\r') ? ' ' : *p;
        shown[n] = '\0';
        sc_err_set(err, code, "%s %s: HTTP %ld%s%s", method, path, status, n ? ": " : "", shown);
    }
    cJSON_Delete(j);
    return code;
}

int sc_kube_call(struct sc_kube_client *c, const char *method, const char *path,
                 const char *content_type, const char *body, char **out, long *status,
                 struct sc_err *err)
{
    struct sc_kube_resp r;
    int rc;

    if (out)
        *out = NULL;
    if (status)
        *status = 0;
    rc = sc_kube_do(c, method, path, content_type, body, 0, &r, err);
    if (rc != 0)
        return rc;
    if (status)
        *status = r.status;
    if (r.status < 200 || r.status >= 300) {
        rc = sc_kube_status_error(method, path, r.status, r.body, err);
        sc_kube_resp_release(&r);
        return rc;
    }
    if (out) {
        *out = r.body;
        r.body = NULL;
    }
    sc_kube_resp_release(&r);
    return 0;
}

static void redact_one(char *text, const char *secret)
{
    static const char mark[] = "[redacted]";
    size_t sl;
    char *p;
    if (secret == NULL)
        return;
    sl = strlen(secret);
    if (sl < sizeof(mark) - 1)
        return; /* too short to be a real secret, and the text must not grow */
    while ((p = strstr(text, secret)) != NULL) {
        memcpy(p, mark, sizeof(mark) - 1);
        memmove(p + sizeof(mark) - 1, p + sl, strlen(p + sl) + 1);
    }
}

/* Every base64 line of a PEM block, so a partial leak is caught too. */
static void redact_pem(char *text, const char *pem)
{
    char line[128];
    if (pem == NULL)
        return;
    for (const char *p = pem; *p;) {
        size_t n = strcspn(p, "\n");
        if (n >= 16 && n < sizeof(line) && strncmp(p, "-----", 5) != 0) {
            memcpy(line, p, n);
            line[n] = '\0';
            if (line[n - 1] == '\r')
                line[n - 1] = '\0';
            redact_one(text, line);
        }
        p += n;
        if (*p == '\n')
            p++;
    }
}

void sc_kube_redact(struct sc_kube_client *c, char *text)
{
    if (text == NULL)
        return;
    redact_one(text, c->cfg->token);
    redact_one(text, c->cfg->password);
    redact_pem(text, c->cfg->key_pem);
    if (c->cfg->token_file) {
        char *t = NULL;
        size_t len = 0;
        if (sc_file_read(c->cfg->token_file, SC_KUBE_MAX_FILE, &t, &len, NULL) == 0) {
            while (len > 0 && (t[len - 1] == '\n' || t[len - 1] == ' '))
                t[--len] = '\0';
            redact_one(text, t);
            memset(t, 0, len);
        }
        free(t);
    }
    SC_ASSERT_OK(pthread_mutex_lock(&c->mu));
    redact_one(text, c->cred.token);
    redact_pem(text, c->cred.key_pem);
    SC_ASSERT_OK(pthread_mutex_unlock(&c->mu));
}

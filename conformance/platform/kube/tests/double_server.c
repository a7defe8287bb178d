/* double_server.c - the double's HTTPS server: listener, one thread per connection, HTTP/1.1. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"

#include "double_state.h"

#define MAX_HEAD (64 * 1024)
#define MAX_REQ  (8 * 1024 * 1024)

struct conn_arg {
    struct sc_kube_double *d;
    int fd, slot;
};

static const char *reason_phrase(int s)
{
    switch (s) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 409:
        return "Conflict";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

/* The request line and the headers the double looks at, from a NUL-terminated head. */
static bool parse_head(char *buf, struct dbl_req *q, size_t *need)
{
    char *line, *save = NULL, target[4096], *qm;
    int n;

    *need = 0;
    line = strtok_r(buf, "\r\n", &save);
    if (line == NULL || sscanf(line, "%15s %4095s", q->method, target) != 2)
        return false;
    qm = strchr(target, '?');
    if (qm) {
        *qm = '\0';
        snprintf(q->query, sizeof(q->query), "%s", qm + 1);
    }
    n = snprintf(q->path, sizeof(q->path), "%s", target);
    if (n < 0 || (size_t)n >= sizeof(q->path))
        return false; /* longer than any path the double serves */
    while ((line = strtok_r(NULL, "\r\n", &save)) != NULL) {
        char *colon = strchr(line, ':'), *v;
        if (colon == NULL)
            continue;
        *colon = '\0';
        v = colon + 1;
        while (*v == ' ')
            v++;
        if (strcasecmp(line, "content-length") == 0)
            *need = strtoul(v, NULL, 10);
        else if (strcasecmp(line, "authorization") == 0)
            snprintf(q->auth, sizeof(q->auth), "%s", v);
        else if (strcasecmp(line, "content-type") == 0)
            snprintf(q->ctype, sizeof(q->ctype), "%s", v);
        else if (strcasecmp(line, "user-agent") == 0)
            snprintf(q->ua, sizeof(q->ua), "%s", v);
        else if (strcasecmp(line, "connection") == 0 && strcasecmp(v, "close") == 0)
            q->close = true;
    }
    return true;
}

/* One request from ssl; buf holds *have bytes read ahead (a pipelined request is kept). */
static bool read_request(SSL *ssl, char *buf, size_t *have, struct dbl_req *q)
{
    char *end = NULL;
    size_t head, need = 0;

    memset(q, 0, sizeof(*q));
    while ((end = memmem(buf, *have, "\r\n\r\n", 4)) == NULL) {
        int n;
        if (*have >= MAX_HEAD)
            return false;
        n = SSL_read(ssl, buf + *have, (int)(MAX_HEAD - *have));
        if (n <= 0)
            return false;
        *have += (size_t)n;
    }
    head = (size_t)(end - buf) + 4;
    *end = '\0';
    if (!parse_head(buf, q, &need) || need > MAX_REQ)
        return false;
    q->body = NULL;
    if (need > 0 || strcmp(q->method, "POST") == 0 || strcmp(q->method, "PATCH") == 0) {
        size_t got = *have - head;
        q->body = malloc(need + 1);
        if (q->body == NULL)
            abort();
        memcpy(q->body, buf + head, got < need ? got : need);
        while (got < need) {
            int n = SSL_read(ssl, q->body + got, (int)(need - got));
            if (n <= 0) {
                free(q->body);
                q->body = NULL;
                return false;
            }
            got += (size_t)n;
        }
        q->body[need] = '\0';
        q->blen = need;
        /* Keep what follows (a pipelined request) for the next round. */
        if (*have - head > need) {
            memmove(buf, buf + head + need, *have - head - need);
            *have = *have - head - need;
        } else {
            *have = 0;
        }
    } else {
        memmove(buf, buf + head, *have - head);
        *have -= head;
    }
    return true;
}

/* Write r (not a watch); false when the connection must close. */
static bool send_answer(SSL *ssl, const struct dbl_resp *r)
{
    char head[512];
    size_t blen = r->body ? strlen(r->body) : 0;
    int hl = snprintf(head, sizeof(head),
                      "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                      "Audit-Id: double\r\n",
                      r->status, reason_phrase(r->status), r->ctype, blen);
    if (r->retry_after > 0)
        hl += snprintf(head + hl, sizeof(head) - (size_t)hl, "Retry-After: %d\r\n", r->retry_after);
    hl += snprintf(head + hl, sizeof(head) - (size_t)hl, "\r\n");
    if (r->drop_midway) {
        /* The head and half the body, then the connection is gone (whatever got through). */
        if (SSL_write(ssl, head, hl) > 0 && blen > 1 && SSL_write(ssl, r->body, (int)blen / 2) <= 0)
            ERR_clear_error();
        return false;
    }
    return SSL_write(ssl, head, hl) > 0 && (blen == 0 || SSL_write(ssl, r->body, (int)blen) > 0);
}

/* Requests on one connection until it closes; false when it must. */
static bool serve_one(struct sc_kube_double *d, SSL *ssl, char *buf, size_t *have)
{
    struct dbl_req q;
    struct dbl_resp r;
    bool keep;

    memset(&r, 0, sizeof(r));
    r.ctype = "application/json";
    if (!read_request(ssl, buf, have, &q))
        return false;
    sc_dbl_dispatch(d, ssl, &q, &r);
    free(q.body);
    if (r.hook_fn != NULL)
        r.hook_fn(r.hook_arg);
    if (r.drop) {
        free(r.body);
        return false;
    }
    if (r.stall_ms > 0)
        sc_sleep_ms(r.stall_ms);
    if (r.watch[0])
        keep = sc_dbl_watch_stream(d, ssl, &r);
    else
        keep = send_answer(ssl, &r);
    free(r.body);
    return keep && !q.close;
}

static void *conn_main(void *arg)
{
    struct conn_arg *a = arg;
    struct sc_kube_double *d = a->d;
    SSL *ssl = SSL_new(d->ctx);
    char *buf = malloc(MAX_HEAD + 1);
    size_t have = 0;

    if (buf == NULL)
        abort();
    /* Without a TLS object (out of memory) the client sees the connection closed. */
    if (ssl != NULL && SSL_set_fd(ssl, a->fd) == 1 && SSL_accept(ssl) == 1) {
        while (serve_one(d, ssl, buf, &have))
            ;
    }
    /* A peer that is gone cannot take a close_notify: that failure is expected. */
    if (ssl != NULL && SSL_shutdown(ssl) < 0)
        ERR_clear_error();
    ERR_clear_error();
    SSL_free(ssl);
    free(buf);
    /* This thread's OpenSSL state (its error queue) goes now, not from a thread-exit handler
     * after the double has said it is stopped: a process that exits in between would leave
     * it to LeakSanitizer as a leak. */
    OPENSSL_thread_stop();
    SC_ASSERT_OK(pthread_mutex_lock(&d->mu));
    close(a->fd);
    d->conns[a->slot] = -1;
    d->active--;
    SC_ASSERT_OK(pthread_cond_broadcast(&d->cv));
    SC_ASSERT_OK(pthread_mutex_unlock(&d->mu));
    free(a);
    return NULL;
}

/* Hand fd to a new connection thread; when none can start, the client sees it closed. */
static void start_conn(struct sc_kube_double *d, int fd, int slot)
{
    struct conn_arg *a = malloc(sizeof(*a));
    pthread_t t;
    int rc;

    if (a == NULL)
        abort();
    a->d = d;
    a->fd = fd;
    a->slot = slot;
    rc = pthread_create(&t, NULL, conn_main, a);
    if (rc != 0) {
        fprintf(stderr, "kube_api_double: cannot start a connection thread: %s\n", strerror(rc));
        SC_ASSERT_OK(pthread_mutex_lock(&d->mu));
        close(fd);
        d->conns[slot] = -1;
        d->active--;
        SC_ASSERT_OK(pthread_cond_broadcast(&d->cv));
        SC_ASSERT_OK(pthread_mutex_unlock(&d->mu));
        free(a);
        return;
    }
    SC_ASSERT_OK(pthread_detach(t));
}

static void *accept_main(void *arg)
{
    struct sc_kube_double *d = arg;
    for (;;) {
        /* CLOEXEC: the pods' processes must not hold clients' connections open. */
        int fd = accept4(d->lfd, NULL, NULL, SOCK_CLOEXEC), slot = -1;
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        SC_ASSERT_OK(pthread_mutex_lock(&d->mu));
        if (d->stopping) {
            SC_ASSERT_OK(pthread_mutex_unlock(&d->mu));
            close(fd);
            break;
        }
        for (int i = 0; i < SC_DBL_MAX_CONNS && slot < 0; i++)
            if (d->conns[i] < 0)
                slot = i;
        if (slot < 0) {
            SC_ASSERT_OK(pthread_mutex_unlock(&d->mu));
            close(fd);
            continue;
        }
        d->conns[slot] = fd;
        d->active++;
        d->accepted++;
        SC_ASSERT_OK(pthread_mutex_unlock(&d->mu));
        start_conn(d, fd, slot);
    }
    return NULL;
}

/* OpenSSL's reason for the last failure, after what we were doing. */
static int tls_err(struct sc_err *err, const char *what)
{
    char buf[256] = "no detail";
    unsigned long e = ERR_get_error();
    if (e != 0)
        ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    return sc_err_set(err, SC_EINVAL, "%s: %s", what, buf);
}

static int load_pem_into(SSL_CTX *ctx, const char *cert, const char *key, struct sc_err *err)
{
    BIO *b = BIO_new_mem_buf(cert, -1), *k = BIO_new_mem_buf(key, -1);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    EVP_PKEY *pk = k ? PEM_read_bio_PrivateKey(k, NULL, NULL, NULL) : NULL;
    bool ok =
        x && pk && SSL_CTX_use_certificate(ctx, x) == 1 && SSL_CTX_use_PrivateKey(ctx, pk) == 1;
    int rc = ok ? 0 : tls_err(err, "the server certificate or key cannot be used");
    X509_free(x);
    EVP_PKEY_free(pk);
    BIO_free_all(b);
    BIO_free_all(k);
    return rc;
}

/* Ask for client certificates and check them against ca_pem. */
static int trust_clients(SSL_CTX *ctx, const char *ca_pem, struct sc_err *err)
{
    BIO *b = BIO_new_mem_buf(ca_pem, -1);
    X509 *ca = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    bool ok = ca && X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca) == 1;
    X509_free(ca);
    BIO_free_all(b);
    if (!ok)
        return tls_err(err, "the client CA cannot be used");
    /* Like kube-apiserver: a client certificate is asked for, not required. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    /* Without it, a client resuming a session fails its handshake. */
    if (SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"kube-double", 11) != 1)
        return tls_err(err, "cannot set the session id context");
    return 0;
}

static int listen_loopback(struct sc_kube_double *d, struct sc_err *err)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);

    d->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (d->lfd < 0 || bind(d->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(d->lfd, 64) != 0 || getsockname(d->lfd, (struct sockaddr *)&sa, &sl) != 0) {
        int rc = sc_err_set(err, SC_ESYS, "cannot listen on 127.0.0.1: %s", strerror(errno));
        if (d->lfd >= 0)
            close(d->lfd);
        d->lfd = -1;
        return rc;
    }
    d->port = ntohs(sa.sin_port);
    return 0;
}

int sc_dbl_serve(struct sc_kube_double *d, const struct sc_kube_double_opts *o, struct sc_err *err)
{
    int rc;

    d->ctx = SSL_CTX_new(TLS_server_method());
    if (d->ctx == NULL)
        return tls_err(err, "cannot create a TLS context");
    rc = load_pem_into(d->ctx, o->server_cert_pem, o->server_key_pem, err);
    if (rc == 0 && o->client_ca_pem)
        rc = trust_clients(d->ctx, o->client_ca_pem, err);
    if (rc == 0)
        rc = listen_loopback(d, err);
    if (rc != 0)
        goto out_ctx;
    rc = pthread_create(&d->acceptor, NULL, accept_main, d);
    if (rc != 0) {
        rc = sc_err_set(err, SC_ESYS, "cannot start the accepting thread: %s", strerror(rc));
        close(d->lfd);
        goto out_ctx;
    }
    return 0;
out_ctx:
    SSL_CTX_free(d->ctx);
    d->ctx = NULL;
    return rc;
}

void sc_dbl_unserve(struct sc_kube_double *d)
{
    SC_ASSERT_OK(pthread_mutex_lock(&d->mu));
    d->stopping = true;
    SC_ASSERT_OK(pthread_cond_broadcast(&d->cv)); /* watches end now, not at their timeout */
    for (int i = 0; i < SC_DBL_MAX_CONNS; i++)
        if (d->conns[i] >= 0)
            shutdown(d->conns[i], SHUT_RDWR);
    SC_ASSERT_OK(pthread_mutex_unlock(&d->mu));
    shutdown(d->lfd, SHUT_RDWR);
    close(d->lfd);
    SC_ASSERT_OK(pthread_join(d->acceptor, NULL));
    SC_ASSERT_OK(pthread_mutex_lock(&d->mu));
    while (d->active > 0)
        SC_ASSERT_OK(pthread_cond_wait(&d->cv, &d->mu));
    SC_ASSERT_OK(pthread_mutex_unlock(&d->mu));
    SSL_CTX_free(d->ctx);
}

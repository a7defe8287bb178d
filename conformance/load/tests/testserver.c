/* testserver.c - scriptable HTTP/1.1 test server: one thread per connection, blocking I/O. */
#include "testserver.h"

#include "h2server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 1024

struct tconn {
    struct sc_testserver *s;
    int fd;
    SSL *ssl;
    pthread_t tid;
    bool used;
    bool reset; /* close with RST: no shutdown first */
};

struct sc_testserver {
    char mode[32];
    char identity[64];
    int lfd;
    int port;
    SSL_CTX *ctx;
    pthread_t accept_tid;
    atomic_bool stopping;
    atomic_uint_fast64_t requests, responses, connections, alt[2], alt_next;
    atomic_uint_fast64_t first_ns; /* stall-once: monotonic time of the first request */
    pthread_mutex_t mu;
    char last_line[512];
    struct tconn conns[MAX_CONNS];
};

static ssize_t c_read(struct tconn *c, char *buf, size_t len)
{
    if (c->ssl) {
        int n = SSL_read(c->ssl, buf, (int)len);
        return n > 0 ? n : -1;
    }
    for (;;) {
        ssize_t n = read(c->fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        return n;
    }
}

static int c_write(struct tconn *c, const char *buf, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n;
        if (c->ssl)
            n = SSL_write(c->ssl, buf + off, (int)(len - off));
        else
            n = send(c->fd, buf + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR && !c->ssl)
            continue;
        if (n <= 0)
            return -1;
        off += (size_t)n;
    }
    return 0;
}

static int c_write_str(struct tconn *c, const char *s)
{
    return c_write(c, s, strlen(s));
}

static bool is_mode(const struct sc_testserver *s, const char *m)
{
    return strcmp(s->mode, m) == 0;
}

static int respond_ok(struct tconn *c, int status, const char *identity, bool close_conn)
{
    char out[512];
    int n = snprintf(out, sizeof(out),
                     "HTTP/1.1 %d Test\r\nContent-Type: text/plain\r\nx-smi-pod: %s\r\n"
                     "Content-Length: 2\r\n%s\r\nok",
                     status, identity, close_conn ? "Connection: close\r\n" : "");
    return c_write(c, out, (size_t)n);
}

static void relay(int a, int b)
{
    char buf[16384];
    struct pollfd p[2] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};
    for (;;) {
        if (poll(p, 2, 200) < 0 && errno != EINTR)
            return;
        for (int i = 0; i < 2; i++) {
            if (p[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                ssize_t n = read(p[i].fd, buf, sizeof(buf));
                if (n <= 0)
                    return;
                if (send(p[1 - i].fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
                    return;
            }
        }
    }
}

static void stall_once(struct sc_testserver *s);

/* A 100 KB header block: more than any response parser accepts. */
static void respond_big_headers(struct tconn *c)
{
    size_t n = 100 * 1024;
    char *big = malloc(n + 128);
    int h = snprintf(big, 128, "HTTP/1.1 200 OK\r\nx-big: ");

    memset(big + h, 'a', n);
    memcpy(big + h + n, "\r\nContent-Length: 0\r\n\r\n", 23);
    c_write(c, big, (size_t)h + n + 23);
    free(big);
}

/* A 200 KB body: many reads, more than one receive buffer of the engine. */
static int respond_big_body(struct tconn *c, const char *identity)
{
    size_t n = 200 * 1024;
    char *big = malloc(n + 128);
    int h = snprintf(big, 128, "HTTP/1.1 200 OK\r\nx-smi-pod: %s\r\nContent-Length: %zu\r\n\r\n",
                     identity, n);
    int rc;

    memset(big + h, 'b', n);
    rc = c_write(c, big, (size_t)h + n);
    free(big);
    return rc;
}

/* Handle one request; returns false when the connection must end. */
static bool handle(struct tconn *c, const char *req, size_t hlen)
{
    struct sc_testserver *s = c->s;
    char line[512];
    const char *eol = memchr(req, '\r', hlen);
    size_t ll = eol ? (size_t)(eol - req) : 0;
    int status = 200;
    const char *identity = s->identity;

    if (ll >= sizeof(line))
        ll = sizeof(line) - 1;
    memcpy(line, req, ll);
    line[ll] = '\0';
    SC_ASSERT_OK(pthread_mutex_lock(&s->mu));
    memcpy(s->last_line, line, ll + 1);
    SC_ASSERT_OK(pthread_mutex_unlock(&s->mu));
    atomic_fetch_add(&s->requests, 1);
    {
        const char *p = strstr(line, "/status/");
        if (p != NULL)
            status = atoi(p + 8);
        if (status < 100 || status > 599)
            status = 200;
    }
    if (is_mode(s, "alternate")) {
        uint64_t k = atomic_fetch_add(&s->alt_next, 1) % 2;
        identity = k == 0 ? "pod-a" : "pod-b";
        atomic_fetch_add(&s->alt[k], 1);
    }
    if (is_mode(s, "stall-once"))
        stall_once(s);
    if (is_mode(s, "ok") || is_mode(s, "alternate") || is_mode(s, "tls") ||
        is_mode(s, "stall-once") || (is_mode(s, "proxy") && strncmp(line, "CONNECT ", 8) != 0)) {
        if (respond_ok(c, status, identity, false) != 0)
            return false;
    } else if (is_mode(s, "proxy")) {
        char host[256];
        int port = 0, ufd;
        struct sockaddr_in sa;
        if (sscanf(line, "CONNECT %255[^:]:%d", host, &port) != 2)
            return false;
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, host, &sa.sin_addr);
        ufd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(ufd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
            c_write_str(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
            close(ufd);
            return false;
        }
        c_write_str(c, "HTTP/1.1 200 Connection established\r\n\r\n");
        atomic_fetch_add(&s->responses, 1);
        relay(c->fd, ufd);
        close(ufd);
        return false;
    } else if (is_mode(s, "chunked")) {
        char out[512];
        int n = snprintf(out, sizeof(out),
                         "HTTP/1.1 %d Test\r\nx-smi-pod: %s\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "3\r\nabc\r\n5\r\nhello\r\n1\r\nz\r\n0\r\n\r\n",
                         status, identity);
        if (c_write(c, out, (size_t)n) != 0)
            return false;
    } else if (is_mode(s, "close")) {
        char out[256];
        int n =
            snprintf(out, sizeof(out), "HTTP/1.1 %d Test\r\nx-smi-pod: %s\r\n\r\nbody-until-close",
                     status, identity);
        c_write(c, out, (size_t)n);
        atomic_fetch_add(&s->responses, 1);
        return false;
    } else if (is_mode(s, "conn-close")) {
        respond_ok(c, status, identity, true);
        atomic_fetch_add(&s->responses, 1);
        return false;
    } else if (is_mode(s, "split")) {
        char out[256];
        int n = snprintf(out, sizeof(out),
                         "HTTP/1.1 %d Test\r\nx-smi-pod: %s\r\nContent-Length: 5\r\n\r\nhello",
                         status, identity);
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        for (int i = 0; i < n; i++)
            if (c_write(c, out + i, 1) != 0)
                return false;
    } else if (is_mode(s, "garbage")) {
        c_write_str(c, "SSH-2.0-nonsense\r\n\r\n");
        return false;
    } else if (is_mode(s, "truncated")) {
        c_write_str(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
        return false;
    } else if (is_mode(s, "reset")) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        c->reset = true;
        return false;
    } else if (is_mode(s, "stall")) {
        return true; /* read on, answer nothing */
    } else if (is_mode(s, "big-headers")) {
        respond_big_headers(c);
        return false;
    } else if (is_mode(s, "big-body")) {
        if (respond_big_body(c, identity) != 0)
            return false;
    } else if (is_mode(s, "bad-chunk")) {
        c_write_str(c,
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n");
        return false;
    } else if (is_mode(s, "two-cl")) {
        c_write_str(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 4\r\n\r\nokok");
        return false;
    }
    atomic_fetch_add(&s->responses, 1);
    return true;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Hold every response between 2 s and 3 s after the first request (benchmarks only). */
static void stall_once(struct sc_testserver *s)
{
    uint64_t now = mono_ns(), expected = 0, first, from, to;
    atomic_compare_exchange_strong(&s->first_ns, &expected, now);
    first = atomic_load(&s->first_ns);
    from = first + 2000000000ull;
    to = first + 3000000000ull;
    if (now >= from && now < to) {
        struct timespec ts = {.tv_sec = (time_t)((to - now) / 1000000000u),
                              .tv_nsec = (long)((to - now) % 1000000000u)};
        nanosleep(&ts, NULL);
    }
}

static size_t content_length(const char *req, size_t hlen)
{
    const char *p = req;
    while (p < req + hlen) {
        const char *eol = memmem(p, (size_t)(req + hlen - p), "\r\n", 2);
        if (eol == NULL)
            break;
        if (eol - p > 15 && strncasecmp(p, "Content-Length:", 15) == 0)
            return (size_t)strtoul(p + 15, NULL, 10);
        p = eol + 2;
    }
    return 0;
}

static void *conn_main(void *arg)
{
    struct tconn *c = arg;
    struct sc_testserver *s = c->s;
    char *buf = malloc(65536);
    size_t have = 0;

    if (buf == NULL)
        goto out;
    if (s->ctx != NULL) {
        c->ssl = SSL_new(s->ctx);
        if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1 || SSL_accept(c->ssl) != 1) {
            ERR_clear_error();
            goto out;
        }
    }
    if (sc_h2srv_is_mode(s->mode)) {
        struct sc_h2srv_ctx x = {s->mode,      s->identity,   &s->stopping,
                                 &s->requests, &s->responses, &s->alt_next,
                                 s->alt,       &s->mu,        s->last_line};
        sc_h2srv_serve(&x, c->fd, c->ssl);
        goto out;
    }
    while (!atomic_load(&s->stopping)) {
        char *end = have >= 4 ? memmem(buf, have, "\r\n\r\n", 4) : NULL;
        if (end != NULL) {
            size_t hlen = (size_t)(end - buf) + 4;
            size_t blen = content_length(buf, hlen);
            if (have < hlen + blen)
                goto more;
            if (!handle(c, buf, hlen))
                break;
            memmove(buf, buf + hlen + blen, have - hlen - blen);
            have -= hlen + blen;
            continue;
        }
    more:
        if (have == 65536)
            break;
        {
            ssize_t n = c_read(c, buf + have, 65536 - have);
            if (n <= 0)
                break;
            have += (size_t)n;
        }
    }
out:
    free(buf);
    if (c->ssl) {
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->reset) {
        SC_ASSERT_OK(pthread_mutex_lock(&s->mu));
        close(c->fd);
        c->fd = -1;
        SC_ASSERT_OK(pthread_mutex_unlock(&s->mu));
    } else {
        shutdown(c->fd, SHUT_RDWR);
    }
    return NULL;
}

static void *accept_main(void *arg)
{
    struct sc_testserver *s = arg;
    for (;;) {
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            break;
        }
        if (atomic_load(&s->stopping)) {
            close(fd);
            break;
        }
        atomic_fetch_add(&s->connections, 1);
        SC_ASSERT_OK(pthread_mutex_lock(&s->mu));
        int i;
        for (i = 0; i < MAX_CONNS && s->conns[i].used; i++)
            ;
        if (i == MAX_CONNS) {
            SC_ASSERT_OK(pthread_mutex_unlock(&s->mu));
            close(fd);
            continue;
        }
        s->conns[i].fd = fd;
        s->conns[i].s = s;
        /* Out of threads: drop the connection, the client sees it closed. */
        s->conns[i].used = pthread_create(&s->conns[i].tid, NULL, conn_main, &s->conns[i]) == 0;
        if (!s->conns[i].used)
            close(fd);
        SC_ASSERT_OK(pthread_mutex_unlock(&s->mu));
    }
    return NULL;
}

struct sc_testserver *sc_testserver_start(const char *mode, const char *identity, const char *cert,
                                          const char *key, struct sc_err *err)
{
    struct sc_testserver *s = calloc(1, sizeof(*s));
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    int one = 1, rc;

    if (s == NULL) {
        sc_err_set(err, SC_ENOMEM, "test server: out of memory");
        return NULL;
    }
    signal(SIGPIPE, SIG_IGN); /* peers that go away must not kill the test */
    snprintf(s->mode, sizeof(s->mode), "%s", mode);
    snprintf(s->identity, sizeof(s->identity), "%s", identity ? identity : "pod-a");
    SC_ASSERT_OK(pthread_mutex_init(&s->mu, NULL));
    if (strcmp(mode, "tls") == 0 || strcmp(mode, "h2-tls") == 0) {
        s->ctx = SSL_CTX_new(TLS_server_method());
        if (s->ctx == NULL || SSL_CTX_use_certificate_file(s->ctx, cert, SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_use_PrivateKey_file(s->ctx, key, SSL_FILETYPE_PEM) != 1) {
            ERR_clear_error();
            sc_err_set(err, SC_EINVAL, "test server: cannot load '%s'/'%s'", cert, key);
            goto out_free;
        }
        if (strcmp(mode, "h2-tls") == 0)
            sc_h2srv_alpn(s->ctx);
    }
    s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(s->lfd, 1024) != 0 ||
        getsockname(s->lfd, (struct sockaddr *)&sa, &sl) != 0) {
        sc_err_set(err, SC_ESYS, "test server: cannot listen: %s", strerror(errno));
        goto out_close;
    }
    s->port = ntohs(sa.sin_port);
    rc = pthread_create(&s->accept_tid, NULL, accept_main, s);
    if (rc != 0) {
        sc_err_set(err, SC_ESYS, "test server: cannot start a thread: %s", strerror(rc));
        goto out_close;
    }
    return s;
out_close:
    close(s->lfd);
out_free:
    SSL_CTX_free(s->ctx);
    SC_ASSERT_OK(pthread_mutex_destroy(&s->mu));
    free(s);
    return NULL;
}

int sc_testserver_port(const struct sc_testserver *s)
{
    return s->port;
}

uint64_t sc_testserver_requests(const struct sc_testserver *s)
{
    return atomic_load(&s->requests);
}

uint64_t sc_testserver_responses(const struct sc_testserver *s)
{
    return atomic_load(&s->responses);
}

uint64_t sc_testserver_alternate(const struct sc_testserver *s, int which)
{
    return atomic_load(&s->alt[which & 1]);
}

uint64_t sc_testserver_connections(const struct sc_testserver *s)
{
    return atomic_load(&s->connections);
}

char *sc_testserver_last_request_line(struct sc_testserver *s)
{
    char *r;
    SC_ASSERT_OK(pthread_mutex_lock(&s->mu));
    r = strdup(s->last_line);
    SC_ASSERT_OK(pthread_mutex_unlock(&s->mu));
    return r;
}

void sc_testserver_stop(struct sc_testserver *s)
{
    atomic_store(&s->stopping, true);
    shutdown(s->lfd, SHUT_RDWR);
    SC_ASSERT_OK(pthread_join(s->accept_tid, NULL));
    close(s->lfd);
    SC_ASSERT_OK(pthread_mutex_lock(&s->mu));
    for (int i = 0; i < MAX_CONNS; i++)
        if (s->conns[i].used && s->conns[i].fd >= 0)
            shutdown(s->conns[i].fd, SHUT_RDWR);
    SC_ASSERT_OK(pthread_mutex_unlock(&s->mu));
    for (int i = 0; i < MAX_CONNS; i++) {
        if (s->conns[i].used) {
            SC_ASSERT_OK(pthread_join(s->conns[i].tid, NULL));
            if (s->conns[i].fd >= 0)
                close(s->conns[i].fd);
        }
    }
    SSL_CTX_free(s->ctx);
    SC_ASSERT_OK(pthread_mutex_destroy(&s->mu));
    free(s);
}

/* Add one v3 extension (`value` in openssl.cnf syntax); false when OpenSSL refuses it. */
static bool add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, v3, nid, value);
    bool ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

/* Fill `x` as a self-signed CA certificate for 127.0.0.1 and localhost, valid for a day. */
static bool build_cert(X509 *x, EVP_PKEY *pkey)
{
    X509_NAME *name = X509_get_subject_name(x);
    X509V3_CTX v3;

    if (ASN1_INTEGER_set(X509_get_serialNumber(x), 1) != 1 ||
        X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(x), 86400) == NULL || X509_set_pubkey(x, pkey) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1,
                                   -1, 0) != 1 ||
        X509_set_issuer_name(x, name) != 1)
        return false;
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    return add_ext(x, &v3, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost") &&
           add_ext(x, &v3, NID_basic_constraints, "critical,CA:TRUE") &&
           X509_sign(x, pkey, EVP_sha256()) > 0;
}

int sc_testserver_cert(const char *dir, struct sc_err *err)
{
    char path[512];
    EVP_PKEY *pkey = EVP_RSA_gen(2048);
    X509 *x = X509_new();
    FILE *f;
    int rc = 0;

    if (pkey == NULL || x == NULL || !build_cert(x, pkey)) {
        ERR_clear_error();
        rc = sc_err_set(err, SC_ESYS, "cannot generate a test certificate");
        goto out;
    }
    snprintf(path, sizeof(path), "%s/cert.pem", dir);
    f = fopen(path, "w");
    if (f == NULL || PEM_write_X509(f, x) != 1) {
        rc = sc_err_set(err, SC_EIO, "cannot write '%s'", path);
        if (f)
            fclose(f);
        goto out;
    }
    fclose(f);
    snprintf(path, sizeof(path), "%s/key.pem", dir);
    f = fopen(path, "w");
    if (f == NULL || PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) != 1) {
        rc = sc_err_set(err, SC_EIO, "cannot write '%s'", path);
        if (f)
            fclose(f);
        goto out;
    }
    fclose(f);
out:
    X509_free(x);
    EVP_PKEY_free(pkey);
    return rc;
}

/* tls.c - client TLS set-up and the blocking preflight check. */
#include "load/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/util.h"

SSL_CTX *sc_tls_client_ctx(const char *cafile, bool insecure, struct sc_err *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        ERR_clear_error();
        sc_err_set(err, SC_ESYS, "cannot create a TLS context");
        return NULL;
    }
    /* Fails only for a version OpenSSL does not know: a programming error. */
    SC_ASSERT_OK(SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1);
    if (insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        return ctx;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (cafile != NULL) {
        if (SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1) {
            sc_err_set(err, SC_EINVAL, "cannot load CA file '%s': not a readable PEM bundle",
                       cafile);
            ERR_clear_error();
            SSL_CTX_free(ctx);
            return NULL;
        }
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        /* No system store: verification then fails at the preflight, which says why. */
        ERR_clear_error();
    }
    return ctx;
}

static bool is_ip_literal(const char *host)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

int sc_tls_set_host(SSL *ssl, const char *host, bool insecure, struct sc_err *err)
{
    if (!is_ip_literal(host) && SSL_set_tlsext_host_name(ssl, host) != 1)
        return sc_err_set(err, SC_EINVAL, "cannot use '%s' as TLS server name", host);
    if (insecure)
        return 0;
    if (is_ip_literal(host)) {
        X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
        if (X509_VERIFY_PARAM_set1_ip_asc(param, host) != 1)
            return sc_err_set(err, SC_EINVAL, "cannot verify IP address '%s'", host);
    } else if (SSL_set1_host(ssl, host) != 1) {
        return sc_err_set(err, SC_EINVAL, "cannot verify host name '%s'", host);
    }
    return 0;
}

const char *sc_tls_describe(SSL *ssl, char *buf, size_t len)
{
    long vr = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
    unsigned long e = ERR_peek_last_error();

    if (vr != X509_V_OK)
        snprintf(buf, len, "certificate verify failed: %s", X509_verify_cert_error_string(vr));
    else if (e != 0 && ERR_reason_error_string(e) != NULL)
        snprintf(buf, len, "TLS handshake failed: %s", ERR_reason_error_string(e));
    else
        snprintf(buf, len, "TLS handshake failed");
    ERR_clear_error();
    return buf;
}

int sc_tls_offer_h2(SSL_CTX *ctx, struct sc_err *err)
{
    static const unsigned char protos[] = {2, 'h', '2'};

    /* Unlike most of OpenSSL, this one returns 0 on success. */
    if (SSL_CTX_set_alpn_protos(ctx, protos, sizeof(protos)) != 0) {
        ERR_clear_error();
        return sc_err_set(err, SC_ESYS, "cannot offer ALPN h2");
    }
    return 0;
}

bool sc_tls_alpn_is_h2(SSL *ssl)
{
    const unsigned char *p = NULL;
    unsigned int n = 0;

    SSL_get0_alpn_selected(ssl, &p, &n);
    return n == 2 && p[0] == 'h' && p[1] == '2';
}

static int wait_fd(int fd, short events, uint64_t deadline)
{
    for (;;) {
        uint64_t now = sc_now_ns();
        struct pollfd pfd = {.fd = fd, .events = events};
        int ms, rc;
        if (now >= deadline)
            return -ETIMEDOUT;
        ms = (int)((deadline - now + 999999) / 1000000);
        rc = poll(&pfd, 1, ms);
        if (rc > 0)
            return 0;
        if (rc < 0 && errno != EINTR)
            return -errno;
    }
}

static int preflight_tunnel(int fd, const char *what, const char *tunnel, uint64_t deadline,
                            struct sc_err *err)
{
    char buf[4096];
    size_t have = 0, len = strlen(tunnel), off = 0;

    while (off < len) {
        ssize_t n;
        if (wait_fd(fd, POLLOUT, deadline) != 0)
            return sc_err_set(err, SC_ECONNECT, "proxy '%s' did not accept the tunnel request",
                              what);
        n = write(fd, tunnel + off, len - off);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return sc_err_set(err, SC_ECONNECT, "cannot write to proxy '%s': %s", what,
                              strerror(errno));
        if (n > 0)
            off += (size_t)n;
    }
    while (have < sizeof(buf) - 1) {
        ssize_t n;
        int rc = wait_fd(fd, POLLIN, deadline);
        if (rc != 0)
            return sc_err_set(err, SC_ECONNECT, "proxy '%s' did not answer the tunnel request",
                              what);
        n = read(fd, buf + have, 1); /* byte by byte: nothing past the header may be eaten */
        if (n == 0)
            return sc_err_set(err, SC_ECONNECT, "proxy '%s' closed the tunnel request", what);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                continue;
            return sc_err_set(err, SC_ECONNECT, "cannot read from proxy '%s': %s", what,
                              strerror(errno));
        }
        have++;
        buf[have] = '\0';
        if (have >= 4 && memcmp(buf + have - 4, "\r\n\r\n", 4) == 0)
            break;
    }
    if (strncmp(buf, "HTTP/1.", 7) != 0 || have < 12 || buf[9] != '2') {
        char *eol = strstr(buf, "\r\n");
        if (eol)
            *eol = '\0';
        return sc_err_set(err, SC_ECONNECT, "proxy '%s' refused the tunnel: '%.80s'", what, buf);
    }
    return 0;
}

static int preflight_tls(int fd, SSL_CTX *ctx, const char *host, bool insecure, bool h2,
                         uint64_t deadline, struct sc_err *err)
{
    SSL *ssl = SSL_new(ctx);
    int rc = 0;

    if (ssl == NULL) {
        ERR_clear_error();
        return sc_err_set(err, SC_ESYS, "cannot create a TLS session");
    }
    if (sc_tls_set_host(ssl, host, insecure, err) != 0) {
        rc = SC_EINVAL;
        goto out_free_ssl;
    }
    if (SSL_set_fd(ssl, fd) != 1) {
        ERR_clear_error();
        rc = sc_err_set(err, SC_ESYS, "cannot attach a TLS session to its socket");
        goto out_free_ssl;
    }
    for (;;) {
        int r = SSL_connect(ssl), e;
        if (r == 1)
            break;
        e = SSL_get_error(ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            if (wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline) != 0) {
                rc = sc_err_set(err, SC_ECONNECT, "TLS handshake with '%s' timed out", host);
                goto out_free_ssl;
            }
            continue;
        }
        {
            char why[256];
            rc = sc_err_set(err, SC_ECONNECT, "TLS with '%s': %s", host,
                            sc_tls_describe(ssl, why, sizeof(why)));
        }
        goto out_free_ssl;
    }
    if (h2 && !sc_tls_alpn_is_h2(ssl))
        rc = sc_err_set(err, SC_ECONNECT, "'%s' did not select HTTP/2 with ALPN h2", host);
out_free_ssl:
    SSL_free(ssl);
    return rc;
}

int sc_net_preflight(const struct sockaddr *addr, socklen_t addrlen, const char *what,
                     const char *tunnel, SSL_CTX *ctx, const char *host, bool insecure, bool h2,
                     uint64_t timeout_ns, struct sc_err *err)
{
    uint64_t deadline = sc_now_ns() + timeout_ns;
    int fd, rc = 0, soerr = 0;
    socklen_t sl = sizeof(soerr);

    fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sc_err_set(err, SC_ESYS, "cannot create a socket: %s", strerror(errno));
    if (connect(fd, addr, addrlen) != 0 && errno != EINPROGRESS) {
        rc = sc_err_set(err, SC_ECONNECT, "cannot connect to '%s': %s", what, strerror(errno));
        goto out_close;
    }
    if (wait_fd(fd, POLLOUT, deadline) != 0) {
        rc = sc_err_set(err, SC_ECONNECT, "cannot connect to '%s': timed out", what);
        goto out_close;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
        soerr = errno;
    if (soerr != 0) {
        rc = sc_err_set(err, SC_ECONNECT, "cannot connect to '%s': %s", what, strerror(soerr));
        goto out_close;
    }
    if (tunnel != NULL) {
        rc = preflight_tunnel(fd, what, tunnel, deadline, err);
        if (rc != 0)
            goto out_close;
    }
    if (ctx != NULL)
        rc = preflight_tls(fd, ctx, host, insecure, h2, deadline, err);
out_close:
    close(fd);
    return rc;
}

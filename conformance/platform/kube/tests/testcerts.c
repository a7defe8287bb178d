/* testcerts.c - certificates generated at test time with OpenSSL's own APIs. */
#include "testcerts.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

/* The tests cannot go on without their PKI: a failed OpenSSL call stops here, named, with
 * OpenSSL's reasons on stderr. */
#define NEED(ok) need((ok) ? 1 : 0, #ok, __LINE__)

static void need(int ok, const char *what, int line)
{
    if (ok)
        return;
    ERR_print_errors_fp(stderr);
    sc_fatal(__FILE__, line, what, 0);
}

static char *bio_string(BIO *b)
{
    char *data = NULL, *out;
    long n = BIO_get_mem_data(b, &data);
    NEED(n > 0 && data != NULL);
    out = malloc((size_t)n + 1);
    if (out == NULL)
        abort();
    memcpy(out, data, (size_t)n);
    out[n] = '\0';
    BIO_free_all(b);
    return out;
}

static char *key_pem(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    NEED(b != NULL);
    NEED(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1);
    return bio_string(b);
}

static char *cert_pem(X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    NEED(b != NULL);
    NEED(PEM_write_bio_X509(b, x) == 1);
    return bio_string(b);
}

static void add_ext(X509 *issuer, X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *e;
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    NEED(e != NULL);
    NEED(X509_add_ext(x, e, -1) == 1);
    X509_EXTENSION_free(e);
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, const char *org, X509 *issuer,
                       EVP_PKEY *issuer_key, long serial, int kind)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    NEED(x != NULL && name != NULL);
    NEED(X509_set_version(x, 2) == 1);
    NEED(ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1);
    NEED(X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL);
    NEED(X509_gmtime_adj(X509_getm_notAfter(x), 86400L) != NULL);
    NEED(X509_set_pubkey(x, key) == 1);
    if (org)
        NEED(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)org, -1, -1,
                                        0) == 1);
    NEED(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                                    0) == 1);
    NEED(X509_set_subject_name(x, name) == 1);
    NEED(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) == 1);
    if (kind == 0) {
        add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(issuer, x, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(issuer, x, NID_key_usage, "critical,digitalSignature,keyEncipherment");
        add_ext(issuer, x, NID_ext_key_usage, kind == 1 ? "serverAuth" : "clientAuth");
        if (kind == 1)
            add_ext(issuer, x, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost,DNS:kube.test");
    }
    NEED(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
    X509_NAME_free(name);
    return x;
}

void sc_test_pki_make(struct sc_test_pki *p)
{
    EVP_PKEY *ca_k = EVP_EC_gen("P-256"), *srv_k = EVP_EC_gen("P-256");
    EVP_PKEY *cli_k = EVP_EC_gen("P-256"), *oth_k = EVP_EC_gen("P-256");
    X509 *ca, *srv, *cli, *oth;
    NEED(ca_k && srv_k && cli_k && oth_k);
    ca = make_cert(ca_k, "test-ca", NULL, NULL, NULL, 1, 0);
    srv = make_cert(srv_k, "kube-apiserver", NULL, ca, ca_k, 2, 1);
    cli = make_cert(cli_k, "alice", "system:masters", ca, ca_k, 3, 2);
    oth = make_cert(oth_k, "other-ca", NULL, NULL, NULL, 4, 0);
    p->ca_cert = cert_pem(ca);
    p->ca_key = key_pem(ca_k);
    p->server_cert = cert_pem(srv);
    p->server_key = key_pem(srv_k);
    p->client_cert = cert_pem(cli);
    p->client_key = key_pem(cli_k);
    p->other_ca_cert = cert_pem(oth);
    X509_free(ca);
    X509_free(srv);
    X509_free(cli);
    X509_free(oth);
    EVP_PKEY_free(ca_k);
    EVP_PKEY_free(srv_k);
    EVP_PKEY_free(cli_k);
    EVP_PKEY_free(oth_k);
}

void sc_test_pki_free(struct sc_test_pki *p)
{
    free(p->ca_cert);
    free(p->ca_key);
    free(p->server_cert);
    free(p->server_key);
    free(p->client_cert);
    free(p->client_key);
    free(p->other_ca_cert);
    memset(p, 0, sizeof(*p));
}

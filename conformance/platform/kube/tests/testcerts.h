/* testcerts.h - a throwaway PKI for the tests: CA, server and client certificates (EC P-256). */
#ifndef SC_KUBE_TESTCERTS_H
#define SC_KUBE_TESTCERTS_H

/* Every field is a PEM string the struct owns. */
struct sc_test_pki {
    char *ca_cert, *ca_key;
    char *server_cert, *server_key; /* SAN: IP 127.0.0.1, DNS localhost, DNS kube.test */
    char *client_cert, *client_key; /* CN alice, O system:masters */
    char *other_ca_cert;            /* an unrelated CA: verification against it must fail */
};

/* Generate everything (aborts on failure: a test cannot go on without it). */
void sc_test_pki_make(struct sc_test_pki *p);
void sc_test_pki_free(struct sc_test_pki *p);

#endif

/* kube_api_double_main.c - kube-api-double: the Kubernetes API test double as a process, for
 * benchmarks (scripts/bench/kube-suite.sh) and manual runs. A test tool: never installed. */
#include <errno.h>
#include <getopt.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kube_api_double.h"
#include "testcerts.h"
#include "testutil.h"

static void usage(FILE *f)
{
    fputs("usage: kube-api-double --kubeconfig FILE [options]\n"
          "\n"
          "Serve the Kubernetes API test double (conformance/platform/kube/tests) on\n"
          "127.0.0.1 with a throwaway CA, write a kubeconfig for it (server, CA, token), print\n"
          "one line 'kube-api-double: ready https://127.0.0.1:PORT' and serve until SIGTERM or\n"
          "SIGINT; then stop, pod processes included. It is not a mesh: nothing is enforced.\n"
          "\n"
          "  --kubeconfig FILE       where to write the kubeconfig (required; mode 0600)\n"
          "  --served A,S,T,M        versions served of access, specs, split and metrics\n"
          "                          ('-' for a group not served; default\n"
          "                          v1alpha3,v1alpha4,v1alpha4,v1alpha1)\n"
          "  --fixture-bin PATH      run every pod of a Deployment as this smi-fixture\n"
          "  --pod-start-ms N        a pod is Ready N ms after its creation (default 0: at the\n"
          "                          first look, or when its process is ready)\n"
          "  --ns-terminate-ms A[-B] a deleted namespace terminates for A..B ms, uniformly\n"
          "                          drawn (default 0: two looks)\n"
          "  --seed N                seed of the termination draws (default 1)\n"
          "  --crd-headers object|array  serve the HTTPRouteGroup CRD with that headers type\n"
          "  --node-cpus N           serve one Ready Node with N allocatable CPUs (default 0:\n"
          "                          no Node API)\n"
          "  -h, --help              this text\n",
          f);
}

/* "A,S,T,M" into served[4] (strings kept in buf); false when malformed. */
static bool parse_served(char *buf, const char *served[4])
{
    char *save = NULL, *t = strtok_r(buf, ",", &save);
    for (int i = 0; i < 4; i++) {
        if (t == NULL)
            return false;
        served[i] = strcmp(t, "-") == 0 ? NULL : t;
        t = strtok_r(NULL, ",", &save);
    }
    return t == NULL;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    *out = strtoul(s, &end, 10);
    return errno == 0 && end != s && *end == '\0' && *out <= max && s[0] != '-';
}

static bool parse_range(const char *s, unsigned *lo, unsigned *hi)
{
    char buf[64], *dash;
    unsigned long a, b;
    snprintf(buf, sizeof(buf), "%s", s);
    dash = strchr(buf, '-');
    if (dash)
        *dash = '\0';
    if (!parse_uint(buf, 86400000, &a) || (dash && !parse_uint(dash + 1, 86400000, &b)))
        return false;
    *lo = (unsigned)a;
    *hi = dash ? (unsigned)b : (unsigned)a;
    return *lo <= *hi;
}

/* Write the kubeconfig: the double's address, its CA, the token; mode 0600. */
static int write_kubeconfig(const char *path, int port, const char *ca, const char *token)
{
    char *ca64 = tu_b64(ca);
    FILE *f = fopen(path, "w");
    int rc = 0;
    if (f == NULL) {
        fprintf(stderr, "kube-api-double: error: cannot write '%s': %s\n", path, strerror(errno));
        free(ca64);
        return -1;
    }
    if (chmod(path, 0600) != 0 ||
        fprintf(f,
                "apiVersion: v1\nkind: Config\ncurrent-context: double\n"
                "clusters:\n- name: double\n  cluster:\n    server: https://127.0.0.1:%d\n"
                "    certificate-authority-data: %s\n"
                "contexts:\n- name: double\n  context: {cluster: double, user: double}\n"
                "users:\n- name: double\n  user:\n    token: %s\n",
                port, ca64, token) < 0)
        rc = -1;
    if (fclose(f) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "kube-api-double: error: cannot write '%s'\n", path);
    free(ca64);
    return rc;
}

/* Options into o; the kubeconfig path into *kc. 0 ok, 1 --help, 2 a usage error. */
static int parse_args(int argc, char **argv, struct sc_kube_double_opts *o, char *served_buf,
                      size_t blen, const char **kc)
{
    static const struct option longs[] = {{"kubeconfig", required_argument, NULL, 'k'},
                                          {"served", required_argument, NULL, 's'},
                                          {"fixture-bin", required_argument, NULL, 'f'},
                                          {"pod-start-ms", required_argument, NULL, 'p'},
                                          {"ns-terminate-ms", required_argument, NULL, 'n'},
                                          {"seed", required_argument, NULL, 'r'},
                                          {"crd-headers", required_argument, NULL, 'c'},
                                          {"node-cpus", required_argument, NULL, 'N'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    unsigned long v;
    int c;

    while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
        switch (c) {
        case 'k':
            *kc = optarg;
            break;
        case 's':
            snprintf(served_buf, blen, "%s", optarg);
            if (!parse_served(served_buf, o->served))
                return fprintf(stderr, "kube-api-double: --served takes A,S,T,M\n"), 2;
            break;
        case 'f':
            o->fixture_bin = optarg;
            break;
        case 'p':
            if (!parse_uint(optarg, 86400000, &v))
                return fprintf(stderr, "kube-api-double: bad --pod-start-ms '%s'\n", optarg), 2;
            o->pod_start_ms = (unsigned)v;
            break;
        case 'n':
            if (!parse_range(optarg, &o->ns_terminate_ms_min, &o->ns_terminate_ms_max))
                return fprintf(stderr, "kube-api-double: bad --ns-terminate-ms '%s'\n", optarg), 2;
            break;
        case 'r':
            if (!parse_uint(optarg, (unsigned long)-1, &v))
                return fprintf(stderr, "kube-api-double: bad --seed '%s'\n", optarg), 2;
            o->seed = v;
            break;
        case 'N':
            if (!parse_uint(optarg, 4096, &v))
                return fprintf(stderr, "kube-api-double: bad --node-cpus '%s'\n", optarg), 2;
            o->node_cpus = (unsigned)v;
            break;
        case 'c':
            if (strcmp(optarg, "object") != 0 && strcmp(optarg, "array") != 0)
                return fprintf(stderr, "kube-api-double: --crd-headers object|array\n"), 2;
            o->crd_headers = optarg;
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (*kc == NULL || optind != argc) {
        usage(stderr);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct sc_kube_double_opts o;
    struct sc_test_pki pki;
    struct sc_kube_double *d;
    struct sc_err err;
    unsigned char raw[16];
    char served_buf[128], token[40];
    const char *kc = NULL;
    sigset_t set;
    int rc, sig;

    memset(&o, 0, sizeof(o));
    o.served[0] = "v1alpha3";
    o.served[1] = "v1alpha4";
    o.served[2] = "v1alpha4";
    o.served[3] = "v1alpha1";
    rc = parse_args(argc, argv, &o, served_buf, sizeof(served_buf), &kc);
    if (rc != 0)
        return rc == 1 ? 0 : 2;
    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        fprintf(stderr, "kube-api-double: error: no random bytes for the token\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(token + 2 * i, 3, "%02x", raw[i]);
    o.token = token;
    /* Block the stop signals in every thread (the double's inherit this mask; its pods get
     * the default one), and take them with sigwait below. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    SC_ASSERT_OK(pthread_sigmask(SIG_BLOCK, &set, NULL));
    sc_test_pki_make(&pki);
    o.server_cert_pem = pki.server_cert;
    o.server_key_pem = pki.server_key;
    sc_err_init(&err);
    d = sc_kube_double_start(&o, &err);
    if (d == NULL) {
        fprintf(stderr, "kube-api-double: error: %s\n", err.msg);
        sc_test_pki_free(&pki);
        return 2;
    }
    rc = write_kubeconfig(kc, sc_kube_double_port(d), pki.ca_cert, token);
    if (rc == 0) {
        printf("kube-api-double: ready https://127.0.0.1:%d kubeconfig=%s\n",
               sc_kube_double_port(d), kc);
        fflush(stdout);
        SC_ASSERT_OK(sigwait(&set, &sig));
    }
    sc_kube_double_stop(d);
    sc_test_pki_free(&pki);
    return rc == 0 ? 0 : 2;
}

/* test_kube_e2e.c - whole `smi-conformance run --platform kube` runs against the API test
 * double, whose Deployments are real smi-fixture processes: results, cleanup, interruption at
 * each step of a case, and no secret in any log line or report. */
#include <cjson/cJSON.h>
#include <check.h>
#include <dirent.h>
#include <ftw.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kube_api_double.h"
#include "testcerts.h"
#include "testutil.h"

#include "base/clock.h"
#include "base/file.h"
#include "base/tests/check_main.h"

#define TOKEN "sc-e2e-token-5f0e9d8c7b6a59483726"

static struct sc_test_pki pki;
static struct sc_kube_double *dbl;
static char *dir;

/* The double, its HTTPRouteGroup CRD declaring headers of type crd_headers (NULL: no CRD). */
static void start_double(const char *crd_headers)
{
    struct sc_kube_double_opts o;
    struct sc_err err;
    char *fixture = tu_printf("%s/fixtures/server/smi-fixture", tu_build_dir());
    memset(&o, 0, sizeof(o));
    o.crd_headers = crd_headers;
    o.server_cert_pem = pki.server_cert;
    o.server_key_pem = pki.server_key;
    o.client_ca_pem = pki.ca_cert;
    o.token = TOKEN;
    o.served[0] = "v1alpha3";
    o.served[1] = "v1alpha4";
    o.served[2] = "v1alpha4";
    o.served[3] = "v1alpha1";
    o.ready_after = 1;
    o.fixture_bin = fixture;
    o.pod_log = "smi-fixture: ready\n";
    sc_err_init(&err);
    dbl = sc_kube_double_start(&o, &err);
    ck_assert_msg(dbl != NULL, "%s", err.msg);
    free(fixture); /* the double keeps a copy */
}

static void setup(void)
{
    sc_test_pki_make(&pki);
    start_double(NULL);
    /* Orphans of smi-conformance become this process's children, for children_left(). */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    dir = tu_tmpdir();
    unsetenv("KUBECONFIG");
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("http_proxy");
    unsetenv("HTTP_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
}

static void teardown(void)
{
    char *cmd = tu_printf("rm -rf '%s'", dir);
    if (dbl != NULL)
        sc_kube_double_stop(dbl);
    if (system(cmd) != 0) {
    }
    free(cmd);
    free(dir);
    sc_test_pki_free(&pki);
}

/* A kubeconfig for the double: the token, or the client certificate and key. */
static char *write_kubeconfig(const char *name, int use_cert)
{
    char *ca = tu_b64(pki.ca_cert), *crt = tu_b64(pki.client_cert), *key = tu_b64(pki.client_key);
    char *user = use_cert ? tu_printf("    client-certificate-data: %s\n"
                                      "    client-key-data: %s\n",
                                      crt, key)
                          : tu_printf("    token: %s\n", TOKEN);
    char *text = tu_printf("apiVersion: v1\nkind: Config\ncurrent-context: double\n"
                           "clusters:\n- name: double\n  cluster:\n"
                           "    server: https://127.0.0.1:%d\n"
                           "    certificate-authority-data: %s\n"
                           "contexts:\n- name: double\n  context: {cluster: double, user: e2e}\n"
                           "users:\n- name: e2e\n  user:\n%s",
                           sc_kube_double_port(dbl), ca, user);
    char *path = tu_write(dir, name, text, 0600);
    free(text);
    free(user);
    free(ca);
    free(crt);
    free(key);
    return path;
}

/* Start `smi-conformance run` on the double with the suites of e2e/SUITES; its stdout and
 * stderr go to RUN/stdout.log and RUN/stderr.log, its reports to RUN/reports. Preflight's pod of
 * the fixture image is left out (--skip-image-check; test_kube_preflight has it): the requests
 * counted and interrupted here are the run's. */
static pid_t start_run_with(const char *run, const char *kubeconfig, const char *suites_dir)
{
    char *bin = tu_printf("%s/conformance/smi-conformance", tu_build_dir());
    char *suites =
        tu_printf("%s/conformance/platform/kube/tests/e2e/%s", tu_source_dir(), suites_dir);
    char *mesh = tu_printf("%s/conformance/platform/kube/tests/e2e/double.yaml", tu_source_dir());
    char *rundir = tu_printf("%s/%s", dir, run);
    char *reports = tu_printf("%s/reports", rundir);
    char *out = tu_printf("%s/stdout.log", rundir), *errp = tu_printf("%s/stderr.log", rundir);
    pid_t pid;

    ck_assert_int_eq(mkdir(rundir, 0700), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (freopen(out, "w", stdout) == NULL || freopen(errp, "w", stderr) == NULL)
            _exit(126);
        setenv("SC_LOG", "debug", 1);
        execl(bin, bin, "run", "--platform", "kube", "--kubeconfig", kubeconfig, "--context",
              "double", "--mesh", mesh, "--suites", suites, "--fixture-image", "smi-fixture:e2e",
              "--report-dir", reports, "--parallel", "2", "--timeout", "5s", "--skip-image-check",
              (char *)NULL);
        _exit(127);
    }
    free(bin);
    free(suites);
    free(mesh);
    free(rundir);
    free(reports);
    free(out);
    free(errp);
    return pid;
}

static pid_t start_run(const char *run, const char *kubeconfig)
{
    return start_run_with(run, kubeconfig, "suites");
}

/* The run's exit status; fails the test when it has not ended within limit_s. */
static int wait_run(pid_t pid, unsigned limit_s)
{
    int st = 0;
    for (unsigned i = 0; i < limit_s * 20; i++) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) {
            ck_assert_msg(WIFEXITED(st), "smi-conformance died of signal %d",
                          WIFSIGNALED(st) ? WTERMSIG(st) : 0);
            return WEXITSTATUS(st);
        }
        sc_sleep_ms(50);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    ck_abort_msg("smi-conformance did not end within %us", limit_s);
    return -1;
}

/* ---- the secrets scan ---------------------------------------------------------------------- */

/* What must never be written: set before a scan (nftw has no user pointer). */
static const char *needles[16];
static char found[512];
static unsigned scanned;

static int scan_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    char *text;
    (void)st;
    (void)ftw;
    if (type != FTW_F)
        return 0;
    /* The kubeconfigs hold the secrets on purpose; everything else is the runs' output. */
    if (strstr(path, "kubeconfig") != NULL)
        return 0;
    text = tu_slurp(path);
    if (text == NULL)
        return 0;
    scanned++;
    for (size_t i = 0; needles[i] != NULL; i++)
        if (strstr(text, needles[i]) != NULL) {
            snprintf(found, sizeof(found), "%s holds '%.12s...'", path, needles[i]);
            free(text);
            return 1;
        }
    free(text);
    return 0;
}

/* A 40-character slice from the middle of s (caller frees): long enough to be unique. */
static char *slice(const char *s)
{
    size_t n = strlen(s);
    char *out = strndup(s + (n > 80 ? n / 2 - 20 : 0), 40);
    if (out == NULL)
        abort();
    return out;
}

/* Scan every file under top for the token and the key material of pki; "" when clean, else
 * what was found where. *files gets the number of files read. */
static const char *scan_for_secrets(const char *top, unsigned *files)
{
    char *key_b64 = tu_b64(pki.client_key), *s1, *s2;
    const char *body = strchr(pki.client_key, '\n');
    size_t k = 0;

    /* The key as a kubeconfig carries it (base64 of the PEM) and as the PEM holds it (the
     * start of its first base64 line). */
    ck_assert_ptr_nonnull(body);
    s1 = slice(key_b64);
    s2 = strndup(body + 1, 40);
    ck_assert_ptr_nonnull(s2);
    needles[k++] = TOKEN;
    needles[k++] = "PRIVATE KEY";
    needles[k++] = "BEGIN CERTIFICATE";
    needles[k++] = s1;
    needles[k++] = s2;
    needles[k] = NULL;
    found[0] = '\0';
    scanned = 0;
    nftw(top, scan_one, 16, FTW_PHYS);
    *files = scanned;
    free(s1);
    free(s2);
    free(key_b64);
    return found;
}

/* ---- tests ------------------------------------------------------------------------------- */

START_TEST(a_whole_run_passes_through_the_kube_platform_and_leaves_nothing_behind)
{
    char *kc = write_kubeconfig("kubeconfig-token", 0);
    char *json_path = tu_printf("%s/token/reports/results.json", dir);
    char *text, *log, *top = tu_printf("%s/token", dir);
    const cJSON *sum;
    cJSON *j;
    unsigned started, running, files;
    const char *leak;
    char auth[64];

    ck_assert_int_eq(wait_run(start_run("token", kc), 240), 0);
    text = tu_slurp(json_path);
    ck_assert_msg(text != NULL, "no %s", json_path);
    j = cJSON_Parse(text);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(j, "platform")), "kube");
    ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(j, "mesh")), "api-double");
    /* The cluster's version, as its /version endpoint says. */
    ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(j, "kubeVersion")), "v1.29.0-double");
    sum = cJSON_GetObjectItem(j, "summary");
    ck_assert_int_eq(cJSON_GetObjectItem(sum, "total")->valueint, 2);
    ck_assert_int_eq(cJSON_GetObjectItem(sum, "passed")->valueint, 2);
    ck_assert_int_eq(cJSON_GetObjectItem(sum, "failed")->valueint, 0);
    ck_assert_int_eq(cJSON_GetObjectItem(sum, "skipped")->valueint, 0);
    cJSON_Delete(j);
    /* The answers came from the server's pods: the fixtures' identity (downward API) named
     * pods NAME-HASH-XXXXX that the runner traced back to the server workload. */
    ck_assert_msg(strstr(text, "20 of 20 allowed by an intended backend, 0 answered by another") !=
                      NULL,
                  "the access case's log in %s lacks its tally", json_path);
    ck_assert_msg(strstr(text, "20 answered (20 2xx, 0 5xx)") != NULL,
                  "the send's log in %s lacks its tally", json_path);
    free(text);

    /* It went through the API: SMI objects applied, fixtures run, token authentication. */
    ck_assert_uint_ge(sc_kube_double_count(dbl, "PATCH", "/apis/access.smi-spec.io/v1alpha3/"), 1);
    ck_assert_uint_ge(sc_kube_double_count(dbl, "PATCH", "/apis/specs.smi-spec.io/v1alpha4/"), 3);
    ck_assert_uint_eq(sc_kube_double_count(dbl, "PATCH", "/apis/apps/v1/namespaces/"), 5);
    ck_assert_uint_ge(sc_kube_double_count(dbl, "GET", "/apis/metrics.smi-spec.io/v1alpha1/"), 1);
    sc_kube_double_last(dbl, "auth", auth, sizeof(auth));
    ck_assert_str_eq(auth, "token");
    sc_kube_double_processes(dbl, &started, &running);
    ck_assert_uint_eq(started, 6); /* client, server x2, alice, bob, server */
    ck_assert_uint_eq(running, 0);
    /* Every namespace and everything in one is gone. */
    ck_assert_uint_eq(sc_kube_double_objects(dbl, "/api/v1/namespaces/"), 0);
    ck_assert_uint_eq(sc_kube_double_objects(dbl, "/apis/"), 0);

    /* The debug log says what it did, without the secrets. */
    log = tu_printf("%s/token/stderr.log", dir);
    text = tu_slurp(log);
    ck_assert_ptr_nonnull(text);
    ck_assert_msg(strstr(text, "PATCH /api/v1/namespaces/") != NULL, "no debug line in %s", log);
    free(text);
    leak = scan_for_secrets(top, &files);
    ck_assert_msg(leak[0] == '\0', "%s", leak);
    ck_assert_uint_ge(files, 4); /* stdout, stderr, results.json, junit.xml */
    free(log);
    free(top);
    free(json_path);
    free(kc);
}
END_TEST

/* ---- interrupting a run ----------------------------------------------------------------- */

/* Where a run is interrupted: the first request of this shape, seen by a double's hook. */
static const struct stop_point {
    const char *name; /* the run's directory */
    const char *method, *pattern;
} stop_points[] = {
    /* (1) The first namespace exists, nothing in it yet. */
    {"namespace", "PATCH", "/api/v1/namespaces/*"},
    /* (2) The first Deployment is stored; its pods' processes are starting. */
    {"deployment", "PATCH", "/apis/apps/v1/namespaces/*/deployments/*"},
    /* (3) The first readiness poll, pods not ready yet. The runner applies every workload's
     * Services before it waits for readiness, so this comes after the first Service apply:
     * between a Deployment and a Service is (2). */
    {"readiness", "GET", "/apis/apps/v1/namespaces/*/deployments"},
    /* (4) The first SMI object exists (in a test namespace: not the header-shape dry runs in
     * "default" at the platform's open, when the CRD cannot be read). */
    {"smi-apply", "PATCH", "/apis/specs.smi-spec.io/v1alpha4/namespaces/[!d]*/*/*"},
    /* (5) The first traffic plan ran on a client's agent; its answer is not back yet. */
    {"traffic", "POST", "/api/v1/namespaces/*/pods/*/proxy/v1/traffic"},
    /* (6) A metrics read answered by the aggregated API, the answer not back yet. */
    {"metrics", "GET", "/apis/metrics.smi-spec.io/v1alpha1/namespaces/*/deployments/*/edges"},
};

#define NSTOP_POINTS ((int)(sizeof(stop_points) / sizeof(stop_points[0])))

/* What a hook does to the run: SIGINT (twice when `twice`), from the double's connection
 * thread, while the request that fired it waits for its answer. Static: the double may run
 * the hook until it stops. */
static struct trigger {
    atomic_int pid;   /* the run's, once started */
    char errlog[600]; /* the run's stderr.log */
    bool twice;
    atomic_bool fired;  /* the hook ran */
    atomic_bool heard;  /* the run said it was interrupted */
    atomic_bool exited; /* (twice) the run is gone */
    atomic_bool done;   /* the hook has returned */
} trig;

static bool file_has(const char *path, const char *needle)
{
    char *text = tu_slurp(path);
    bool yes = text != NULL && strstr(text, needle) != NULL;
    free(text);
    return yes;
}

static void signal_run(struct trigger *t)
{
    pid_t pid = 0;
    unsigned i;

    atomic_store(&t->fired, true);
    for (i = 0; i < 2000 && (pid = atomic_load(&t->pid)) == 0; i++)
        sc_sleep_ms(5);
    if (pid <= 0 || kill(pid, SIGINT) != 0)
        return;
    /* The handler sets the cancel flag before it says so: once the line is written, the run
     * is cancelled before it sees this request's answer. */
    for (i = 0; i < 2000 && !file_has(t->errlog, "smi-conformance: interrupted:"); i++)
        sc_sleep_ms(5);
    if (i == 2000)
        return;
    atomic_store(&t->heard, true);
    if (!t->twice || kill(pid, SIGINT) != 0)
        return;
    /* Hold the answer until the run is gone, so that it cannot go on to clean up. WNOWAIT:
     * the test's thread reaps it (ECHILD once it has). */
    for (i = 0; i < 2000; i++) {
        siginfo_t si;
        memset(&si, 0, sizeof(si));
        if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid == pid) {
            atomic_store(&t->exited, true);
            return;
        }
        sc_sleep_ms(5);
    }
}

static void interrupt_run(void *arg)
{
    struct trigger *t = arg;
    signal_run(t);
    atomic_store(&t->done, true);
}

/* Wait for the hook to return (the run may end first: its answer can come after). */
static void hook_done(void)
{
    if (!atomic_load(&trig.fired))
        return; /* the caller says so */
    for (unsigned i = 0; i < 4000 && !atomic_load(&trig.done); i++)
        sc_sleep_ms(5);
    ck_assert_msg(atomic_load(&trig.done), "the hook is still running after 20s");
}

/* Arm the hook for run `run` at stop point sp. */
static void arm(const char *run, const struct stop_point *sp, bool twice)
{
    atomic_store(&trig.pid, 0);
    snprintf(trig.errlog, sizeof(trig.errlog), "%s/%s/stderr.log", dir, run);
    trig.twice = twice;
    atomic_store(&trig.fired, false);
    atomic_store(&trig.heard, false);
    atomic_store(&trig.exited, false);
    atomic_store(&trig.done, false);
    sc_kube_double_hook(dbl, sp->method, sp->pattern, 1, interrupt_run, &trig);
}

/* Processes whose parent is this test process: the pods the double runs and, through
 * PR_SET_CHILD_SUBREAPER (setup), whatever smi-conformance left behind when it ended. */
static unsigned children_left(void)
{
    DIR *proc = opendir("/proc");
    struct dirent *e;
    unsigned n = 0;

    ck_assert_ptr_nonnull(proc);
    while ((e = readdir(proc)) != NULL) {
        char path[300], text[1024], *paren;
        int ppid = 0;
        char state = 0;
        size_t len;
        FILE *f;
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        f = fopen(path, "r"); /* gone already: not left */
        if (f == NULL)
            continue;
        len = fread(text, 1, sizeof(text) - 1, f);
        fclose(f);
        text[len] = '\0';
        /* "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses. */
        paren = strrchr(text, ')');
        if (paren != NULL && sscanf(paren, ") %c %d", &state, &ppid) == 2 && ppid == getpid())
            n++;
    }
    closedir(proc);
    return n;
}

START_TEST(interrupting_a_run_at_any_step_leaves_no_namespace_and_no_process)
{
    const struct stop_point *sp = &stop_points[_i];
    char *kc = write_kubeconfig("kubeconfig-cert", 1);
    char *top = tu_printf("%s/%s", dir, sp->name);
    char *json_path = tu_printf("%s/reports/results.json", top);
    char *errlog = tu_printf("%s/stderr.log", top);
    unsigned started, running, files;
    const char *leak;
    char auth[64], *text;
    cJSON *j;
    pid_t pid;

    arm(sp->name, sp, false);
    pid = start_run(sp->name, kc);
    atomic_store(&trig.pid, pid);
    ck_assert_int_eq(wait_run(pid, 120), 2);
    hook_done();
    ck_assert_msg(atomic_load(&trig.fired), "%s: no %s %s was seen", sp->name, sp->method,
                  sp->pattern);
    ck_assert_msg(atomic_load(&trig.heard), "%s: the run did not say it was interrupted", sp->name);

    /* Namespaces were created, and none is left, nor anything that was in one. */
    ck_assert_uint_ge(sc_kube_double_count(dbl, "PATCH", "/api/v1/namespaces/"), 1);
    ck_assert_uint_ge(sc_kube_double_count(dbl, "DELETE", "/api/v1/namespaces/"), 1);
    ck_assert_msg(sc_kube_double_objects(dbl, "/api/v1/namespaces/") == 0,
                  "%s: %u objects left under /api/v1/namespaces/", sp->name,
                  sc_kube_double_objects(dbl, "/api/v1/namespaces/"));
    ck_assert_uint_eq(sc_kube_double_objects(dbl, "/apis/"), 0);
    /* No pod process is left: not by the double's account, nor by the kernel's. */
    sc_kube_double_processes(dbl, &started, &running);
    ck_assert_uint_eq(running, 0);
    ck_assert_uint_eq(children_left(), 0);
    sc_kube_double_last(dbl, "auth", auth, sizeof(auth));
    ck_assert_str_eq(auth, "cert:alice");

    /* The reports were written after the cleanup, and they hold both cases. */
    text = tu_slurp(json_path);
    ck_assert_msg(text != NULL, "%s: no %s", sp->name, json_path);
    j = cJSON_Parse(text);
    ck_assert_msg(j != NULL, "%s: %s is not JSON", sp->name, json_path);
    ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "summary"), "total")->valueint, 2);
    cJSON_Delete(j);
    free(text);
    ck_assert_msg(file_has(errlog, "the run was interrupted"), "%s: %s does not say why", sp->name,
                  errlog);

    leak = scan_for_secrets(top, &files);
    ck_assert_msg(leak[0] == '\0', "%s", leak);
    ck_assert_uint_ge(files, 3); /* stdout, stderr, results.json, ... */
    free(errlog);
    free(json_path);
    free(top);
    free(kc);
}
END_TEST

/*
 * A second SIGINT ends smi-conformance at once (130), from its signal handler: no case gets
 * to delete its namespace and no report is written. On the kube platform the fixtures are
 * not its children but the cluster's pods (here the double's processes), so they do not die
 * with it: they run on in the namespaces left behind until someone deletes those (as
 * `kubectl delete ns -l app.kubernetes.io/part-of=smi-conformance` would). Nothing else is
 * left: once the namespaces are gone (the double stopped), no process remains.
 */
START_TEST(a_second_interrupt_exits_at_once_and_leaves_the_namespaces_to_the_cluster)
{
    const struct stop_point *sp = &stop_points[4]; /* traffic: pods are running */
    char *kc = write_kubeconfig("kubeconfig-token", 0);
    char *json_path = tu_printf("%s/twice/reports/results.json", dir);
    unsigned started, running, left;
    char *text;
    pid_t pid;

    ck_assert_str_eq(sp->name, "traffic");
    arm("twice", sp, true);
    pid = start_run("twice", kc);
    atomic_store(&trig.pid, pid);
    ck_assert_int_eq(wait_run(pid, 120), 130);
    hook_done();
    ck_assert(atomic_load(&trig.fired));
    ck_assert(atomic_load(&trig.heard));
    ck_assert(atomic_load(&trig.exited));

    /* The case whose traffic plan was held never got to its cleanup: its namespace is left,
     * with its pods running. */
    ck_assert_uint_ge(sc_kube_double_objects(dbl, "/api/v1/namespaces/"), 1);
    ck_assert_uint_ge(sc_kube_double_objects(dbl, "/apis/apps/v1/namespaces/"), 1);
    sc_kube_double_processes(dbl, &started, &running);
    ck_assert_uint_ge(running, 1);
    /* Those pods are all that is left: smi-conformance left no process of its own. */
    left = children_left();
    ck_assert_uint_eq(left, running);
    /* No report: the handler exits without writing one. */
    text = tu_slurp(json_path);
    ck_assert_msg(text == NULL, "%s was written", json_path);

    /* The namespaces' end (here the double's) takes their pods with them. */
    sc_kube_double_stop(dbl);
    dbl = NULL;
    ck_assert_uint_eq(children_left(), 0);
    free(json_path);
    free(kc);
}
END_TEST

/* The header shape comes from the served CRD: for each shape (and without a readable CRD, the
 * profile's map), a run applies its HTTPRouteGroup in that shape, which the double accepts
 * (it refuses the other shape with 422, as a structural schema does), and says so in its log. */
START_TEST(a_run_writes_route_headers_in_the_shape_the_served_crd_declares)
{
    static const char *const crd[] = {"array", "object", NULL};
    /* The apply line of the case's log, as results.json holds it (JSON text in a string). */
    static const char *const applied[] = {"\\\"headers\\\":[{", "\\\"headers\\\":{",
                                          "\\\"headers\\\":{"};
    static const char *const said[] = {
        "declares headers as array; writing them as a list (not the profile's routeHeaders)",
        "declares headers as object; writing them as a map",
        "writing headers as the profile says (map)"};
    char run[16], *kc, *path, *text;
    sc_kube_double_stop(dbl);
    start_double(crd[_i]);
    kc = write_kubeconfig("kubeconfig-token", 0);
    snprintf(run, sizeof(run), "headers-%d", _i);
    ck_assert_int_eq(wait_run(start_run_with(run, kc, "headers"), 120), 0);
    path = tu_printf("%s/%s/reports/results.json", dir, run);
    text = tu_slurp(path);
    ck_assert_msg(text != NULL, "no %s", path);
    ck_assert_msg(strstr(text, applied[_i]) != NULL, "%s: no %s in %s", crd[_i] ? crd[_i] : "none",
                  applied[_i], path);
    free(text);
    free(path);
    path = tu_printf("%s/%s/stderr.log", dir, run);
    text = tu_slurp(path);
    ck_assert_msg(text != NULL && strstr(text, said[_i]) != NULL, "no '%s' in %s", said[_i], path);
    free(text);
    free(path);
    ck_assert_uint_ge(sc_kube_double_count(dbl, "PATCH", "/apis/specs.smi-spec.io/v1alpha4/"), 1);
    free(kc);
}
END_TEST

START_TEST(the_secrets_scan_finds_a_token_or_key_slice_in_any_file)
{
    char *sub = tu_printf("%s/planted/reports", dir), *cmd = tu_printf("mkdir -p '%s'", sub);
    char *top = tu_printf("%s/planted", dir), *key_b64 = tu_b64(pki.client_key);
    char *line, *s;
    unsigned files;

    ck_assert_int_eq(system(cmd), 0);
    free(tu_write(sub, "results.json", "{\"clean\":true}\n", 0));
    ck_assert_str_eq(scan_for_secrets(top, &files), "");
    ck_assert_uint_eq(files, 1);

    line = tu_printf("12:00:00 debug kube: Authorization: Bearer %s\n", TOKEN);
    free(tu_write(top, "stderr.log", line, 0));
    ck_assert_msg(strstr(scan_for_secrets(top, &files), "stderr.log") != NULL, "token missed");
    free(line);

    /* A slice of the key as a kubeconfig carries it (base64 of the PEM). */
    s = slice(key_b64);
    line = tu_printf("{\"log\":\"...%s...\"}\n", s);
    free(tu_write(top, "stderr.log", "clean\n", 0));
    free(tu_write(sub, "results.json", line, 0));
    ck_assert_msg(strstr(scan_for_secrets(top, &files), "results.json") != NULL, "key missed");
    free(line);
    free(s);
    free(key_b64);
    free(top);
    free(cmd);
    free(sub);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("kube_e2e");
    TCase *tc = tcase_create("e2e");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, a_whole_run_passes_through_the_kube_platform_and_leaves_nothing_behind);
    tcase_add_loop_test(tc, interrupting_a_run_at_any_step_leaves_no_namespace_and_no_process, 0,
                        NSTOP_POINTS);
    tcase_add_test(tc, a_second_interrupt_exits_at_once_and_leaves_the_namespaces_to_the_cluster);
    tcase_add_loop_test(tc, a_run_writes_route_headers_in_the_shape_the_served_crd_declares, 0, 3);
    tcase_add_test(tc, the_secrets_scan_finds_a_token_or_key_slice_in_any_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sc_check_run(suite());
}

/* test_kube_preflight.c - `smi-conformance preflight` against the API double, one blocker at a
 * time, with what the user reads; and `run --platform kube` stopping on a blocker before it
 * deploys anything. */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kube_api_double.h"
#include "testcerts.h"
#include "testutil.h"

#include "base/file.h"
#include "platform/kube/client.h"
#include "platform/kube/kubeconfig.h"
#include "base/tests/check_main.h"

#define TOKEN "sc-preflight-token-9f8e7d6c5b4a"
#define SA    "system:serviceaccount:smi-conformance:smi-conformance"

static struct sc_test_pki pki;
static volatile pid_t child; /* smi()'s, while it runs */
static struct sc_kube_double *dbl;
static char *dir;

/* A double serving what `served` says (NULL: the e2e set), metrics unavailable on demand. */
static const char *crd_headers; /* for start(): the CRD's headers type, NULL: none */
static const char *unpullable;  /* for start(): the image the double's kubelet cannot pull */
static char *mesh_file;         /* for smi(): the profile, NULL: e2e/double.yaml */
static unsigned pod_start_ms;   /* for start(): how long a pod takes to be ready (0: polls) */

static void start(const char *const served[4], bool metrics_down)
{
    static const char *const all[4] = {"v1alpha3", "v1alpha4", "v1alpha4", "v1alpha1"};
    struct sc_kube_double_opts o;
    struct sc_err err;
    memset(&o, 0, sizeof(o));
    o.server_cert_pem = pki.server_cert;
    o.server_key_pem = pki.server_key;
    o.token = TOKEN;
    for (int i = 0; i < 4; i++)
        o.served[i] = served ? served[i] : all[i];
    o.metrics_unavailable = metrics_down;
    o.crd_headers = crd_headers;
    o.unpullable_image = unpullable;
    o.pod_start_ms = pod_start_ms;
    sc_err_init(&err);
    dbl = sc_kube_double_start(&o, &err);
    ck_assert_msg(dbl != NULL, "%s", err.msg);
}

static void setup(void)
{
    sc_test_pki_make(&pki);
    dir = tu_tmpdir();
    dbl = NULL;
    crd_headers = NULL;
    unpullable = NULL;
    mesh_file = NULL;
    pod_start_ms = 0;
    unsetenv("KUBECONFIG");
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
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

/* Runs of spaces become one: the table's columns, compared without their padding. */
static void squeeze(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++)
        if (!(*r == ' ' && w > s && w[-1] == ' '))
            *w++ = *r;
    *w = '\0';
}

/* Run smi-conformance with ARGS (NULL-terminated) after `CMD --kubeconfig K --mesh DOUBLE`;
 * its exit status, its stderr in *out (caller frees). */
static int smi(const char *cmd, const char *token, char **out, const char *extra)
{
    char *ca = tu_b64(pki.ca_cert);
    char *text = tu_printf("apiVersion: v1\nkind: Config\ncurrent-context: d\n"
                           "clusters:\n- name: d\n  cluster:\n"
                           "    server: https://127.0.0.1:%d\n"
                           "    certificate-authority-data: %s\n"
                           "contexts:\n- name: d\n  context: {cluster: d, user: u}\n"
                           "users:\n- name: u\n  user:\n    token: %s\n",
                           sc_kube_double_port(dbl), ca, token);
    char *kc = tu_write(dir, "kubeconfig", text, 0600);
    char *bin = tu_printf("%s/conformance/smi-conformance", tu_build_dir());
    char *mesh = mesh_file ? tu_printf("%s", mesh_file)
                           : tu_printf("%s/conformance/platform/kube/tests/e2e/double.yaml",
                                       tu_source_dir());
    char *suites = tu_printf("%s/conformance/platform/kube/tests/e2e/suites", tu_source_dir());
    char *errp = tu_printf("%s/stderr.log", dir), *reports = tu_printf("%s/reports", dir);
    int st = 0;
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    child = pid;
    if (pid == 0) {
        if (freopen("/dev/null", "w", stdout) == NULL || freopen(errp, "w", stderr) == NULL)
            _exit(126);
        alarm(120);
        if (strcmp(cmd, "run") == 0)
            execl(bin, bin, "run", "--platform", "kube", "--kubeconfig", kc, "--mesh", mesh,
                  "--suites", suites, "--report-dir", reports, "--timeout", "3s", extra,
                  (char *)NULL);
        else
            execl(bin, bin, "preflight", "--kubeconfig", kc, "--mesh", mesh, extra, (char *)NULL);
        _exit(127);
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st));
    *out = tu_slurp(errp);
    ck_assert_ptr_nonnull(*out);
    squeeze(*out);
    free(ca);
    free(text);
    free(kc);
    free(bin);
    free(mesh);
    free(suites);
    free(errp);
    free(reports);
    return WEXITSTATUS(st);
}

static void has(const char *text, const char *want)
{
    ck_assert_msg(strstr(text, want) != NULL, "no '%s' in:\n%s", want, text);
}

static void use_role(int drop)
{
    char *path = tu_printf("%s/fixtures/kube/harness/job.yaml", tu_source_dir());
    char *yaml = tu_slurp(path);
    struct sc_err err;
    ck_assert_ptr_nonnull(yaml);
    sc_err_init(&err);
    ck_assert_msg(sc_kube_double_rbac(dbl, yaml, SA, drop, &err) == 0, "%s", err.msg);
    free(yaml);
    free(path);
}

START_TEST(a_cluster_that_can_run_the_suite_passes_every_check)
{
    char *out;
    start(NULL, false);
    use_role(-1);
    ck_assert_int_eq(smi("preflight", TOKEN, &out, "--help"), 0);
    free(out);
    ck_assert_int_eq(smi("preflight", TOKEN, &out, NULL), 0);
    has(out, "API reachable and authenticated ok Kubernetes v1.29.0-double");
    has(out, "permissions ok all ");
    has(out, "SMI access.smi-spec.io served ok claimed v1alpha3; served v1alpha3");
    has(out, "SMI metrics.smi-spec.io served ok claimed v1alpha1; served v1alpha1");
    ck_assert_uint_eq(sc_kube_double_forbidden(dbl, NULL, 0), 0);
    free(out);
}
END_TEST

START_TEST(credentials_the_server_refuses_block_with_a_fix)
{
    char *out;
    start(NULL, false);
    ck_assert_int_eq(smi("preflight", "not-the-token", &out, NULL), 2);
    has(out, "API reachable and authenticated FAIL unauthorized: Unauthorized");
    has(out, "fix: the credentials are not accepted");
    has(out, "preflight: 1 check failed");
    free(out);
}
END_TEST

START_TEST(a_missing_permission_blocks_and_names_the_rule_to_grant)
{
    char *out;
    start(NULL, false);
    use_role(3); /* namespaces */
    ck_assert_int_eq(smi("preflight", TOKEN, &out, NULL), 2);
    has(out, "permission FAIL create namespaces");
    has(out, "fix: grant \"create\" on \"namespaces\" in API group \"\"");
    free(out);
}
END_TEST

START_TEST(a_run_stops_on_a_blocker_before_deploying_anything)
{
    char *out;
    start(NULL, false);
    use_role(3);
    ck_assert_int_eq(smi("run", TOKEN, &out, NULL), 2);
    has(out, "FAIL patch namespaces");
    has(out, "nothing was deployed; --skip-preflight starts anyway");
    /* Nothing applied (preflight's dry runs of an HTTPRouteGroup store nothing). */
    ck_assert_uint_eq(sc_kube_double_count(dbl, "PATCH", "/api/"), 0);
    ck_assert_uint_eq(sc_kube_double_count(dbl, "PATCH", "/apis/apps/"), 0);
    ck_assert_uint_eq(sc_kube_double_objects(dbl, "/api"), 0);
    free(out);
}
END_TEST

START_TEST(smi_groups_the_profile_claims_but_the_cluster_does_not_serve_block)
{
    static const char *const none[4] = {NULL, NULL, "v1alpha4", "v1alpha1"};
    char *out;
    start(none, false);
    ck_assert_int_eq(smi("preflight", TOKEN, &out, NULL), 2);
    has(out, "SMI access.smi-spec.io served FAIL claimed v1alpha3; served none");
    has(out, "SMI specs.smi-spec.io served FAIL claimed v1alpha4; served none");
    has(out, "fix: install the SMI CRDs of a version the mesh implements");
    has(out, "preflight: 2 checks failed");
    free(out);
}
END_TEST

START_TEST(a_metrics_api_that_does_not_answer_blocks)
{
    char *out;
    start(NULL, true);
    ck_assert_int_eq(smi("preflight", TOKEN, &out, NULL), 2);
    has(out, "SMI metrics.smi-spec.io served FAIL the metrics API is registered but not available "
             "(503)");
    has(out, "fix: install the mesh's SMI metrics API");
    free(out);
}
END_TEST

/* The double's profile writes headers as a map (the spec's shape): the CRD decides what a run
 * writes, the profile's shape only when the CRD cannot be read. */
START_TEST(the_header_shape_is_read_from_the_served_crd_both_ways)
{
    char *out;
    crd_headers = "array";
    start(NULL, false);
    ck_assert_int_eq(smi("preflight", TOKEN, &out, NULL), 0);
    has(out, "HTTPRouteGroup header shape ok the served CRD (v1alpha4) declares headers as "
             "array; a run writes them so (the profile's routeHeaders: map, used only when the "
             "CRD cannot be read)");
    free(out);
    sc_kube_double_stop(dbl);
    crd_headers = "object";
    start(NULL, false);
    ck_assert_int_eq(smi("preflight", TOKEN, &out, NULL), 0);
    has(out, "HTTPRouteGroup header shape ok the served CRD (v1alpha4) declares headers as "
             "object; a run writes them so\n");
    free(out);
    sc_kube_double_stop(dbl);
    crd_headers = NULL; /* the CRD cannot be read (404) */
    start(NULL, false);
    ck_assert_int_eq(smi("preflight", TOKEN, &out, NULL), 0);
    has(out, "HTTPRouteGroup header shape WARN not checked: cannot read the CRD:");
    has(out, "a run writes the profile's shape (map)");
    has(out, "fix: grant get on customresourcedefinitions");
    free(out);
}
END_TEST

/* The namespace every cluster has (kube-apiserver's system namespaces controller), where the
 * dry run goes; the double starts without it. */
static void put_default_namespace(void)
{
    sc_kube_double_put(dbl, "/api/v1/namespaces/default",
                       "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":"
                       "{\"name\":\"default\"},\"status\":{\"phase\":\"Active\"}}");
}

/* Without get on the CRD (rule 2 left out: 403), a server-side dry-run apply of each shape
 * decides: the double's validation refuses the shape the CRD does not declare (422), and
 * nothing is stored. Both ways, in preflight's table and in the platform's open (run --list). */
START_TEST(the_header_shape_is_learned_by_a_dry_run_when_the_crd_cannot_be_read)
{
    static const char *const crd[] = {"array", "object"};
    static const char *const writes[] = {"list", "map"};
    char *out, *want;
    crd_headers = crd[_i];
    start(NULL, false);
    use_role(2);
    put_default_namespace();
    ck_assert_int_eq(smi("preflight", TOKEN, &out, NULL), 0);
    has(out, "HTTPRouteGroup header shape ok cannot read the CRD: forbidden: "
             "customresourcedefinitions.apiextensions.k8s.io \"httproutegroups.specs.smi-spec.io\""
             " is forbidden");
    has(out, "a server-side dry-run apply of an HTTPRouteGroup (specs v1alpha4) in namespace "
             "default: headers as a list ");
    has(out, _i == 0 ? "headers as a list accepted, as a map refused: invalid: HTTPRouteGroup"
                     : "headers as a list refused: invalid: HTTPRouteGroup");
    has(out, _i == 0 ? "spec.matches[0].headers in body must be of type array: \"object\""
                     : "spec.matches[0].headers in body must be of type object: \"array\", as a "
                       "map accepted");
    want = tu_printf(": a run writes them as a %s\n", writes[_i]);
    has(out, want);
    free(want);
    free(out);
    setenv("SC_LOG", "info", 1);
    ck_assert_int_eq(smi("run", TOKEN, &out, "--list"), 0);
    unsetenv("SC_LOG");
    want = tu_printf(": writing them as a %s%s", writes[_i],
                     _i == 0 ? " (not the profile's routeHeaders)" : "\n");
    has(out, want);
    free(want);
    free(out);
    ck_assert_uint_ge(sc_kube_double_count(dbl, "PATCH",
                                           "/apis/specs.smi-spec.io/v1alpha4/"
                                           "namespaces/default/httproutegroups/"),
                      4);
    ck_assert_uint_eq(sc_kube_double_objects(dbl, "/apis/specs.smi-spec.io/"), 0);
    /* The shipped role allows the dry runs: the CRD reads are the only refusals. */
    ck_assert_uint_eq(sc_kube_double_forbidden(dbl, NULL, 0),
                      sc_kube_double_count(dbl, "GET", "/apis/apiextensions.k8s.io/"));
}
END_TEST

/* Neither shape accepted (here: the namespace the dry runs go to is missing, 404 for both): the
 * profile's shape, and the table says why. */
START_TEST(a_dry_run_that_judges_no_shape_falls_back_to_the_profile)
{
    char *out;
    crd_headers = "array";
    start(NULL, false);
    use_role(2);
    ck_assert_int_eq(smi("preflight", TOKEN, &out, NULL), 0);
    has(out, "HTTPRouteGroup header shape WARN not checked: cannot read the CRD: forbidden:");
    has(out, "headers as a list not judged: not found: namespaces \"default\" not found, as a "
             "map not judged: not found: namespaces \"default\" not found;");
    has(out, "a run writes the profile's shape (map)");
    free(out);
}
END_TEST

/* The double's dry run: only "All" is a dryRun value (422 otherwise, as kube-apiserver's
 * ValidatePatchOptions), and an accepted dry run is answered as if applied, storing nothing. */
START_TEST(the_double_honours_dry_run_all_and_refuses_other_values)
{
    static const char ns[] = "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":"
                             "{\"name\":\"dry\"}}";
    struct sc_kube_config *cfg = NULL;
    struct sc_kube_client *c = NULL;
    struct sc_kube_resp r;
    struct sc_err err;
    char *out = NULL, *kc = tu_printf("%s/kubeconfig", dir);
    start(NULL, false);
    ck_assert_int_eq(smi("preflight", TOKEN, &out, "--help"), 0); /* writes dir/kubeconfig */
    free(out);
    sc_err_init(&err);
    ck_assert_msg(sc_kube_config_load(kc, NULL, &cfg, &err) == 0, "%s", err.msg);
    free(kc);
    ck_assert_msg(sc_kube_client_new(cfg, NULL, &c, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(sc_kube_do(c, "PATCH",
                                "/api/v1/namespaces/dry?fieldManager=t&dryRun=Everything",
                                "application/apply-patch+yaml", ns, 0, &r, &err),
                     0);
    ck_assert_int_eq(r.status, 422);
    has(r.body, "PatchOptions.meta.k8s.io \\\"\\\" is invalid: dryRun: Unsupported value: "
                "[]string{\\\"Everything\\\"}: supported values: \\\"All\\\"");
    sc_kube_resp_release(&r);
    ck_assert_int_eq(sc_kube_do(c, "PATCH", "/api/v1/namespaces/dry?fieldManager=t&dryRun=All",
                                "application/apply-patch+yaml", ns, 0, &r, &err),
                     0);
    ck_assert_int_eq(r.status, 201);
    has(r.body, "\"name\":\"dry\"");
    sc_kube_resp_release(&r);
    ck_assert_uint_eq(sc_kube_double_objects(dbl, "/api/v1/namespaces/dry"), 0);
    sc_kube_client_free(c);
}
END_TEST

/* The profile's controlPlane: each Deployment named must be there with a ready replica. */
START_TEST(a_control_plane_that_is_missing_or_not_ready_blocks)
{
    char *path = tu_printf("%s/conformance/platform/kube/tests/e2e/double.yaml", tu_source_dir());
    char *base = tu_slurp(path), *text, *out;
    const char *dep = "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":"
                      "{\"name\":\"mesh-controller\",\"namespace\":\"mesh-system\","
                      "\"generation\":1},\"spec\":{\"replicas\":1}}";
    const char *pod = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":"
                      "\"mesh-controller-7d9c8b6f5-00001\",\"namespace\":\"mesh-system\"}}";
    ck_assert_ptr_nonnull(base);
    text = tu_printf("%scontrolPlane:\n  namespace: mesh-system\n"
                     "  deployments: [mesh-controller, mesh-injector]\n",
                     base);
    mesh_file = tu_write(dir, "cp.yaml", text, 0600);
    start(NULL, false);
    sc_kube_double_put(dbl, "/api/v1/namespaces/mesh-system",
                       "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":"
                       "{\"name\":\"mesh-system\"}}");
    sc_kube_double_put(dbl, "/apis/apps/v1/namespaces/mesh-system/deployments/mesh-controller",
                       dep);
    sc_kube_double_put(dbl, "/api/v1/namespaces/mesh-system/pods/mesh-controller-7d9c8b6f5-00001",
                       pod);
    ck_assert_int_eq(smi("preflight", TOKEN, &out, NULL), 2);
    has(out, "mesh control plane FAIL mesh-system/mesh-controller ready (1/1); deployment "
             "mesh-system/mesh-injector not found\n");
    has(out, "fix: install the mesh (scripts/kind/install-mesh.sh on kind) and wait for its "
             "control plane (kubectl -n mesh-system get deployments), or correct the profile's "
             "controlPlane");
    has(out, "fixture image starts WARN not checked: a check above failed");
    free(out);
    /* Without the key: not checked. */
    free(mesh_file);
    mesh_file = NULL;
    ck_assert_int_eq(smi("preflight", TOKEN, &out, NULL), 0);
    has(out, "mesh control plane ok not checked: the profile names no control plane");
    free(out);
    free(text);
    free(base);
    free(path);
}
END_TEST

/* One short-lived pod of the fixture image: it starts, or the kubelet's pull failure blocks with
 * a fix; its namespace is gone either way. */
START_TEST(a_fixture_image_that_cannot_be_pulled_blocks)
{
    char *out;
    unpullable = "smi-fixture:missing";
    start(NULL, false);
    ck_assert_int_eq(smi("preflight", TOKEN, &out, NULL), 0);
    has(out, "fixture image starts ok a pod of smi-fixture:");
    free(out);
    ck_assert_int_eq(smi("preflight", TOKEN, &out, "--fixture-image=smi-fixture:missing"), 2);
    has(out,
        "fixture image starts FAIL image smi-fixture:missing cannot be pulled (ErrImagePull):");
    has(out, "container fixture waiting: ErrImagePull rpc error: code = NotFound desc = failed to "
             "pull and unpack image \"docker.io/library/smi-fixture:missing\"");
    has(out, "fix: make smi-fixture:missing pullable by the nodes: on kind, build it and `kind "
             "load docker-image smi-fixture:missing`");
    has(out, "preflight: 1 check failed (see the table above): nothing is left deployed");
    free(out);
    ck_assert_uint_eq(sc_kube_double_objects(dbl, "/api/v1/namespaces/smi-preflight-"), 0);
    ck_assert_uint_ge(sc_kube_double_count(dbl, "DELETE", "/api/v1/namespaces/smi-preflight-"), 2);
}
END_TEST

/* A run's preflight starts the fixture image's pod too: an image the kubelet cannot pull stops
 * the run (exit 2, the table) before anything of the run is deployed; --skip-image-check leaves
 * the pod out. */
START_TEST(a_run_stops_when_the_fixture_image_cannot_be_pulled)
{
    unsigned applied;
    char *out;
    unpullable = "smi-fixture:missing";
    start(NULL, false);
    ck_assert_int_eq(smi("run", TOKEN, &out, "--fixture-image=smi-fixture:missing"), 2);
    has(out, "smi-conformance: preflight: starting a pod of smi-fixture:missing in namespace "
             "smi-preflight-");
    has(out, "(up to 120s)");
    has(out, "fixture image starts FAIL image smi-fixture:missing cannot be pulled (ErrImagePull)");
    has(out, "fix: make smi-fixture:missing pullable by the nodes");
    has(out, "preflight: 1 check failed (see the table above): nothing was deployed");
    free(out);
    /* Only into the check's own namespace, deleted again: the run deployed nothing. */
    applied = sc_kube_double_count(dbl, "PATCH", "/api/v1/namespaces/smi-preflight-");
    ck_assert_uint_ge(applied, 1);
    ck_assert_uint_eq(sc_kube_double_count(dbl, "PATCH", "/api/v1/namespaces/"), applied);
    ck_assert_uint_eq(sc_kube_double_count(dbl, "PATCH", "/apis/apps/"), 1);
    /* At a run's start the check's namespace is deleted without waiting (it terminates off
     * the run's path): its deletion began, and nothing else exists. */
    ck_assert_uint_ge(sc_kube_double_count(dbl, "DELETE", "/api/v1/namespaces/smi-preflight-"), 1);
    ck_assert_uint_eq(sc_kube_double_objects(dbl, "/api/v1/namespaces/"),
                      sc_kube_double_objects(dbl, "/api/v1/namespaces/smi-preflight-"));
    /* A blocker makes the table show: the image check was left out, not failed. */
    use_role(3);
    ck_assert_int_eq(smi("run", TOKEN, &out, "--skip-image-check"), 2);
    has(out, "fixture image starts ok not checked (--skip-image-check)");
    ck_assert_ptr_null(strstr(out, "preflight: starting a pod"));
    free(out);
    ck_assert_uint_eq(sc_kube_double_count(dbl, "PATCH", "/api/v1/namespaces/"), applied);
}
END_TEST

/* A pod that takes longer than a progress interval (10 s) to start: preflight says it waits. */
START_TEST(a_slow_pod_start_is_reported_while_it_is_waited_for)
{
    char *out;
    pod_start_ms = 12000;
    start(NULL, false);
    ck_assert_int_eq(smi("preflight", TOKEN, &out, NULL), 0);
    has(out, "smi-conformance: preflight: starting a pod of smi-fixture:");
    has(out, "smi-conformance: preflight: a pod of smi-fixture:");
    has(out, " not ready after 1");
    has(out, "s of 120s: ");
    has(out, "fixture image starts ok a pod of smi-fixture:");
    free(out);
}
END_TEST

/* A hook on the double's thread: Ctrl-C to the program under test. */
static void interrupt_child(void *arg)
{
    (void)arg;
    kill(child, SIGINT);
}

/* Ctrl-C while a run's preflight waits for the fixture image's pod: it stops waiting, deletes
 * the check's namespace, shows what it checked and exits 2 without starting the run. */
START_TEST(interrupting_the_image_check_leaves_nothing_behind)
{
    char *out;
    pod_start_ms = 60000; /* not ready before the interruption */
    start(NULL, false);
    /* The pod's first readiness look. */
    sc_kube_double_hook(dbl, "GET", "/apis/apps/v1/namespaces/smi-preflight-*/deployments", 1,
                        interrupt_child, NULL);
    ck_assert_int_eq(smi("run", TOKEN, &out, "--fixture-image=smi-fixture:slow"), 2);
    has(out, "fixture image starts FAIL interrupted while a pod of smi-fixture:slow started");
    has(out, "smi-conformance: error: preflight was interrupted");
    ck_assert_ptr_null(strstr(out, " left: "));
    free(out);
    /* its deletion began (not waited for at a run's start), and nothing else exists */
    ck_assert_uint_ge(sc_kube_double_count(dbl, "DELETE", "/api/v1/namespaces/smi-preflight-"), 1);
    ck_assert_uint_eq(sc_kube_double_objects(dbl, "/api/v1/namespaces/"),
                      sc_kube_double_objects(dbl, "/api/v1/namespaces/smi-preflight-"));
    ck_assert_uint_eq(sc_kube_double_count(dbl, "PATCH", "/api/v1/namespaces/sc-"), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kube_preflight");
    TCase *tc = tcase_create("preflight");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_cluster_that_can_run_the_suite_passes_every_check);
    tcase_add_test(tc, credentials_the_server_refuses_block_with_a_fix);
    tcase_add_test(tc, a_missing_permission_blocks_and_names_the_rule_to_grant);
    tcase_add_test(tc, a_run_stops_on_a_blocker_before_deploying_anything);
    tcase_add_test(tc, smi_groups_the_profile_claims_but_the_cluster_does_not_serve_block);
    tcase_add_test(tc, a_metrics_api_that_does_not_answer_blocks);
    tcase_add_test(tc, the_header_shape_is_read_from_the_served_crd_both_ways);
    tcase_add_loop_test(tc, the_header_shape_is_learned_by_a_dry_run_when_the_crd_cannot_be_read, 0,
                        2);
    tcase_add_test(tc, a_dry_run_that_judges_no_shape_falls_back_to_the_profile);
    tcase_add_test(tc, the_double_honours_dry_run_all_and_refuses_other_values);
    tcase_add_test(tc, a_control_plane_that_is_missing_or_not_ready_blocks);
    tcase_add_test(tc, a_fixture_image_that_cannot_be_pulled_blocks);
    tcase_add_test(tc, a_run_stops_when_the_fixture_image_cannot_be_pulled);
    tcase_add_test(tc, interrupting_the_image_check_leaves_nothing_behind);
    tcase_add_test(tc, a_slow_pod_start_is_reported_while_it_is_waited_for);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}

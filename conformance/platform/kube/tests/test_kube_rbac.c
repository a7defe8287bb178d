/* test_kube_rbac.c - the shipped ClusterRole (fixtures/kube/harness/job.yaml) against the API
 * double's RBAC authoriser: a whole kube run as the Job's ServiceAccount passes with it, and
 * without any one of its rules the run is refused with a message that names the rule's verb and
 * resource. */
#include <cjson/cJSON.h>
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kube_api_double.h"
#include "testcerts.h"
#include "testutil.h"

#include "base/clock.h"
#include "base/file.h"
#include "base/tests/check_main.h"

#define TOKEN "sc-rbac-token-0c1d2e3f4a5b6c7d8e9f"
#define SA    "system:serviceaccount:smi-conformance:smi-conformance"

static struct sc_test_pki pki;
static struct sc_kube_double *dbl;
static char *dir, *role_yaml;
static int nrules;

static char *read_role(void)
{
    char *path = tu_printf("%s/fixtures/kube/harness/job.yaml", tu_source_dir());
    char *text = tu_slurp(path);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    free(path);
    return text;
}

static void setup(void)
{
    struct sc_kube_double_opts o;
    struct sc_err err;
    char *fixture = tu_printf("%s/fixtures/server/smi-fixture", tu_build_dir());
    sc_test_pki_make(&pki);
    memset(&o, 0, sizeof(o));
    o.server_cert_pem = pki.server_cert;
    o.server_key_pem = pki.server_key;
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
    free(fixture);
    role_yaml = read_role();
    dir = tu_tmpdir();
    unsetenv("KUBECONFIG");
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
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
    free(role_yaml);
    sc_test_pki_free(&pki);
}

static char *write_kubeconfig(void)
{
    char *ca = tu_b64(pki.ca_cert);
    char *text = tu_printf("apiVersion: v1\nkind: Config\ncurrent-context: double\n"
                           "clusters:\n- name: double\n  cluster:\n"
                           "    server: https://127.0.0.1:%d\n"
                           "    certificate-authority-data: %s\n"
                           "contexts:\n- name: double\n  context: {cluster: double, user: sa}\n"
                           "users:\n- name: sa\n  user:\n    token: %s\n",
                           sc_kube_double_port(dbl), ca, TOKEN);
    char *path = tu_write(dir, "kubeconfig", text, 0600);
    free(text);
    free(ca);
    return path;
}

/* How run() starts smi-conformance. */
enum how { RUN, RUN_WITHOUT_PREFLIGHT, PREFLIGHT };

/* Run `smi-conformance run --platform kube` on the suites of e2e/SUITES (or `preflight`) to
 * its end; its exit status. Its stderr and reports stay in DIR/NAME. */
static int run_how(const char *name, const char *suites_dir, enum how how)
{
    char *kc = write_kubeconfig();
    char *bin = tu_printf("%s/conformance/smi-conformance", tu_build_dir());
    char *suites =
        tu_printf("%s/conformance/platform/kube/tests/e2e/%s", tu_source_dir(), suites_dir);
    char *mesh = tu_printf("%s/conformance/platform/kube/tests/e2e/double.yaml", tu_source_dir());
    char *rundir = tu_printf("%s/%s", dir, name), *reports = tu_printf("%s/reports", rundir);
    char *out = tu_printf("%s/stdout.log", rundir), *errp = tu_printf("%s/stderr.log", rundir);
    int st = 0;
    pid_t pid;

    ck_assert_int_eq(mkdir(rundir, 0700), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (freopen(out, "w", stdout) == NULL || freopen(errp, "w", stderr) == NULL)
            _exit(126);
        alarm(240);
        if (how == PREFLIGHT)
            execl(bin, bin, "preflight", "--kubeconfig", kc, "--mesh", mesh, (char *)NULL);
        else
            execl(bin, bin, "run", "--platform", "kube", "--kubeconfig", kc, "--mesh", mesh,
                  "--suites", suites, "--fixture-image", "smi-fixture:e2e", "--report-dir", reports,
                  "--parallel", "2", "--timeout", "1s", "--retries", "0",
                  how == RUN_WITHOUT_PREFLIGHT ? "--skip-preflight" : (char *)NULL, (char *)NULL);
        _exit(127);
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st), "smi-conformance died of signal %d",
                  WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    free(kc);
    free(bin);
    free(suites);
    free(mesh);
    free(rundir);
    free(reports);
    free(out);
    free(errp);
    return WEXITSTATUS(st);
}

static int run(const char *name, const char *suites_dir)
{
    return run_how(name, suites_dir, RUN);
}

/* The run's stderr and results.json, one after the other (caller frees). */
static char *run_output(const char *name)
{
    char *p1 = tu_printf("%s/%s/stderr.log", dir, name);
    char *p2 = tu_printf("%s/%s/reports/results.json", dir, name);
    char *a = tu_slurp(p1), *b = tu_slurp(p2);
    char *all = tu_printf("%s\n%s", a ? a : "", b ? b : ""), *w = all;
    /* results.json holds diagnostics as escaped JSON text in JSON: drop every backslash; the
     * preflight table's padding: runs of spaces become one. */
    for (const char *r = all; *r; r++)
        if (*r != '\\' && !(*r == ' ' && w > all && w[-1] == ' '))
            *w++ = *r;
    *w = '\0';
    free(a);
    free(b);
    free(p1);
    free(p2);
    return all;
}

static void use_role(const char *yaml, int drop)
{
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_msg(sc_kube_double_rbac(dbl, yaml, SA, drop, &err) == 0, "%s", err.msg);
}

START_TEST(the_shipped_role_lets_a_whole_run_pass_as_the_jobs_service_account)
{
    char last[1400];
    use_role(role_yaml, -1);
    ck_assert_int_eq(run("whole", "suites"), 0);
    ck_assert_msg(sc_kube_double_forbidden(dbl, last, sizeof(last)) == 0, "refused: %s", last);
    /* It went through the authoriser: namespaces were applied and deleted. */
    ck_assert_uint_ge(sc_kube_double_count(dbl, "PATCH", "/api/v1/namespaces/"), 2);
    ck_assert_uint_ge(sc_kube_double_count(dbl, "DELETE", "/api/v1/namespaces/"), 2);
}
END_TEST

START_TEST(the_rbac_suites_use_every_rule_and_need_no_other)
{
    char last[1400], *path = tu_printf("%s/baseline/reports/results.json", dir), *text;
    const cJSON *sum;
    cJSON *j;
    use_role(role_yaml, -1);
    /* One expectation fails on purpose (diagnostics are read): exit 1, no refusal. */
    ck_assert_int_eq(run("baseline", "rbac"), 1);
    ck_assert_msg(sc_kube_double_forbidden(dbl, last, sizeof(last)) == 0, "refused: %s", last);
    text = tu_slurp(path);
    j = cJSON_Parse(text ? text : "");
    sum = cJSON_GetObjectItem(j, "summary");
    ck_assert_int_eq(cJSON_GetObjectItem(sum, "passed")->valueint, 1);
    ck_assert_int_eq(cJSON_GetObjectItem(sum, "failed")->valueint, 1);
    cJSON_Delete(j);
    free(text);
    free(path);
    ck_assert_uint_ge(sc_kube_double_count(dbl, "GET", "/api/v1/namespaces/"), 1);
}
END_TEST

/* Does text name one of the rule's verbs on one of its resources (or paths)? */
static bool names_rule(const char *text, const cJSON *rule, char *want, size_t len)
{
    const cJSON *v, *r;
    want[0] = '\0';
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(rule, "verbs"))
    {
        cJSON_ArrayForEach(r, cJSON_GetObjectItem(rule, "resources"))
        {
            snprintf(want, len, "cannot %s resource \"%s\"", v->valuestring, r->valuestring);
            if (strstr(text, want) != NULL)
                return true;
            /* preflight's row: "permission FAIL VERB RESOURCE[.GROUP]" (WARN: not needed) */
            snprintf(want, len, "FAIL %s %s", v->valuestring, r->valuestring);
            if (strstr(text, want) != NULL)
                return true;
            snprintf(want, len, "WARN %s %s", v->valuestring, r->valuestring);
            if (strstr(text, want) != NULL)
                return true;
        }
        cJSON_ArrayForEach(r, cJSON_GetObjectItem(rule, "nonResourceURLs"))
        {
            snprintf(want, len, "cannot %s path", v->valuestring);
            if (strstr(text, want) != NULL)
                return true;
        }
    }
    return false;
}

/* Each rule is needed: without it, preflight names it, and (unless only preflight uses it)
 * the run itself, started without preflight, is refused by name. */
START_TEST(without_any_one_rule_of_the_shipped_role_the_run_is_refused_by_name)
{
    cJSON *rules = NULL, *rule;
    struct sc_err err;
    char name[32], pre[32], want[300], last[1400], *text, *printed;
    bool preflight_only;

    sc_err_init(&err);
    ck_assert_int_eq(sc_kube_double_rbac_rules_in(role_yaml, SA, &rules, &err), 0);
    rule = cJSON_GetArrayItem(rules, _i);
    printed = cJSON_PrintUnformatted(rule);
    preflight_only = strstr(printed, "selfsubjectaccessreviews") != NULL ||
                     strstr(printed, "customresourcedefinitions") != NULL;
    use_role(role_yaml, _i);
    snprintf(pre, sizeof(pre), "preflight-without-%d", _i);
    (void)run_how(pre, "rbac", PREFLIGHT);
    text = run_output(pre);
    ck_assert_msg(names_rule(text, rule, want, sizeof(want)),
                  "rule %d %s: preflight does not name it:\n%s", _i, printed, text);
    free(text);
    if (!preflight_only) {
        snprintf(name, sizeof(name), "without-%d", _i);
        (void)run_how(name, "rbac", RUN_WITHOUT_PREFLIGHT);
        ck_assert_msg(sc_kube_double_forbidden(dbl, last, sizeof(last)) > 0,
                      "rule %d %s: nothing was refused without it", _i, printed);
        text = run_output(name);
        ck_assert_msg(names_rule(text, rule, want, sizeof(want)),
                      "rule %d %s: the run's output does not name it (last refusal: %s)", _i,
                      printed, last);
        free(text);
    }
    free(printed);
    cJSON_Delete(rules);
}
END_TEST

START_TEST(an_apply_that_creates_is_refused_without_create_and_the_error_says_why)
{
    const char *from = "resources: [\"namespaces\"]\n    verbs: [\"create\", \"patch\", ";
    const char *to = "resources: [\"namespaces\"]\n    verbs: [\"patch\", ";
    char *at = strstr(role_yaml, from), *yaml, *text, last[1400];

    ck_assert_msg(at != NULL, "job.yaml's namespaces rule has changed");
    yaml = tu_printf("%.*s%s%s", (int)(at - role_yaml), role_yaml, to, at + strlen(from));
    use_role(yaml, -1);
    /* preflight asks first, and says so */
    ck_assert_int_eq(run_how("no-create-preflight", "suites", PREFLIGHT), 2);
    text = run_output("no-create-preflight");
    ck_assert_msg(strstr(text, "permission FAIL create namespaces") != NULL, "%s", text);
    free(text);
    ck_assert_int_ne(run_how("no-create", "suites", RUN_WITHOUT_PREFLIGHT), 0);
    ck_assert_uint_gt(sc_kube_double_forbidden(dbl, last, sizeof(last)), 0);
    /* kube-apiserver's words: the resource and the name, and RBAC's empty reason. */
    ck_assert_msg(strncmp(last, "namespaces \"", 12) == 0 &&
                      strcmp(last + strlen(last) - 14, "is forbidden: ") == 0,
                  "%s", last);
    text = run_output("no-create");
    ck_assert_msg(strstr(text, "needs the \"create\" verb as well as \"patch\"") != NULL,
                  "the run does not say why");
    free(text);
    free(yaml);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("kube_rbac");
    TCase *tc = tcase_create("rbac");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, the_shipped_role_lets_a_whole_run_pass_as_the_jobs_service_account);
    tcase_add_test(tc, the_rbac_suites_use_every_rule_and_need_no_other);
    tcase_add_test(tc, an_apply_that_creates_is_refused_without_create_and_the_error_says_why);
    tcase_add_loop_test(tc, without_any_one_rule_of_the_shipped_role_the_run_is_refused_by_name, 0,
                        nrules);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    char *path = tu_printf("%s/fixtures/kube/harness/job.yaml", tu_source_dir());
    char *yaml = tu_slurp(path);
    cJSON *rules = NULL;
    struct sc_err err;
    sc_err_init(&err);
    free(path);
    if (yaml == NULL || sc_kube_double_rbac_rules_in(yaml, SA, &rules, &err) != 0) {
        fprintf(stderr, "job.yaml: %s\n", err.msg);
        return 1;
    }
    nrules = cJSON_GetArraySize(rules);
    cJSON_Delete(rules);
    free(yaml);
    return sc_check_run(suite());
}

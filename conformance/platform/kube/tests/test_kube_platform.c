/* test_kube_platform.c - the kube platform's operations against the API test double, with a
 * real smi-fixture behind the pod proxy. */
#include <check.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "kube_api_double.h"
#include "platform/kube/kube.h"
#include "testcerts.h"
#include "testutil.h"

#include "base/tests/check_main.h"

#define TOKEN "sc-platform-token-9c1d2e3f4a5b6c7d"

static struct sc_test_pki pki;
static struct sc_kube_double *dbl;
static char *dir, *kubeconfig, *profile;
static pid_t fixture_pid;
static int fixture_http, fixture_agent;

/* Start smi-fixture on loopback with ephemeral ports; read them from its ready line. */
static void start_fixture(void)
{
    const char *b = getenv("SC_BUILD_DIR");
    char *bin = tu_printf("%s/fixtures/server/smi-fixture", b ? b : ".");
    char line[256] = "";
    int fds[2];
    FILE *f;
    if (pipe(fds) != 0)
        abort();
    fixture_pid = fork();
    if (fixture_pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        execl(bin, bin, "--listen", "127.0.0.1", "--http-port", "0", "--tcp-port", "off",
              "--udp-port", "off", "--agent-port", "0", "--pod", "client-7d9c8b6f5-1a2b3",
              "--namespace", "t1", "--service-account", "client", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    f = fdopen(fds[0], "r");
    if (fgets(line, sizeof(line), f) == NULL ||
        sscanf(line, "smi-fixture: ready http=%d tcp=off udp=off agent=%d", &fixture_http,
               &fixture_agent) != 2)
        ck_abort_msg("smi-fixture did not start (%s): '%s'", bin, line);
    fclose(f);
    free(bin);
}

static void setup(void)
{
    struct sc_kube_double_opts o;
    struct sc_err err;
    char *ca, *text;
    sc_test_pki_make(&pki);
    start_fixture();
    memset(&o, 0, sizeof(o));
    o.server_cert_pem = pki.server_cert;
    o.server_key_pem = pki.server_key;
    o.token = TOKEN;
    o.served[0] = "v1alpha3";
    o.served[1] = "v1alpha4";
    o.served[2] = "v1alpha4";
    o.served[3] = "v1alpha1";
    o.ready_after = 2;
    o.node_cpus = 1; /* one Node, kind-worker (the_default_parallelism_follows_...) */
    o.proxy_port = fixture_agent;
    o.pod_log = "starting\nleaked " TOKEN " here\n";
    sc_err_init(&err);
    dbl = sc_kube_double_start(&o, &err);
    ck_assert_msg(dbl != NULL, "%s", err.msg);
    dir = tu_tmpdir();
    ca = tu_b64(pki.ca_cert);
    text = tu_printf("apiVersion: v1\nkind: Config\ncurrent-context: kind-smi\n"
                     "clusters:\n- name: kind-smi\n  cluster:\n"
                     "    server: https://127.0.0.1:%d\n    certificate-authority-data: %s\n"
                     "contexts:\n- name: kind-smi\n  context: {cluster: kind-smi, user: admin}\n"
                     "users:\n- name: admin\n  user:\n    token: %s\n",
                     sc_kube_double_port(dbl), ca, TOKEN);
    kubeconfig = tu_write(dir, "kubeconfig", text, 0);
    free(text);
    free(ca);
    profile = tu_write(dir, "mesh.yaml",
                       "name: testmesh\nsources: [test]\n"
                       "namespace:\n  labels: {mesh.test/enabled: 'yes'}\n"
                       "  annotations: {mesh.test/inject: enabled}\n"
                       "pod:\n  annotations: {mesh.test/sidecar: 'yes'}\n"
                       "unmeshed:\n  annotations: {mesh.test/sidecar: 'no'}\n"
                       "bypass:\n  annotations: {mesh.test/skip-inbound: '${AGENT_PORT},15000'}\n"
                       "denial: {http: 403, tcp: reset}\n"
                       "enforcing:\n  namespace:\n    annotations: {mesh.test/policy: deny}\n"
                       "claims:\n  split: [v1alpha4, v1alpha3]\n  access: [v1alpha3]\n",
                       0);
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("KUBECONFIG");
}

static void teardown(void)
{
    char *cmd = tu_printf("rm -rf '%s'", dir);
    int st;
    kill(fixture_pid, SIGKILL);
    waitpid(fixture_pid, &st, 0);
    if (system(cmd) != 0) {
    }
    free(cmd);
    free(dir);
    free(kubeconfig);
    free(profile);
    sc_kube_double_stop(dbl);
    sc_test_pki_free(&pki);
}

static struct sc_platform *platform_with(const char *mesh);
static struct sc_platform *platform(void)
{
    return platform_with(profile);
}

static struct sc_platform *platform_with(const char *mesh)
{
    struct sc_kube_client_opts co = {.max_attempts = 3, .backoff_base_ms = 5, .backoff_max_ms = 20};
    struct sc_kube_opts o = {.kubeconfig = kubeconfig,
                             .mesh = mesh,
                             .fixture_image = "smi-fixture:test",
                             .delete_timeout_ms = 5000,
                             .client = &co};
    struct sc_platform *p = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_msg(sc_kube_new(&o, &p, &err) == 0, "%s", err.msg);
    return p;
}

static char s_app[] = "app", s_client[] = "client", s_v1[] = "v1";
static struct sc_kv client_labels[] = {{s_app, s_client}};
static struct sc_workload client_w = {s_client, s_client, s_v1, client_labels, 1, 1, false, false};
static struct sc_kv sel[] = {{s_app, s_client}};
static struct sc_svc_port ports[] = {{8080, 8080, SC_PROTO_HTTP}, {9001, 9001, SC_PROTO_UDP}};
static struct sc_service client_s = {s_client, sel, 1, ports, 2};

/* Namespace, workload, service, readiness: what the runner does before the steps. */
static void prepare(struct sc_platform *p, const char *ns)
{
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_msg(p->ops->create_namespace(p, ns, &err) == 0, "%s", err.msg);
    ck_assert_msg(p->ops->deploy(p, ns, &client_w, &err) == 0, "%s", err.msg);
    ck_assert_msg(p->ops->create_service(p, ns, &client_s, &err) == 0, "%s", err.msg);
    ck_assert_msg(p->ops->wait_ready(p, ns, 10000, &err) == 0, "%s", err.msg);
}

START_TEST(served_versions_are_what_the_cluster_serves_and_the_mesh_claims)
{
    struct sc_platform *p = platform();
    int v[8];
    size_t n;
    ck_assert_int_eq(p->ops->served(p, "split", v, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(v[0], 4);
    p->ops->served(p, "access", v, &n);
    ck_assert_uint_eq(n, 1);
    p->ops->served(p, "specs", v, &n); /* not claimed by the profile: served is enough */
    ck_assert_uint_eq(n, 1);
    p->ops->served(p, "metrics", v, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(p->deny.nhttp_status, 1);
    ck_assert_int_eq(p->deny.http_status[0], 403);
    ck_assert_str_eq(sc_kube_profile_of(p)->name, "testmesh");
    p->ops->destroy(p);
}
END_TEST

START_TEST(namespace_workload_and_service_are_applied_server_side)
{
    struct sc_platform *p = platform();
    char *ns, *dep, *svc, *sa, ct[128];
    prepare(p, "t1");
    ns = sc_kube_double_object(dbl, "/api/v1/namespaces/t1");
    ck_assert_ptr_nonnull(ns);
    ck_assert_ptr_nonnull(strstr(ns, "\"mesh.test/enabled\":\"yes\""));
    ck_assert_ptr_nonnull(strstr(ns, "\"mesh.test/inject\":\"enabled\""));
    ck_assert_ptr_nonnull(strstr(ns, "\"mesh.test/policy\":\"deny\""));
    ck_assert_ptr_nonnull(strstr(ns, "\"resourceVersion\""));
    dep = sc_kube_double_object(dbl, "/apis/apps/v1/namespaces/t1/deployments/client");
    ck_assert_ptr_nonnull(dep);
    ck_assert_ptr_nonnull(strstr(dep, "\"image\":\"smi-fixture:test\""));
    ck_assert_ptr_nonnull(strstr(dep, "\"mesh.test/skip-inbound\":\"9090,15000\""));
    ck_assert_ptr_nonnull(strstr(dep, "\"serviceAccountName\":\"client\""));
    ck_assert_ptr_nonnull(strstr(dep, "\"version\":\"v1\""));
    sa = sc_kube_double_object(dbl, "/api/v1/namespaces/t1/serviceaccounts/client");
    ck_assert_ptr_nonnull(sa);
    svc = sc_kube_double_object(dbl, "/api/v1/namespaces/t1/services/client");
    ck_assert_ptr_nonnull(strstr(svc, "\"name\":\"http-8080\""));
    ck_assert_ptr_nonnull(strstr(svc, "\"protocol\":\"UDP\""));
    sc_kube_double_last(dbl, "content-type", ct, sizeof(ct));
    ck_assert_uint_gt(sc_kube_double_count(dbl, "PATCH", "/api/v1/namespaces/t1"), 0);
    ck_assert_uint_eq(sc_kube_double_objects(dbl, "/api/v1/namespaces/t1/pods/client-"), 1);
    free(ns);
    free(dep);
    free(sa);
    free(svc);
    p->ops->destroy(p);
}
END_TEST

/* mesh: false: the profile's opt-out replaces what joins the mesh, and nothing to bypass. */
START_TEST(unmeshed_workload_gets_the_profiles_opt_out_instead_of_joining)
{
    static char s_out[] = "outsider";
    struct sc_workload out_w = {s_out, s_client, NULL, client_labels, 1, 1, false, true};
    struct sc_platform *p = platform();
    struct sc_err err;
    char *dep;
    sc_err_init(&err);
    ck_assert(p->unmeshed_ok);
    ck_assert_msg(p->ops->create_namespace(p, "t9", &err) == 0, "%s", err.msg);
    ck_assert_msg(p->ops->deploy(p, "t9", &out_w, &err) == 0, "%s", err.msg);
    dep = sc_kube_double_object(dbl, "/apis/apps/v1/namespaces/t9/deployments/outsider");
    ck_assert_ptr_nonnull(dep);
    ck_assert_ptr_nonnull(strstr(dep, "\"mesh.test/sidecar\":\"no\""));
    ck_assert_ptr_null(strstr(dep, "\"mesh.test/sidecar\":\"yes\""));
    ck_assert_ptr_null(strstr(dep, "mesh.test/skip-inbound"));
    free(dep);
    ck_assert_msg(p->ops->deploy(p, "t9", &client_w, &err) == 0, "%s", err.msg);
    dep = sc_kube_double_object(dbl, "/apis/apps/v1/namespaces/t9/deployments/client");
    ck_assert_ptr_nonnull(strstr(dep, "\"mesh.test/sidecar\":\"yes\""));
    free(dep);
    p->ops->destroy(p);
}
END_TEST

START_TEST(wait_ready_timeout_names_the_deployment_and_its_condition)
{
    struct sc_platform *p;
    struct sc_kube_double_opts o;
    struct sc_err err;
    /* A double whose pods never become ready. */
    sc_kube_double_stop(dbl);
    memset(&o, 0, sizeof(o));
    o.server_cert_pem = pki.server_cert;
    o.server_key_pem = pki.server_key;
    o.token = TOKEN;
    o.served[2] = "v1alpha4";
    o.ready_after = 1000000;
    sc_err_init(&err);
    dbl = sc_kube_double_start(&o, &err);
    ck_assert_msg(dbl != NULL, "%s", err.msg);
    {
        char *ca = tu_b64(pki.ca_cert),
             *text = tu_printf("current-context: k\nclusters:\n- name: k\n  cluster:\n"
                               "    server: https://127.0.0.1:%d\n"
                               "    certificate-authority-data: %s\n"
                               "contexts:\n- name: k\n  context: {cluster: k, user: u}\n"
                               "users:\n- name: u\n  user: {token: %s}\n",
                               sc_kube_double_port(dbl), ca, TOKEN);
        free(kubeconfig);
        kubeconfig = tu_write(dir, "kubeconfig", text, 0);
        free(ca);
        free(text);
    }
    p = platform();
    sc_err_init(&err);
    ck_assert_int_eq(p->ops->create_namespace(p, "slow", &err), 0);
    ck_assert_int_eq(p->ops->deploy(p, "slow", &client_w, &err), 0);
    ck_assert_int_eq(p->ops->wait_ready(p, "slow", 400, &err), SC_ETIMEOUT);
    ck_assert_msg(strstr(err.msg, "not ready within 400ms: deployment client: 0/1 ready; "
                                  "Available=False MinimumReplicasUnavailable") != NULL,
                  "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "container fixture waiting: ContainerCreating") != NULL, "%s",
                  err.msg);
    p->ops->destroy(p);
}
END_TEST

START_TEST(smi_objects_round_trip_apply_and_remove)
{
    struct sc_platform *p = platform();
    const char *ts = "{\"apiVersion\":\"split.smi-spec.io/v1alpha4\",\"kind\":\"TrafficSplit\","
                     "\"metadata\":{\"name\":\"web\"},\"spec\":{\"service\":\"web\",\"backends\":"
                     "[{\"service\":\"web-v1\",\"weight\":50}]}}";
    const char *path = "/apis/split.smi-spec.io/v1alpha4/namespaces/t1/trafficsplits/web";
    struct sc_err err;
    char ct[128], *o;
    prepare(p, "t1");
    sc_err_init(&err);
    ck_assert_msg(p->ops->apply(p, "t1", ts, &err) == 0, "%s", err.msg);
    sc_kube_double_last(dbl, "content-type", ct, sizeof(ct));
    ck_assert_str_eq(ct, "application/apply-patch+yaml");
    o = sc_kube_double_object(dbl, path);
    ck_assert_ptr_nonnull(o);
    ck_assert_ptr_nonnull(strstr(o, "\"namespace\":\"t1\""));
    free(o);
    /* Applying again is an update, not a conflict. */
    ck_assert_int_eq(p->ops->apply(p, "t1", ts, &err), 0);
    ck_assert_int_eq(
        p->ops->remove(p, "t1", "split.smi-spec.io/v1alpha4", "TrafficSplit", "web", &err), 0);
    ck_assert_ptr_null(sc_kube_double_object(dbl, path));
    ck_assert_int_eq(
        p->ops->remove(p, "t1", "split.smi-spec.io/v1alpha4", "TrafficSplit", "web", &err),
        SC_ENOTFOUND);
    ck_assert_msg(strstr(err.msg, "trafficsplits.split.smi-spec.io \"web\" not found") != NULL,
                  "%s", err.msg);
    p->ops->destroy(p);
}
END_TEST

START_TEST(invalid_and_unserved_objects_fail_with_the_reason)
{
    struct sc_platform *p = platform();
    struct sc_err err;
    prepare(p, "t1");
    sc_err_init(&err);
    ck_assert_int_eq(p->ops->apply(p, "t1",
                                   "{\"apiVersion\":\"split.smi-spec.io/v1alpha4\",\"kind\":"
                                   "\"TrafficSplit\",\"metadata\":{\"name\":\"x\"},\"spec\":{}}",
                                   &err),
                     SC_EINVAL);
    ck_assert_str_eq(err.msg, "TrafficSplit 'x': invalid: TrafficSplit.split.smi-spec.io \"x\" "
                              "is invalid: spec.service: Required value");
    ck_assert_int_eq(p->ops->apply(p, "t1",
                                   "{\"apiVersion\":\"split.smi-spec.io/v1alpha2\",\"kind\":"
                                   "\"TrafficSplit\",\"metadata\":{\"name\":\"x\"}}",
                                   &err),
                     SC_ENOTFOUND);
    ck_assert_str_eq(err.msg, "TrafficSplit 'x': split.smi-spec.io/v1alpha2 TrafficSplit is not "
                              "served by the cluster");
    p->ops->destroy(p);
}
END_TEST

START_TEST(traffic_plan_reaches_the_agent_through_the_pod_proxy)
{
    struct sc_platform *p = platform();
    struct sc_err err;
    char *url = tu_printf("http://127.0.0.1:%d/hello", fixture_http);
    struct sc_agent_plan plan = {.proto = SC_AGENT_HTTP,
                                 .target = url,
                                 .requests = 5,
                                 .timeout_ns = 2000000000ull,
                                 .proxy = (char *)"http://127.0.0.1:1"};
    struct sc_agent_plan bad = {.proto = SC_AGENT_TCP, .target = (char *)"x:1"};
    struct sc_agent_result res;
    prepare(p, "t1");
    sc_err_init(&err);
    /* The plan's proxy is dropped: in a cluster the mesh intercepts by itself. */
    ck_assert_msg(p->ops->traffic(p, "t1", "client", 0, &plan, &res, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(res.ok, 5);
    ck_assert_uint_eq(sc_agent_count_of(res.status, res.nstatus, "200"), 5);
    ck_assert_uint_eq(sc_agent_count_of(res.backends, res.nbackends, "client-7d9c8b6f5-1a2b3"), 5);
    ck_assert_uint_eq(sc_kube_double_count(dbl, "POST", "/api/v1/namespaces/t1/pods/client-"), 1);
    sc_agent_result_release(&res);
    /* No pod 1: the message says how many are ready. */
    ck_assert_int_eq(p->ops->traffic(p, "t1", "client", 1, &plan, &res, &err), SC_ENOTFOUND);
    ck_assert_str_eq(err.msg, "workload 'client' has no ready pod 1 (1 ready of 1) to send from");
    /* The agent's own error comes back readable (a tcp plan needs a number of attempts). */
    ck_assert_int_eq(p->ops->traffic(p, "t1", "client", 0, &bad, &res, &err), SC_EPROTO);
    ck_assert_msg(strstr(err.msg, "answered 400: invalid plan") != NULL, "%s", err.msg);
    ck_assert_ptr_null(strstr(err.msg, "last log line")); /* the agent answered: it is alive */
    free(url);
    p->ops->destroy(p);
}
END_TEST

START_TEST(held_plan_is_cancelled_through_the_pod_proxy_and_answers_with_its_timeline)
{
    struct sc_platform *p = platform();
    struct sc_platform_hold *h = NULL;
    struct sc_err err;
    char *url = tu_printf("http://127.0.0.1:%d/held", fixture_http);
    struct sc_agent_plan plan = {.id = (char *)"held-kube-1",
                                 .proto = SC_AGENT_HTTP,
                                 .target = url,
                                 .duration_ns = 60000000000ull,
                                 .rate = 50,
                                 .connections = 1,
                                 .timeline = true};
    struct sc_agent_result res;
    prepare(p, "t1");
    sc_err_init(&err);
    ck_assert_int_eq(p->ops->cancel_traffic(p, "t1", "client", 0, "never-posted", &err),
                     SC_ENOTFOUND);
    ck_assert_msg(sc_platform_hold_start(p, "t1", "client", 0, &plan, &h, &err) == 0, "%s",
                  err.msg);
    sc_sleep_ms(300);
    ck_assert_msg(sc_platform_hold_stop(h, &res, &err) == 0, "%s", err.msg);
    ck_assert(res.cancelled);
    ck_assert_uint_gt(res.ok, 0);
    ck_assert_uint_lt(res.ok, 3000); /* 60 s at 50/s were asked */
    ck_assert_uint_eq(res.ntimeline, res.ok);
    ck_assert_uint_eq(res.connections_opened, 1);
    ck_assert_int_eq(res.timeline[0].outcome, 200);
    ck_assert_uint_eq(res.timeline[res.ntimeline - 1].conn, 1);
    ck_assert_uint_eq(sc_kube_double_count(dbl, "DELETE", "/api/v1/namespaces/t1/pods/client-"), 2);
    sc_agent_result_release(&res);
    free(url);
    p->ops->destroy(p);
}
END_TEST

/* ---- plans posted again after a failure in transit ------------------------------------- */

static size_t collect(char *ptr, size_t size, size_t nmemb, void *ud)
{
    char **s = ud;
    size_t have = *s ? strlen(*s) : 0, n = size * nmemb;
    *s = realloc(*s, have + n + 1);
    if (*s == NULL)
        abort();
    memcpy(*s + have, ptr, n);
    (*s)[have + n] = '\0';
    return n;
}

/* A counter of the fixture's GET /v1/stats ("http", "requests"): what it really served. */
static double fixture_stat(const char *group, const char *name)
{
    char *url = tu_printf("http://127.0.0.1:%d/v1/stats", fixture_agent), *body = NULL;
    CURL *h = curl_easy_init();
    cJSON *j;
    double v;
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(curl_easy_setopt(h, CURLOPT_URL, url), CURLE_OK);
    ck_assert_int_eq(curl_easy_setopt(h, CURLOPT_NOPROXY, "*"), CURLE_OK);
    ck_assert_int_eq(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L), CURLE_OK);
    ck_assert_int_eq(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect), CURLE_OK);
    ck_assert_int_eq(curl_easy_setopt(h, CURLOPT_WRITEDATA, &body), CURLE_OK);
    ck_assert_int_eq(curl_easy_perform(h), CURLE_OK);
    curl_easy_cleanup(h);
    j = cJSON_Parse(body);
    v = cJSON_GetNumberValue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, group), name));
    ck_assert_msg(!isnan(v), "no %s.%s in %s", group, name, body);
    cJSON_Delete(j);
    free(body);
    free(url);
    return v;
}

#define TRAFFIC_PATH "/api/v1/namespaces/t1/pods/client-"

/* Five requests to the fixture's echo, under `id`. */
static void echo_plan(struct sc_agent_plan *plan, char *url, const char *id)
{
    memset(plan, 0, sizeof(*plan));
    plan->id = (char *)id;
    plan->proto = SC_AGENT_HTTP;
    plan->target = url;
    plan->requests = 5;
    plan->timeout_ns = 2000000000ull;
}

/* The pod proxy answers the first POST 503 (the agent never sees it): the plan is posted
 * again, and runs once. */
START_TEST(traffic_plan_with_an_id_is_posted_again_after_a_503_and_runs_once)
{
    struct sc_platform *p = platform();
    struct sc_err err;
    char *url = tu_printf("http://127.0.0.1:%d/hello", fixture_http);
    struct sc_agent_plan plan;
    struct sc_agent_result res;
    prepare(p, "t1");
    echo_plan(&plan, url, "case-1.send-1");
    sc_kube_double_fail(dbl, "POST", TRAFFIC_PATH, 503, 1, 0);
    sc_err_init(&err);
    ck_assert_msg(p->ops->traffic(p, "t1", "client", 0, &plan, &res, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(sc_agent_count_of(res.status, res.nstatus, "200"), 5);
    sc_agent_result_release(&res);
    ck_assert_uint_eq(sc_kube_double_count(dbl, "POST", TRAFFIC_PATH), 2);
    ck_assert_double_eq(fixture_stat("http", "requests"), 5);
    ck_assert_double_eq(fixture_stat("plans", "accepted"), 1);
    free(url);
    p->ops->destroy(p);
}
END_TEST

/* The agent ran the plan but its answer was cut on the way back: the plan is posted again and
 * the agent answers with that run's result instead of running the traffic twice. */
START_TEST(traffic_plan_with_an_id_whose_answer_was_cut_is_answered_without_running_twice)
{
    struct sc_platform *p = platform();
    struct sc_err err;
    char *url = tu_printf("http://127.0.0.1:%d/hello", fixture_http);
    struct sc_agent_plan plan;
    struct sc_agent_result res;
    prepare(p, "t1");
    echo_plan(&plan, url, "case-1.send-2");
    sc_kube_double_fail(dbl, "POST", TRAFFIC_PATH, -2, 1, 0);
    sc_err_init(&err);
    ck_assert_msg(p->ops->traffic(p, "t1", "client", 0, &plan, &res, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(sc_agent_count_of(res.status, res.nstatus, "200"), 5);
    sc_agent_result_release(&res);
    ck_assert_uint_eq(sc_kube_double_count(dbl, "POST", TRAFFIC_PATH), 2);
    ck_assert_double_eq(fixture_stat("http", "requests"), 5);
    ck_assert_double_eq(fixture_stat("plans", "accepted"), 1);
    ck_assert_double_eq(fixture_stat("plans", "repeated"), 1);
    free(url);
    p->ops->destroy(p);
}
END_TEST

/* Without an id a second POST could run the traffic twice: the first failure is the answer. */
START_TEST(traffic_plan_without_an_id_is_not_posted_again)
{
    struct sc_platform *p = platform();
    struct sc_err err;
    char *url = tu_printf("http://127.0.0.1:%d/hello", fixture_http);
    struct sc_agent_plan plan;
    struct sc_agent_result res;
    prepare(p, "t1");
    echo_plan(&plan, url, NULL);
    sc_kube_double_fail(dbl, "POST", TRAFFIC_PATH, 503, 1, 0);
    sc_err_init(&err);
    ck_assert_int_ne(p->ops->traffic(p, "t1", "client", 0, &plan, &res, &err), 0);
    ck_assert_msg(strstr(err.msg, "injected failure") != NULL, "%s", err.msg);
    ck_assert_ptr_null(strstr(err.msg, "attempts"));
    ck_assert_uint_eq(sc_kube_double_count(dbl, "POST", TRAFFIC_PATH), 1);
    ck_assert_double_eq(fixture_stat("plans", "accepted"), 0);
    free(url);
    p->ops->destroy(p);
}
END_TEST

/* A pod proxy that keeps failing: four attempts, and the error says so. The agent's own
 * refusal is final at once. */
START_TEST(traffic_plan_failing_in_transit_every_time_says_how_many_attempts)
{
    struct sc_platform *p = platform();
    struct sc_err err;
    char *url = tu_printf("http://127.0.0.1:%d/hello", fixture_http);
    struct sc_agent_plan plan,
        bad = {.id = (char *)"case-1.bad", .proto = SC_AGENT_TCP, .target = (char *)"x:1"};
    struct sc_agent_result res;
    prepare(p, "t1");
    echo_plan(&plan, url, "case-1.send-3");
    sc_kube_double_fail(dbl, "POST", TRAFFIC_PATH, 502, 4, 0);
    sc_err_init(&err);
    ck_assert_int_ne(p->ops->traffic(p, "t1", "client", 0, &plan, &res, &err), 0);
    ck_assert_msg(strstr(err.msg, "plan 'case-1.send-3', 4 attempts") != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "injected failure") != NULL, "%s", err.msg);
    /* the agent did not answer: its pod's container state and last log line, redacted */
    ck_assert_msg(strstr(err.msg, "[container fixture running, 0 restarts; last log line: "
                                  "leaked [redacted] here]") != NULL,
                  "%s", err.msg);
    ck_assert_ptr_null(strstr(err.msg, TOKEN));
    ck_assert_uint_eq(sc_kube_double_count(dbl, "POST", TRAFFIC_PATH), 4);
    ck_assert_double_eq(fixture_stat("plans", "accepted"), 0);
    /* the agent's own 400 is not a failure in transit */
    ck_assert_int_eq(p->ops->traffic(p, "t1", "client", 0, &bad, &res, &err), SC_EPROTO);
    ck_assert_msg(strstr(err.msg, "answered 400: invalid plan") != NULL, "%s", err.msg);
    ck_assert_ptr_null(strstr(err.msg, "last log line")); /* the agent answered: it is alive */
    ck_assert_uint_eq(sc_kube_double_count(dbl, "POST", TRAFFIC_PATH), 5);
    free(url);
    p->ops->destroy(p);
}
END_TEST

START_TEST(metrics_are_read_from_the_aggregated_api)
{
    struct sc_platform *p = platform();
    struct sc_err err;
    char *json = NULL;
    sc_err_init(&err);
    ck_assert_int_eq(p->ops->metrics(p,
                                     "/apis/metrics.smi-spec.io/v1alpha1/namespaces/t1/"
                                     "deployments/client",
                                     &json, &err),
                     0);
    ck_assert_ptr_nonnull(strstr(json, "\"kind\":\"TrafficMetrics\""));
    ck_assert_ptr_nonnull(strstr(json, "success_count"));
    free(json);
    ck_assert_int_eq(p->ops->metrics(p, "/api/v1/secrets", &json, &err), SC_EINVAL);
    p->ops->destroy(p);
}
END_TEST

START_TEST(diagnostics_hold_logs_and_events_without_secrets)
{
    struct sc_platform *p = platform();
    char *out = NULL;
    prepare(p, "t1");
    sc_kube_double_put(dbl, "/api/v1/namespaces/t1/events/e1",
                       "{\"kind\":\"Event\",\"metadata\":{\"name\":\"e1\",\"namespace\":\"t1\"},"
                       "\"type\":\"Warning\",\"reason\":\"BackOff\",\"message\":\"Back-off "
                       "restarting failed container\",\"involvedObject\":{\"kind\":\"Pod\","
                       "\"name\":\"client-x\"},\"lastTimestamp\":\"2024-01-01T00:00:00Z\"}");
    p->ops->diagnostics(p, "t1", &out);
    ck_assert_ptr_nonnull(out);
    ck_assert_ptr_nonnull(strstr(out, "client-7d9c8b6f5-"));
    ck_assert_ptr_nonnull(strstr(out, "leaked [redacted] here"));
    ck_assert_ptr_null(strstr(out, TOKEN));
    ck_assert_ptr_nonnull(
        strstr(out, "Warning BackOff Pod/client-x: Back-off restarting failed container"));
    free(out);
    p->ops->destroy(p);
}
END_TEST

/* A deletion is begun and the case goes on; the end of the run confirms it. */
START_TEST(delete_namespace_begins_it_and_await_deleted_confirms_it_gone_with_its_content)
{
    struct sc_platform *p = platform();
    struct sc_err err;
    char *ns;
    prepare(p, "t1");
    ck_assert_uint_gt(sc_kube_double_objects(dbl, "/api/v1/namespaces/t1/"), 0);
    sc_err_init(&err);
    ck_assert_msg(p->ops->delete_namespace(p, "t1", &err) == 0, "%s", err.msg);
    /* not waited for: still there, Terminating */
    ns = sc_kube_double_object(dbl, "/api/v1/namespaces/t1");
    ck_assert_ptr_nonnull(ns);
    ck_assert_ptr_nonnull(strstr(ns, "Terminating"));
    free(ns);
    ck_assert_msg(p->ops->await_deleted(p, &err) == 0, "%s", err.msg);
    ck_assert_ptr_null(sc_kube_double_object(dbl, "/api/v1/namespaces/t1"));
    ck_assert_uint_eq(sc_kube_double_objects(dbl, "/api/v1/namespaces/t1/"), 0);
    ck_assert_uint_eq(sc_kube_double_objects(dbl, "/apis/apps/v1/namespaces/t1/"), 0);
    /* Deleting what is already gone is fine: cleanup may run twice; nothing is left to
     * confirm. */
    ck_assert_int_eq(p->ops->delete_namespace(p, "t1", &err), 0);
    ck_assert_int_eq(p->ops->await_deleted(p, &err), 0);
    p->ops->destroy(p);
}
END_TEST

/* A namespace that does not go within the platform's delete timeout is named. */
START_TEST(await_deleted_names_a_namespace_that_is_not_gone_in_time)
{
    struct sc_platform *p = platform();
    struct sc_err err;
    prepare(p, "t1");
    prepare(p, "t2");
    sc_err_init(&err);
    ck_assert_msg(p->ops->delete_namespace(p, "t1", &err) == 0, "%s", err.msg);
    ck_assert_msg(p->ops->delete_namespace(p, "t2", &err) == 0, "%s", err.msg);
    /* t2's GETs fail for longer than the 5 s timeout (each poll is one, 2 s apart at most) */
    sc_kube_double_fail(dbl, "GET", "/api/v1/namespaces/t2", 500, 1000, 0);
    ck_assert_int_eq(p->ops->await_deleted(p, &err), SC_ETIMEOUT);
    ck_assert_msg(strstr(err.msg, "1 of 2 deleted namespaces not gone") != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "namespace 't2' still exists") != NULL, "%s", err.msg);
    ck_assert_ptr_null(sc_kube_double_object(dbl, "/api/v1/namespaces/t1"));
    p->ops->destroy(p);
}
END_TEST

/* The profile's enforcing.namespace settings deny by default: only where access is tested.
 * The double serves access v1alpha3; a profile claiming none, or only v1alpha1, is permissive. */
START_TEST(deny_by_default_namespace_settings_only_when_access_is_claimed_and_served)
{
    static const char *const claims[] = {"access: []", "access: [v1alpha1]"};
    struct sc_err err;
    char name[8], path[64], *ns;
    for (int i = 0; i < 2; i++) {
        char *text = tu_printf("name: quiet\nsources: [test]\n"
                               "namespace:\n  annotations: {mesh.test/inject: enabled}\n"
                               "denial: {http: 403, tcp: reset}\n"
                               "enforcing:\n  namespace:\n    labels: {mesh.test/deny: 'yes'}\n"
                               "    annotations: {mesh.test/policy: deny}\n"
                               "claims:\n  split: [v1alpha4]\n  %s\n",
                               claims[i]);
        char *file = tu_write(dir, "quiet.yaml", text, 0);
        struct sc_platform *p = platform_with(file);
        snprintf(name, sizeof(name), "q%d", i);
        sc_err_init(&err);
        ck_assert_msg(p->ops->create_namespace(p, name, &err) == 0, "%s", err.msg);
        snprintf(path, sizeof(path), "/api/v1/namespaces/%s", name);
        ns = sc_kube_double_object(dbl, path);
        ck_assert_ptr_nonnull(ns);
        ck_assert_ptr_nonnull(strstr(ns, "\"mesh.test/inject\":\"enabled\""));
        ck_assert_msg(strstr(ns, "mesh.test/policy") == NULL, "%s: %s", claims[i], ns);
        ck_assert_msg(strstr(ns, "mesh.test/deny") == NULL, "%s: %s", claims[i], ns);
        free(ns);
        p->ops->destroy(p);
        free(file);
        free(text);
    }
}
END_TEST

START_TEST(unreachable_cluster_fails_with_server_and_origin)
{
    struct sc_kube_client_opts co = {.max_attempts = 2, .backoff_base_ms = 5};
    char *text = tu_printf("current-context: k\nclusters:\n- name: k\n  cluster:\n"
                           "    server: https://127.0.0.1:1\n    insecure-skip-tls-verify: true\n"
                           "contexts:\n- name: k\n  context: {cluster: k, user: u}\n"
                           "users:\n- name: u\n  user: {token: %s}\n",
                           TOKEN);
    char *kc = tu_write(dir, "dead", text, 0);
    struct sc_kube_opts o = {.kubeconfig = kc, .mesh = profile, .client = &co};
    struct sc_platform *p = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_kube_new(&o, &p, &err), SC_ECONNECT);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err.msg, "cannot use the cluster at https://127.0.0.1:1 from ") != NULL,
                  "%s", err.msg);
    ck_assert_ptr_null(strstr(err.msg, TOKEN));
    o.mesh = NULL;
    ck_assert_int_eq(sc_kube_new(&o, &p, &err), SC_EINVAL);
    free(text);
    free(kc);
}
END_TEST

/* A Node (Ready unless `cond` says otherwise) with its allocatable CPU and pods, and `spec`. */
static void put_node(const char *name, const char *cpu, const char *spec, const char *cond)
{
    char *path = tu_printf("/api/v1/nodes/%s", name);
    char *json = tu_printf("{\"kind\":\"Node\",\"metadata\":{\"name\":\"%s\"},\"spec\":{%s},"
                           "\"status\":{\"allocatable\":{\"cpu\":\"%s\",\"pods\":\"110\"},"
                           "\"conditions\":[{\"type\":\"Ready\",\"status\":\"%s\"}]}}",
                           name, spec, cpu, cond);
    sc_kube_double_put(dbl, path, json);
    free(path);
    free(json);
}

/* Cases at once without --parallel: from the schedulable nodes' CPUs and pod slots, and the
 * CPU the mesh's sidecars request; 4 when nodes cannot be read or none is schedulable. */
START_TEST(the_default_parallelism_follows_the_schedulable_nodes)
{
    char *mesh;
    struct sc_platform *p = platform();
    ck_assert_uint_eq(p->parallel_hint, 2); /* kind-worker's one CPU: 2 */
    p->ops->destroy(p);
    put_node("a", "3500m", "", "True");
    put_node("cordoned", "8", "\"unschedulable\":true", "True");
    put_node("tainted", "8", "\"taints\":[{\"key\":\"k\",\"effect\":\"NoSchedule\"}]", "True");
    put_node("down", "8", "", "False");
    p = platform();
    ck_assert_uint_eq(p->parallel_hint, 8); /* 2 x 4 whole CPUs; 110 pods hold 9 */
    ck_assert_str_eq(p->parallel_why, "4.5 allocatable CPUs and 110 pod slots on 2 schedulable "
                                      "of 5 nodes");
    p->ops->destroy(p);
    put_node("b", "16", "", "True");
    p = platform();
    ck_assert_uint_eq(p->parallel_hint, 16); /* 2 x 20 = 40, 220 pods hold 18: at most 16 */
    p->ops->destroy(p);
    mesh = tu_write(dir, "requests.yaml",
                    "name: m\nsources: [t]\nsidecarCPU: 250m\ndenial: {http: 403, tcp: "
                    "reset}\nclaims: {split: [v1alpha4]}\n",
                    0);
    p = platform_with(mesh);
    ck_assert_uint_eq(p->parallel_hint, 6); /* 20500m / (12 pods x 250m) */
    p->ops->destroy(p);
    sc_kube_double_fail(dbl, "GET", "/api/v1/nodes", 403, 1, 0);
    p = platform();
    ck_assert_uint_eq(p->parallel_hint, 4);
    ck_assert_msg(strstr(p->parallel_why, "nodes cannot be read: forbidden") != NULL, "%s",
                  p->parallel_why);
    p->ops->destroy(p);
    free(mesh);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kube_platform");
    TCase *tc = tcase_create("platform");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, served_versions_are_what_the_cluster_serves_and_the_mesh_claims);
    tcase_add_test(tc, namespace_workload_and_service_are_applied_server_side);
    tcase_add_test(tc, unmeshed_workload_gets_the_profiles_opt_out_instead_of_joining);
    tcase_add_test(tc, wait_ready_timeout_names_the_deployment_and_its_condition);
    tcase_add_test(tc, smi_objects_round_trip_apply_and_remove);
    tcase_add_test(tc, invalid_and_unserved_objects_fail_with_the_reason);
    tcase_add_test(tc, traffic_plan_reaches_the_agent_through_the_pod_proxy);
    tcase_add_test(tc, held_plan_is_cancelled_through_the_pod_proxy_and_answers_with_its_timeline);
    tcase_add_test(tc, traffic_plan_with_an_id_is_posted_again_after_a_503_and_runs_once);
    tcase_add_test(tc,
                   traffic_plan_with_an_id_whose_answer_was_cut_is_answered_without_running_twice);
    tcase_add_test(tc, traffic_plan_without_an_id_is_not_posted_again);
    tcase_add_test(tc, traffic_plan_failing_in_transit_every_time_says_how_many_attempts);
    tcase_add_test(tc, metrics_are_read_from_the_aggregated_api);
    tcase_add_test(tc, diagnostics_hold_logs_and_events_without_secrets);
    tcase_add_test(tc,
                   delete_namespace_begins_it_and_await_deleted_confirms_it_gone_with_its_content);
    tcase_add_test(tc, await_deleted_names_a_namespace_that_is_not_gone_in_time);
    tcase_add_test(tc, the_default_parallelism_follows_the_schedulable_nodes);
    tcase_add_test(tc, deny_by_default_namespace_settings_only_when_access_is_claimed_and_served);
    tcase_add_test(tc, unreachable_cluster_fails_with_server_and_origin);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}

/* test_kube_double_timing.c - the API double's cluster timing (pods Ready after a start delay,
 * namespaces Terminating for a while) seen through lists and watches, its field selectors,
 * and the CRDs of `smi-conformance crds` applied to it. States and events are asserted, not
 * durations: every wait is a bounded watch for the event that says the change happened. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/doc.h"
#include "kube_api_double.h"
#include "platform/kube/client.h"
#include "testcerts.h"
#include "testutil.h"

#include "base/tests/check_main.h"

#define TOKEN "sc-timing-token-0c1d2e3f4a5b6978"
#define APPLY "application/apply-patch+yaml"
#define SA    "system:serviceaccount:smi-conformance:smi-conformance"

static struct sc_test_pki pki;
static struct sc_kube_double *dbl;
static struct sc_kube_client *cli;
static unsigned node_cpus; /* for start() */

static void setup(void)
{
    sc_test_pki_make(&pki);
    dbl = NULL;
    cli = NULL;
    node_cpus = 0;
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("no_proxy");
}

static void teardown(void)
{
    if (cli != NULL)
        sc_kube_client_free(cli);
    if (dbl != NULL)
        sc_kube_double_stop(dbl);
    sc_test_pki_free(&pki);
}

/* Start the double with these timings and a client for it (admin: no RBAC). */
static void start(unsigned pod_start_ms, unsigned ns_min, unsigned ns_max, const char *fixture)
{
    struct sc_kube_double_opts o;
    struct sc_kube_config *c = calloc(1, sizeof(*c));
    struct sc_kube_client_opts co = {.max_attempts = 1};
    struct sc_err err;

    memset(&o, 0, sizeof(o));
    o.server_cert_pem = pki.server_cert;
    o.server_key_pem = pki.server_key;
    o.token = TOKEN;
    o.served[0] = "v1alpha3";
    o.served[1] = "v1alpha4";
    o.served[2] = "v1alpha4";
    o.served[3] = "v1alpha1";
    o.pod_start_ms = pod_start_ms;
    o.ns_terminate_ms_min = ns_min;
    o.ns_terminate_ms_max = ns_max;
    o.seed = 42;
    o.fixture_bin = fixture;
    o.node_cpus = node_cpus;
    sc_err_init(&err);
    dbl = sc_kube_double_start(&o, &err);
    ck_assert_msg(dbl != NULL, "%s", err.msg);
    c->origin = strdup("timing test");
    c->server = tu_printf("https://127.0.0.1:%d", sc_kube_double_port(dbl));
    c->ca_pem = strdup(pki.ca_cert);
    c->token = strdup(TOKEN);
    ck_assert_msg(sc_kube_client_new(c, &co, &cli, &err) == 0, "%s", err.msg);
}

/* A call that must succeed; its answer parsed (caller frees). */
static cJSON *call_ok(const char *method, const char *path, const char *ctype, const char *body)
{
    char *out = NULL;
    cJSON *j;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_msg(sc_kube_call(cli, method, path, ctype, body, &out, NULL, &err) == 0, "%s %s: %s",
                  method, path, err.msg);
    j = cJSON_Parse(out);
    ck_assert_ptr_nonnull(j);
    free(out);
    return j;
}

/* A call answered with status (any); the answer parsed (caller frees). */
static cJSON *call_status(const char *method, const char *path, const char *ctype, const char *body,
                          long want)
{
    struct sc_kube_resp r;
    struct sc_err err;
    cJSON *j;
    sc_err_init(&err);
    ck_assert_msg(sc_kube_do(cli, method, path, ctype, body, 0, &r, &err) == 0, "%s", err.msg);
    ck_assert_msg(r.status == want, "%s %s: %ld %s", method, path, r.status, r.body);
    j = cJSON_Parse(r.body);
    ck_assert_ptr_nonnull(j);
    sc_kube_resp_release(&r);
    return j;
}

/* j's metadata.resourceVersion, copied into buf. */
static const char *rv_of(const cJSON *j, char *buf, size_t len)
{
    const char *rv = cJSON_GetStringValue(
        cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metadata"), "resourceVersion"));
    ck_assert_ptr_nonnull(rv);
    snprintf(buf, len, "%s", rv);
    return buf;
}

static const char *str_at(const cJSON *j, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItem(j, a);
    return cJSON_GetStringValue(b ? cJSON_GetObjectItem(x, b) : x);
}

static void make_namespace(const char *ns)
{
    char *body = tu_printf("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
                           "\"metadata\":{\"name\":\"%s\"}}",
                           ns);
    cJSON_Delete(call_ok("POST", "/api/v1/namespaces", NULL, body));
    free(body);
}

/* A Deployment "web" of one replica in ns (fixture args when the pods are processes); the
 * created object's resourceVersion into rv. */
static void make_deployment(const char *ns, char *rv, size_t len)
{
    char *path = tu_printf("/apis/apps/v1/namespaces/%s/deployments", ns);
    const char *body =
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
        "\"spec\":{\"replicas\":1,\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},"
        "\"spec\":{\"containers\":[{\"name\":\"fixture\",\"image\":\"smi-fixture:t\","
        "\"args\":[\"--listen\",\"0.0.0.0\",\"--http-port\",\"0\",\"--tcp-port\",\"off\","
        "\"--udp-port\",\"off\",\"--agent-port\",\"off\"]}]}}}}";
    cJSON *j = call_ok("POST", path, NULL, body);
    rv_of(j, rv, len);
    cJSON_Delete(j);
    free(path);
}

/* The Ready condition of the first item of a pod list. */
static const char *pod_ready(const cJSON *list)
{
    const cJSON *c;
    cJSON_ArrayForEach(
        c, cJSON_GetObjectItem(
               cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(list, "items"), 0),
                                   "status"),
               "conditions"))
    {
        if (strcmp(str_at(c, "type", NULL), "Ready") == 0)
            return str_at(c, "status", NULL);
    }
    return "absent";
}

static int ready_replicas(const cJSON *dep)
{
    const cJSON *n = cJSON_GetObjectItem(cJSON_GetObjectItem(dep, "status"), "readyReplicas");
    return n ? n->valueint : -1;
}

/*
 * Watch `collection` (a path without a query, plus extra query parameters) from *rv for the
 * first event that pred accepts; returns it (caller frees) and leaves *rv at its version.
 * Bounded: 40 watches of at most 5 s each. Every event seen is appended to seen (types).
 */
static cJSON *watch_for(const char *collection, const char *extra, char *rv, size_t len,
                        bool (*pred)(const cJSON *ev), char *seen, size_t seenlen)
{
    for (int i = 0; i < 40; i++) {
        char *path =
            tu_printf("%s?watch=1&resourceVersion=%s&timeoutSeconds=5%s", collection, rv, extra);
        struct sc_kube_resp r;
        struct sc_err err;
        cJSON *ev;
        sc_err_init(&err);
        ck_assert_msg(sc_kube_watch_first(cli, path, 10000, &r, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(r.status, 200);
        free(path);
        if (r.len == 0) {
            sc_kube_resp_release(&r);
            continue; /* the stream ended without an event: watch again */
        }
        ev = cJSON_ParseWithLength(r.body, strcspn(r.body, "\n"));
        sc_kube_resp_release(&r);
        ck_assert_ptr_nonnull(ev);
        rv_of(cJSON_GetObjectItem(ev, "object"), rv, len);
        if (seen != NULL)
            snprintf(seen + strlen(seen), seenlen - strlen(seen), "%s%s", seen[0] ? "," : "",
                     str_at(ev, "type", NULL));
        if (pred(ev))
            return ev;
        cJSON_Delete(ev);
    }
    ck_abort_msg("no awaited event on %s", collection);
    return NULL;
}

static bool deployment_ready(const cJSON *ev)
{
    return strcmp(str_at(ev, "type", NULL), "MODIFIED") == 0 &&
           ready_replicas(cJSON_GetObjectItem(ev, "object")) == 1;
}

static bool pod_turned_ready(const cJSON *ev)
{
    cJSON *list = cJSON_CreateObject(), *items = cJSON_AddArrayToObject(list, "items");
    bool ok;
    cJSON_AddItemToArray(items, cJSON_Duplicate(cJSON_GetObjectItem(ev, "object"), 1));
    ok = strcmp(str_at(ev, "type", NULL), "MODIFIED") == 0 && strcmp(pod_ready(list), "True") == 0;
    cJSON_Delete(list);
    return ok;
}

static bool deleted(const cJSON *ev)
{
    return strcmp(str_at(ev, "type", NULL), "DELETED") == 0;
}

START_TEST(pod_is_not_ready_right_after_create_with_a_long_start_delay)
{
    char rv[32];
    start(60000, 0, 0, NULL);
    make_namespace("slow");
    make_deployment("slow", rv, sizeof(rv));
    /* Three looks: the poll-based mode (ready_after 1) would be ready at the first. */
    for (int i = 0; i < 3; i++) {
        cJSON *deps = call_ok("GET", "/apis/apps/v1/namespaces/slow/deployments", NULL, NULL);
        cJSON *pods = call_ok("GET", "/api/v1/namespaces/slow/pods", NULL, NULL);
        cJSON *dep = cJSON_GetArrayItem(cJSON_GetObjectItem(deps, "items"), 0);
        const cJSON *avail = cJSON_GetArrayItem(
            cJSON_GetObjectItem(cJSON_GetObjectItem(dep, "status"), "conditions"), 0);
        ck_assert_int_eq(ready_replicas(dep), 0);
        ck_assert_str_eq(str_at(avail, "type", NULL), "Available");
        ck_assert_str_eq(str_at(avail, "status", NULL), "False");
        ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(pods, "items")), 1);
        ck_assert_str_eq(pod_ready(pods), "False");
        cJSON_Delete(deps);
        cJSON_Delete(pods);
    }
}
END_TEST

START_TEST(deployment_and_pod_turn_ready_by_time_and_watches_see_it)
{
    char rv[32], prv[32], seen[256] = "";
    cJSON *ev, *pods;
    start(150, 0, 0, NULL);
    make_namespace("quick");
    make_deployment("quick", rv, sizeof(rv));
    snprintf(prv, sizeof(prv), "%s", rv);
    /* Nobody lists: the clock alone makes the change, the watch delivers it. */
    ev = watch_for("/apis/apps/v1/namespaces/quick/deployments", "", rv, sizeof(rv),
                   deployment_ready, seen, sizeof(seen));
    ck_assert_str_eq(str_at(cJSON_GetObjectItem(ev, "object"), "metadata", "name"), "web");
    ck_assert_uint_eq(sc_kube_double_count(dbl, "GET", "/apis/apps/v1/namespaces/quick/pods"), 0);
    cJSON_Delete(ev);
    /* The pod's own watch (by label, as an informer for a Deployment's pods asks). */
    ev = watch_for("/api/v1/namespaces/quick/pods", "&labelSelector=app%3Dweb", prv, sizeof(prv),
                   pod_turned_ready, NULL, 0);
    cJSON_Delete(ev);
    pods = call_ok("GET", "/api/v1/namespaces/quick/pods?labelSelector=app%3Dweb", NULL, NULL);
    ck_assert_str_eq(pod_ready(pods), "True");
    cJSON_Delete(pods);
    /* A label that no pod has: an empty list. */
    pods = call_ok("GET", "/api/v1/namespaces/quick/pods?labelSelector=app%3Dother", NULL, NULL);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(pods, "items")), 0);
    cJSON_Delete(pods);
}
END_TEST

START_TEST(fixture_pod_runs_at_once_but_is_ready_only_after_the_delay)
{
    char *fixture = tu_printf("%s/fixtures/server/smi-fixture", tu_build_dir());
    unsigned started = 0, running = 0;
    char rv[32];
    cJSON *pods, *ev;

    start(60000, 0, 0, fixture);
    make_namespace("procs");
    make_deployment("procs", rv, sizeof(rv));
    sc_kube_double_processes(dbl, &started, &running);
    ck_assert_uint_eq(started, 1);
    ck_assert_uint_eq(running, 1);
    pods = call_ok("GET", "/api/v1/namespaces/procs/pods", NULL, NULL);
    ck_assert_str_eq(pod_ready(pods), "False");
    cJSON_Delete(pods);
    sc_kube_double_stop(dbl);
    sc_kube_client_free(cli);

    /* A short delay: Ready once both the delay passed and the process said it is ready. */
    start(100, 0, 0, fixture);
    make_namespace("procs");
    make_deployment("procs", rv, sizeof(rv));
    ev = watch_for("/apis/apps/v1/namespaces/procs/deployments", "", rv, sizeof(rv),
                   deployment_ready, NULL, 0);
    cJSON_Delete(ev);
    pods = call_ok("GET", "/api/v1/namespaces/procs/pods", NULL, NULL);
    ck_assert_str_eq(pod_ready(pods), "True");
    ck_assert_ptr_nonnull(
        str_at(cJSON_GetArrayItem(cJSON_GetObjectItem(pods, "items"), 0), "status", "podIP"));
    cJSON_Delete(pods);
    free(fixture);
}
END_TEST

START_TEST(create_in_a_terminating_namespace_is_refused_as_namespace_lifecycle_refuses_it)
{
#define SVC                                                                                        \
    "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"%s\"},"                  \
    "\"spec\":{\"ports\":[{\"port\":80}]}}"
    char *body = tu_printf(SVC, "old"), *body2 = tu_printf(SVC, "new");
    cJSON *j, *cause;

    start(0, 60000, 60000, NULL);
    make_namespace("ending");
    cJSON_Delete(call_ok("POST", "/api/v1/namespaces/ending/services", NULL, body));
    cJSON_Delete(call_ok("DELETE", "/api/v1/namespaces/ending", NULL, NULL));
    /* Still there, Terminating, however often it is looked at (terminate_polls is off). */
    for (int i = 0; i < 4; i++) {
        j = call_ok("GET", "/api/v1/namespaces/ending", NULL, NULL);
        ck_assert_str_eq(str_at(j, "status", "phase"), "Terminating");
        cJSON_Delete(j);
    }
    j = call_status("POST", "/api/v1/namespaces/ending/services", NULL, body2, 403);
    ck_assert_str_eq(str_at(j, "reason", NULL), "Forbidden");
    ck_assert_str_eq(str_at(j, "message", NULL),
                     "services \"new\" is forbidden: unable to create new content in namespace "
                     "ending because it is being terminated");
    ck_assert_int_eq(cJSON_GetObjectItem(j, "code")->valueint, 403);
    ck_assert_str_eq(str_at(j, "details", "name"), "new");
    ck_assert_str_eq(str_at(j, "details", "kind"), "services");
    cause = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "details"), "causes"), 0);
    ck_assert_str_eq(str_at(cause, "reason", NULL), "NamespaceTerminating");
    ck_assert_str_eq(str_at(cause, "message", NULL), "namespace ending is being terminated");
    ck_assert_str_eq(str_at(cause, "field", NULL), "metadata.namespace");
    cJSON_Delete(j);
    /* A server-side apply that would create is a create too; one that updates is not. */
    j = call_status("PATCH", "/api/v1/namespaces/ending/services/new?fieldManager=t", APPLY, body2,
                    403);
    ck_assert_str_eq(str_at(j, "reason", NULL), "Forbidden");
    cJSON_Delete(j);
    cJSON_Delete(
        call_ok("PATCH", "/api/v1/namespaces/ending/services/old?fieldManager=t", APPLY, body));
    free(body);
    free(body2);
}
END_TEST

START_TEST(namespace_goes_after_its_termination_and_a_watch_by_name_sees_it_deleted)
{
    char rv[32], seen[256] = "";
    cJSON *j, *ev;
    start(0, 100, 300, NULL);
    make_namespace("gone");
    cJSON_Delete(call_ok("POST", "/api/v1/namespaces/gone/services", NULL,
                         "{\"apiVersion\":\"v1\",\"kind\":\"Service\","
                         "\"metadata\":{\"name\":\"s\"}}"));
    j = call_ok("GET", "/api/v1/namespaces", NULL, NULL);
    rv_of(j, rv, sizeof(rv));
    cJSON_Delete(j);
    cJSON_Delete(call_ok("DELETE", "/api/v1/namespaces/gone", NULL, NULL));
    make_namespace("other"); /* not the watched name: never delivered */
    ev = watch_for("/api/v1/namespaces", "&fieldSelector=metadata.name%3Dgone", rv, sizeof(rv),
                   deleted, seen, sizeof(seen));
    ck_assert_str_eq(str_at(cJSON_GetObjectItem(ev, "object"), "metadata", "name"), "gone");
    ck_assert_str_eq(seen, "MODIFIED,DELETED"); /* Terminating, then gone */
    cJSON_Delete(ev);
    cJSON_Delete(call_status("GET", "/api/v1/namespaces/gone", NULL, NULL, 404));
    ck_assert_uint_eq(sc_kube_double_objects(dbl, "/api/v1/namespaces/gone/"), 0);
    /* The list by name: the other namespace only. */
    j = call_ok("GET", "/api/v1/namespaces?fieldSelector=metadata.name%3Dother", NULL, NULL);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 1);
    ck_assert_str_eq(
        str_at(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "items"), 0), "metadata", "name"),
        "other");
    cJSON_Delete(j);
    j = call_ok("GET", "/api/v1/namespaces?fieldSelector=metadata.name%21%3Dother", NULL, NULL);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 0);
    cJSON_Delete(j);
}
END_TEST

START_TEST(field_selector_on_an_unknown_field_is_a_bad_request)
{
    cJSON *j;
    start(0, 0, 0, NULL);
    j = call_status("GET", "/api/v1/namespaces?fieldSelector=spec.foo%3Dbar", NULL, NULL, 400);
    ck_assert_str_eq(str_at(j, "reason", NULL), "BadRequest");
    ck_assert_str_eq(str_at(j, "message", NULL),
                     "\"spec.foo\" is not a known field selector: only \"metadata.name\", "
                     "\"metadata.namespace\"");
    cJSON_Delete(j);
}
END_TEST

START_TEST(nodes_are_one_ready_node_with_its_cpus_or_not_served)
{
    cJSON *j, *n, *c;
    start(0, 0, 0, NULL);
    cJSON_Delete(call_status("GET", "/api/v1/nodes", NULL, NULL, 404));
    sc_kube_double_stop(dbl);
    sc_kube_client_free(cli);
    node_cpus = 8;
    start(0, 0, 0, NULL);
    j = call_ok("GET", "/api/v1/nodes", NULL, NULL);
    ck_assert_str_eq(str_at(j, "kind", NULL), "NodeList");
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 1);
    n = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "items"), 0);
    ck_assert_str_eq(str_at(n, "metadata", "name"), "kind-worker");
    ck_assert_str_eq(str_at(cJSON_GetObjectItem(n, "status"), "allocatable", "cpu"), "8");
    c = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(n, "status"), "conditions"), 0);
    ck_assert_str_eq(str_at(c, "type", NULL), "Ready");
    ck_assert_str_eq(str_at(c, "status", NULL), "True");
    cJSON_Delete(j);
    j = call_ok("GET", "/api/v1/nodes/kind-worker", NULL, NULL);
    cJSON_Delete(j);
}
END_TEST

/* What each release serves (cmd_crds.c; ../shared/design/SMI-SPEC.md). */
static const struct {
    const char *release, *access, *specs, *split;
    int kinds;
} releases[] = {{"v0.3.0", "v1alpha1", "v1alpha2", "v1alpha3", 4},
                {"v0.4.1", "v1alpha2", "v1alpha3", "v1alpha3", 4},
                {"v0.5.0", "v1alpha3", "v1alpha4", "v1alpha4", 5}};

/* `smi-conformance crds --release R`, applied document by document (server-side apply, the
 * way `kubectl apply --server-side` sends each object); the number applied. */
static int apply_crds(const char *release)
{
    char *cmd =
        tu_printf("'%s/conformance/smi-conformance' crds --release %s", tu_build_dir(), release);
    FILE *p = popen(cmd, "r");
    char *text = NULL;
    size_t cap = 0, len = 0, n;
    struct sc_doc *docs = NULL;
    struct sc_err err;
    int count = 0;

    ck_assert_ptr_nonnull(p);
    do {
        if (len + 4096 + 1 > cap) {
            cap = cap ? 2 * cap : 16384;
            text = realloc(text, cap);
            ck_assert_ptr_nonnull(text);
        }
        n = fread(text + len, 1, cap - len - 1, p);
        len += n;
    } while (n > 0);
    text[len] = '\0';
    ck_assert_int_eq(pclose(p), 0);
    sc_err_init(&err);
    ck_assert_msg(sc_doc_parse(text, len, "crds", &docs, &err) == 0, "%s", err.msg);
    for (struct sc_doc *d = docs; d; d = d->next) {
        cJSON *j = sc_doc_to_json(d->root);
        char *body = cJSON_PrintUnformatted(j);
        char *path = tu_printf("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/%s"
                               "?fieldManager=smi-conformance&force=true",
                               str_at(j, "metadata", "name"));
        cJSON_Delete(call_ok("PATCH", path, APPLY, body));
        free(path);
        free(body);
        cJSON_Delete(j);
        count++;
    }
    sc_doc_free(docs);
    free(text);
    free(cmd);
    return count;
}

/* The version a group serves in release i. */
static const char *want_version(int i, const char *group)
{
    if (strcmp(group, "access.smi-spec.io") == 0)
        return releases[i].access;
    if (strcmp(group, "specs.smi-spec.io") == 0)
        return releases[i].specs;
    ck_assert_str_eq(group, "split.smi-spec.io");
    return releases[i].split;
}

START_TEST(crds_of_each_release_apply_by_server_side_apply_and_read_back_with_their_versions)
{
    start(0, 0, 0, NULL);
    for (int i = 0; i < 3; i++) {
        cJSON *list, *crd;
        ck_assert_int_eq(apply_crds(releases[i].release), releases[i].kinds);
        list =
            call_ok("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", NULL, NULL);
        ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(list, "items")), releases[i].kinds);
        cJSON_ArrayForEach(crd, cJSON_GetObjectItem(list, "items"))
        {
            const cJSON *spec = cJSON_GetObjectItem(crd, "spec"), *v;
            const char *group = str_at(spec, "group", NULL);
            const char *plural = str_at(cJSON_GetObjectItem(spec, "names"), "plural", NULL);
            const char *kind = str_at(cJSON_GetObjectItem(spec, "names"), "kind", NULL);
            char *name = tu_printf("%s.%s", plural, group), *one;
            int served = 0;
            ck_assert_str_eq(str_at(crd, "metadata", "name"), name);
            ck_assert_str_eq(str_at(spec, "scope", NULL), "Namespaced");
            ck_assert_ptr_nonnull(kind);
            cJSON_ArrayForEach(v, cJSON_GetObjectItem(spec, "versions"))
            {
                if (cJSON_IsTrue(cJSON_GetObjectItem(v, "served"))) {
                    ck_assert_str_eq(str_at(v, "name", NULL), want_version(i, group));
                    served++;
                }
            }
            ck_assert_int_eq(served, 1);
            /* And one by one, by name. */
            one = tu_printf("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/%s", name);
            cJSON_Delete(call_ok("GET", one, NULL, NULL));
            cJSON_Delete(call_ok("DELETE", one, NULL, NULL));
            cJSON_Delete(call_status("GET", one, NULL, NULL, 404));
            free(one);
            free(name);
        }
        cJSON_Delete(list);
    }
}
END_TEST

START_TEST(the_jobs_role_cannot_create_a_crd)
{
    char *job = tu_printf("%s/fixtures/kube/harness/job.yaml", tu_source_dir());
    char *yaml = tu_slurp(job), last[1400];
    struct sc_err err;
    cJSON *j;

    ck_assert_ptr_nonnull(yaml);
    start(0, 0, 0, NULL);
    sc_err_init(&err);
    ck_assert_msg(sc_kube_double_rbac(dbl, yaml, SA, -1, &err) == 0, "%s", err.msg);
    j = call_status("PATCH",
                    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
                    "trafficsplits.split.smi-spec.io?fieldManager=t",
                    APPLY,
                    "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":"
                    "\"CustomResourceDefinition\",\"metadata\":{\"name\":"
                    "\"trafficsplits.split.smi-spec.io\"}}",
                    403);
    ck_assert_str_eq(str_at(j, "reason", NULL), "Forbidden");
    cJSON_Delete(j);
    ck_assert_uint_eq(sc_kube_double_forbidden(dbl, last, sizeof(last)), 1);
    ck_assert_msg(strstr(last, "customresourcedefinitions") != NULL &&
                      strstr(last, "at the cluster scope") != NULL,
                  "%s", last);
    ck_assert_uint_eq(sc_kube_double_objects(dbl, "/apis/apiextensions.k8s.io/"), 0);
    free(yaml);
    free(job);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kube_double_timing");
    TCase *tc = tcase_create("timing");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, pod_is_not_ready_right_after_create_with_a_long_start_delay);
    tcase_add_test(tc, deployment_and_pod_turn_ready_by_time_and_watches_see_it);
    tcase_add_test(tc, fixture_pod_runs_at_once_but_is_ready_only_after_the_delay);
    tcase_add_test(tc,
                   create_in_a_terminating_namespace_is_refused_as_namespace_lifecycle_refuses_it);
    tcase_add_test(tc, namespace_goes_after_its_termination_and_a_watch_by_name_sees_it_deleted);
    tcase_add_test(tc, field_selector_on_an_unknown_field_is_a_bad_request);
    tcase_add_test(tc, nodes_are_one_ready_node_with_its_cpus_or_not_served);
    suite_add_tcase(s, tc);
    tc = tcase_create("crds");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(
        tc, crds_of_each_release_apply_by_server_side_apply_and_read_back_with_their_versions);
    tcase_add_test(tc, the_jobs_role_cannot_create_a_crd);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}

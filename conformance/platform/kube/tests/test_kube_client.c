/* test_kube_client.c - the API client against the Kubernetes API test double. */
#include <check.h>
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/file.h"
#include "base/log.h"
#include "kube_api_double.h"
#include "platform/kube/client.h"
#include "platform/kube/discovery.h"
#include "platform/kube/exec.h"
#include "testcerts.h"
#include "testutil.h"

#include "base/tests/check_main.h"

#define TOKEN "sc-test-token-4f8a9b2c7d1e6f30"

static struct sc_test_pki pki;
static struct sc_kube_double *dbl;
static char *dir;

static struct sc_kube_double_opts dopts(void)
{
    struct sc_kube_double_opts o;
    memset(&o, 0, sizeof(o));
    o.server_cert_pem = pki.server_cert;
    o.server_key_pem = pki.server_key;
    o.client_ca_pem = pki.ca_cert;
    o.token = TOKEN;
    o.basic_user = "admin";
    o.basic_pass = "s3cret-password";
    o.served[0] = "v1alpha3";
    o.served[1] = "v1alpha4";
    o.served[2] = "v1alpha4";
    o.served[3] = "v1alpha1";
    return o;
}

static void setup(void)
{
    struct sc_kube_double_opts o;
    struct sc_err err;
    sc_test_pki_make(&pki);
    o = dopts();
    sc_err_init(&err);
    dbl = sc_kube_double_start(&o, &err);
    ck_assert_msg(dbl != NULL, "%s", err.msg);
    dir = tu_tmpdir();
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("no_proxy");
}

static void teardown(void)
{
    char *cmd = tu_printf("rm -rf '%s'", dir);
    if (system(cmd) != 0) {
    }
    free(cmd);
    free(dir);
    sc_kube_double_stop(dbl);
    sc_test_pki_free(&pki);
}

/* A config for the double; the caller adjusts it before sc_kube_client_new takes it. */
static struct sc_kube_config *cfg_for(const char *token)
{
    struct sc_kube_config *c = calloc(1, sizeof(*c));
    c->origin = strdup("test (context t)");
    c->server = tu_printf("https://127.0.0.1:%d", sc_kube_double_port(dbl));
    c->ca_pem = strdup(pki.ca_cert);
    if (token)
        c->token = strdup(token);
    return c;
}

static struct sc_kube_client *client_for(struct sc_kube_config *cfg, unsigned attempts)
{
    struct sc_kube_client_opts o = {
        .max_attempts = attempts, .backoff_base_ms = 5, .backoff_max_ms = 20};
    struct sc_kube_client *c = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_msg(sc_kube_client_new(cfg, &o, &c, &err) == 0, "%s", err.msg);
    return c;
}

START_TEST(token_over_tls_with_the_cluster_ca_is_accepted)
{
    struct sc_kube_client *c = client_for(cfg_for(TOKEN), 0);
    char *body = NULL, buf[128];
    long status = 0;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_kube_call(c, "GET", "/version", NULL, NULL, &body, &status, &err), 0);
    ck_assert_int_eq(status, 200);
    ck_assert_ptr_nonnull(strstr(body, "v1.29.0-double"));
    sc_kube_double_last(dbl, "auth", buf, sizeof(buf));
    ck_assert_str_eq(buf, "token");
    sc_kube_double_last(dbl, "user-agent", buf, sizeof(buf));
    ck_assert_str_eq(buf, "smi-conformance/" SC_VERSION);
    free(body);
    sc_kube_client_free(c);
}
END_TEST

START_TEST(client_certificate_authenticates)
{
    struct sc_kube_config *cfg = cfg_for(NULL);
    struct sc_kube_client *c;
    char buf[128];
    struct sc_err err;
    cfg->cert_pem = strdup(pki.client_cert);
    cfg->key_pem = strdup(pki.client_key);
    c = client_for(cfg, 0);
    sc_err_init(&err);
    ck_assert_int_eq(sc_kube_call(c, "GET", "/apis", NULL, NULL, NULL, NULL, &err), 0);
    sc_kube_double_last(dbl, "auth", buf, sizeof(buf));
    ck_assert_str_eq(buf, "cert:alice");
    sc_kube_client_free(c);
}
END_TEST

START_TEST(basic_auth_is_sent_when_configured)
{
    struct sc_kube_config *cfg = cfg_for(NULL);
    struct sc_kube_client *c;
    char buf[128];
    struct sc_err err;
    cfg->username = strdup("admin");
    cfg->password = strdup("s3cret-password");
    c = client_for(cfg, 0);
    sc_err_init(&err);
    ck_assert_int_eq(sc_kube_call(c, "GET", "/apis", NULL, NULL, NULL, NULL, &err), 0);
    sc_kube_double_last(dbl, "auth", buf, sizeof(buf));
    ck_assert_str_eq(buf, "basic:admin");
    sc_kube_client_free(c);
}
END_TEST

START_TEST(missing_credentials_get_a_readable_unauthorized)
{
    struct sc_kube_client *c = client_for(cfg_for(NULL), 0);
    struct sc_err err;
    long status = 0;
    sc_err_init(&err);
    ck_assert_int_eq(sc_kube_call(c, "GET", "/apis", NULL, NULL, NULL, &status, &err), SC_EINVAL);
    ck_assert_int_eq(status, 401);
    ck_assert_str_eq(err.msg, "unauthorized: Unauthorized");
    sc_kube_client_free(c);
}
END_TEST

START_TEST(server_certificate_from_another_ca_is_refused)
{
    struct sc_kube_config *cfg = cfg_for(TOKEN);
    struct sc_kube_client *c;
    struct sc_err err;
    free(cfg->ca_pem);
    cfg->ca_pem = strdup(pki.other_ca_cert);
    c = client_for(cfg, 1);
    sc_err_init(&err);
    ck_assert_int_eq(sc_kube_call(c, "GET", "/version", NULL, NULL, NULL, NULL, &err), SC_ECONNECT);
    ck_assert_msg(strstr(err.msg, "certificate") != NULL, "%s", err.msg);
    ck_assert_uint_eq(sc_kube_double_count(dbl, NULL, "/"), 0);
    sc_kube_client_free(c);
}
END_TEST

START_TEST(insecure_skip_tls_verify_connects_without_a_ca)
{
    struct sc_kube_config *cfg = cfg_for(TOKEN);
    struct sc_kube_client *c;
    struct sc_err err;
    free(cfg->ca_pem);
    cfg->ca_pem = NULL;
    cfg->insecure = true;
    c = client_for(cfg, 1);
    sc_err_init(&err);
    ck_assert_int_eq(sc_kube_call(c, "GET", "/version", NULL, NULL, NULL, NULL, &err), 0);
    sc_kube_client_free(c);
}
END_TEST

START_TEST(tls_server_name_is_checked_instead_of_the_address)
{
    struct sc_kube_config *cfg = cfg_for(TOKEN);
    struct sc_kube_client *c;
    struct sc_err err;
    cfg->tls_server_name = strdup("kube.test");
    c = client_for(cfg, 1);
    sc_err_init(&err);
    ck_assert_msg(sc_kube_call(c, "GET", "/version", NULL, NULL, NULL, NULL, &err) == 0, "%s",
                  err.msg);
    sc_kube_client_free(c);
    /* A name the certificate does not carry fails. */
    cfg = cfg_for(TOKEN);
    cfg->tls_server_name = strdup("wrong.test");
    c = client_for(cfg, 1);
    ck_assert_int_eq(sc_kube_call(c, "GET", "/version", NULL, NULL, NULL, NULL, &err), SC_ECONNECT);
    sc_kube_client_free(c);
}
END_TEST

START_TEST(connections_are_reused_across_calls)
{
    struct sc_kube_client *c = client_for(cfg_for(TOKEN), 0);
    struct sc_err err;
    sc_err_init(&err);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(sc_kube_call(c, "GET", "/version", NULL, NULL, NULL, NULL, &err), 0);
    ck_assert_uint_eq(sc_kube_double_count(dbl, "GET", "/version"), 5);
    ck_assert_uint_eq(sc_kube_double_connections(dbl), 1);
    sc_kube_client_free(c);
}
END_TEST

START_TEST(too_many_requests_is_retried_after_retry_after)
{
    struct sc_kube_client *c = client_for(cfg_for(TOKEN), 5);
    struct sc_kube_resp r;
    struct sc_err err;
    sc_err_init(&err);
    sc_kube_double_fail(dbl, "GET", "/version", 429, 2, 1);
    ck_assert_int_eq(sc_kube_do(c, "GET", "/version", NULL, NULL, 0, &r, &err), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_uint_eq(r.attempts, 3);
    ck_assert_uint_eq(sc_kube_double_count(dbl, "GET", "/version"), 3);
    sc_kube_resp_release(&r);
    sc_kube_client_free(c);
}
END_TEST

START_TEST(too_many_requests_is_retried_even_for_post)
{
    struct sc_kube_client *c = client_for(cfg_for(TOKEN), 5);
    struct sc_err err;
    long status = 0;
    sc_err_init(&err);
    sc_kube_double_fail(dbl, "POST", "/api/v1/namespaces", 429, 1, 0);
    ck_assert_int_eq(sc_kube_call(c, "POST", "/api/v1/namespaces", NULL,
                                  "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
                                  "\"metadata\":{\"name\":\"p\"}}",
                                  NULL, &status, &err),
                     0);
    ck_assert_int_eq(status, 201);
    ck_assert_uint_eq(sc_kube_double_count(dbl, "POST", "/api/v1/namespaces"), 2);
    sc_kube_client_free(c);
}
END_TEST

START_TEST(exhausted_retries_report_the_last_status)
{
    struct sc_kube_client *c = client_for(cfg_for(TOKEN), 3);
    struct sc_err err;
    long status = 0;
    sc_err_init(&err);
    sc_kube_double_fail(dbl, "GET", "/apis", 429, 10, 0);
    ck_assert_int_eq(sc_kube_call(c, "GET", "/apis", NULL, NULL, NULL, &status, &err), SC_EIO);
    ck_assert_int_eq(status, 429);
    ck_assert_uint_eq(sc_kube_double_count(dbl, "GET", "/apis"), 3);
    ck_assert_msg(strncmp(err.msg, "too many requests: ", 19) == 0, "%s", err.msg);
    sc_kube_client_free(c);
}
END_TEST

START_TEST(server_errors_are_retried_only_when_idempotent)
{
    struct sc_kube_client *c = client_for(cfg_for(TOKEN), 4);
    struct sc_err err;
    long status = 0;
    sc_err_init(&err);
    sc_kube_double_fail(dbl, "GET", "/version", 503, 2, 0);
    ck_assert_int_eq(sc_kube_call(c, "GET", "/version", NULL, NULL, NULL, &status, &err), 0);
    ck_assert_uint_eq(sc_kube_double_count(dbl, "GET", "/version"), 3);
    sc_kube_double_fail(dbl, "POST", "/api/v1/namespaces", 500, 1, 0);
    ck_assert_int_eq(sc_kube_call(c, "POST", "/api/v1/namespaces", NULL, "{}", NULL, &status, &err),
                     SC_EIO);
    ck_assert_int_eq(status, 500);
    ck_assert_uint_eq(sc_kube_double_count(dbl, "POST", "/api/v1/namespaces"), 1);
    sc_kube_client_free(c);
}
END_TEST

START_TEST(dropped_connection_is_retried_on_get)
{
    struct sc_kube_client *c = client_for(cfg_for(TOKEN), 4);
    struct sc_err err;
    sc_err_init(&err);
    sc_kube_double_fail(dbl, "GET", "/version", -1, 2, 0);
    ck_assert_msg(sc_kube_call(c, "GET", "/version", NULL, NULL, NULL, NULL, &err) == 0, "%s",
                  err.msg);
    ck_assert_uint_eq(sc_kube_double_count(dbl, "GET", "/version"), 3);
    sc_kube_client_free(c);
}
END_TEST

START_TEST(connection_dropped_midway_through_an_answer_is_retried_on_get)
{
    struct sc_kube_client *c = client_for(cfg_for(TOKEN), 4);
    struct sc_kube_resp r;
    struct sc_err err;
    sc_err_init(&err);
    sc_kube_double_fail(dbl, "GET", "/version", -2, 2, 0);
    ck_assert_msg(sc_kube_do(c, "GET", "/version", NULL, NULL, 0, &r, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(r.status, 200);
    ck_assert_uint_eq(r.attempts, 3);
    ck_assert_ptr_nonnull(strstr(r.body, "v1.29.0-double"));
    ck_assert_uint_eq(sc_kube_double_count(dbl, "GET", "/version"), 3);
    sc_kube_resp_release(&r);
    sc_kube_client_free(c);
}
END_TEST

START_TEST(answer_slower_than_the_timeout_is_retried_on_get)
{
    struct sc_kube_client *c = client_for(cfg_for(TOKEN), 3);
    struct sc_kube_resp r;
    struct sc_err err;
    sc_err_init(&err);
    /* The first answer comes after 1.5 s; the call gives up after 300 ms and asks again. */
    sc_kube_double_fail(dbl, "GET", "/version", -3, 1, 1500);
    ck_assert_msg(sc_kube_do(c, "GET", "/version", NULL, NULL, 300, &r, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(r.status, 200);
    ck_assert_uint_eq(r.attempts, 2);
    ck_assert_uint_eq(sc_kube_double_count(dbl, "GET", "/version"), 2);
    sc_kube_resp_release(&r);
    sc_kube_client_free(c);
}
END_TEST

START_TEST(slow_post_is_not_sent_again)
{
    struct sc_kube_client *c = client_for(cfg_for(TOKEN), 3);
    struct sc_kube_resp r;
    struct sc_err err;
    sc_err_init(&err);
    sc_kube_double_fail(dbl, "POST", "/api/v1/namespaces", -3, 1, 1500);
    ck_assert_int_eq(sc_kube_do(c, "POST", "/api/v1/namespaces", NULL,
                                "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
                                "\"metadata\":{\"name\":\"slow\"}}",
                                300, &r, &err),
                     SC_ETIMEOUT);
    ck_assert_msg(strstr(err.msg, "after 1 attempts") != NULL, "%s", err.msg);
    ck_assert_uint_eq(sc_kube_double_count(dbl, "POST", "/api/v1/namespaces"), 1);
    sc_kube_client_free(c);
}
END_TEST

/* The lines of a watch answer, as parsed events. */
static size_t watch_events(const char *body, cJSON **ev, size_t max)
{
    size_t n = 0;
    for (const char *p = body; *p && n < max;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        ev[n] = cJSON_ParseWithLength(p, len);
        ck_assert_msg(ev[n] != NULL, "watch line is not JSON: '%.*s'", (int)len, p);
        n++;
        p += len + (nl != NULL);
    }
    return n;
}

static const char *ev_str(const cJSON *e, const char *what)
{
    const cJSON *o = cJSON_GetObjectItem(e, "object");
    if (strcmp(what, "type") == 0)
        return cJSON_GetStringValue(cJSON_GetObjectItem(e, "type"));
    return cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "metadata"), what));
}

START_TEST(watch_streams_the_changes_after_a_resource_version)
{
    struct sc_kube_client *c = client_for(cfg_for(TOKEN), 0);
    const char *apply = "/api/v1/namespaces/w1?fieldManager=t&force=true";
    char *body = NULL, path[200];
    cJSON *j, *ev[8];
    const char *rv1;
    struct sc_kube_resp r;
    struct sc_err err;
    size_t n;

    sc_err_init(&err);
    ck_assert_int_eq(sc_kube_call(c, "PATCH", apply, "application/apply-patch+yaml",
                                  "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
                                  "\"metadata\":{\"name\":\"w1\"}}",
                                  &body, NULL, &err),
                     0);
    j = cJSON_Parse(body);
    rv1 = cJSON_GetStringValue(
        cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metadata"), "resourceVersion"));
    ck_assert_ptr_nonnull(rv1);
    free(body);
    ck_assert_int_eq(sc_kube_call(c, "PATCH", apply, "application/apply-patch+yaml",
                                  "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
                                  "\"metadata\":{\"name\":\"w1\",\"labels\":{\"x\":\"y\"}}}",
                                  NULL, NULL, &err),
                     0);

    /* From the start: both changes, oldest first; the stream ends after timeoutSeconds. */
    ck_assert_int_eq(sc_kube_do(c, "GET",
                                "/api/v1/namespaces?watch=1&resourceVersion=0"
                                "&timeoutSeconds=1",
                                NULL, NULL, 0, &r, &err),
                     0);
    ck_assert_int_eq(r.status, 200);
    n = watch_events(r.body, ev, 8);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(ev_str(ev[0], "type"), "ADDED");
    ck_assert_str_eq(ev_str(ev[0], "name"), "w1");
    ck_assert_str_eq(ev_str(ev[1], "type"), "MODIFIED");
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(ev[i]);
    sc_kube_resp_release(&r);

    /* After the first change's version: only the second. */
    snprintf(path, sizeof(path), "/api/v1/namespaces?watch=1&resourceVersion=%s&timeoutSeconds=1",
             rv1);
    ck_assert_int_eq(sc_kube_do(c, "GET", path, NULL, NULL, 0, &r, &err), 0);
    n = watch_events(r.body, ev, 8);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(ev_str(ev[0], "type"), "MODIFIED");
    ck_assert_str_ne(ev_str(ev[0], "resourceVersion"), rv1);
    cJSON_Delete(ev[0]);
    sc_kube_resp_release(&r);
    cJSON_Delete(j);
    sc_kube_client_free(c);
}
END_TEST

START_TEST(refused_connection_says_where_after_the_attempts)
{
    struct sc_kube_config *cfg = cfg_for(TOKEN);
    struct sc_kube_client *c;
    struct sc_err err;
    free(cfg->server);
    cfg->server = strdup("https://127.0.0.1:1");
    c = client_for(cfg, 2);
    sc_err_init(&err);
    ck_assert_int_eq(sc_kube_call(c, "GET", "/apis", NULL, NULL, NULL, NULL, &err), SC_ECONNECT);
    ck_assert_msg(strstr(err.msg, "GET https://127.0.0.1:1/apis") != NULL &&
                      strstr(err.msg, "after 2 attempts") != NULL,
                  "%s", err.msg);
    sc_kube_client_free(c);
}
END_TEST

START_TEST(status_errors_read_like_kubectl)
{
    struct sc_kube_client *c = client_for(cfg_for(TOKEN), 1);
    const char *ns = "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"a\"}}";
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(
        sc_kube_call(c, "GET", "/api/v1/namespaces/nope", NULL, NULL, NULL, NULL, &err),
        SC_ENOTFOUND);
    ck_assert_str_eq(err.msg, "not found: namespaces \"nope\" not found");
    ck_assert_int_eq(sc_kube_call(c, "POST", "/api/v1/namespaces", NULL, ns, NULL, NULL, &err), 0);
    ck_assert_int_eq(sc_kube_call(c, "POST", "/api/v1/namespaces", NULL, ns, NULL, NULL, &err),
                     SC_EBUSY);
    ck_assert_str_eq(err.msg, "already exists: namespaces \"a\" already exists");
    ck_assert_int_eq(
        sc_kube_call(c, "PATCH",
                     "/apis/split.smi-spec.io/v1alpha4/namespaces/a/trafficsplits/s"
                     "?fieldManager=smi-conformance",
                     "application/apply-patch+yaml",
                     "{\"apiVersion\":\"split.smi-spec.io/v1alpha4\",\"kind\":\"TrafficSplit\","
                     "\"metadata\":{\"name\":\"s\"},\"spec\":{}}",
                     NULL, NULL, &err),
        SC_EINVAL);
    ck_assert_str_eq(err.msg, "invalid: TrafficSplit.split.smi-spec.io \"s\" is invalid: "
                              "spec.service: Required value");
    sc_kube_client_free(c);
}
END_TEST

START_TEST(non_status_bodies_are_quoted_on_one_line)
{
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_kube_status_error("GET", "/x", 502, "<html>\nbad gateway</html>", &err),
                     SC_EIO);
    ck_assert_str_eq(err.msg, "GET /x: HTTP 502: <html> bad gateway</html>");
    ck_assert_int_eq(sc_kube_status_error("GET", "/x", 404, "", &err), SC_ENOTFOUND);
    ck_assert_str_eq(err.msg, "GET /x: HTTP 404");
}
END_TEST

START_TEST(discovery_lists_served_versions_and_resource_names)
{
    struct sc_kube_client *c = client_for(cfg_for(TOKEN), 1);
    struct sc_kube_discovery d;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_kube_discover(c, &d, &err), 0);
    ck_assert_uint_eq(d.nversions[SC_PROFILE_ACCESS], 1);
    ck_assert_int_eq(d.versions[SC_PROFILE_ACCESS][0], 3);
    ck_assert_int_eq(d.versions[SC_PROFILE_SPLIT][0], 4);
    ck_assert_uint_eq(d.nversions[SC_PROFILE_METRICS], 1);
    ck_assert_str_eq(sc_kube_resource_name(&d, "split.smi-spec.io/v1alpha4", "TrafficSplit"),
                     "trafficsplits");
    ck_assert_str_eq(sc_kube_resource_name(&d, "specs.smi-spec.io/v1alpha4", "HTTPRouteGroup"),
                     "httproutegroups");
    ck_assert_ptr_null(sc_kube_resource_name(&d, "split.smi-spec.io/v1alpha2", "TrafficSplit"));
    sc_kube_discovery_release(&d);
    sc_kube_client_free(c);
}
END_TEST

START_TEST(unavailable_metrics_api_is_not_served)
{
    struct sc_kube_double_opts o = dopts();
    struct sc_kube_double *d2;
    struct sc_kube_config *cfg;
    struct sc_kube_client *c;
    struct sc_kube_discovery d;
    struct sc_err err;
    o.metrics_unavailable = true;
    o.served[0] = NULL;
    sc_err_init(&err);
    d2 = sc_kube_double_start(&o, &err);
    ck_assert_msg(d2 != NULL, "%s", err.msg);
    cfg = cfg_for(TOKEN);
    free(cfg->server);
    cfg->server = tu_printf("https://127.0.0.1:%d", sc_kube_double_port(d2));
    c = client_for(cfg, 1);
    sc_err_init(&err);
    ck_assert_int_eq(sc_kube_discover(c, &d, &err), 0);
    ck_assert_uint_eq(d.nversions[SC_PROFILE_ACCESS], 0);
    ck_assert_uint_eq(d.nversions[SC_PROFILE_METRICS], 0);
    ck_assert_uint_eq(d.nversions[SC_PROFILE_SPLIT], 1);
    sc_kube_discovery_release(&d);
    sc_kube_client_free(c);
    sc_kube_double_stop(d2);
}
END_TEST

/* A plugin script that counts its runs in dir/count and prints an ExecCredential. */
static char *plugin(const char *api, const char *expiry, const char *extra_status)
{
    char *body =
        tu_printf("#!/bin/sh\necho run >> '%s/count'\n"
                  "[ -n \"$KUBERNETES_EXEC_INFO\" ] || exit 3\n"
                  "cat <<EOF\n{\"apiVersion\":\"%s\",\"kind\":\"ExecCredential\",\"status\":{"
                  "\"token\":\"%s\"%s%s%s%s}}\nEOF\n",
                  dir, api, TOKEN, expiry ? ",\"expirationTimestamp\":\"" : "",
                  expiry ? expiry : "", expiry ? "\"" : "", extra_status);
    char *p = tu_write(dir, "plugin.sh", body, 0755);
    free(body);
    return p;
}

static unsigned runs(void)
{
    char *p = tu_printf("%s/count", dir), line[64];
    FILE *f = fopen(p, "r");
    unsigned n = 0;
    free(p);
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f))
        n++;
    fclose(f);
    return n;
}

static struct sc_kube_config *exec_cfg(const char *cmd, const char *api)
{
    struct sc_kube_config *cfg = cfg_for(NULL);
    cfg->exec = calloc(1, sizeof(*cfg->exec));
    cfg->exec->api_version = strdup(api);
    cfg->exec->command = strdup(cmd);
    cfg->exec->args = calloc(1, sizeof(char *));
    cfg->exec->env = calloc(1, sizeof(char *));
    cfg->exec->install_hint = strdup("install the plugin");
    return cfg;
}

START_TEST(exec_credential_is_cached_until_it_expires)
{
    char *p = plugin("client.authentication.k8s.io/v1", "2999-01-01T00:00:00Z", "");
    struct sc_kube_client *c = client_for(exec_cfg(p, "client.authentication.k8s.io/v1"), 1);
    struct sc_err err;
    char buf[64];
    sc_err_init(&err);
    for (int i = 0; i < 3; i++)
        ck_assert_msg(sc_kube_call(c, "GET", "/version", NULL, NULL, NULL, NULL, &err) == 0, "%s",
                      err.msg);
    ck_assert_uint_eq(runs(), 1);
    sc_kube_double_last(dbl, "auth", buf, sizeof(buf));
    ck_assert_str_eq(buf, "token");
    sc_kube_client_free(c);
    free(p);
}
END_TEST

START_TEST(expired_exec_credential_is_fetched_again)
{
    char *p = plugin("client.authentication.k8s.io/v1beta1", "2001-01-01T00:00:00+01:00", "");
    struct sc_kube_client *c = client_for(exec_cfg(p, "client.authentication.k8s.io/v1beta1"), 1);
    struct sc_err err;
    sc_err_init(&err);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(sc_kube_call(c, "GET", "/version", NULL, NULL, NULL, NULL, &err), 0);
    ck_assert_uint_eq(runs(), 3);
    sc_kube_client_free(c);
    free(p);
}
END_TEST

START_TEST(exec_plugin_printing_garbage_is_an_error_that_does_not_echo_it)
{
    char *p = tu_write(dir, "bad.sh", "#!/bin/sh\necho 'token=" TOKEN " oops'\n", 0755);
    struct sc_kube_client *c = client_for(exec_cfg(p, "client.authentication.k8s.io/v1"), 1);
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_kube_call(c, "GET", "/version", NULL, NULL, NULL, NULL, &err), SC_EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "printed something that is not JSON"));
    ck_assert_ptr_null(strstr(err.msg, TOKEN));
    ck_assert_uint_eq(sc_kube_double_count(dbl, NULL, "/"), 0);
    sc_kube_client_free(c);
    free(p);
}
END_TEST

START_TEST(failing_exec_plugin_shows_its_install_hint)
{
    char *p = tu_write(dir, "fail.sh", "#!/bin/sh\nexit 1\n", 0755);
    struct sc_kube_client *c = client_for(exec_cfg(p, "client.authentication.k8s.io/v1"), 1);
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_kube_call(c, "GET", "/version", NULL, NULL, NULL, NULL, &err), SC_EINVAL);
    ck_assert_msg(strstr(err.msg, "failed (status 1): install the plugin") != NULL, "%s", err.msg);
    sc_kube_client_free(c);
    free(p);
}
END_TEST

START_TEST(exec_credential_of_the_wrong_api_version_is_refused)
{
    char *p = plugin("client.authentication.k8s.io/v1beta1", NULL, "");
    struct sc_kube_client *c = client_for(exec_cfg(p, "client.authentication.k8s.io/v1"), 1);
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_kube_call(c, "GET", "/version", NULL, NULL, NULL, NULL, &err), SC_EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "does not match 'client.authentication.k8s.io/v1'"));
    sc_kube_client_free(c);
    free(p);
}
END_TEST

START_TEST(rfc3339_times_parse_with_offsets_and_fractions)
{
    time_t t;
    ck_assert(sc_kube_parse_time("1970-01-01T00:01:00Z", &t));
    ck_assert_int_eq((long)t, 60);
    ck_assert(sc_kube_parse_time("1970-01-01T01:00:00.123+01:00", &t));
    ck_assert_int_eq((long)t, 0);
    ck_assert(!sc_kube_parse_time("1970-01-01 00:00:00", &t));
    ck_assert(!sc_kube_parse_time("soon", &t));
}
END_TEST

/* Debug logging on, stderr captured: requests, retries, failures; the token never shows. */
START_TEST(token_never_reaches_the_log)
{
    char *logp = tu_printf("%s/stderr.log", dir), *text = NULL;
    int fd = open(logp, O_CREAT | O_TRUNC | O_WRONLY, 0600), saved = dup(2);
    struct sc_kube_client *c = client_for(cfg_for(TOKEN), 3);
    struct sc_err err;

    sc_log_threshold = SC_LOG_DEBUG;
    dup2(fd, 2);
    sc_err_init(&err);
    sc_kube_double_fail(dbl, "GET", "/version", 429, 1, 0);
    ck_assert_int_eq(sc_kube_call(c, "GET", "/version", NULL, NULL, NULL, NULL, &err), 0);
    ck_assert_int_eq(sc_kube_call(c, "GET", "/api/v1/namespaces/x", NULL, NULL, NULL, NULL, &err),
                     SC_ENOTFOUND);
    ck_assert_ptr_null(strstr(err.msg, TOKEN));
    fflush(stderr);
    dup2(saved, 2);
    close(fd);
    ck_assert_msg(sc_file_read(logp, 1u << 20, &text, NULL, &err) == 0, "%s", err.msg);
    ck_assert_msg(strstr(text, "/version") != NULL, "the log is empty: the test proves nothing");
    ck_assert_ptr_null(strstr(text, TOKEN));
    free(text);
    free(logp);
    sc_kube_client_free(c);
}
END_TEST

START_TEST(redact_removes_every_known_secret)
{
    struct sc_kube_config *cfg = cfg_for(TOKEN);
    struct sc_kube_client *c;
    char *text;
    const char *line2;
    cfg->password = strdup("s3cret-password");
    cfg->cert_pem = strdup(pki.client_cert);
    cfg->key_pem = strdup(pki.client_key);
    c = client_for(cfg, 1);
    line2 = strchr(pki.client_key, '\n') + 1; /* the first base64 line of the key */
    text = tu_printf("a %s b s3cret-password c %.40s d", TOKEN, line2);
    sc_kube_redact(c, text);
    ck_assert_ptr_null(strstr(text, TOKEN));
    ck_assert_ptr_null(strstr(text, "s3cret-password"));
    ck_assert_msg(strncmp(text, "a [redacted] b [redacted] c ", 28) == 0, "%s", text);
    free(text);
    sc_kube_client_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kube_client");
    TCase *tc = tcase_create("client");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, token_over_tls_with_the_cluster_ca_is_accepted);
    tcase_add_test(tc, client_certificate_authenticates);
    tcase_add_test(tc, basic_auth_is_sent_when_configured);
    tcase_add_test(tc, missing_credentials_get_a_readable_unauthorized);
    tcase_add_test(tc, server_certificate_from_another_ca_is_refused);
    tcase_add_test(tc, insecure_skip_tls_verify_connects_without_a_ca);
    tcase_add_test(tc, tls_server_name_is_checked_instead_of_the_address);
    tcase_add_test(tc, connections_are_reused_across_calls);
    tcase_add_test(tc, too_many_requests_is_retried_after_retry_after);
    tcase_add_test(tc, too_many_requests_is_retried_even_for_post);
    tcase_add_test(tc, exhausted_retries_report_the_last_status);
    tcase_add_test(tc, server_errors_are_retried_only_when_idempotent);
    tcase_add_test(tc, dropped_connection_is_retried_on_get);
    tcase_add_test(tc, connection_dropped_midway_through_an_answer_is_retried_on_get);
    tcase_add_test(tc, answer_slower_than_the_timeout_is_retried_on_get);
    tcase_add_test(tc, slow_post_is_not_sent_again);
    tcase_add_test(tc, watch_streams_the_changes_after_a_resource_version);
    tcase_add_test(tc, refused_connection_says_where_after_the_attempts);
    tcase_add_test(tc, status_errors_read_like_kubectl);
    tcase_add_test(tc, non_status_bodies_are_quoted_on_one_line);
    tcase_add_test(tc, discovery_lists_served_versions_and_resource_names);
    tcase_add_test(tc, unavailable_metrics_api_is_not_served);
    tcase_add_test(tc, exec_credential_is_cached_until_it_expires);
    tcase_add_test(tc, expired_exec_credential_is_fetched_again);
    tcase_add_test(tc, exec_plugin_printing_garbage_is_an_error_that_does_not_echo_it);
    tcase_add_test(tc, failing_exec_plugin_shows_its_install_hint);
    tcase_add_test(tc, exec_credential_of_the_wrong_api_version_is_refused);
    tcase_add_test(tc, rfc3339_times_parse_with_offsets_and_fractions);
    tcase_add_test(tc, token_never_reaches_the_log);
    tcase_add_test(tc, redact_removes_every_known_secret);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}

/* test_profile.c - mesh profiles: every shipped one loads, bad ones say where. */
#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "platform/profile.h"
#include "testutil.h"

#include "base/tests/check_main.h"

static const char *profiles_dir(void)
{
    static char buf[4096];
    const char *src = getenv("SC_SOURCE_DIR");
    snprintf(buf, sizeof(buf), "%s/suites/profiles", src ? src : ".");
    return buf;
}

START_TEST(every_shipped_profile_loads_and_is_named_after_its_file)
{
    static const char *const meshes[] = {
        "linkerd", "osm", "istio", "consul", "traefik-mesh", "kuma", "nginx-service-mesh", "local"};
    DIR *dp = opendir(profiles_dir());
    struct dirent *e;
    size_t loaded = 0;

    ck_assert_ptr_nonnull(dp);
    while ((e = readdir(dp)) != NULL) {
        size_t n = strlen(e->d_name);
        char path[4200], name[256];
        struct sc_profile *p = NULL;
        struct sc_err err;
        if (n < 6 || strcmp(e->d_name + n - 5, ".yaml") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", profiles_dir(), e->d_name);
        snprintf(name, sizeof(name), "%.*s", (int)(n - 5), e->d_name);
        sc_err_init(&err);
        ck_assert_msg(sc_profile_load(path, &p, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(p->name, name);
        ck_assert_uint_gt(p->nsources, 0);
        ck_assert(p->claimed[SC_PROFILE_SPLIT] || p->claimed[SC_PROFILE_ACCESS]);
        sc_profile_free(p);
        loaded++;
    }
    closedir(dp);
    for (size_t i = 0; i < sizeof(meshes) / sizeof(meshes[0]); i++) {
        struct sc_profile *p = NULL;
        struct sc_err err;
        sc_err_init(&err);
        ck_assert_msg(sc_profile_find(meshes[i], profiles_dir(), &p, &err) == 0, "%s", err.msg);
        sc_profile_free(p);
    }
    ck_assert_uint_ge(loaded, 8);
}
END_TEST

START_TEST(linkerd_profile_joins_by_annotation_and_skips_the_agent_port)
{
    struct sc_profile *p = NULL;
    struct sc_err err;
    int found = 0;
    sc_err_init(&err);
    ck_assert_int_eq(sc_profile_find("linkerd", profiles_dir(), &p, &err), 0);
    for (size_t i = 0; i < p->ns_annotations.n; i++)
        found += strcmp(p->ns_annotations.v[i].key, "linkerd.io/inject") == 0 &&
                 strcmp(p->ns_annotations.v[i].value, "enabled") == 0;
    for (size_t i = 0; i < p->bypass_annotations.n; i++)
        found +=
            strcmp(p->bypass_annotations.v[i].key, "config.linkerd.io/skip-inbound-ports") == 0;
    ck_assert_int_eq(found, 2);
    ck_assert_int_eq(p->agent_port, 9090);
    sc_profile_free(p);
}
END_TEST

/* OSM's TCP ports say the server speaks first; a profile without tcpAppProtocol keeps "tcp". */
START_TEST(osm_marks_tcp_ports_server_first_and_others_leave_them_tcp)
{
    struct sc_profile *p = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_profile_find("osm", profiles_dir(), &p, &err), 0);
    ck_assert_ptr_nonnull(p->tcp_app_protocol);
    ck_assert_str_eq(p->tcp_app_protocol, "tcp-server-first");
    sc_profile_free(p);
    ck_assert_int_eq(sc_profile_find("linkerd", profiles_dir(), &p, &err), 0);
    ck_assert_ptr_null(p->tcp_app_protocol);
    sc_profile_free(p);
}
END_TEST

/* How a pod is kept out of the mesh: the profiles that know it say so; the others do not. */
START_TEST(unmeshed_pods_get_the_injectors_opt_out_where_the_profile_knows_it)
{
    static const char *const mesh[][3] = {
        {"osm", "openservicemesh.io/sidecar-injection", "disabled"},
        {"istio", "sidecar.istio.io/inject", "false"},
        {"linkerd", "linkerd.io/inject", "disabled"},
        {"consul", "consul.hashicorp.com/connect-inject", "false"},
        {"traefik-mesh", NULL, NULL}};
    for (size_t i = 0; i < sizeof(mesh) / sizeof(mesh[0]); i++) {
        struct sc_profile *p = NULL;
        struct sc_err err;
        sc_err_init(&err);
        ck_assert_int_eq(sc_profile_find(mesh[i][0], profiles_dir(), &p, &err), 0);
        ck_assert_msg(p->unmeshed_known == (mesh[i][1] != NULL), "%s", mesh[i][0]);
        if (mesh[i][1] != NULL) {
            ck_assert_uint_eq(p->unmeshed_annotations.n, 1);
            ck_assert_str_eq(p->unmeshed_annotations.v[0].key, mesh[i][1]);
            ck_assert_str_eq(p->unmeshed_annotations.v[0].value, mesh[i][2]);
        }
        sc_profile_free(p);
    }
}
END_TEST

static void expect(const char *yaml, const char *where, const char *what)
{
    char *dir = tu_tmpdir(), *path = tu_write(dir, "p.yaml", yaml, 0), *want;
    struct sc_profile *p = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_profile_load(path, &p, &err), SC_EINVAL);
    want = tu_printf("%s:%s", path, where);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "'%s' does not start with '%s'",
                  err.msg, want);
    ck_assert_msg(strstr(err.msg, what) != NULL, "'%s' not in '%s'", what, err.msg);
    unlink(path);
    rmdir(dir);
    free(want);
    free(path);
    free(dir);
}

#define GOOD_TAIL "denial: {http: 403, tcp: reset}\nclaims: {split: [v1alpha2]}\n"

START_TEST(unknown_field_is_refused_with_its_position)
{
    expect("name: x\nsources: [a]\nnamspace: {}\n" GOOD_TAIL, "3:1: namspace",
           "unknown field (expected one of: name, description");
}
END_TEST

START_TEST(bad_denial_signal_is_refused)
{
    expect("name: x\nsources: [a]\ndenial: {http: 200, tcp: reset}\nclaims: {}\n",
           "3:16: denial.http",
           "expected a status from 400 to 599, refused, reset, closed or timeout");
    expect("name: x\nsources: [a]\ndenial: {http: 403, tcp: maybe}\nclaims: {}\n",
           "3:26: denial.tcp", "(expected refused, reset, closed or timeout)");
    expect("name: x\nsources: [a]\ndenial: {http: 403, tcp: reset, grpc: [0]}\nclaims: {}\n",
           "3:40: denial.grpc", "'0' is not a gRPC status (expected a code from 1 to 16");
}
END_TEST

START_TEST(bad_claimed_version_is_refused)
{
    expect("name: x\nsources: [a]\ndenial: {http: reset, tcp: refused}\n"
           "claims:\n  metrics: [v1alpha3]\n",
           "5:13: claims.metrics", "'v1alpha3' is not a metrics version (v1alpha1..v1alpha2)");
}
END_TEST

START_TEST(denial_sets_list_statuses_and_signals_per_protocol)
{
    char *dir = tu_tmpdir(),
         *path = tu_write(dir, "p.yaml",
                          "name: x\nsources: [a]\n"
                          "denial: {http: [403, refused], tcp: [refused, reset]}\n"
                          "consistency: 45s\n"
                          "metrics: {tolerance: 0.2, deadline: 90s, scrapeInterval: 15s}\n"
                          "claims: {}\n",
                          0);
    struct sc_profile *p = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_msg(sc_profile_load(path, &p, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(p->deny.nhttp_status, 1);
    ck_assert_int_eq(p->deny.http_status[0], 403);
    ck_assert_uint_eq(p->deny.http, SC_DENY_REFUSED);
    ck_assert_uint_eq(p->deny.tcp, SC_DENY_REFUSED | SC_DENY_RESET);
    ck_assert_uint_eq(p->consistency_ms, 45000);
    ck_assert(!p->metrics_exact);
    ck_assert_double_eq(p->metrics_tolerance, 0.2);
    ck_assert_uint_eq(p->metrics_deadline_ms, 90000);
    ck_assert_uint_eq(p->metrics_scrape_ms, 15000);
    ck_assert_uint_eq(p->deny.grpc, 1u << 7); /* PERMISSION_DENIED unless told otherwise */
    ck_assert(!p->features_claimed);          /* claims without features: every one tried */
    sc_profile_free(p);
    unlink(path);
    free(path);
    path = tu_write(dir, "p.yaml",
                    "name: x\nsources: [a]\ndenial: {http: 403, tcp: reset, grpc: [7, 16]}\n"
                    "claims: {features: [http2]}\n",
                    0);
    ck_assert_msg(sc_profile_load(path, &p, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(p->deny.grpc, (1u << 7) | (1u << 16));
    ck_assert(p->features_claimed);
    ck_assert_uint_eq(p->nfeatures, 1);
    sc_profile_free(p);
    unlink(path);
    free(path);
    /* udp denies by silence only; a status is not a tcp signal; an empty list says nothing */
    path = tu_write(dir, "p.yaml",
                    "name: x\nsources: [a]\ndenial: {http: 403, tcp: reset, udp: [reset]}\n"
                    "claims: {}\n",
                    0);
    ck_assert_int_eq(sc_profile_load(path, &p, &err), SC_EINVAL);
    ck_assert_msg(strstr(err.msg, "denial.udp: 'reset' is not a denial signal here (expected "
                                  "timeout)") != NULL,
                  "%s", err.msg);
    unlink(path);
    free(path);
    path = tu_write(dir, "p.yaml",
                    "name: x\nsources: [a]\ndenial: {http: 403, tcp: [403]}\nclaims: {}\n", 0);
    ck_assert_int_eq(sc_profile_load(path, &p, &err), SC_EINVAL);
    ck_assert_msg(strstr(err.msg, "denial.tcp: '403' is not a denial signal here") != NULL, "%s",
                  err.msg);
    unlink(path);
    free(path);
    path = tu_write(dir, "p.yaml",
                    "name: x\nsources: [a]\ndenial: {http: [], tcp: reset}\nclaims: {}\n", 0);
    ck_assert_int_eq(sc_profile_load(path, &p, &err), SC_EINVAL);
    ck_assert_msg(strstr(err.msg, "denial.http: an empty list") != NULL, "%s", err.msg);
    unlink(path);
    free(path);
    rmdir(dir);
    free(dir);
}
END_TEST

START_TEST(scrape_interval_defaults_to_10s_is_bounded_and_is_nothing_when_exact)
{
    char *dir = tu_tmpdir(),
         *path = tu_write(dir, "p.yaml", "name: x\nsources: [a]\n" GOOD_TAIL, 0);
    struct sc_profile *p = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_msg(sc_profile_load(path, &p, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(p->metrics_scrape_ms, 10000);
    sc_profile_free(p);
    unlink(path);
    free(path);
    path = tu_write(dir, "p.yaml",
                    "name: x\nsources: [a]\nmetrics: {exact: true, scrapeInterval: 5s}\n" GOOD_TAIL,
                    0);
    ck_assert_msg(sc_profile_load(path, &p, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(p->metrics_scrape_ms, 0);
    sc_profile_free(p);
    unlink(path);
    free(path);
    rmdir(dir);
    free(dir);
    expect("name: x\nsources: [a]\nmetrics: {scrapeInterval: 50ms}\n" GOOD_TAIL,
           "3:27: metrics.scrapeInterval", "expected a duration from 100ms to 600s");
}
END_TEST

START_TEST(claims_are_sorted_newest_first)
{
    char *dir = tu_tmpdir(),
         *path = tu_write(dir, "p.yaml",
                          "name: x\nsources: [a]\ndenial: {http: 503, tcp: closed}\n"
                          "claims:\n  split: [v1alpha1, v1alpha4, v1alpha2]\n  access: []\n",
                          0);
    struct sc_profile *p = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_profile_load(path, &p, &err), 0);
    ck_assert_uint_eq(p->nversions[SC_PROFILE_SPLIT], 3);
    ck_assert_int_eq(p->versions[SC_PROFILE_SPLIT][0], 4);
    ck_assert_int_eq(p->versions[SC_PROFILE_SPLIT][2], 1);
    ck_assert(p->claimed[SC_PROFILE_ACCESS]);
    ck_assert_uint_eq(p->nversions[SC_PROFILE_ACCESS], 0);
    ck_assert(!p->claimed[SC_PROFILE_METRICS]);
    ck_assert_uint_eq(p->deny.nhttp_status, 1);
    ck_assert_int_eq(p->deny.http_status[0], 503);
    ck_assert_uint_eq(p->deny.http, 0);
    ck_assert_uint_eq(p->deny.tcp, SC_DENY_CLOSED);
    ck_assert_uint_eq(p->deny.udp, SC_DENY_TIMEOUT);
    sc_profile_free(p);
    unlink(path);
    rmdir(dir);
    free(path);
    free(dir);
}
END_TEST

/* controlPlane: one mapping or a list of them; each names a namespace and its deployments. */
START_TEST(control_plane_names_namespaces_and_deployments)
{
    struct sc_profile *p = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_profile_find("linkerd", profiles_dir(), &p, &err), 0);
    ck_assert_uint_eq(p->ncontrol, 2);
    ck_assert_str_eq(p->control[0].ns, "linkerd");
    ck_assert_str_eq(p->control[0].deployments[0], "linkerd-destination");
    ck_assert_str_eq(p->control[1].ns, "linkerd-smi");
    ck_assert_str_eq(p->control[1].deployments[0], "smi-adaptor");
    sc_profile_free(p);
    ck_assert_int_eq(sc_profile_find("osm", profiles_dir(), &p, &err), 0);
    ck_assert_uint_eq(p->ncontrol, 1);
    ck_assert_str_eq(p->control[0].ns, "osm-system");
    ck_assert_uint_eq(p->control[0].ndeployments, 1);
    ck_assert_str_eq(p->control[0].deployments[0], "osm-controller");
    sc_profile_free(p);
    ck_assert_int_eq(sc_profile_find("kuma", profiles_dir(), &p, &err), 0);
    ck_assert_uint_eq(p->ncontrol, 0); /* not said: preflight does not check */
    sc_profile_free(p);
    expect("name: x\nsources: [a]\ncontrolPlane: {namespace: m}\n" GOOD_TAIL, "3:15: controlPlane",
           "name the namespace and at least one deployment");
    expect("name: x\nsources: [a]\ncontrolPlane: [m]\n" GOOD_TAIL, "3:16: controlPlane",
           "expected {namespace: NS, deployments: [NAME, ...]} or a list of them");
    expect("name: x\nsources: [a]\ncontrolPlane: {namespace: m, pods: [a]}\n" GOOD_TAIL,
           "3:30: controlPlane.pods", "unknown field");
}
END_TEST

START_TEST(mesh_name_with_odd_characters_is_refused)
{
    struct sc_profile *p = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_profile_find("Linkerd!", profiles_dir(), &p, &err), SC_EINVAL);
    ck_assert_int_ne(sc_profile_find("no-such-mesh", profiles_dir(), &p, &err), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "no-such-mesh.yaml"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kube_profile");
    TCase *tc = tcase_create("profile");
    tcase_add_test(tc, every_shipped_profile_loads_and_is_named_after_its_file);
    tcase_add_test(tc, control_plane_names_namespaces_and_deployments);
    tcase_add_test(tc, linkerd_profile_joins_by_annotation_and_skips_the_agent_port);
    tcase_add_test(tc, unmeshed_pods_get_the_injectors_opt_out_where_the_profile_knows_it);
    tcase_add_test(tc, osm_marks_tcp_ports_server_first_and_others_leave_them_tcp);
    tcase_add_test(tc, unknown_field_is_refused_with_its_position);
    tcase_add_test(tc, bad_denial_signal_is_refused);
    tcase_add_test(tc, bad_claimed_version_is_refused);
    tcase_add_test(tc, claims_are_sorted_newest_first);
    tcase_add_test(tc, scrape_interval_defaults_to_10s_is_bounded_and_is_nothing_when_exact);
    tcase_add_test(tc, denial_sets_list_statuses_and_signals_per_protocol);
    tcase_add_test(tc, mesh_name_with_odd_characters_is_refused);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}

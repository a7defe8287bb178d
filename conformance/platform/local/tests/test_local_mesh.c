/* test_local_mesh.c - the mesh the local platform emulates: the profile's verdict settings as
 * they look through the refmesh's explicit proxy, and what is served and claimed. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "platform/local/mesh.h"

#include "base/tests/check_main.h"

static struct sc_profile *profile(const char *name)
{
    struct sc_profile *p = NULL;
    struct sc_err err;
    char dir[4096];
    const char *src = getenv("SC_SOURCE_DIR");
    snprintf(dir, sizeof(dir), "%s/suites/profiles", src ? src : ".");
    sc_err_init(&err);
    ck_assert_msg(sc_local_mesh_load(name, dir, &p, &err) == 0, "%s", err.msg);
    return p;
}

START_TEST(reference_mesh_denies_with_403_and_counts_exactly)
{
    struct sc_platform base;
    struct sc_profile *local = profile("local");
    for (int k = 0; k < 2; k++) {
        memset(&base, 0xff, sizeof(base));
        sc_local_mesh_apply(k ? local : NULL, &base);
        ck_assert_ptr_null(sc_local_personality(k ? local : NULL));
        ck_assert_uint_eq(base.deny.nhttp_status, 1);
        ck_assert_int_eq(base.deny.http_status[0], 403);
        ck_assert_uint_eq(base.deny.http, 0);
        ck_assert_uint_eq(base.deny.tcp, SC_DENY_PROXY);
        ck_assert_uint_eq(base.deny.udp, SC_DENY_TIMEOUT);
        ck_assert(base.metrics_exact);
        ck_assert_uint_eq(base.metrics_scrape_ms, 0);
    }
    sc_profile_free(local);
}
END_TEST

START_TEST(a_refused_connection_is_also_accepted_as_closed_through_the_proxy)
{
    struct sc_platform base;
    struct sc_profile *osm = profile("osm");
    memset(&base, 0, sizeof(base));
    ck_assert_str_eq(sc_local_personality(osm), "osm");
    ck_assert(osm->deny.http & SC_DENY_REFUSED); /* OSM's own e2e tests: curl exit 7 */
    sc_local_mesh_apply(osm, &base);
    ck_assert_uint_eq(base.deny.http, osm->deny.http | SC_DENY_CLOSED);
    ck_assert_uint_eq(base.deny.nhttp_status, osm->deny.nhttp_status);
    ck_assert_int_eq(base.deny.http_status[0], 403);
    ck_assert_uint_eq(osm->consistency_ms, 150000); /* its e2e tests wait so long */
    ck_assert_uint_eq(base.consistency_ms, SC_LOCAL_CONSISTENCY_MS);
    ck_assert_uint_ne(base.deny.tcp & SC_DENY_CLOSED, 0);
    sc_profile_free(osm);
}
END_TEST

START_TEST(a_scraped_metrics_api_is_judged_with_the_local_scrape_interval)
{
    struct sc_platform base;
    struct sc_profile *linkerd = profile("linkerd");
    memset(&base, 0, sizeof(base));
    ck_assert(!linkerd->metrics_exact);
    sc_local_mesh_apply(linkerd, &base);
    ck_assert(!base.metrics_exact);
    ck_assert_double_eq(base.metrics_tolerance, linkerd->metrics_tolerance);
    ck_assert_uint_eq(base.metrics_scrape_ms, SC_LOCAL_SCRAPE_MS);
    sc_profile_free(linkerd);
}
END_TEST

START_TEST(served_versions_are_cut_to_the_claims)
{
    static const char *apis = "{\"groups\":{\"access\":[\"v1alpha3\"],\"specs\":[\"v1alpha4\"],"
                              "\"split\":[\"v1alpha4\",\"v1alpha2\"],\"metrics\":[]}}";
    int v[SC_PROFILE_NGROUPS][8];
    size_t n[SC_PROFILE_NGROUPS];
    struct sc_profile *osm = profile("osm");
    struct sc_err err;

    sc_err_init(&err);
    ck_assert_int_eq(sc_local_served_parse(apis, NULL, v, n, &err), 0);
    ck_assert_uint_eq(n[SC_PROFILE_SPLIT], 2);
    ck_assert_int_eq(v[SC_PROFILE_SPLIT][0], 4);
    ck_assert_int_eq(v[SC_PROFILE_SPLIT][1], 2);
    ck_assert_uint_eq(n[SC_PROFILE_METRICS], 0);
    /* the profile claims split v1alpha2 only: v1alpha4, served, is not tested */
    ck_assert_int_eq(sc_local_served_parse(apis, osm, v, n, &err), 0);
    ck_assert_uint_eq(n[SC_PROFILE_SPLIT], 1);
    ck_assert_int_eq(v[SC_PROFILE_SPLIT][0], 2);
    ck_assert_uint_eq(n[SC_PROFILE_ACCESS], 1);
    ck_assert_int_eq(v[SC_PROFILE_ACCESS][0], 3);
    ck_assert_int_eq(sc_local_served_parse("{\"groups\":{\"split\":[\"v2\"]}}", NULL, v, n, &err),
                     SC_EPROTO);
    ck_assert_int_eq(sc_local_served_parse("[]", NULL, v, n, &err), SC_EPROTO);
    sc_profile_free(osm);
}
END_TEST

START_TEST(an_unknown_mesh_is_an_error_naming_it)
{
    struct sc_profile *p = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_ne(sc_local_mesh_load("no-such-mesh", "/nonexistent", &p, &err), 0);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err.msg, "--mesh no-such-mesh") != NULL, "%s", err.msg);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("local_mesh");
    TCase *tc = tcase_create("mesh");
    tcase_add_test(tc, reference_mesh_denies_with_403_and_counts_exactly);
    tcase_add_test(tc, a_refused_connection_is_also_accepted_as_closed_through_the_proxy);
    tcase_add_test(tc, a_scraped_metrics_api_is_judged_with_the_local_scrape_interval);
    tcase_add_test(tc, served_versions_are_cut_to_the_claims);
    tcase_add_test(tc, an_unknown_mesh_is_an_error_naming_it);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}

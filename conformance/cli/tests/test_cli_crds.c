/* test_cli_crds.c - `smi-conformance crds --release R`: every document is a CRD of an SMI kind
 * that serves (and stores) exactly the version of R's group, the kinds are those R has, and an
 * unknown release is refused. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/doc.h"
#include "base/tests/check_main.h"

static const struct {
    const char *release;
    const char *want[6]; /* "PLURAL.GROUP VERSION" */
} releases[] = {
    {"v0.3.0",
     {"traffictargets.access.smi-spec.io v1alpha1", "httproutegroups.specs.smi-spec.io v1alpha2",
      "tcproutes.specs.smi-spec.io v1alpha2", "trafficsplits.split.smi-spec.io v1alpha3", NULL}},
    {"v0.4.1",
     {"traffictargets.access.smi-spec.io v1alpha2", "httproutegroups.specs.smi-spec.io v1alpha3",
      "tcproutes.specs.smi-spec.io v1alpha3", "trafficsplits.split.smi-spec.io v1alpha3", NULL}},
    {"v0.5.0",
     {"traffictargets.access.smi-spec.io v1alpha3", "httproutegroups.specs.smi-spec.io v1alpha4",
      "tcproutes.specs.smi-spec.io v1alpha4", "udproutes.specs.smi-spec.io v1alpha4",
      "trafficsplits.split.smi-spec.io v1alpha4", NULL}},
};

/* The command's stdout (caller frees) and exit status. */
static char *crds(const char *release, int *status)
{
    const char *b = getenv("SC_BUILD_DIR");
    char cmd[4200], *out = NULL;
    size_t len = 0;
    FILE *f;
    snprintf(cmd, sizeof(cmd), "%s/conformance/smi-conformance crds --release %s 2>/dev/null",
             b ? b : ".", release);
    f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    if (getdelim(&out, &len, '\0', f) < 0) { /* nothing printed */
        free(out);
        out = strdup("");
    }
    *status = WEXITSTATUS(pclose(f));
    return out;
}

START_TEST(each_crd_serves_exactly_its_releases_version)
{
    int st;
    char *text = crds(releases[_i].release, &st);
    struct sc_doc *docs = NULL;
    struct sc_err err;
    size_t n = 0;

    ck_assert_int_eq(st, 0);
    sc_err_init(&err);
    ck_assert_msg(sc_doc_parse(text, strlen(text), "crds", &docs, &err) == 0, "%s", err.msg);
    for (struct sc_doc *d = docs; d; d = d->next, n++) {
        const struct sc_doc_node *spec = sc_doc_get(d->root, "spec"), *vs, *v;
        const char *name = sc_doc_get_str(sc_doc_get(d->root, "metadata"), "name");
        const char *plural = sc_doc_get_str(sc_doc_get(spec, "names"), "plural");
        char got[200];
        bool listed = false;
        ck_assert_str_eq(sc_doc_get_str(d->root, "apiVersion"), "apiextensions.k8s.io/v1");
        ck_assert_str_eq(sc_doc_get_str(d->root, "kind"), "CustomResourceDefinition");
        ck_assert_str_eq(sc_doc_get_str(spec, "scope"), "Namespaced");
        snprintf(got, sizeof(got), "%s.%s", plural, sc_doc_get_str(spec, "group"));
        ck_assert_str_eq(got, name); /* the API server requires PLURAL.GROUP */
        vs = sc_doc_get(spec, "versions");
        ck_assert_uint_eq(vs->n, 1); /* exactly one version per kind */
        v = vs->child;
        ck_assert_str_eq(sc_doc_get_str(v, "served"), "true");
        ck_assert_str_eq(sc_doc_get_str(v, "storage"), "true");
        ck_assert_ptr_nonnull(sc_doc_get(sc_doc_get(v, "schema"), "openAPIV3Schema"));
        snprintf(got, sizeof(got), "%s %s", name, sc_doc_get_str(v, "name"));
        for (size_t k = 0; releases[_i].want[k]; k++)
            listed = listed || strcmp(releases[_i].want[k], got) == 0;
        ck_assert_msg(listed, "%s: unexpected %s", releases[_i].release, got);
    }
    for (size_t k = 0; releases[_i].want[k]; k++)
        ck_assert_uint_ge(n, k + 1);
    ck_assert_uint_eq(n, releases[_i].release[3] == '5' ? 5 : 4);
    sc_doc_free(docs);
    free(text);
}
END_TEST

START_TEST(an_unknown_release_is_refused)
{
    int st;
    char *text = crds("v0.6.0", &st);
    ck_assert_int_eq(st, 2);
    ck_assert_str_eq(text, "");
    free(text);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_crds");
    TCase *tc = tcase_create("crds");
    tcase_add_loop_test(tc, each_crd_serves_exactly_its_releases_version, 0, 3);
    tcase_add_test(tc, an_unknown_release_is_refused);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}

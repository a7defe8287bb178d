/* test_kubeconfig.c - kubeconfig files, their merge, in-cluster config and every error. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "platform/kube/kubeconfig.h"
#include "testcerts.h"
#include "testutil.h"

#include "base/tests/check_main.h"

static struct sc_test_pki pki;
static char *dir;

static void setup(void)
{
    sc_test_pki_make(&pki);
    dir = tu_tmpdir();
    unsetenv("KUBECONFIG");
}

static void teardown(void)
{
    char *cmd = tu_printf("rm -rf '%s'", dir);
    if (system(cmd) != 0) {
    }
    free(cmd);
    free(dir);
    sc_test_pki_free(&pki);
}

/* A kubeconfig with one context `ctx` on cluster `c` (server) for user `u` (user yaml). */
static char *config(const char *current, const char *ctx, const char *server,
                    const char *cluster_extra, const char *user_yaml)
{
    return tu_printf("apiVersion: v1\nkind: Config\ncurrent-context: %s\n"
                     "clusters:\n- name: c-%s\n  cluster:\n    server: %s\n%s"
                     "contexts:\n- name: %s\n  context:\n    cluster: c-%s\n    user: u-%s\n"
                     "    namespace: team\n"
                     "users:\n- name: u-%s\n  user:\n%s",
                     current, ctx, server, cluster_extra, ctx, ctx, ctx, ctx, user_yaml);
}

START_TEST(current_context_resolves_cluster_user_and_namespace)
{
    char *ca = tu_b64(pki.ca_cert), *extra = tu_printf("    certificate-authority-data: %s\n", ca);
    char *text = config("dev", "dev", "https://10.0.0.1:6443", extra, "    token: abc.def\n");
    char *path = tu_write(dir, "config", text, 0);
    struct sc_kube_config *c = NULL;
    struct sc_err err;

    sc_err_init(&err);
    ck_assert_int_eq(sc_kube_config_load(path, NULL, &c, &err), 0);
    ck_assert_str_eq(c->server, "https://10.0.0.1:6443");
    ck_assert_str_eq(c->context, "dev");
    ck_assert_str_eq(c->ns, "team");
    ck_assert_str_eq(c->token, "abc.def");
    ck_assert_str_eq(c->ca_pem, pki.ca_cert);
    ck_assert(!c->insecure);
    ck_assert_ptr_null(c->exec);
    ck_assert_ptr_nonnull(strstr(c->origin, "(context dev)"));
    sc_kube_config_free(c);
    free(ca);
    free(extra);
    free(text);
    free(path);
}
END_TEST

START_TEST(kubeconfig_env_merges_files_first_definition_wins)
{
    /* a: current-context b-ctx, cluster c-x -> server A. b: cluster c-x -> server B (ignored),
     * context b-ctx and its user. */
    char *a = tu_write(dir, "a.yaml",
                       "current-context: b-ctx\nclusters:\n- name: c-x\n  cluster:\n"
                       "    server: https://a.example:6443\n    insecure-skip-tls-verify: true\n",
                       0);
    char *b = tu_write(dir, "b.yaml",
                       "current-context: ignored\nclusters:\n- name: c-x\n  cluster:\n"
                       "    server: https://b.example:6443\n"
                       "contexts:\n- name: b-ctx\n  context: {cluster: c-x, user: bob}\n"
                       "- name: other\n  context: {cluster: c-x, user: bob, namespace: o}\n"
                       "users:\n- name: bob\n  user:\n    username: bob\n    password: hunter2\n",
                       0);
    char *env = tu_printf("%s:%s/missing.yaml:%s", a, dir, b);
    struct sc_kube_config *c = NULL;
    struct sc_err err;

    setenv("KUBECONFIG", env, 1);
    sc_err_init(&err);
    ck_assert_int_eq(sc_kube_config_load(NULL, NULL, &c, &err), 0);
    ck_assert_str_eq(c->context, "b-ctx");
    ck_assert_str_eq(c->server, "https://a.example:6443");
    ck_assert(c->insecure);
    ck_assert_str_eq(c->username, "bob");
    ck_assert_str_eq(c->password, "hunter2");
    ck_assert_ptr_null(c->ns);
    sc_kube_config_free(c);
    /* --context picks another context of the merged set. */
    ck_assert_int_eq(sc_kube_config_load(NULL, "other", &c, &err), 0);
    ck_assert_str_eq(c->ns, "o");
    sc_kube_config_free(c);
    free(a);
    free(b);
    free(env);
}
END_TEST

START_TEST(relative_files_resolve_against_the_kubeconfig_folder)
{
    char *ca = tu_write(dir, "ca.crt", pki.ca_cert, 0);
    char *crt = tu_write(dir, "alice.crt", pki.client_cert, 0);
    char *key = tu_write(dir, "alice.key", pki.client_key, 0);
    char *tok = tu_write(dir, "token", "from-file\n", 0);
    char *text = config("k", "k", "https://127.0.0.1:1",
                        "    certificate-authority: ca.crt\n"
                        "    tls-server-name: kube.test\n"
                        "    proxy-url: http://proxy:3128\n",
                        "    client-certificate: alice.crt\n    client-key: alice.key\n"
                        "    tokenFile: token\n");
    char *path = tu_write(dir, "config", text, 0);
    struct sc_kube_config *c = NULL;
    struct sc_err err;

    sc_err_init(&err);
    ck_assert_msg(sc_kube_config_load(path, NULL, &c, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(c->ca_pem, pki.ca_cert);
    ck_assert_str_eq(c->cert_pem, pki.client_cert);
    ck_assert_str_eq(c->key_pem, pki.client_key);
    ck_assert_str_eq(c->token_file, tok);
    ck_assert_str_eq(c->tls_server_name, "kube.test");
    ck_assert_str_eq(c->proxy_url, "http://proxy:3128");
    sc_kube_config_free(c);
    free(ca);
    free(crt);
    free(key);
    free(tok);
    free(text);
    free(path);
}
END_TEST

START_TEST(exec_plugin_stanza_is_read_with_env_and_args)
{
    char *text = config("e", "e", "https://h:1", "",
                        "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                        "      command: ./bin/get-token\n      args: [--cluster, prod]\n"
                        "      env:\n      - {name: REGION, value: eu}\n"
                        "      interactiveMode: IfAvailable\n      provideClusterInfo: true\n"
                        "      installHint: install get-token\n");
    char *path = tu_write(dir, "config", text, 0), *want = tu_printf("%s/bin/get-token", dir);
    struct sc_kube_config *c = NULL;
    struct sc_err err;

    sc_err_init(&err);
    ck_assert_msg(sc_kube_config_load(path, NULL, &c, &err) == 0, "%s", err.msg);
    ck_assert_ptr_nonnull(c->exec);
    ck_assert_str_eq(c->exec->command, want);
    ck_assert_str_eq(c->exec->args[0], "--cluster");
    ck_assert_str_eq(c->exec->args[1], "prod");
    ck_assert_ptr_null(c->exec->args[2]);
    ck_assert_str_eq(c->exec->env[0], "REGION=eu");
    ck_assert(c->exec->provide_cluster_info);
    sc_kube_config_free(c);
    free(text);
    free(path);
    free(want);
}
END_TEST

/* Load and expect a failure whose message contains every fragment. */
static void expect_error(const char *path, const char *context, const char *f1, const char *f2)
{
    struct sc_kube_config *c = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_ne(sc_kube_config_load(path, context, &c, &err), 0);
    ck_assert_int_eq(err.code, SC_EINVAL);
    ck_assert_ptr_null(c);
    ck_assert_msg(strstr(err.msg, f1) != NULL, "'%s' not in '%s'", f1, err.msg);
    if (f2)
        ck_assert_msg(strstr(err.msg, f2) != NULL, "'%s' not in '%s'", f2, err.msg);
}

START_TEST(unknown_context_is_named_with_the_files)
{
    char *text = config("dev", "dev", "https://h:1", "", "    token: t\n");
    char *path = tu_write(dir, "config", text, 0);
    expect_error(path, "prod", "context 'prod' not found in ", path);
    free(text);
    free(path);
}
END_TEST

START_TEST(missing_file_names_the_file)
{
    char *path = tu_printf("%s/nope.yaml", dir);
    struct sc_kube_config *c = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_kube_config_load(path, NULL, &c, &err), SC_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "cannot load kubeconfig: cannot read '"));
    ck_assert_ptr_nonnull(strstr(err.msg, "nope.yaml': No such file or directory"));
    free(path);
}
END_TEST

START_TEST(bad_base64_names_file_line_column_and_field)
{
    char *text = config("dev", "dev", "https://h:1", "",
                        "    client-certificate-data: QUJD\n    client-key-data: '@@not base64'\n");
    char *path = tu_write(dir, "config", text, 0), *where = tu_printf("%s:17:", path);
    /* The certificate comes first and is not PEM either: fix it to reach the key. */
    free(text);
    {
        char *crt = tu_b64(pki.client_cert),
             *user = tu_printf("    client-certificate-data: %s\n"
                               "    client-key-data: '@@not base64'\n",
                               crt);
        text = config("dev", "dev", "https://h:1", "", user);
        free(path);
        path = tu_write(dir, "config", text, 0);
        free(crt);
        free(user);
    }
    free(where);
    where = tu_printf("%s:", path);
    expect_error(path, NULL, where, "users[u-dev].user.client-key-data: invalid base64");
    free(text);
    free(path);
    free(where);
}
END_TEST

START_TEST(invalid_certificate_names_the_field)
{
    char *junk = tu_b64("this is not a certificate");
    char *extra = tu_printf("    certificate-authority-data: %s\n", junk);
    char *text = config("dev", "dev", "https://h:1", extra, "    token: t\n");
    char *path = tu_write(dir, "config", text, 0);
    expect_error(path, NULL, "clusters[c-dev].cluster.certificate-authority-data",
                 "not a PEM certificate");
    free(junk);
    free(extra);
    free(text);
    free(path);
}
END_TEST

START_TEST(unreadable_certificate_file_names_the_field_and_file)
{
    char *text = config("dev", "dev", "https://h:1",
                        "    certificate-authority: /nonexistent/ca.crt\n", "    token: t\n");
    char *path = tu_write(dir, "config", text, 0);
    expect_error(path, NULL, "clusters[c-dev].cluster.certificate-authority",
                 "cannot read '/nonexistent/ca.crt'");
    free(text);
    free(path);
}
END_TEST

START_TEST(exec_v1_without_interactive_mode_is_refused)
{
    char *text = config("e", "e", "https://h:1", "",
                        "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                        "      command: get-token\n");
    char *path = tu_write(dir, "config", text, 0);
    expect_error(path, NULL, "users[u-e].user.exec.interactiveMode", "must be set");
    free(text);
    free(path);
}
END_TEST

START_TEST(insecure_with_a_certificate_authority_is_refused)
{
    char *ca = tu_b64(pki.ca_cert);
    char *extra =
        tu_printf("    certificate-authority-data: %s\n    insecure-skip-tls-verify: true\n", ca);
    char *text = config("dev", "dev", "https://h:1", extra, "    token: t\n");
    char *path = tu_write(dir, "config", text, 0);
    expect_error(path, NULL, "insecure-skip-tls-verify", "cannot be combined");
    free(ca);
    free(extra);
    free(text);
    free(path);
}
END_TEST

START_TEST(yaml_syntax_error_has_a_position)
{
    char *path = tu_write(dir, "config", "clusters:\n  - name: [unclosed\n", 0);
    struct sc_kube_config *c = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_ne(sc_kube_config_load(path, NULL, &c, &err), 0);
    ck_assert_msg(strstr(err.msg, path) != NULL && strstr(err.msg, ":3:") != NULL, "%s", err.msg);
    free(path);
}
END_TEST

START_TEST(no_current_context_asks_for_one)
{
    char *text = config("", "dev", "https://h:1", "", "    token: t\n");
    char *path = tu_write(dir, "config", text, 0);
    expect_error(path, NULL, "no current-context is set; pass --context NAME", NULL);
    free(text);
    free(path);
}
END_TEST

START_TEST(in_cluster_reads_the_service_account)
{
    char *sa = tu_printf("%s/sa", dir), *t, *ca, *ns;
    struct sc_kube_config *c = NULL;
    struct sc_err err;
    mkdir(sa, 0700);
    t = tu_write(sa, "token", "sa-token\n", 0);
    ca = tu_write(sa, "ca.crt", pki.ca_cert, 0);
    ns = tu_write(sa, "namespace", "smi-system\n", 0);
    setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    sc_err_init(&err);
    ck_assert_msg(sc_kube_config_in_cluster(sa, &c, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(c->server, "https://10.96.0.1:443");
    ck_assert_str_eq(c->token_file, t);
    ck_assert_str_eq(c->ns, "smi-system");
    ck_assert_str_eq(c->origin, "in-cluster");
    sc_kube_config_free(c);
    unsetenv("KUBERNETES_SERVICE_HOST");
    ck_assert_int_eq(sc_kube_config_in_cluster(sa, &c, &err), SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "KUBERNETES_SERVICE_HOST"));
    free(sa);
    free(t);
    free(ca);
    free(ns);
}
END_TEST

START_TEST(base64_decoder_accepts_padding_and_refuses_junk)
{
    char *out;
    size_t len;
    ck_assert(sc_kube_base64_decode("aGVsbG8=", &out, &len));
    ck_assert_uint_eq(len, 5);
    ck_assert_str_eq(out, "hello");
    free(out);
    ck_assert(sc_kube_base64_decode("aGVs\nbG8", &out, &len));
    ck_assert_str_eq(out, "hello");
    free(out);
    ck_assert(!sc_kube_base64_decode("aGVsbG8=x", &out, &len));
    ck_assert(!sc_kube_base64_decode("a", &out, &len));
    ck_assert(!sc_kube_base64_decode("aG!s", &out, &len));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kubeconfig");
    TCase *tc = tcase_create("kubeconfig");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, current_context_resolves_cluster_user_and_namespace);
    tcase_add_test(tc, kubeconfig_env_merges_files_first_definition_wins);
    tcase_add_test(tc, relative_files_resolve_against_the_kubeconfig_folder);
    tcase_add_test(tc, exec_plugin_stanza_is_read_with_env_and_args);
    tcase_add_test(tc, unknown_context_is_named_with_the_files);
    tcase_add_test(tc, missing_file_names_the_file);
    tcase_add_test(tc, bad_base64_names_file_line_column_and_field);
    tcase_add_test(tc, invalid_certificate_names_the_field);
    tcase_add_test(tc, unreadable_certificate_file_names_the_field_and_file);
    tcase_add_test(tc, exec_v1_without_interactive_mode_is_refused);
    tcase_add_test(tc, insecure_with_a_certificate_authority_is_refused);
    tcase_add_test(tc, yaml_syntax_error_has_a_position);
    tcase_add_test(tc, no_current_context_asks_for_one);
    tcase_add_test(tc, in_cluster_reads_the_service_account);
    tcase_add_test(tc, base64_decoder_accepts_padding_and_refuses_junk);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}

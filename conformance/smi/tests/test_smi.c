/* test_smi.c - the SMI object model: parsing with positions, schemas per version, conversion. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smi/convert.h"
#include "base/doc.h"
#include "smi/smi.h"

#include "base/tests/check_main.h"

/* ---- every kind and version, valid ---- */

static const char *const valid[] = {
    /* access v1alpha1: no spec, `specs`, string port */
    "apiVersion: access.smi-spec.io/v1alpha1\nkind: TrafficTarget\nmetadata:\n  name: t\n"
    "destination:\n  kind: ServiceAccount\n  name: b\n  namespace: ns\n  port: \"8080\"\n"
    "specs:\n- kind: HTTPRouteGroup\n  name: r\n  matches: [m]\n"
    "sources:\n- kind: ServiceAccount\n  name: a\n  namespace: ns\n",
    "apiVersion: access.smi-spec.io/v1alpha2\nkind: TrafficTarget\nmetadata: {name: t}\n"
    "spec:\n  destination: {kind: ServiceAccount, name: b, port: 8080}\n"
    "  rules:\n  - {kind: TCPRoute, name: tcp}\n  sources:\n  - {kind: ServiceAccount, name: a}\n",
    "apiVersion: access.smi-spec.io/v1alpha3\nkind: TrafficTarget\nmetadata: {name: t}\n"
    "spec:\n  destination: {kind: ServiceAccount, name: b}\n"
    "  rules:\n  - {kind: UDPRoute, name: u}\n  sources:\n  - {kind: ServiceAccount, name: a}\n",
    "apiVersion: specs.smi-spec.io/v1alpha1\nkind: HTTPRouteGroup\nmetadata: {name: r}\n"
    "matches:\n- name: m\n  pathRegex: /metrics\n  methods: [GET]\n",
    "apiVersion: specs.smi-spec.io/v1alpha2\nkind: HTTPRouteGroup\nmetadata: {name: r}\n"
    "matches:\n- name: m\n  headers: {user-agent: '.*Android.*'}\n",
    "apiVersion: specs.smi-spec.io/v1alpha3\nkind: HTTPRouteGroup\nmetadata: {name: r}\n"
    "spec:\n  matches:\n  - name: m\n    pathRegex: '/api/.*'\n    methods: ['*']\n",
    "apiVersion: specs.smi-spec.io/v1alpha4\nkind: HTTPRouteGroup\nmetadata: {name: r}\n"
    "spec:\n  matches:\n  - name: m\n    headers:\n    - cookie: type=insider\n"
    "    - user-agent: Android\n",
    "apiVersion: specs.smi-spec.io/v1alpha1\nkind: TCPRoute\nmetadata: {name: tcp}\n",
    "apiVersion: specs.smi-spec.io/v1alpha2\nkind: TCPRoute\nmetadata: {name: tcp}\n",
    "apiVersion: specs.smi-spec.io/v1alpha3\nkind: TCPRoute\nmetadata: {name: tcp}\nspec: {}\n",
    "apiVersion: specs.smi-spec.io/v1alpha4\nkind: TCPRoute\nmetadata: {name: tcp}\n"
    "spec:\n  matches:\n    name: db\n    ports: [5432, 6432]\n",
    "apiVersion: specs.smi-spec.io/v1alpha4\nkind: UDPRoute\nmetadata: {name: udp}\n"
    "spec:\n  matches:\n    ports: [53]\n",
    "apiVersion: split.smi-spec.io/v1alpha1\nkind: TrafficSplit\nmetadata: {name: s}\n"
    "spec:\n  service: root\n  backends:\n  - {service: v1, weight: 1}\n"
    "  - {service: v2, weight: 500m}\n",
    "apiVersion: split.smi-spec.io/v1alpha2\nkind: TrafficSplit\nmetadata: {name: s}\n"
    "spec:\n  service: root\n  backends:\n  - {service: v1, weight: 50}\n",
    "apiVersion: split.smi-spec.io/v1alpha3\nkind: TrafficSplit\nmetadata: {name: s}\n"
    "spec:\n  service: root\n  matches:\n  - {kind: HTTPRouteGroup, name: r}\n"
    "  backends:\n  - {service: v1, weight: 0}\n",
    "{\"apiVersion\": \"split.smi-spec.io/v1alpha4\", \"kind\": \"TrafficSplit\",\n"
    " \"metadata\": {\"name\": \"s\", \"namespace\": \"x\"},\n"
    " \"spec\": {\"service\": \"root\", \"backends\": [{\"service\": \"v1\", \"weight\": 10}],\n"
    "          \"matches\": [{\"kind\": \"HTTPRouteGroup\", \"name\": \"r\"}]}}\n",
};

START_TEST(every_kind_and_version_in_the_spec_validates)
{
    struct sc_smi_obj *o = NULL;
    struct sc_err err;
    sc_err_init(&err);
    int rc = sc_smi_parse(valid[_i], strlen(valid[_i]), "v.yaml", "ns", &o, NULL, &err);
    ck_assert_msg(rc == 0, "case %d: %s", _i, err.msg);
    ck_assert_ptr_nonnull(o);
    ck_assert_ptr_null(o->next);
    sc_smi_obj_list_free(o);
}
END_TEST

/* ---- invalid: the message names file:line:column and the field path ---- */

struct bad {
    const char *text;
    const char *path;
    int line, col;
    const char *msg_part;
};

static const struct bad bad[] = {
    /* fields outside spec in v1alpha2 (a v1alpha1 shape) */
    {"apiVersion: access.smi-spec.io/v1alpha2\nkind: TrafficTarget\nmetadata: {name: t}\n"
     "destination: {kind: ServiceAccount, name: b}\n",
     "destination", 4, 1, "unknown field"},
    /* port removed in v1alpha3 */
    {"apiVersion: access.smi-spec.io/v1alpha3\nkind: TrafficTarget\nmetadata: {name: t}\n"
     "spec:\n  destination: {kind: ServiceAccount, name: b, port: 80}\n  rules: []\n"
     "  sources: []\n",
     "spec.destination.port", 5, 48, "unknown field"},
    /* rules required in v1alpha3 */
    {"apiVersion: access.smi-spec.io/v1alpha3\nkind: TrafficTarget\nmetadata: {name: t}\n"
     "spec:\n  destination: {kind: ServiceAccount, name: b}\n  sources: []\n",
     "spec.rules", 5, 3, "required field missing"},
    /* UDPRoute rule before v1alpha3 */
    {"apiVersion: access.smi-spec.io/v1alpha2\nkind: TrafficTarget\nmetadata: {name: t}\n"
     "spec:\n  destination: {kind: ServiceAccount, name: b}\n  sources: []\n"
     "  rules:\n  - kind: UDPRoute\n    name: u\n",
     "spec.rules[0].kind", 8, 11, "must be one of HTTPRouteGroup, TCPRoute"},
    {"apiVersion: access.smi-spec.io/v1alpha3\nkind: TrafficTarget\nmetadata: {name: t}\n"
     "spec:\n  destination: {kind: User, name: b}\n  sources: []\n  rules: []\n",
     "spec.destination.kind", 5, 23, "ServiceAccount"},
    {"apiVersion: access.smi-spec.io/v1alpha3\nkind: TrafficTarget\nmetadata: {name: t}\n"
     "spec:\n  destination: {kind: ServiceAccount, name: b}\n  rules: []\n"
     "  sources:\n  - {kind: ServiceAccount}\n",
     "spec.sources[0].name", 8, 5, "required field missing"},
    /* headers did not exist in specs v1alpha1 */
    {"apiVersion: specs.smi-spec.io/v1alpha1\nkind: HTTPRouteGroup\nmetadata: {name: r}\n"
     "matches:\n- name: m\n  headers: {a: b}\n",
     "matches[0].headers", 6, 3, "unknown field"},
    /* matches moved under spec in v1alpha3 */
    {"apiVersion: specs.smi-spec.io/v1alpha3\nkind: HTTPRouteGroup\nmetadata: {name: r}\n"
     "matches:\n- name: m\n",
     "matches", 4, 1, "unknown field"},
    {"apiVersion: specs.smi-spec.io/v1alpha4\nkind: HTTPRouteGroup\nmetadata: {name: r}\n"
     "spec:\n  matches:\n  - name: m\n    methods: [GET, FETCH]\n",
     "spec.matches[0].methods[1]", 7, 20, "unknown method 'FETCH'"},
    {"apiVersion: specs.smi-spec.io/v1alpha4\nkind: HTTPRouteGroup\nmetadata: {name: r}\n"
     "spec:\n  matches:\n  - name: m\n    pathRegex: '/a(['\n",
     "spec.matches[0].pathRegex", 7, 16, "invalid regular expression"},
    {"apiVersion: specs.smi-spec.io/v1alpha4\nkind: HTTPRouteGroup\nmetadata: {name: r}\n"
     "spec:\n  matches:\n  - name: m\n    headers:\n      x-a: 5\n",
     "spec.matches[0].headers.x-a", 8, 12, "expected string"},
    {"apiVersion: specs.smi-spec.io/v1alpha4\nkind: HTTPRouteGroup\nmetadata: {name: r}\n"
     "spec:\n  matches:\n  - pathRegex: /\n",
     "spec.matches[0].name", 6, 5, "required field missing"},
    {"apiVersion: specs.smi-spec.io/v1alpha3\nkind: TCPRoute\nmetadata: {name: tcp}\n"
     "spec:\n  matches:\n    ports: [1]\n",
     "spec.matches", 5, 3, "unknown field"},
    {"apiVersion: specs.smi-spec.io/v1alpha2\nkind: TCPRoute\nmetadata: {name: tcp}\nspec: {}\n",
     "spec", 4, 1, "unknown field"},
    {"apiVersion: specs.smi-spec.io/v1alpha4\nkind: TCPRoute\nmetadata: {name: tcp}\n"
     "spec:\n  matches:\n    ports: [80, 70000]\n",
     "spec.matches.ports[1]", 6, 17, "1..65535"},
    {"apiVersion: specs.smi-spec.io/v1alpha3\nkind: UDPRoute\nmetadata: {name: u}\n", "apiVersion",
     1, 13, "UDPRoute has no version 'v1alpha3'"},
    /* v1alpha2 weights are integers, not quantities */
    {"apiVersion: split.smi-spec.io/v1alpha2\nkind: TrafficSplit\nmetadata: {name: s}\n"
     "spec:\n  service: root\n  backends:\n  - service: v1\n    weight: 500m\n",
     "spec.backends[0].weight", 8, 13, "expected integer, got string"},
    {"apiVersion: split.smi-spec.io/v1alpha1\nkind: TrafficSplit\nmetadata: {name: s}\n"
     "spec:\n  service: root\n  backends:\n  - service: v1\n    weight: 5x\n",
     "spec.backends[0].weight", 8, 13, "not a non-negative quantity"},
    {"apiVersion: split.smi-spec.io/v1alpha2\nkind: TrafficSplit\nmetadata: {name: s}\n"
     "spec:\n  service: root\n  matches: []\n  backends: []\n",
     "spec.matches", 6, 3, "unknown field"},
    {"apiVersion: split.smi-spec.io/v1alpha4\nkind: TrafficSplit\nmetadata: {name: s}\n"
     "spec:\n  service: root\n  backends:\n  - service: v1\n    weight: -1\n",
     "spec.backends[0].weight", 8, 13, "0..1000000000"},
    {"apiVersion: split.smi-spec.io/v1alpha4\nkind: TrafficSplit\nmetadata: {name: s}\n"
     "spec:\n  backends: []\n",
     "spec.service", 5, 3, "required field missing"},
    {"apiVersion: split.smi-spec.io/v1alpha9\nkind: TrafficSplit\nmetadata: {name: s}\n",
     "apiVersion", 1, 13, "no version"},
    {"apiVersion: split.smi-spec.io/v1alpha4\nkind: TrafficSpilt\nmetadata: {name: s}\n", "kind", 2,
     7, "unknown kind 'TrafficSpilt'"},
    {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\n", "apiVersion", 1, 13,
     "unknown API group"},
    {"apiVersion: split.smi-spec.io/v1alpha4\nkind: TrafficSplit\nmetadata: {name: Bad_Name}\n"
     "spec: {service: a, backends: []}\n",
     "metadata.name", 3, 18, "not a valid name"},
    {"kind: TrafficSplit\nmetadata: {name: s}\n", "apiVersion", 1, 1, "required field missing"},
};

START_TEST(each_schema_violation_reports_position_and_field_path)
{
    const struct bad *b = &bad[_i];
    struct sc_smi_obj *o = NULL;
    struct sc_smi_diag diag;
    struct sc_err err;
    char want[64];
    sc_err_init(&err);
    int rc = sc_smi_parse(b->text, strlen(b->text), "bad.yaml", NULL, &o, &diag, &err);
    ck_assert_msg(rc == SC_EINVAL, "case %d: accepted", _i);
    ck_assert_ptr_null(o);
    ck_assert_msg(strcmp(diag.path, b->path) == 0, "case %d: path '%s' want '%s' (%s)", _i,
                  diag.path, b->path, err.msg);
    ck_assert_msg(diag.line == b->line && diag.col == b->col, "case %d: at %d:%d want %d:%d (%s)",
                  _i, diag.line, diag.col, b->line, b->col, err.msg);
    ck_assert_msg(strstr(err.msg, b->msg_part) != NULL, "case %d: '%s' lacks '%s'", _i, err.msg,
                  b->msg_part);
    snprintf(want, sizeof(want), "bad.yaml:%d:%d: %s: ", b->line, b->col, b->path);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "case %d: '%s'", _i, err.msg);
}
END_TEST

START_TEST(yaml_syntax_error_reports_line_and_column)
{
    const char *t = "apiVersion: a\nkind: [x\nmetadata: {}\n";
    struct sc_doc *d = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_doc_parse(t, strlen(t), "f.yaml", &d, &err), SC_EINVAL);
    ck_assert_ptr_null(d);
    ck_assert_msg(strncmp(err.msg, "f.yaml:3:", 9) == 0 || strncmp(err.msg, "f.yaml:4:", 9) == 0,
                  "%s", err.msg);
}
END_TEST

START_TEST(json_syntax_error_reports_line_and_column)
{
    const char *t = "{\n  \"kind\": \"TrafficSplit\",\n  \"spec\": {,}\n}\n";
    struct sc_doc *d = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_doc_parse(t, strlen(t), "f.json", &d, &err), SC_EINVAL);
    ck_assert_msg(strcmp(err.msg, "f.json:3:13: invalid JSON") == 0, "%s", err.msg);
}
END_TEST

START_TEST(json_positions_survive_tabs)
{
    const char *t =
        "{\n\t\"kind\": \"TrafficSplit\",\n\t\"metadata\": {\"name\": \"s\"},\n"
        "\t\"apiVersion\": \"split.smi-spec.io/v1alpha4\",\n\t\"spec\": {\"service\": 7}}";
    struct sc_smi_obj *o = NULL;
    struct sc_smi_diag diag;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_smi_parse(t, strlen(t), "f.json", NULL, &o, &diag, &err), SC_EINVAL);
    ck_assert_str_eq(diag.path, "spec.service");
    ck_assert_int_eq(diag.line, 5);
    ck_assert_int_eq(diag.col, 22);
    ck_assert_str_eq(diag.msg, "expected string, got integer");
}
END_TEST

START_TEST(duplicate_keys_and_aliases_are_refused)
{
    const char *dup = "a: 1\nb: 2\na: 3\n";
    const char *alias = "a: &x 1\nb: *x\n";
    struct sc_doc *d = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_doc_parse(dup, strlen(dup), "f", &d, &err), SC_EINVAL);
    ck_assert_str_eq(err.msg, "f:3:1: duplicate key 'a'");
    ck_assert_int_eq(sc_doc_parse(alias, strlen(alias), "f", &d, &err), SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "not supported"));
}
END_TEST

START_TEST(multi_document_stream_gives_every_object_or_none)
{
    const char *t = "apiVersion: specs.smi-spec.io/v1alpha4\nkind: TCPRoute\nmetadata: {name: a}\n"
                    "---\n---\napiVersion: specs.smi-spec.io/v1alpha4\nkind: TCPRoute\n"
                    "metadata: {name: b, namespace: other}\n";
    const char *bad2 =
        "apiVersion: specs.smi-spec.io/v1alpha4\nkind: TCPRoute\nmetadata: {name: a}\n"
        "---\napiVersion: specs.smi-spec.io/v1alpha4\nkind: TCPRoute\nmetadata: {}\n";
    struct sc_smi_obj *o = NULL;
    struct sc_smi_diag diag;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_smi_parse(t, strlen(t), "m.yaml", "def", &o, NULL, &err), 0);
    ck_assert_str_eq(o->name, "a");
    ck_assert_str_eq(o->ns, "def");
    ck_assert_ptr_nonnull(o->next);
    ck_assert_str_eq(o->next->name, "b");
    ck_assert_str_eq(o->next->ns, "other");
    ck_assert_int_eq(o->next->line, 6);
    ck_assert_ptr_null(o->next->next);
    sc_smi_obj_list_free(o);
    ck_assert_int_eq(sc_smi_parse(bad2, strlen(bad2), "m.yaml", NULL, &o, &diag, &err), SC_EINVAL);
    ck_assert_ptr_null(o);
    ck_assert_str_eq(diag.path, "metadata.name");
    ck_assert_int_eq(diag.line, 7);
}
END_TEST

START_TEST(typed_traffic_target_carries_defaults)
{
    const char *t = valid[0];
    struct sc_smi_obj *o = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_smi_parse(t, strlen(t), "v", "ns", &o, NULL, &err), 0);
    ck_assert_int_eq(o->kind, SC_SMI_TRAFFIC_TARGET);
    ck_assert_int_eq(o->version, 1);
    ck_assert_str_eq(o->u.tt.dest.name, "b");
    ck_assert_int_eq(o->u.tt.dest_port, 8080);
    ck_assert_uint_eq(o->u.tt.nrules, 1);
    ck_assert_int_eq(o->u.tt.rules[0].kind, SC_SMI_HTTP_ROUTE_GROUP);
    ck_assert_uint_eq(o->u.tt.rules[0].nmatches, 1);
    ck_assert_str_eq(o->u.tt.rules[0].matches[0], "m");
    ck_assert_uint_eq(o->u.tt.nsources, 1);
    sc_smi_obj_list_free(o);
    t = valid[2]; /* v1alpha3 without namespaces: both sides default to the object's */
    ck_assert_int_eq(sc_smi_parse(t, strlen(t), "v", "ns2", &o, NULL, &err), 0);
    ck_assert_str_eq(o->u.tt.dest.ns, "ns2");
    ck_assert_str_eq(o->u.tt.sources[0].ns, "ns2");
    ck_assert_int_eq(o->u.tt.dest_port, 0);
    sc_smi_obj_list_free(o);
}
END_TEST

START_TEST(v1alpha1_quantity_weights_keep_their_proportion)
{
    struct sc_smi_obj *o = NULL;
    struct sc_err err;
    double q;
    sc_err_init(&err);
    ck_assert_int_eq(sc_smi_parse(valid[12], strlen(valid[12]), "v", NULL, &o, NULL, &err), 0);
    ck_assert_uint_eq(o->u.ts.nbackends, 2);
    ck_assert_double_eq_tol(o->u.ts.backends[0].weight, 1.0, 1e-12);
    ck_assert_double_eq_tol(o->u.ts.backends[1].weight, 0.5, 1e-12);
    sc_smi_obj_list_free(o);
    ck_assert_int_eq(sc_smi_quantity_parse("2Ki", &q), 0);
    ck_assert_double_eq(q, 2048.0);
    ck_assert_int_eq(sc_smi_quantity_parse("1.5k", &q), 0);
    ck_assert_double_eq(q, 1500.0);
    ck_assert_int_eq(sc_smi_quantity_parse("1x", &q), SC_EINVAL);
    ck_assert_int_eq(sc_smi_quantity_parse("", &q), SC_EINVAL);
}
END_TEST

START_TEST(both_header_forms_give_the_same_filters)
{
    struct sc_smi_obj *o = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_smi_parse(valid[6], strlen(valid[6]), "v", NULL, &o, NULL, &err), 0);
    ck_assert_uint_eq(o->u.hrg.matches[0].nheaders, 2);
    ck_assert_str_eq(o->u.hrg.matches[0].headers[0].name, "cookie");
    ck_assert_str_eq(o->u.hrg.matches[0].headers[1].regex, "Android");
    sc_smi_obj_list_free(o);
    ck_assert_int_eq(sc_smi_parse(valid[4], strlen(valid[4]), "v", NULL, &o, NULL, &err), 0);
    ck_assert_uint_eq(o->u.hrg.matches[0].nheaders, 1);
    ck_assert_str_eq(o->u.hrg.matches[0].headers[0].name, "user-agent");
    ck_assert_ptr_null(o->u.hrg.matches[0].path_regex);
    sc_smi_obj_list_free(o);
}
END_TEST

START_TEST(path_regex_is_anchored_at_the_start)
{
    struct sc_smi_obj *o = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_smi_parse(valid[3], strlen(valid[3]), "v", NULL, &o, NULL, &err), 0);
    const struct sc_smi_http_match *m = &o->u.hrg.matches[0];
    ck_assert_int_eq(regexec(&m->path_re, "/metrics/x", 0, NULL, 0), 0);
    ck_assert_int_ne(regexec(&m->path_re, "/x/metrics", 0, NULL, 0), 0);
    ck_assert_int_eq(regexec(&m->path_re_any, "/x/metrics", 0, NULL, 0), 0);
    ck_assert(sc_smi_match_method(m, "GET"));
    ck_assert(!sc_smi_match_method(m, "POST"));
    sc_smi_obj_list_free(o);
}
END_TEST

/* ---- conversion from the newest shapes ---- */

static const char *tt3 =
    "apiVersion: access.smi-spec.io/v1alpha3\nkind: TrafficTarget\nmetadata: {name: t}\n"
    "spec:\n  destination: {kind: ServiceAccount, name: b}\n"
    "  rules:\n  - {kind: HTTPRouteGroup, name: r, matches: [m]}\n"
    "  sources:\n  - {kind: ServiceAccount, name: a}\n";
static const char *hrg4 =
    "apiVersion: specs.smi-spec.io/v1alpha4\nkind: HTTPRouteGroup\nmetadata: {name: r}\n"
    "spec:\n  matches:\n  - {name: m, pathRegex: /a, methods: [GET]}\n";
static const char *hrg4h =
    "apiVersion: specs.smi-spec.io/v1alpha4\nkind: HTTPRouteGroup\nmetadata: {name: r}\n"
    "spec:\n  matches:\n  - {name: m, headers: {x-a: b}}\n";
static const char *tcp4 = "apiVersion: specs.smi-spec.io/v1alpha4\nkind: TCPRoute\n"
                          "metadata: {name: tcp}\nspec:\n  matches:\n    ports: []\n";
static const char *tcp4p = "apiVersion: specs.smi-spec.io/v1alpha4\nkind: TCPRoute\n"
                           "metadata: {name: tcp}\nspec:\n  matches:\n    ports: [80]\n";
static const char *udp4 = "apiVersion: specs.smi-spec.io/v1alpha4\nkind: UDPRoute\n"
                          "metadata: {name: u}\nspec:\n  matches:\n    ports: [53]\n";
static const char *ts4 = "apiVersion: split.smi-spec.io/v1alpha4\nkind: TrafficSplit\n"
                         "metadata: {name: s}\nspec:\n  service: root\n  backends:\n"
                         "  - {service: v1, weight: 2}\n  - {service: v2, weight: 1}\n";
static const char *ts4m = "apiVersion: split.smi-spec.io/v1alpha4\nkind: TrafficSplit\n"
                          "metadata: {name: s}\nspec:\n  service: root\n  backends: []\n"
                          "  matches: [{kind: HTTPRouteGroup, name: r}]\n";

/* Every conversion that exists gives a manifest valid in the target version. */
START_TEST(conversion_output_validates_in_every_target_version)
{
    const char *const in[] = {tt3, hrg4, hrg4h, tcp4, tcp4p, udp4, ts4, ts4m};
    int converted = 0, unsupported = 0;
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        for (int ver = 1; ver <= 4; ver++) {
            struct sc_doc *d = NULL;
            struct sc_doc_node *out = NULL;
            struct sc_smi_obj *o = NULL;
            struct sc_err err;
            sc_err_init(&err);
            ck_assert_int_eq(sc_doc_parse(in[i], strlen(in[i]), "in", &d, &err), 0);
            int rc = sc_smi_convert(d->root, ver, &out, &err);
            if (rc == SC_ENOTFOUND) {
                unsupported++;
                sc_doc_free(d);
                continue;
            }
            ck_assert_msg(rc == 0, "%zu v%d: %s", i, ver, err.msg);
            rc = sc_smi_obj_from_doc(out, "conv", NULL, &o, NULL, &err);
            ck_assert_msg(rc == 0, "%zu v%d: %s", i, ver, err.msg);
            ck_assert_int_eq(o->version, ver);
            converted++;
            sc_smi_obj_free(o);
            sc_doc_node_free(out);
            sc_doc_free(d);
        }
    }
    /* tt3: 1,2,3 (4 absent); hrg4: 4; hrg4h: 3 (v1 lacks headers); tcp4: 4; tcp4p: 1;
     * udp4: 1; ts4: 4; ts4m: 2 */
    ck_assert_int_eq(converted, 3 + 4 + 3 + 4 + 1 + 1 + 4 + 2);
    ck_assert_int_eq(unsupported, 1 + 0 + 1 + 0 + 3 + 3 + 0 + 2);
}
END_TEST

/* Newest-shape weights w become the v1alpha1 quantities w/1000, as the spec writes them. */
START_TEST(v1alpha1_weights_are_written_as_thousandths)
{
    static const char *ts =
        "apiVersion: split.smi-spec.io/v1alpha4\nkind: TrafficSplit\nmetadata: {name: s}\n"
        "spec:\n  service: root\n  backends:\n  - {service: a, weight: 1000}\n"
        "  - {service: b, weight: 500}\n  - {service: c, weight: 0}\n"
        "  - {service: d, weight: 1500}\n  - {service: e, weight: 3000}\n";
    static const char *const text[] = {"1", "500m", "0m", "1500m", "3"};
    static const double units[] = {1.0, 0.5, 0.0, 1.5, 3.0}, numbers[] = {1, 500, 0, 1500, 3};
    struct sc_doc *d = NULL;
    struct sc_doc_node *out = NULL;
    struct sc_smi_obj *o = NULL;
    struct sc_err err;
    size_t i = 0;
    sc_err_init(&err);
    ck_assert_int_eq(sc_doc_parse(ts, strlen(ts), "in", &d, &err), 0);
    ck_assert_int_eq(sc_smi_convert(d->root, 1, &out, &err), 0);
    for (const struct sc_doc_node *b = sc_doc_get(sc_doc_get(out, "spec"), "backends")->child; b;
         b = b->next, i++) {
        ck_assert_int_eq(sc_doc_get(b, "weight")->type, SC_DOC_STR);
        ck_assert_str_eq(sc_doc_get_str(b, "weight"), text[i]);
    }
    ck_assert_uint_eq(i, 5);
    ck_assert_msg(sc_smi_obj_from_doc(out, "c", NULL, &o, NULL, &err) == 0, "%s", err.msg);
    for (i = 0; i < 5; i++) {
        ck_assert_double_eq_tol(o->u.ts.backends[i].weight, units[i], 1e-12);
        ck_assert_double_eq_tol(o->u.ts.backends[i].number, numbers[i], 1e-12);
    }
    sc_smi_obj_free(o);
    sc_doc_node_free(out);
    sc_doc_free(d);
}
END_TEST

START_TEST(conversion_to_v1alpha1_hoists_spec_and_quantifies_weights)
{
    struct sc_doc *d = NULL;
    struct sc_doc_node *out = NULL;
    struct sc_smi_obj *o = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_doc_parse(tt3, strlen(tt3), "in", &d, &err), 0);
    ck_assert_int_eq(sc_smi_convert(d->root, 1, &out, &err), 0);
    ck_assert_ptr_null(sc_doc_get(out, "spec"));
    ck_assert_ptr_nonnull(sc_doc_get(out, "specs"));
    ck_assert_ptr_nonnull(sc_doc_get(out, "destination"));
    ck_assert_str_eq(sc_doc_get_str(out, "apiVersion"), "access.smi-spec.io/v1alpha1");
    sc_doc_node_free(out);
    sc_doc_free(d);

    ck_assert_int_eq(sc_doc_parse(ts4, strlen(ts4), "in", &d, &err), 0);
    ck_assert_int_eq(sc_smi_convert(d->root, 1, &out, &err), 0);
    ck_assert_int_eq(sc_smi_obj_from_doc(out, "c", NULL, &o, NULL, &err), 0);
    ck_assert_double_eq_tol(o->u.ts.backends[0].weight, 0.002, 1e-12);
    ck_assert_double_eq_tol(o->u.ts.backends[1].weight, 0.001, 1e-12);
    cJSON *j = sc_doc_to_json(out);
    char *s = cJSON_PrintUnformatted(j);
    ck_assert_ptr_nonnull(strstr(s, "\"weight\":\"2m\""));
    free(s);
    cJSON_Delete(j);
    sc_smi_obj_free(o);
    sc_doc_node_free(out);
    ck_assert_int_eq(sc_smi_convert(d->root, 2, &out, &err), 0);
    j = sc_doc_to_json(out);
    s = cJSON_PrintUnformatted(j);
    ck_assert_ptr_nonnull(strstr(s, "\"weight\":2"));
    free(s);
    cJSON_Delete(j);
    sc_doc_node_free(out);
    sc_doc_free(d);

    ck_assert_int_eq(sc_doc_parse(ts4m, strlen(ts4m), "in", &d, &err), 0);
    ck_assert_int_eq(sc_smi_convert(d->root, 2, &out, &err), SC_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "v1alpha3"));
    sc_doc_free(d);
}
END_TEST

/* A TrafficTarget written as v1alpha2 for destination.port converts to v1alpha2 and v1alpha1
 * (keeping the port) and has no v1alpha3 form; other kinds must be written newest. */
START_TEST(traffic_target_written_older_converts_down_only)
{
    static const char tt2[] = "apiVersion: access.smi-spec.io/v1alpha2\n"
                              "kind: TrafficTarget\nmetadata: {name: t}\nspec:\n"
                              "  destination: {kind: ServiceAccount, name: b, port: 8080}\n"
                              "  rules:\n  - {kind: TCPRoute, name: tcp}\n"
                              "  sources:\n  - {kind: ServiceAccount, name: a}\n";
    static const char hrg2[] = "apiVersion: specs.smi-spec.io/v1alpha2\n"
                               "kind: HTTPRouteGroup\nmetadata: {name: r}\n"
                               "matches:\n- {name: m, pathRegex: /x, methods: [GET]}\n";
    struct sc_doc *d = NULL;
    struct sc_doc_node *out = NULL;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_eq(sc_doc_parse(tt2, strlen(tt2), "in", &d, &err), 0);
    ck_assert_int_eq(sc_smi_convert(d->root, 3, &out, &err), SC_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "no v1alpha3 form"));
    ck_assert_int_eq(sc_smi_convert(d->root, 2, &out, &err), 0);
    ck_assert_str_eq(sc_doc_get_str(sc_doc_get(sc_doc_get(out, "spec"), "destination"), "port"),
                     "8080");
    sc_doc_node_free(out);
    ck_assert_int_eq(sc_smi_convert(d->root, 1, &out, &err), 0);
    ck_assert_str_eq(sc_doc_get_str(out, "apiVersion"), "access.smi-spec.io/v1alpha1");
    ck_assert_str_eq(sc_doc_get_str(sc_doc_get(out, "destination"), "port"), "8080");
    ck_assert_ptr_nonnull(sc_doc_get(out, "specs"));
    sc_doc_node_free(out);
    sc_doc_free(d);
    ck_assert_int_eq(sc_doc_parse(hrg2, strlen(hrg2), "in", &d, &err), 0);
    ck_assert_int_eq(sc_smi_convert(d->root, 2, &out, &err), SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "not written as specs.smi-spec.io/v1alpha4"));
    sc_doc_free(d);
}
END_TEST

static Suite *smi_suite(void)
{
    Suite *s = suite_create("smi");
    TCase *tc = tcase_create("schema");
    tcase_add_loop_test(tc, every_kind_and_version_in_the_spec_validates, 0,
                        (int)(sizeof(valid) / sizeof(valid[0])));
    tcase_add_loop_test(tc, each_schema_violation_reports_position_and_field_path, 0,
                        (int)(sizeof(bad) / sizeof(bad[0])));
    tcase_add_test(tc, yaml_syntax_error_reports_line_and_column);
    tcase_add_test(tc, json_syntax_error_reports_line_and_column);
    tcase_add_test(tc, json_positions_survive_tabs);
    tcase_add_test(tc, duplicate_keys_and_aliases_are_refused);
    tcase_add_test(tc, multi_document_stream_gives_every_object_or_none);
    tcase_add_test(tc, typed_traffic_target_carries_defaults);
    tcase_add_test(tc, v1alpha1_quantity_weights_keep_their_proportion);
    tcase_add_test(tc, both_header_forms_give_the_same_filters);
    tcase_add_test(tc, path_regex_is_anchored_at_the_start);
    suite_add_tcase(s, tc);
    TCase *cv = tcase_create("convert");
    tcase_add_test(cv, conversion_output_validates_in_every_target_version);
    tcase_add_test(cv, conversion_to_v1alpha1_hoists_spec_and_quantifies_weights);
    tcase_add_test(cv, v1alpha1_weights_are_written_as_thousandths);
    tcase_add_test(cv, traffic_target_written_older_converts_down_only);
    suite_add_tcase(s, cv);
    return s;
}

int main(void)
{
    return sc_check_run(smi_suite());
}

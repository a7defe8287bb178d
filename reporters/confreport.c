/* confreport.c - the conformance report in YAML, written with libyaml's emitter. */
#include "reporters/confreport.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "base/file.h"
#include "base/util.h"
#include "reporters/buf.h"
#include "reporters/model.h"
#include "base/doc.h"

#define REPORT_API_VERSION "smi-conformance/v1"

void sc_implementation_release(struct sc_implementation *im)
{
    free(im->organization);
    free(im->project);
    free(im->url);
    free(im->version);
    for (size_t i = 0; i < im->ncontact; i++)
        free(im->contact[i]);
    free(im->contact);
    memset(im, 0, sizeof(*im));
}

static int bad(struct sc_err *err, const char *path, const struct sc_doc_node *n, const char *field,
               const char *what)
{
    return sc_err_set(err, SC_EINVAL, "%s:%d:%d: %s: %s", path, n->line, n->col, field, what);
}

static bool is_scalar(const struct sc_doc_node *n)
{
    return n->type != SC_DOC_MAP && n->type != SC_DOC_SEQ && n->type != SC_DOC_NULL;
}

int sc_implementation_load(const char *path, struct sc_implementation *im, struct sc_err *err)
{
    static const char *const keys[] = {"organization", "project", "url", "version"};
    char *text;
    size_t len;
    struct sc_doc *docs = NULL;
    const struct sc_doc_node *m;
    int rc;

    if ((rc = sc_file_read(path, SC_REPORT_MAX_INPUT, &text, &len, err)))
        return rc;
    rc = sc_doc_parse(text, len, path, &docs, err);
    free(text);
    if (rc)
        return rc;
    m = docs ? docs->root : NULL;
    if (m == NULL || m->type != SC_DOC_MAP) {
        rc = sc_err_set(err, SC_EINVAL, "%s:%d:%d: expected a mapping of implementation fields",
                        path, m ? m->line : 1, m ? m->col : 1);
        goto out_free_docs;
    }
    if (sc_doc_get(m, "implementation") != NULL)
        m = sc_doc_get(m, "implementation");
    if (m->type != SC_DOC_MAP) {
        rc = bad(err, path, m, "implementation", "expected a mapping");
        goto out_free_docs;
    }
    for (const struct sc_doc_node *f = m->child; f; f = f->next) {
        char **slot = NULL;
        for (int i = 0; i < 4; i++)
            if (strcmp(f->key, keys[i]) == 0)
                slot = i == 0   ? &im->organization
                       : i == 1 ? &im->project
                       : i == 2 ? &im->url
                                : &im->version;
        if (slot != NULL) {
            if (!is_scalar(f)) {
                rc = bad(err, path, f, f->key, "expected a string");
                goto out_free_docs;
            }
            free(*slot);
            *slot = sc_xstrdup(f->text);
        } else if (strcmp(f->key, "contact") == 0) {
            size_t n = f->type == SC_DOC_SEQ ? f->n : 1;
            for (size_t i = 0; i < im->ncontact; i++)
                free(im->contact[i]);
            free(im->contact);
            im->contact = sc_xcalloc(n + 1, sizeof(char *));
            im->ncontact = 0;
            if (f->type != SC_DOC_SEQ) {
                if (!is_scalar(f)) {
                    rc = bad(err, path, f, "contact", "expected a string or a list of strings");
                    goto out_free_docs;
                }
                im->contact[im->ncontact++] = sc_xstrdup(f->text);
            } else {
                for (const struct sc_doc_node *c = f->child; c; c = c->next) {
                    if (!is_scalar(c)) {
                        rc = bad(err, path, c, "contact", "expected a string");
                        goto out_free_docs;
                    }
                    im->contact[im->ncontact++] = sc_xstrdup(c->text);
                }
            }
        } else {
            rc = sc_err_set(err, SC_EINVAL,
                            "%s:%d:%d: %s: unknown field (expected organization, project, url, "
                            "version or contact)",
                            path, f->key_line, f->key_col, f->key);
            goto out_free_docs;
        }
    }
out_free_docs:
    sc_doc_free(docs);
    return rc;
}

/* ---- emitting ---- */

struct emit {
    yaml_emitter_t e;
    yaml_event_t ev;
};

static int on_write(void *data, unsigned char *buffer, size_t size)
{
    sc_buf_put(data, (const char *)buffer, size);
    return 1;
}

/* The emitter only fails on misuse (events out of order), a bug here: stop loudly. */
static void emit(struct emit *y)
{
    if (!yaml_emitter_emit(&y->e, &y->ev))
        abort();
}

static void map_start(struct emit *y)
{
    yaml_mapping_start_event_initialize(&y->ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
    emit(y);
}

static void map_end(struct emit *y)
{
    yaml_mapping_end_event_initialize(&y->ev);
    emit(y);
}

static void seq_start(struct emit *y, bool flow)
{
    yaml_sequence_start_event_initialize(
        &y->ev, NULL, NULL, 1, flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
    emit(y);
}

static void seq_end(struct emit *y)
{
    yaml_sequence_end_event_initialize(&y->ev);
    emit(y);
}

/* Would a plain scalar read back as something other than this string (a bool, null, a
 * number, a date)? YAML 1.1 readers are generous, so be cautious. */
static bool looks_typed(const char *s)
{
    static const char *const words[] = {"true", "false", "yes", "no",   "on",
                                        "off",  "y",     "n",   "null", "~"};
    if (s[0] == '\0' || isdigit((unsigned char)s[0]) || strchr("+-.", s[0]) != NULL)
        return true;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcasecmp(s, words[i]) == 0)
            return true;
    return false;
}

static void str(struct emit *y, const char *s)
{
    yaml_scalar_style_t style;
    if (s == NULL) {
        yaml_scalar_event_initialize(&y->ev, NULL, NULL, (yaml_char_t *)"null", 4, 1, 0,
                                     YAML_PLAIN_SCALAR_STYLE);
        emit(y);
        return;
    }
    style = looks_typed(s) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE;
    /* the emitter copies the value; clean it to valid UTF-8 first */
    struct sc_buf b = SC_BUF_INIT;
    sc_buf_esc(&b, s, SC_ESC_NONE);
    sc_buf_puts(&b, "");
    yaml_scalar_event_initialize(&y->ev, NULL, NULL, (yaml_char_t *)b.p, (int)b.len, 1, 1, style);
    emit(y);
    sc_buf_release(&b);
}

static void num(struct emit *y, size_t n)
{
    char t[32];
    int len = snprintf(t, sizeof(t), "%zu", n);
    yaml_scalar_event_initialize(&y->ev, NULL, NULL, (yaml_char_t *)t, len, 1, 0,
                                 YAML_PLAIN_SCALAR_STYLE);
    emit(y);
}

static void kv(struct emit *y, const char *key, const char *value)
{
    str(y, key);
    str(y, value);
}

static void str_list(struct emit *y, const char *key, const char *const *v, size_t n)
{
    str(y, key);
    seq_start(y, n == 0);
    for (size_t i = 0; i < n; i++)
        str(y, v[i]);
    seq_end(y);
}

static void implementation(struct emit *y, const struct sc_implementation *im)
{
    static const struct sc_implementation none;
    if (im == NULL)
        im = &none;
    str(y, "implementation");
    map_start(y);
    kv(y, "organization", im->organization ? im->organization : "");
    kv(y, "project", im->project ? im->project : "");
    kv(y, "url", im->url ? im->url : "");
    kv(y, "version", im->version ? im->version : "");
    str_list(y, "contact", (const char *const *)im->contact, im->ncontact);
    map_end(y);
}

static void case_names(struct emit *y, const char *key, const struct sc_run *r, const char *area,
                       const char *version, enum sc_verdict v)
{
    const char **names = NULL;
    size_t n = 0;
    for (size_t i = 0; i < r->ncases; i++) {
        const struct sc_case *c = &r->cases[i];
        if (c->verdict != v || strcmp(c->area, area) != 0 || strcmp(c->version, version) != 0)
            continue;
        names = realloc(names, (n + 1) * sizeof(*names));
        if (names == NULL)
            abort();
        names[n++] = c->test;
    }
    str_list(y, key, names, n);
    free(names);
}

/* The counts of a cell or of the run, in the order the report has always had, errors added. */
static void counts(struct emit *y, struct sc_summary s)
{
    str(y, "passed");
    num(y, s.passed);
    str(y, "failed");
    num(y, s.failed);
    str(y, "errors");
    num(y, s.errors);
    str(y, "skipped");
    num(y, s.skipped);
}

/* Every failed assertion of the cell's failed cases: the test, what was expected, why it
 * failed and the SMI spec statement it enforces (when the suite names one), so a vendor sees
 * which statement the mesh departs from. */
static void failed_assertions(struct emit *y, const struct sc_run *r, const char *area,
                              const char *version)
{
    const struct sc_case **cs = NULL;
    const struct sc_assertion **as = NULL;
    size_t n = 0;
    for (size_t i = 0; i < r->ncases; i++) {
        const struct sc_case *c = &r->cases[i];
        if (c->verdict != SC_FAILED || strcmp(c->area, area) != 0 ||
            strcmp(c->version, version) != 0)
            continue;
        for (size_t k = 0; k < c->nassertions; k++) {
            if (c->assertions[k].passed || c->assertions[k].error)
                continue;
            cs = realloc(cs, (n + 1) * sizeof(*cs));
            as = realloc(as, (n + 1) * sizeof(*as));
            if (cs == NULL || as == NULL)
                abort();
            cs[n] = c;
            as[n++] = &c->assertions[k];
        }
    }
    str(y, "failedAssertions");
    seq_start(y, n == 0);
    for (size_t i = 0; i < n; i++) {
        map_start(y);
        kv(y, "test", cs[i]->test);
        kv(y, "assertion", as[i]->what);
        if (as[i]->message)
            kv(y, "message", as[i]->message);
        if (as[i]->spec)
            kv(y, "spec", as[i]->spec);
        map_end(y);
    }
    seq_end(y);
    free(cs);
    free(as);
}

static void results(struct emit *y, const struct sc_run *r)
{
    const char **areas;
    size_t nareas = sc_report_areas(r, &areas);

    str(y, "results");
    seq_start(y, nareas == 0);
    for (size_t i = 0; i < nareas; i++) {
        const char **versions;
        size_t nv = sc_report_versions(r, areas[i], &versions);
        for (size_t k = 0; k < nv; k++) {
            struct sc_summary s = sc_run_summary_of(r, areas[i], versions[k]);
            const char **sup, **uns;
            size_t nsup, nuns;
            map_start(y);
            kv(y, "area", areas[i]);
            kv(y, "version", versions[k]);
            kv(y, "result", sc_report_result(s));
            str(y, "statistics");
            map_start(y);
            counts(y, s);
            map_end(y);
            case_names(y, "failedTests", r, areas[i], versions[k], SC_FAILED);
            case_names(y, "erroredTests", r, areas[i], versions[k], SC_ERROR);
            case_names(y, "skippedTests", r, areas[i], versions[k], SC_SKIPPED);
            failed_assertions(y, r, areas[i], versions[k]);
            sc_report_features(r, areas[i], versions[k], &sup, &nsup, &uns, &nuns);
            str_list(y, "supportedFeatures", sup, nsup);
            str_list(y, "unsupportedFeatures", uns, nuns);
            free(sup);
            free(uns);
            map_end(y);
        }
        free(versions);
    }
    seq_end(y);
    free(areas);
}

/* Which protocols the run certified: each with the verdicts of the cases whose traffic used it,
 * so a listing says "HTTP/1.1 and TCP certified, HTTP/2 not tested" rather than implying all. */
static void protocols(struct emit *y, const struct sc_run *r)
{
    struct sc_report_protocol ps[SC_REPORT_PROTOCOLS];
    sc_report_protocols(r, ps);
    str(y, "protocols");
    seq_start(y, false);
    for (size_t i = 0; i < SC_REPORT_PROTOCOLS; i++) {
        map_start(y);
        kv(y, "protocol", ps[i].label);
        kv(y, "result", sc_report_protocol_result(&ps[i]));
        counts(y, ps[i].s);
        map_end(y);
    }
    seq_end(y);
}

char *sc_report_conformance_yaml(const struct sc_run *r, const struct sc_implementation *im)
{
    struct sc_buf out = SC_BUF_INIT;
    struct emit y;
    struct sc_summary all = sc_run_summary(r);
    char date[40], harness[256];

    if (!yaml_emitter_initialize(&y.e))
        abort();
    yaml_emitter_set_output(&y.e, on_write, &out);
    yaml_emitter_set_unicode(&y.e, 1);
    yaml_emitter_set_width(&y.e, -1);
    yaml_emitter_set_indent(&y.e, 2);
    yaml_stream_start_event_initialize(&y.ev, YAML_UTF8_ENCODING);
    emit(&y);
    yaml_document_start_event_initialize(&y.ev, NULL, NULL, NULL, 1);
    emit(&y);
    map_start(&y);
    kv(&y, "apiVersion", REPORT_API_VERSION);
    kv(&y, "kind", "ConformanceReport");
    kv(&y, "date", r->start_ms ? sc_report_time(r->start_ms, date, sizeof(date)) : NULL);
    implementation(&y, im);
    kv(&y, "meshProfile", r->mesh);
    kv(&y, "platform", r->platform);
    if (r->kube_version)
        kv(&y, "kubernetesVersion", r->kube_version);
    str(&y, "harness");
    map_start(&y);
    kv(&y, "version", r->harness_version);
    kv(&y, "commit", r->harness_commit);
    map_end(&y);
    str(&y, "smiVersions");
    seq_start(&y, r->nserved == 0);
    for (size_t i = 0; i < r->nserved; i++) {
        map_start(&y);
        kv(&y, "group", r->served[i].group);
        str_list(&y, "versions", (const char *const *)r->served[i].versions,
                 r->served[i].nversions);
        map_end(&y);
    }
    seq_end(&y);
    if (r->nviolations)
        str_list(&y, "violations", (const char *const *)r->violations, r->nviolations);
    str(&y, "summary");
    map_start(&y);
    kv(&y, "result", sc_report_result(all));
    counts(&y, all);
    map_end(&y);
    protocols(&y, r);
    results(&y, r);
    str(&y, "reproduce");
    map_start(&y);
    snprintf(harness, sizeof(harness), "smi-conformance %s (commit %s)",
             r->harness_version ? r->harness_version : "unknown",
             r->harness_commit ? r->harness_commit : "unknown");
    kv(&y, "harness", harness);
    char *cmd = sc_report_command_line(r);
    kv(&y, "command", cmd);
    free(cmd);
    map_end(&y);
    map_end(&y);
    yaml_document_end_event_initialize(&y.ev, 1);
    emit(&y);
    yaml_stream_end_event_initialize(&y.ev);
    emit(&y);
    yaml_emitter_delete(&y.e);
    return sc_buf_detach(&out);
}

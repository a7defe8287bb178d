/* jsonschema.c - JSON Schema validation on cJSON for the keywords jsonschema.h lists. */
#include "base/jsonschema.h"

#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define MAX_DEPTH 64 /* nested schemas ($ref chains included) checked at once */

struct pattern {
    const cJSON *node; /* the "pattern" keyword's value in the schema */
    regex_t re;
};

struct sc_jsonschema {
    cJSON *root;
    struct pattern *pats;
    size_t npats;
};

/* A JSON pointer being built while walking, cut back with a mark. */
struct ptr {
    char s[1024];
};

static size_t ptr_push(struct ptr *p, const char *token)
{
    size_t mark = strlen(p->s), at = mark;
    if (at + 1 < sizeof(p->s))
        p->s[at++] = '/';
    for (const char *c = token; *c && at + 2 < sizeof(p->s); c++) {
        /* RFC 6901: '~' is written ~0 and '/' is written ~1 */
        if (*c == '~' || *c == '/') {
            p->s[at++] = '~';
            p->s[at++] = *c == '~' ? '0' : '1';
        } else {
            p->s[at++] = *c;
        }
    }
    p->s[at] = '\0';
    return mark;
}

static size_t ptr_push_index(struct ptr *p, int i)
{
    char n[16];
    snprintf(n, sizeof(n), "%d", i);
    return ptr_push(p, n);
}

static void ptr_pop(struct ptr *p, size_t mark)
{
    p->s[mark] = '\0';
}

/* ---- loading: every keyword known, every value well formed ---- */

static const char *const annotations[] = {"$schema",     "$id",     "$comment", "title",
                                          "description", "default", "examples"};
static const char *const type_names[] = {"null",   "boolean", "object", "array",
                                         "number", "string",  "integer"};

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

/* Follow "#", "#/a/b" (RFC 6901 escapes) from the root; NULL when it leads nowhere. */
static const cJSON *resolve(const cJSON *root, const char *ref)
{
    const cJSON *at = root;
    char tok[256];
    if (ref[0] != '#')
        return NULL;
    for (const char *p = ref + 1; *p == '/' && at != NULL;) {
        size_t n = 0;
        for (p++; *p && *p != '/' && n + 1 < sizeof(tok); p++) {
            if (p[0] == '~' && (p[1] == '0' || p[1] == '1')) {
                tok[n++] = p[1] == '0' ? '~' : '/';
                p++;
            } else {
                tok[n++] = *p;
            }
        }
        tok[n] = '\0';
        if (cJSON_IsArray(at)) {
            char *end;
            long i = strtol(tok, &end, 10);
            at = (*end == '\0' && tok[0]) ? cJSON_GetArrayItem(at, (int)i) : NULL;
        } else {
            at = cJSON_GetObjectItemCaseSensitive(at, tok);
        }
    }
    return at;
}

struct lctx {
    struct sc_jsonschema *s;
    const char *name;
    struct sc_err *err;
    struct ptr where;
};

static int bad(struct lctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct lctx *c, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sc_err_set(c->err, SC_EINVAL, "%s: %s: %s", c->name, c->where.s[0] ? c->where.s : "/",
                      msg);
}

static int load_schema(struct lctx *c, const cJSON *sch, int depth);

static bool is_count(const cJSON *v)
{
    return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble == floor(v->valuedouble);
}

static int load_type(struct lctx *c, const cJSON *v)
{
    const cJSON *it;
    if (cJSON_IsString(v))
        return in_list(v->valuestring, type_names, 7) ? 0 : bad(c, "unknown type name");
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
        return bad(c, "expected a type name or a list of them");
    cJSON_ArrayForEach(it, v)
    {
        if (!cJSON_IsString(it) || !in_list(it->valuestring, type_names, 7))
            return bad(c, "unknown type name in the list");
    }
    return 0;
}

static int load_pattern(struct lctx *c, const cJSON *v)
{
    struct sc_jsonschema *s = c->s;
    int rc;
    if (!cJSON_IsString(v))
        return bad(c, "expected a string");
    s->pats = realloc(s->pats, (s->npats + 1) * sizeof(*s->pats));
    if (s->pats == NULL)
        abort();
    rc = regcomp(&s->pats[s->npats].re, v->valuestring, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char why[128];
        regerror(rc, &s->pats[s->npats].re, why, sizeof(why));
        return bad(c, "pattern '%s' is not a POSIX extended regex: %s", v->valuestring, why);
    }
    s->pats[s->npats++].node = v;
    return 0;
}

/* Each member of v is a schema (properties, $defs). */
static int load_map(struct lctx *c, const cJSON *v, int depth)
{
    const cJSON *it;
    if (!cJSON_IsObject(v))
        return bad(c, "expected an object of schemas");
    cJSON_ArrayForEach(it, v)
    {
        size_t mark = ptr_push(&c->where, it->string);
        int rc = load_schema(c, it, depth + 1);
        ptr_pop(&c->where, mark);
        if (rc)
            return rc;
    }
    return 0;
}

/* v is a non-empty list of schemas (allOf, anyOf, oneOf). */
static int load_list(struct lctx *c, const cJSON *v, int depth)
{
    const cJSON *it;
    int i = 0;
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
        return bad(c, "expected a non-empty list of schemas");
    cJSON_ArrayForEach(it, v)
    {
        size_t mark = ptr_push_index(&c->where, i++);
        int rc = load_schema(c, it, depth + 1);
        ptr_pop(&c->where, mark);
        if (rc)
            return rc;
    }
    return 0;
}

static int load_keyword(struct lctx *c, const char *k, const cJSON *v, int depth)
{
    if (in_list(k, annotations, sizeof(annotations) / sizeof(annotations[0])) ||
        strcmp(k, "const") == 0)
        return 0;
    if (strcmp(k, "type") == 0)
        return load_type(c, v);
    if (strcmp(k, "enum") == 0)
        return cJSON_IsArray(v) ? 0 : bad(c, "expected a list of values");
    if (strcmp(k, "properties") == 0 || strcmp(k, "$defs") == 0)
        return load_map(c, v, depth);
    if (strcmp(k, "additionalProperties") == 0 || strcmp(k, "items") == 0)
        return load_schema(c, v, depth + 1);
    if (strcmp(k, "allOf") == 0 || strcmp(k, "anyOf") == 0 || strcmp(k, "oneOf") == 0)
        return load_list(c, v, depth);
    if (strcmp(k, "required") == 0) {
        const cJSON *it;
        if (!cJSON_IsArray(v))
            return bad(c, "expected a list of property names");
        cJSON_ArrayForEach(it, v)
        {
            if (!cJSON_IsString(it))
                return bad(c, "expected a list of property names");
        }
        return 0;
    }
    if (strcmp(k, "minimum") == 0 || strcmp(k, "maximum") == 0)
        return cJSON_IsNumber(v) ? 0 : bad(c, "expected a number");
    if (strcmp(k, "minLength") == 0 || strcmp(k, "maxLength") == 0 || strcmp(k, "minItems") == 0 ||
        strcmp(k, "maxItems") == 0)
        return is_count(v) ? 0 : bad(c, "expected a whole number >= 0");
    if (strcmp(k, "pattern") == 0)
        return load_pattern(c, v);
    if (strcmp(k, "$ref") == 0) {
        if (!cJSON_IsString(v))
            return bad(c, "expected a string");
        return resolve(c->s->root, v->valuestring) ? 0
                                                   : bad(c,
                                                         "'%s' leads nowhere in this "
                                                         "document (only local refs are "
                                                         "supported)",
                                                         v->valuestring);
    }
    return bad(c, "unsupported keyword");
}

static int load_schema(struct lctx *c, const cJSON *sch, int depth)
{
    const cJSON *it;
    if (depth > MAX_DEPTH)
        return bad(c, "schemas nested deeper than %d", MAX_DEPTH);
    if (cJSON_IsBool(sch))
        return 0;
    if (!cJSON_IsObject(sch))
        return bad(c, "a schema must be an object or a boolean");
    cJSON_ArrayForEach(it, sch)
    {
        size_t mark = ptr_push(&c->where, it->string);
        int rc = load_keyword(c, it->string, it, depth);
        ptr_pop(&c->where, mark);
        if (rc)
            return rc;
    }
    return 0;
}

int sc_jsonschema_new(const char *text, size_t len, const char *name, struct sc_jsonschema **out,
                      struct sc_err *err)
{
    struct sc_jsonschema *s;
    struct lctx c = {.name = name ? name : "<schema>", .err = err};
    cJSON *root;
    int rc;

    *out = NULL;
    if ((rc = sc_json_parse_located(text, len, c.name, &root, err)))
        return rc;
    s = sc_xcalloc(1, sizeof(*s));
    s->root = root;
    c.s = s;
    if ((rc = load_schema(&c, root, 0))) {
        sc_jsonschema_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void sc_jsonschema_free(struct sc_jsonschema *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->npats; i++)
        regfree(&s->pats[i].re);
    free(s->pats);
    cJSON_Delete(s->root);
    free(s);
}

/* ---- validating ---- */

struct vctx {
    const struct sc_jsonschema *s;
    sc_jsonschema_report_fn report;
    void *arg;
    int quiet; /* > 0 inside anyOf/oneOf alternatives: count, do not report */
    struct ptr at;
};

static size_t violation(struct vctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t violation(struct vctx *c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    if (c->quiet || c->report == NULL)
        return 1;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c->report(c->arg, c->at.s, msg);
    return 1;
}

static bool is_integer(const cJSON *v)
{
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble == floor(v->valuedouble);
}

static const char *type_of(const cJSON *v)
{
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsBool(v))
        return "boolean";
    if (cJSON_IsNumber(v))
        return is_integer(v) ? "integer" : "number";
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsArray(v))
        return "array";
    return "object";
}

static bool has_type(const cJSON *v, const char *t)
{
    if (strcmp(t, "integer") == 0)
        return is_integer(v);
    if (strcmp(t, "number") == 0)
        return cJSON_IsNumber(v);
    return strcmp(t, type_of(v)) == 0;
}

/* The value as short JSON text for a message: `"pased"`, `3`, `{...}`. */
static void show(const cJSON *v, char *buf, size_t len)
{
    char *t;
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        snprintf(buf, len, cJSON_IsObject(v) ? "an object" : "an array");
        return;
    }
    t = cJSON_PrintUnformatted(v);
    if (t == NULL)
        abort();
    if (strlen(t) > 60)
        snprintf(buf, len, "%.57s...", t);
    else
        snprintf(buf, len, "%s", t);
    cJSON_free(t);
}

/* "passed, failed, skipped" for an enum, strings unquoted. */
static void show_list(const cJSON *list, char *buf, size_t len)
{
    const cJSON *it;
    size_t at = 0;
    buf[0] = '\0';
    cJSON_ArrayForEach(it, list)
    {
        char one[80];
        if (cJSON_IsString(it))
            snprintf(one, sizeof(one), "%s", it->valuestring);
        else
            show(it, one, sizeof(one));
        if (at < len)
            at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : "", one);
    }
}

static size_t check(struct vctx *c, const cJSON *sch, const cJSON *v, int depth);

static size_t check_type(struct vctx *c, const cJSON *t, const cJSON *v)
{
    char got[80], want[160];
    const cJSON *it;
    if (cJSON_IsString(t) && has_type(v, t->valuestring))
        return 0;
    if (cJSON_IsArray(t))
        cJSON_ArrayForEach(it, t)
        {
            if (has_type(v, it->valuestring))
                return 0;
        }
    if (cJSON_IsString(t))
        snprintf(want, sizeof(want), "%s", t->valuestring);
    else
        show_list(t, want, sizeof(want));
    if (cJSON_IsObject(v) || cJSON_IsArray(v))
        return violation(c, "expected %s%s, got %s", cJSON_IsArray(t) ? "one of " : "", want,
                         cJSON_IsObject(v) ? "an object" : "an array");
    if (cJSON_IsNull(v))
        return violation(c, "expected %s%s, got null", cJSON_IsArray(t) ? "one of " : "", want);
    /* "got string \"3\"", "got boolean false" */
    show(v, got, sizeof(got));
    return violation(c, "expected %s%s, got %s %s", cJSON_IsArray(t) ? "one of " : "", want,
                     type_of(v), got);
}

static size_t check_object(struct vctx *c, const cJSON *sch, const cJSON *v, int depth)
{
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(sch, "properties");
    const cJSON *extra = cJSON_GetObjectItemCaseSensitive(sch, "additionalProperties");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(sch, "required"), *it;
    size_t n = 0;

    cJSON_ArrayForEach(it, req)
    {
        if (cJSON_GetObjectItemCaseSensitive(v, it->valuestring) != NULL)
            continue;
        size_t mark = ptr_push(&c->at, it->valuestring);
        n += violation(c, "required property is missing");
        ptr_pop(&c->at, mark);
    }
    cJSON_ArrayForEach(it, v)
    {
        const cJSON *sub = props ? cJSON_GetObjectItemCaseSensitive(props, it->string) : NULL;
        size_t mark = ptr_push(&c->at, it->string);
        if (sub != NULL)
            n += check(c, sub, it, depth + 1);
        else if (cJSON_IsFalse(extra))
            n += violation(c, "unknown property (the schema allows no others here)");
        else if (extra != NULL)
            n += check(c, extra, it, depth + 1);
        ptr_pop(&c->at, mark);
    }
    return n;
}

static size_t check_array(struct vctx *c, const cJSON *sch, const cJSON *v, int depth)
{
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(sch, "items"), *it;
    const cJSON *lo = cJSON_GetObjectItemCaseSensitive(sch, "minItems");
    const cJSON *hi = cJSON_GetObjectItemCaseSensitive(sch, "maxItems");
    int size = cJSON_GetArraySize(v), i = 0;
    size_t n = 0;

    if (lo != NULL && size < lo->valuedouble)
        n += violation(c, "has %d items, fewer than %g", size, lo->valuedouble);
    if (hi != NULL && size > hi->valuedouble)
        n += violation(c, "has %d items, more than %g", size, hi->valuedouble);
    if (items != NULL)
        cJSON_ArrayForEach(it, v)
        {
            size_t mark = ptr_push_index(&c->at, i++);
            n += check(c, items, it, depth + 1);
            ptr_pop(&c->at, mark);
        }
    return n;
}

static const regex_t *pattern_of(const struct sc_jsonschema *s, const cJSON *node)
{
    for (size_t i = 0; i < s->npats; i++)
        if (s->pats[i].node == node)
            return &s->pats[i].re;
    return NULL;
}

static size_t check_string(struct vctx *c, const cJSON *sch, const cJSON *v)
{
    const cJSON *lo = cJSON_GetObjectItemCaseSensitive(sch, "minLength");
    const cJSON *hi = cJSON_GetObjectItemCaseSensitive(sch, "maxLength");
    const cJSON *pat = cJSON_GetObjectItemCaseSensitive(sch, "pattern");
    size_t chars = 0, n = 0;
    char shown[80];

    /* a length counts characters (code points), not bytes: skip UTF-8 continuation bytes */
    for (const unsigned char *p = (const unsigned char *)v->valuestring; *p; p++)
        chars += (*p & 0xC0) != 0x80;
    if (lo != NULL && (double)chars < lo->valuedouble)
        n += violation(c, "is %zu characters long, shorter than %g", chars, lo->valuedouble);
    if (hi != NULL && (double)chars > hi->valuedouble)
        n += violation(c, "is %zu characters long, longer than %g", chars, hi->valuedouble);
    if (pat != NULL) {
        const regex_t *re = pattern_of(c->s, pat);
        if (re != NULL && regexec(re, v->valuestring, 0, NULL, 0) != 0) {
            show(v, shown, sizeof(shown));
            n += violation(c, "%s does not match the pattern %s", shown, pat->valuestring);
        }
    }
    return n;
}

static size_t check_number(struct vctx *c, const cJSON *sch, const cJSON *v)
{
    const cJSON *lo = cJSON_GetObjectItemCaseSensitive(sch, "minimum");
    const cJSON *hi = cJSON_GetObjectItemCaseSensitive(sch, "maximum");
    size_t n = 0;
    if (lo != NULL && v->valuedouble < lo->valuedouble)
        n += violation(c, "%.15g is less than the minimum %.15g", v->valuedouble, lo->valuedouble);
    if (hi != NULL && v->valuedouble > hi->valuedouble)
        n += violation(c, "%.15g is more than the maximum %.15g", v->valuedouble, hi->valuedouble);
    return n;
}

/* allOf, anyOf, oneOf. The alternatives of anyOf/oneOf are tried quietly; only the outcome is
 * reported, since a mismatch of the alternative not meant says nothing useful. */
static size_t check_combinators(struct vctx *c, const cJSON *sch, const cJSON *v, int depth)
{
    const cJSON *all = cJSON_GetObjectItemCaseSensitive(sch, "allOf");
    const cJSON *any = cJSON_GetObjectItemCaseSensitive(sch, "anyOf");
    const cJSON *one = cJSON_GetObjectItemCaseSensitive(sch, "oneOf"), *it;
    size_t n = 0;

    cJSON_ArrayForEach(it, all) n += check(c, it, v, depth + 1);
    for (int k = 0; k < 2; k++) {
        const cJSON *list = k == 0 ? any : one;
        int matched = 0, tried = 0;
        if (list == NULL)
            continue;
        c->quiet++;
        cJSON_ArrayForEach(it, list)
        {
            tried++;
            matched += check(c, it, v, depth + 1) == 0;
        }
        c->quiet--;
        if (matched == 0)
            n += violation(c, "matches none of the %d schemas of %s", tried, k ? "oneOf" : "anyOf");
        else if (k == 1 && matched > 1)
            n += violation(c, "matches %d of the schemas of oneOf, not exactly one", matched);
    }
    return n;
}

static size_t check(struct vctx *c, const cJSON *sch, const cJSON *v, int depth)
{
    const cJSON *kw;
    char shown[80], list[400];
    size_t n = 0;

    if (cJSON_IsBool(sch))
        return cJSON_IsTrue(sch) ? 0 : violation(c, "no value is allowed here");
    if (depth > MAX_DEPTH)
        return violation(c, "schema recursion deeper than %d ($ref loop?)", MAX_DEPTH);
    if ((kw = cJSON_GetObjectItemCaseSensitive(sch, "$ref")) != NULL)
        n += check(c, resolve(c->s->root, kw->valuestring), v, depth + 1);
    if ((kw = cJSON_GetObjectItemCaseSensitive(sch, "type")) != NULL && check_type(c, kw, v))
        return n + 1; /* the other keywords' messages would only repeat it */
    if ((kw = cJSON_GetObjectItemCaseSensitive(sch, "const")) != NULL &&
        !cJSON_Compare(kw, v, true)) {
        show(kw, list, sizeof(list));
        show(v, shown, sizeof(shown));
        n += violation(c, "expected %s, got %s", list, shown);
    }
    if ((kw = cJSON_GetObjectItemCaseSensitive(sch, "enum")) != NULL) {
        const cJSON *it;
        bool found = false;
        cJSON_ArrayForEach(it, kw)
        {
            found = found || cJSON_Compare(it, v, true);
        }
        if (!found) {
            show(v, shown, sizeof(shown));
            show_list(kw, list, sizeof(list));
            n += violation(c, "%s is not one of %s", shown, list);
        }
    }
    if (cJSON_IsObject(v))
        n += check_object(c, sch, v, depth);
    else if (cJSON_IsArray(v))
        n += check_array(c, sch, v, depth);
    else if (cJSON_IsString(v))
        n += check_string(c, sch, v);
    else if (cJSON_IsNumber(v))
        n += check_number(c, sch, v);
    return n + check_combinators(c, sch, v, depth);
}

size_t sc_jsonschema_validate(const struct sc_jsonschema *s, const cJSON *doc,
                              sc_jsonschema_report_fn report, void *arg)
{
    struct vctx c = {.s = s, .report = report, .arg = arg};
    return check(&c, s->root, doc, 0);
}

/* ---- parsing with a position ---- */

int sc_json_parse_located(const char *text, size_t len, const char *file, cJSON **out,
                          struct sc_err *err)
{
    const char *end = NULL, *stop;
    int line = 1, col = 1;
    cJSON *root;

    *out = NULL;
    root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (root != NULL && end != NULL) {
        /* one value and nothing after it but white space */
        for (const char *p = end; p < text + len; p++)
            if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
                cJSON_Delete(root);
                root = NULL;
                end = p;
                break;
            }
    }
    if (root != NULL) {
        *out = root;
        return 0;
    }
    /* cJSON tells only where it stopped; turn that into a line and column */
    stop = end ? end : cJSON_GetErrorPtr();
    if (stop != NULL && stop >= text && stop <= text + len)
        for (const char *p = text; p < stop; p++) {
            if (*p == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
    return sc_err_set(err, SC_EINVAL, "%s:%d:%d: not valid JSON", file ? file : "<input>", line,
                      col);
}

/* fields.c - the suite loader's field readers: typed values with FILE:LINE:COL errors. */
#include "suite/fields.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* Position-aware failure: "FILE:LINE:COL: ...". */
int sc_sf_fail(struct sc_err *err, const char *file, const struct sc_doc_node *n, const char *fmt,
               ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sc_err_set(err, SC_EINVAL, "%s:%d:%d: %s", file, n ? n->line : 1, n ? n->col : 1, msg);
}

/* Every key of map `m` must be one of `allowed` (NULL-terminated). */
int sc_sf_check_keys(const char *file, const struct sc_doc_node *m, const char *what,
                     const char *const *allowed, struct sc_err *err)
{
    if (m == NULL || m->type != SC_DOC_MAP)
        return sc_sf_fail(err, file, m, "%s must be a mapping", what);
    for (const struct sc_doc_node *c = m->child; c; c = c->next) {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, c->key) == 0;
        if (!ok) {
            char list[256] = "";
            for (const char *const *a = allowed; *a; a++) {
                strncat(list, *a, sizeof(list) - strlen(list) - 3);
                if (a[1])
                    strncat(list, ", ", sizeof(list) - strlen(list) - 1);
            }
            return sc_err_set(err, SC_EINVAL, "%s:%d:%d: unknown field '%s' in %s (expected %s)",
                              file, c->key_line, c->key_col, c->key, what, list);
        }
    }
    return 0;
}

int sc_sf_get_string(const char *file, const struct sc_doc_node *m, const char *key, bool required,
                     char **out, struct sc_err *err)
{
    const struct sc_doc_node *v = sc_doc_get(m, key);
    if (v == NULL) {
        if (required)
            return sc_sf_fail(err, file, m, "missing required field '%s'", key);
        return 0;
    }
    if (v->type == SC_DOC_MAP || v->type == SC_DOC_SEQ || v->type == SC_DOC_NULL)
        return sc_sf_fail(err, file, v, "field '%s' must be a string", key);
    *out = sc_xstrdup(v->text);
    return 0;
}

int sc_sf_get_int(const char *file, const struct sc_doc_node *m, const char *key, long min,
                  long max, long *out, struct sc_err *err)
{
    const struct sc_doc_node *v = sc_doc_get(m, key);
    char *end;
    long x;
    if (v == NULL)
        return 0;
    if (v->type != SC_DOC_INT)
        return sc_sf_fail(err, file, v, "field '%s' must be an integer", key);
    x = strtol(v->text, &end, 10);
    if (*end != '\0' || x < min || x > max)
        return sc_sf_fail(err, file, v, "field '%s' must be between %ld and %ld", key, min, max);
    *out = x;
    return 0;
}

int sc_sf_get_number(const char *file, const struct sc_doc_node *v, const char *what, double *out,
                     struct sc_err *err)
{
    if (v == NULL || (v->type != SC_DOC_INT && v->type != SC_DOC_FLOAT))
        return sc_sf_fail(err, file, v, "%s must be a number", what);
    *out = strtod(v->text, NULL);
    if (!isfinite(*out) || *out < 0)
        return sc_sf_fail(err, file, v, "%s must be a non-negative number", what);
    return 0;
}

int sc_sf_get_bool(const char *file, const struct sc_doc_node *m, const char *key, bool *out,
                   struct sc_err *err)
{
    const struct sc_doc_node *v = sc_doc_get(m, key);
    if (v == NULL)
        return 0;
    if (v->type != SC_DOC_BOOL)
        return sc_sf_fail(err, file, v, "field '%s' must be true or false", key);
    *out = strcmp(v->text, "true") == 0 || strcmp(v->text, "True") == 0;
    return 0;
}

int sc_sf_get_kvs(const char *file, const struct sc_doc_node *m, const char *key,
                  struct sc_kv **out, size_t *n, struct sc_err *err)
{
    const struct sc_doc_node *v = sc_doc_get(m, key);
    if (v == NULL)
        return 0;
    if (v->type != SC_DOC_MAP)
        return sc_sf_fail(err, file, v, "field '%s' must be a mapping of names to strings", key);
    *out = sc_xcalloc(v->n ? v->n : 1, sizeof(**out));
    for (const struct sc_doc_node *c = v->child; c; c = c->next) {
        if (c->type == SC_DOC_MAP || c->type == SC_DOC_SEQ || c->type == SC_DOC_NULL)
            return sc_sf_fail(err, file, c, "'%s.%s' must be a string", key, c->key);
        (*out)[*n].key = sc_xstrdup(c->key);
        (*out)[*n].value = sc_xstrdup(c->text);
        (*n)++;
    }
    return 0;
}

int sc_sf_get_strings(const char *file, const struct sc_doc_node *m, const char *key, char ***out,
                      size_t *n, struct sc_err *err)
{
    const struct sc_doc_node *v = sc_doc_get(m, key);
    if (v == NULL)
        return 0;
    if (v->type != SC_DOC_SEQ)
        return sc_sf_fail(err, file, v, "field '%s' must be a list of strings", key);
    *out = sc_xcalloc(v->n ? v->n : 1, sizeof(char *));
    for (const struct sc_doc_node *c = v->child; c; c = c->next) {
        if (c->type == SC_DOC_MAP || c->type == SC_DOC_SEQ || c->type == SC_DOC_NULL)
            return sc_sf_fail(err, file, c, "items of '%s' must be strings", key);
        (*out)[(*n)++] = sc_xstrdup(c->text);
    }
    return 0;
}

void sc_sf_free_kvs(struct sc_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

void sc_sf_free_strings(char **s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

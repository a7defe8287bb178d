/* check.c - the schema checker's tools: the field path, the first failure with its position,
 * typed field access, and the metadata every SMI object has. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "smi/check.h"

size_t sc_smi_path_push(struct sc_smi_vctx *v, const char *fmt, ...)
{
    size_t mark = strlen(v->path);
    va_list ap;
    va_start(ap, fmt);
    if (mark < sizeof(v->path))
        vsnprintf(v->path + mark, sizeof(v->path) - mark, fmt, ap);
    va_end(ap);
    return mark;
}

void sc_smi_path_pop(struct sc_smi_vctx *v, size_t mark)
{
    v->path[mark] = '\0';
}

int sc_smi_fail_at(struct sc_smi_vctx *v, int line, int col, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const char *path = v->path[0] == '.' ? v->path + 1 : v->path;
    if (v->diag) {
        v->diag->line = line;
        v->diag->col = col;
        snprintf(v->diag->path, sizeof(v->diag->path), "%s", path);
        snprintf(v->diag->msg, sizeof(v->diag->msg), "%s", msg);
    }
    return sc_err_set(v->err, SC_EINVAL, "%s:%d:%d: %s%s%s", v->file, line, col, path,
                      path[0] ? ": " : "", msg);
}

const char *sc_smi_type_name(enum sc_doc_type t)
{
    static const char *const names[] = {"null",   "boolean", "integer", "number",
                                        "string", "object",  "list"};
    return names[t];
}

/* Every key of map `m` must be in `allowed` (NULL-terminated). */
int sc_smi_check_fields(struct sc_smi_vctx *v, const struct sc_doc_node *m,
                        const char *const *allowed)
{
    for (const struct sc_doc_node *c = m->child; c; c = c->next) {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            ok = ok || strcmp(*a, c->key) == 0;
        if (!ok) {
            size_t mark = sc_smi_path_push(v, ".%s", c->key);
            int rc = sc_smi_fail_at(v, c->key_line, c->key_col, "unknown field");
            sc_smi_path_pop(v, mark);
            return rc;
        }
    }
    return 0;
}

/* Fetch member `key` of `m` with type `t`. Absent (or null) and required: error. */
int sc_smi_get_node(struct sc_smi_vctx *v, const struct sc_doc_node *m, const char *key,
                    enum sc_doc_type t, bool required, const struct sc_doc_node **out)
{
    const struct sc_doc_node *n = sc_doc_get(m, key);
    *out = NULL;
    if (n == NULL || n->type == SC_DOC_NULL) {
        if (!required)
            return 0;
        size_t mark = sc_smi_path_push(v, ".%s", key);
        int rc =
            sc_smi_fail_at(v, n ? n->line : m->line, n ? n->col : m->col, "required field missing");
        sc_smi_path_pop(v, mark);
        return rc;
    }
    if (n->type != t) {
        size_t mark = sc_smi_path_push(v, ".%s", key);
        int rc = sc_smi_fail_at(v, n->line, n->col, "expected %s, got %s", sc_smi_type_name(t),
                                sc_smi_type_name(n->type));
        sc_smi_path_pop(v, mark);
        return rc;
    }
    *out = n;
    return 0;
}

int sc_smi_get_str(struct sc_smi_vctx *v, const struct sc_doc_node *m, const char *key,
                   bool required, char **out)
{
    const struct sc_doc_node *n;
    int rc = sc_smi_get_node(v, m, key, SC_DOC_STR, required, &n);
    if (rc)
        return rc;
    if (n && n->text[0] == '\0' && required) {
        size_t mark = sc_smi_path_push(v, ".%s", key);
        rc = sc_smi_fail_at(v, n->line, n->col, "must not be empty");
        sc_smi_path_pop(v, mark);
        return rc;
    }
    *out = n ? sc_xstrdup(n->text) : NULL;
    return 0;
}

int sc_smi_check_enum(struct sc_smi_vctx *v, const struct sc_doc_node *m, const char *key,
                      const char *const *values)
{
    const struct sc_doc_node *n = sc_doc_get(m, key);
    char list[160] = "";
    for (const char *const *p = values; *p; p++) {
        if (n && strcmp(n->text, *p) == 0)
            return 0;
        size_t l = strlen(list);
        snprintf(list + l, sizeof(list) - l, "%s%s", l ? ", " : "", *p);
    }
    size_t mark = sc_smi_path_push(v, ".%s", key);
    int rc = sc_smi_fail_at(v, n->line, n->col, "must be one of %s, got '%s'", list, n->text);
    sc_smi_path_pop(v, mark);
    return rc;
}

int sc_smi_get_port(struct sc_smi_vctx *v, const struct sc_doc_node *n, int *out)
{
    char *end;
    long p;
    if (n->type != SC_DOC_INT)
        return sc_smi_fail_at(v, n->line, n->col, "expected integer, got %s",
                              sc_smi_type_name(n->type));
    p = strtol(n->text, &end, 10);
    if (p < 1 || p > 65535)
        return sc_smi_fail_at(v, n->line, n->col, "port must be in 1..65535, got %s", n->text);
    *out = (int)p;
    return 0;
}

/* A list of strings. */
int sc_smi_get_str_list(struct sc_smi_vctx *v, const struct sc_doc_node *m, const char *key,
                        char ***out, size_t *nout)
{
    const struct sc_doc_node *s;
    int rc = sc_smi_get_node(v, m, key, SC_DOC_SEQ, false, &s);
    *out = NULL;
    *nout = 0;
    if (rc || s == NULL)
        return rc;
    *out = sc_xcalloc(s->n + 1, sizeof(char *));
    size_t i = 0;
    for (const struct sc_doc_node *c = s->child; c; c = c->next, i++) {
        if (c->type != SC_DOC_STR) {
            size_t mark = sc_smi_path_push(v, ".%s[%zu]", key, i);
            rc = sc_smi_fail_at(v, c->line, c->col, "expected string, got %s",
                                sc_smi_type_name(c->type));
            sc_smi_path_pop(v, mark);
            return rc;
        }
        (*out)[i] = sc_xstrdup(c->text);
        (*nout)++;
    }
    return 0;
}

/* ---- metadata ---- */

static bool dns_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
        return false;
    for (const char *p = s; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' || *p == '.'))
            return false;
    return true;
}

static int check_str_map(struct sc_smi_vctx *v, const struct sc_doc_node *m, const char *key)
{
    const struct sc_doc_node *n;
    int rc = sc_smi_get_node(v, m, key, SC_DOC_MAP, false, &n);
    if (rc || n == NULL)
        return rc;
    for (const struct sc_doc_node *c = n->child; c; c = c->next) {
        if (c->type != SC_DOC_STR) {
            size_t mark = sc_smi_path_push(v, ".%s.%s", key, c->key);
            rc = sc_smi_fail_at(v, c->line, c->col, "expected string, got %s",
                                sc_smi_type_name(c->type));
            sc_smi_path_pop(v, mark);
            return rc;
        }
    }
    return 0;
}

int sc_smi_check_metadata(struct sc_smi_vctx *v, const struct sc_doc_node *root,
                          const char *default_ns, struct sc_smi_obj *o)
{
    static const char *const fields[] = {"name",
                                         "namespace",
                                         "labels",
                                         "annotations",
                                         "uid",
                                         "resourceVersion",
                                         "generation",
                                         "creationTimestamp",
                                         "deletionTimestamp",
                                         "deletionGracePeriodSeconds",
                                         "finalizers",
                                         "ownerReferences",
                                         "managedFields",
                                         "generateName",
                                         "selfLink",
                                         NULL};
    const struct sc_doc_node *md;
    int rc = sc_smi_get_node(v, root, "metadata", SC_DOC_MAP, true, &md);
    if (rc)
        return rc;
    size_t mark = sc_smi_path_push(v, ".metadata");
    if ((rc = sc_smi_check_fields(v, md, fields)) ||
        (rc = sc_smi_get_str(v, md, "name", true, &o->name)) ||
        (rc = sc_smi_get_str(v, md, "namespace", false, &o->ns)) ||
        (rc = check_str_map(v, md, "labels")) || (rc = check_str_map(v, md, "annotations")))
        goto out;
    const struct sc_doc_node *n = sc_doc_get(md, "name");
    if (!dns_name_ok(o->name)) {
        sc_smi_path_push(v, ".name");
        rc = sc_smi_fail_at(v, n->line, n->col, "'%s' is not a valid name (lowercase RFC 1123)",
                            o->name);
        goto out;
    }
    if (o->ns && !dns_name_ok(o->ns)) {
        n = sc_doc_get(md, "namespace");
        sc_smi_path_push(v, ".namespace");
        rc = sc_smi_fail_at(v, n->line, n->col, "'%s' is not a valid namespace", o->ns);
        goto out;
    }
    if (o->ns == NULL)
        o->ns = sc_xstrdup(default_ns ? default_ns : "default");
out:
    sc_smi_path_pop(v, mark);
    return rc;
}

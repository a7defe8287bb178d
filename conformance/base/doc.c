/* doc.c - YAML (libyaml events) and JSON (checked by cJSON, read by libyaml) into one tree. */
#include "base/doc.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/util.h"

#define DOC_MAX_DEPTH 64

struct sc_doc_node *sc_doc_node_new(enum sc_doc_type type, const char *text)
{
    struct sc_doc_node *n = sc_xcalloc(1, sizeof(*n));
    n->type = type;
    n->text = text ? sc_xstrdup(text) : NULL;
    return n;
}

void sc_doc_node_free(struct sc_doc_node *n)
{
    while (n) {
        struct sc_doc_node *next = n->next;
        sc_doc_node_free(n->child);
        free(n->text);
        free(n->key);
        free(n);
        n = next;
    }
}

void sc_doc_free(struct sc_doc *docs)
{
    while (docs) {
        struct sc_doc *next = docs->next;
        sc_doc_node_free(docs->root);
        free(docs);
        docs = next;
    }
}

struct sc_doc_node *sc_doc_get(const struct sc_doc_node *m, const char *key)
{
    if (m == NULL || m->type != SC_DOC_MAP)
        return NULL;
    for (struct sc_doc_node *c = m->child; c; c = c->next)
        if (strcmp(c->key, key) == 0)
            return c;
    return NULL;
}

const char *sc_doc_get_str(const struct sc_doc_node *m, const char *key)
{
    const struct sc_doc_node *v = sc_doc_get(m, key);
    return v && v->text ? v->text : NULL;
}

static void append_raw(struct sc_doc_node *parent, struct sc_doc_node *child)
{
    struct sc_doc_node **tail = &parent->child;
    while (*tail)
        tail = &(*tail)->next;
    *tail = child;
    parent->n++;
}

void sc_doc_append(struct sc_doc_node *parent, const char *key, struct sc_doc_node *child)
{
    if (parent->type == SC_DOC_MAP && child->key != key) {
        free(child->key);
        child->key = sc_xstrdup(key);
    }
    append_raw(parent, child);
}

struct sc_doc_node *sc_doc_take(struct sc_doc_node *m, const char *key)
{
    if (m == NULL || m->type != SC_DOC_MAP)
        return NULL;
    for (struct sc_doc_node **pp = &m->child; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->key, key) == 0) {
            struct sc_doc_node *n = *pp;
            *pp = n->next;
            n->next = NULL;
            m->n--;
            return n;
        }
    }
    return NULL;
}

bool sc_doc_remove(struct sc_doc_node *m, const char *key)
{
    struct sc_doc_node *n = sc_doc_take(m, key);
    sc_doc_node_free(n);
    return n != NULL;
}

struct sc_doc_node *sc_doc_node_dup(const struct sc_doc_node *n)
{
    struct sc_doc_node *d = sc_doc_node_new(n->type, n->text);
    d->line = n->line;
    d->col = n->col;
    d->key = n->key ? sc_xstrdup(n->key) : NULL;
    d->key_line = n->key_line;
    d->key_col = n->key_col;
    for (const struct sc_doc_node *c = n->child; c; c = c->next)
        append_raw(d, sc_doc_node_dup(c));
    return d;
}

/* Resolve a plain scalar's type (YAML 1.2 core schema, which is what JSON also gives). */
static enum sc_doc_type resolve_plain(const char *s)
{
    if (*s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
        strcmp(s, "NULL") == 0)
        return SC_DOC_NULL;
    if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0 ||
        strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0)
        return SC_DOC_BOOL;
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    if (isdigit((unsigned char)*p)) {
        const char *q = p;
        while (isdigit((unsigned char)*q))
            q++;
        if (*q == '\0')
            return SC_DOC_INT;
    }
    if (*p == '.' || isdigit((unsigned char)*p)) {
        char *end;
        strtod(s, &end);
        if (*end == '\0' && end != s)
            return SC_DOC_FLOAT;
    }
    return SC_DOC_STR;
}

struct builder {
    yaml_parser_t p;
    const char *file;
    struct sc_err *err;
};

static int parse_fail(struct builder *b)
{
    return sc_err_set(b->err, SC_EINVAL, "%s:%zu:%zu: %s%s%s", b->file, b->p.problem_mark.line + 1,
                      b->p.problem_mark.column + 1, b->p.problem ? b->p.problem : "syntax error",
                      b->p.context ? " " : "", b->p.context ? b->p.context : "");
}

static int next_event(struct builder *b, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&b->p, ev))
        return parse_fail(b);
    return 0;
}

/* Build the node that starts with `ev` (consumed). */
static int build_node(struct builder *b, yaml_event_t *ev, int depth, struct sc_doc_node **out)
{
    int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
    struct sc_doc_node *n = NULL;
    int rc = 0;

    *out = NULL;
    if (depth > DOC_MAX_DEPTH) {
        yaml_event_delete(ev);
        return sc_err_set(b->err, SC_EINVAL, "%s:%d:%d: nesting deeper than %d levels", b->file,
                          line, col, DOC_MAX_DEPTH);
    }
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        yaml_event_delete(ev);
        return sc_err_set(b->err, SC_EINVAL, "%s:%d:%d: aliases are not supported", b->file, line,
                          col);
    case YAML_SCALAR_EVENT: {
        const char *text = (const char *)ev->data.scalar.value;
        enum sc_doc_type t =
            ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? resolve_plain(text) : SC_DOC_STR;
        if (ev->data.scalar.anchor) {
            yaml_event_delete(ev);
            return sc_err_set(b->err, SC_EINVAL, "%s:%d:%d: anchors are not supported", b->file,
                              line, col);
        }
        n = sc_doc_node_new(t, text);
        yaml_event_delete(ev);
        break;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        bool is_map = ev->type == YAML_MAPPING_START_EVENT;
        bool anchored =
            is_map ? ev->data.mapping_start.anchor != NULL : ev->data.sequence_start.anchor != NULL;
        yaml_event_delete(ev);
        if (anchored)
            return sc_err_set(b->err, SC_EINVAL, "%s:%d:%d: anchors are not supported", b->file,
                              line, col);
        n = sc_doc_node_new(is_map ? SC_DOC_MAP : SC_DOC_SEQ, NULL);
        for (;;) {
            yaml_event_t e;
            struct sc_doc_node *key = NULL, *val = NULL;
            rc = next_event(b, &e);
            if (rc)
                goto out_free;
            if (e.type == YAML_MAPPING_END_EVENT || e.type == YAML_SEQUENCE_END_EVENT) {
                yaml_event_delete(&e);
                break;
            }
            if (is_map) {
                rc = build_node(b, &e, depth + 1, &key);
                if (rc)
                    goto out_free;
                if (key->type == SC_DOC_MAP || key->type == SC_DOC_SEQ) {
                    rc = sc_err_set(b->err, SC_EINVAL, "%s:%d:%d: a key must be a scalar", b->file,
                                    key->line, key->col);
                    sc_doc_node_free(key);
                    goto out_free;
                }
                if (sc_doc_get(n, key->text)) {
                    rc = sc_err_set(b->err, SC_EINVAL, "%s:%d:%d: duplicate key '%s'", b->file,
                                    key->line, key->col, key->text);
                    sc_doc_node_free(key);
                    goto out_free;
                }
                rc = next_event(b, &e);
                if (rc == 0)
                    rc = build_node(b, &e, depth + 1, &val);
                if (rc) {
                    sc_doc_node_free(key);
                    goto out_free;
                }
                val->key = key->text;
                key->text = NULL;
                val->key_line = key->line;
                val->key_col = key->col;
                sc_doc_node_free(key);
            } else {
                rc = build_node(b, &e, depth + 1, &val);
                if (rc)
                    goto out_free;
            }
            append_raw(n, val);
        }
        break;
    }
    default:
        yaml_event_delete(ev);
        return sc_err_set(b->err, SC_EINVAL, "%s:%d:%d: unexpected YAML event", b->file, line, col);
    }
    n->line = line;
    n->col = col;
    *out = n;
    return 0;
out_free:
    sc_doc_node_free(n);
    return rc;
}

static void pos_of(const char *buf, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (buf[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* Strict JSON check: cJSON accepts only JSON, libyaml would accept more. */
static int check_json(const char *buf, size_t len, const char *file, struct sc_err *err)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
    int line, col;

    if (j == NULL) {
        size_t off = end && end >= buf && end <= buf + len ? (size_t)(end - buf) : 0;
        pos_of(buf, off, &line, &col);
        return sc_err_set(err, SC_EINVAL, "%s:%d:%d: invalid JSON", file, line, col);
    }
    cJSON_Delete(j);
    for (const char *p = end; p && p < buf + len; p++) {
        if (!isspace((unsigned char)*p) && *p != '\0') {
            pos_of(buf, (size_t)(p - buf), &line, &col);
            return sc_err_set(err, SC_EINVAL, "%s:%d:%d: unexpected text after the JSON value",
                              file, line, col);
        }
    }
    return 0;
}

int sc_doc_parse(const char *buf, size_t len, const char *file, struct sc_doc **out,
                 struct sc_err *err)
{
    struct builder b = {.file = file ? file : "<input>", .err = err};
    struct sc_doc *head = NULL, **tail = &head;
    char *copy = NULL;
    bool json = false;
    int rc = 0;

    *out = NULL;
    for (size_t i = 0; i < len; i++) {
        if (!isspace((unsigned char)buf[i])) {
            json = buf[i] == '{' || buf[i] == '[';
            break;
        }
    }
    if (json) {
        rc = check_json(buf, len, b.file, err);
        if (rc)
            return rc;
        /* JSON strings cannot hold raw tabs, so tabs are whitespace: make them spaces,
         * which libyaml's flow context always accepts, keeping every column. */
        copy = malloc(len + 1);
        if (copy == NULL)
            return sc_err_set(err, SC_ENOMEM, "out of memory");
        for (size_t i = 0; i < len; i++)
            copy[i] = buf[i] == '\t' ? ' ' : buf[i];
        copy[len] = '\0';
        buf = copy;
    }
    if (!yaml_parser_initialize(&b.p)) {
        free(copy);
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    yaml_parser_set_input_string(&b.p, (const unsigned char *)buf, len);
    for (;;) {
        yaml_event_t ev;
        rc = next_event(&b, &ev);
        if (rc)
            goto out_free;
        if (ev.type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (ev.type != YAML_DOCUMENT_START_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        int dline = (int)ev.start_mark.line + 1, dcol = (int)ev.start_mark.column + 1;
        yaml_event_delete(&ev);
        rc = next_event(&b, &ev);
        if (rc)
            goto out_free;
        struct sc_doc_node *root = NULL;
        if (ev.type != YAML_DOCUMENT_END_EVENT) {
            rc = build_node(&b, &ev, 0, &root);
            if (rc)
                goto out_free;
            rc = next_event(&b, &ev); /* document end */
            if (rc) {
                sc_doc_node_free(root);
                goto out_free;
            }
        }
        yaml_event_delete(&ev);
        if (root == NULL || root->type == SC_DOC_NULL) {
            sc_doc_node_free(root);
            continue;
        }
        if (json && root->type == SC_DOC_SEQ) {
            /* A JSON list: one document per element. */
            for (struct sc_doc_node *c = root->child; c;) {
                struct sc_doc_node *next = c->next;
                struct sc_doc *d = sc_xcalloc(1, sizeof(*d));
                c->next = NULL;
                d->root = c;
                d->line = c->line;
                d->col = c->col;
                *tail = d;
                tail = &d->next;
                c = next;
            }
            root->child = NULL;
            sc_doc_node_free(root);
            continue;
        }
        struct sc_doc *d = sc_xcalloc(1, sizeof(*d));
        d->root = root;
        d->line = dline;
        d->col = dcol;
        *tail = d;
        tail = &d->next;
    }
    *out = head;
    head = NULL;
out_free:
    yaml_parser_delete(&b.p);
    sc_doc_free(head);
    free(copy);
    return rc;
}

struct cJSON *sc_doc_to_json(const struct sc_doc_node *n)
{
    cJSON *j = NULL;
    switch (n->type) {
    case SC_DOC_NULL:
        return cJSON_CreateNull();
    case SC_DOC_BOOL:
        return cJSON_CreateBool(n->text[0] == 't' || n->text[0] == 'T');
    case SC_DOC_INT:
    case SC_DOC_FLOAT:
        return cJSON_CreateNumber(strtod(n->text, NULL));
    case SC_DOC_STR:
        return cJSON_CreateString(n->text);
    case SC_DOC_MAP:
    case SC_DOC_SEQ:
        j = n->type == SC_DOC_MAP ? cJSON_CreateObject() : cJSON_CreateArray();
        if (j == NULL)
            return NULL;
        for (const struct sc_doc_node *c = n->child; c; c = c->next) {
            cJSON *cj = sc_doc_to_json(c);
            if (cj == NULL) {
                cJSON_Delete(j);
                return NULL;
            }
            if (n->type == SC_DOC_MAP)
                cJSON_AddItemToObject(j, c->key, cj);
            else
                cJSON_AddItemToArray(j, cj);
        }
        return j;
    }
    return NULL;
}

/* doc.h - a YAML/JSON document tree that remembers where every node came from (line:column). */
#ifndef SC_BASE_DOC_H
#define SC_BASE_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

struct cJSON;

/* Scalars keep their text; the type is resolved the way Kubernetes' YAML reader would:
 * quoted scalars are strings, plain ones may be null, bool, int or float. */
enum sc_doc_type {
    SC_DOC_NULL,
    SC_DOC_BOOL,
    SC_DOC_INT,
    SC_DOC_FLOAT,
    SC_DOC_STR,
    SC_DOC_MAP,
    SC_DOC_SEQ
};

struct sc_doc_node {
    enum sc_doc_type type;
    int line, col; /* 1-based position of the value */
    char *text;    /* scalars: the text as written (owned); NULL for maps and sequences */
    char *key;     /* map members: the key (owned); NULL otherwise */
    int key_line, key_col;
    struct sc_doc_node *child; /* maps and sequences: first member */
    struct sc_doc_node *next;  /* next sibling */
    size_t n;                  /* number of children */
};

/* One document of a stream. */
struct sc_doc {
    struct sc_doc_node *root; /* NULL for an empty document */
    int line, col;            /* where the document starts */
    struct sc_doc *next;
};

/*
 * Parse a YAML stream (several documents separated by `---`) or a JSON text (one value;
 * a top-level JSON array gives one document per element). Input that starts with '{' or '[' is
 * checked as strict JSON with cJSON first, so JSON errors are JSON errors. Anchors and aliases are
 * refused (manifests never need them). `file` (borrowed) names the input in messages:
 * "FILE:LINE:COL: what went wrong". On success *out is the caller's; free with sc_doc_free(). Empty
 * documents are skipped.
 */
SC_MUST_CHECK int sc_doc_parse(const char *buf, size_t len, const char *file, struct sc_doc **out,
                               struct sc_err *err);

/* Free a list of documents (NULL is fine). */
void sc_doc_free(struct sc_doc *docs);
void sc_doc_node_free(struct sc_doc_node *n);

/* The member of map `m` named `key`, or NULL (also when m is not a map). */
struct sc_doc_node *sc_doc_get(const struct sc_doc_node *m, const char *key);
/* The text of a scalar member, or NULL when absent or not a scalar. */
const char *sc_doc_get_str(const struct sc_doc_node *m, const char *key);

/* Deep copy (caller owns); aborts on out-of-memory. */
struct sc_doc_node *sc_doc_node_dup(const struct sc_doc_node *n);
/* New nodes for building trees (caller owns); abort on out-of-memory. */
struct sc_doc_node *sc_doc_node_new(enum sc_doc_type type, const char *text);
/* Append `child` (taken) to map or sequence `parent`; `key` is copied for maps. */
void sc_doc_append(struct sc_doc_node *parent, const char *key, struct sc_doc_node *child);
/* Unlink and free the member `key` of map `m`; returns true if it existed. */
bool sc_doc_remove(struct sc_doc_node *m, const char *key);
/* Unlink the member `key` of map `m` and return it (caller owns), or NULL. */
struct sc_doc_node *sc_doc_take(struct sc_doc_node *m, const char *key);

/* Convert to cJSON (caller owns; cJSON_Delete). Ints and floats become numbers, bools and
 * nulls keep their type. Returns NULL on out-of-memory. */
struct cJSON *sc_doc_to_json(const struct sc_doc_node *n);

#endif

/* check.h - the schema checker's tools, shared by the checks of each kind (internal to smi/).
 * Every check returns 0 or SC_EINVAL after recording the first failure: the field path
 * ("spec.rules[0].kind"), its line and column, and what is wrong. */
#ifndef SC_SMI_CHECK_H
#define SC_SMI_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "base/doc.h"
#include "base/err.h"
#include "smi/smi.h"

/* The checking context: the file, where the first failure goes, the current field path. */
struct sc_smi_vctx {
    const char *file;
    struct sc_smi_diag *diag; /* may be NULL */
    struct sc_err *err;
    char path[256];
};

/* Append to the field path; returns the mark that sc_smi_path_pop restores. */
size_t sc_smi_path_push(struct sc_smi_vctx *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sc_smi_path_pop(struct sc_smi_vctx *v, size_t mark);
/* Record the failure at line:col under the current path; returns SC_EINVAL. */
int sc_smi_fail_at(struct sc_smi_vctx *v, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "string", "object", ... for messages (static storage). */
const char *sc_smi_type_name(enum sc_doc_type t);
/* Mapping m has no field outside `allowed` (NULL-terminated). */
int sc_smi_check_fields(struct sc_smi_vctx *v, const struct sc_doc_node *m,
                        const char *const *allowed);
/* Field `key` of m, of type t; *out NULL when absent and not required. */
int sc_smi_get_node(struct sc_smi_vctx *v, const struct sc_doc_node *m, const char *key,
                    enum sc_doc_type t, bool required, const struct sc_doc_node **out);
/* A string field, copied into *out (caller frees; NULL when absent and not required). */
int sc_smi_get_str(struct sc_smi_vctx *v, const struct sc_doc_node *m, const char *key,
                   bool required, char **out);
/* An optional string field whose value must be one of `values` (NULL-terminated). */
int sc_smi_check_enum(struct sc_smi_vctx *v, const struct sc_doc_node *m, const char *key,
                      const char *const *values);
/* A port number 1..65535. */
int sc_smi_get_port(struct sc_smi_vctx *v, const struct sc_doc_node *n, int *out);
/* An optional list of strings, copied (caller frees). */
int sc_smi_get_str_list(struct sc_smi_vctx *v, const struct sc_doc_node *m, const char *key,
                        char ***out, size_t *nout);
/* metadata: name (a DNS name), namespace (default_ns when absent), labels, annotations. */
int sc_smi_check_metadata(struct sc_smi_vctx *v, const struct sc_doc_node *root,
                          const char *default_ns, struct sc_smi_obj *o);

/* The spec of each kind, at o->version (kinds.c). */
int sc_smi_check_traffic_target(struct sc_smi_vctx *v, const struct sc_doc_node *root,
                                struct sc_smi_obj *o);
int sc_smi_check_http_route_group(struct sc_smi_vctx *v, const struct sc_doc_node *root,
                                  struct sc_smi_obj *o);
int sc_smi_check_route(struct sc_smi_vctx *v, const struct sc_doc_node *root, struct sc_smi_obj *o);
int sc_smi_check_traffic_split(struct sc_smi_vctx *v, const struct sc_doc_node *root,
                               struct sc_smi_obj *o);

#endif

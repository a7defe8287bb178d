/* fields.h - the suite loader's field readers, shared by its files (internal to suite/).
 * Each reports a mistake as "FILE:LINE:COL: ..." in err and returns SC_EINVAL; an absent
 * optional field leaves *out as it was. */
#ifndef SC_SUITE_FIELDS_H
#define SC_SUITE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/doc.h"
#include "base/err.h"
#include "suite/suite.h"

/* Position-aware failure: "FILE:LINE:COL: ..." (line 1 without a node). */
int sc_sf_fail(struct sc_err *err, const char *file, const struct sc_doc_node *n, const char *fmt,
               ...) __attribute__((format(printf, 4, 5)));
/* Every key of map m must be one of allowed (NULL-terminated). */
int sc_sf_check_keys(const char *file, const struct sc_doc_node *m, const char *what,
                     const char *const *allowed, struct sc_err *err);
int sc_sf_get_string(const char *file, const struct sc_doc_node *m, const char *key, bool required,
                     char **out, struct sc_err *err);
int sc_sf_get_int(const char *file, const struct sc_doc_node *m, const char *key, long min,
                  long max, long *out, struct sc_err *err);
/* A non-negative finite number (v itself, not a key of it). */
int sc_sf_get_number(const char *file, const struct sc_doc_node *v, const char *what, double *out,
                     struct sc_err *err);
int sc_sf_get_bool(const char *file, const struct sc_doc_node *m, const char *key, bool *out,
                   struct sc_err *err);
int sc_sf_get_kvs(const char *file, const struct sc_doc_node *m, const char *key,
                  struct sc_kv **out, size_t *n, struct sc_err *err);
int sc_sf_get_strings(const char *file, const struct sc_doc_node *m, const char *key, char ***out,
                      size_t *n, struct sc_err *err);
void sc_sf_free_kvs(struct sc_kv *kv, size_t n);
void sc_sf_free_strings(char **s, size_t n);

#endif

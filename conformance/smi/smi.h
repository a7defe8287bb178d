/* smi.h - the SMI object model: typed objects checked against their group/kind/version schema. */
#ifndef SC_SMI_H
#define SC_SMI_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "base/doc.h"

enum sc_smi_kind {
    SC_SMI_TRAFFIC_TARGET,   /* access.smi-spec.io v1alpha1-3 */
    SC_SMI_HTTP_ROUTE_GROUP, /* specs.smi-spec.io v1alpha1-4 */
    SC_SMI_TCP_ROUTE,        /* specs.smi-spec.io v1alpha1-4 */
    SC_SMI_UDP_ROUTE,        /* specs.smi-spec.io v1alpha4 */
    SC_SMI_TRAFFIC_SPLIT,    /* split.smi-spec.io v1alpha1-4 */
    SC_SMI_KIND_COUNT
};

enum sc_smi_group { SC_SMI_ACCESS, SC_SMI_SPECS, SC_SMI_SPLIT, SC_SMI_GROUP_COUNT };

/* "TrafficTarget", ... / "access.smi-spec.io", ... (static storage). */
const char *sc_smi_kind_name(enum sc_smi_kind k);
const char *sc_smi_group_name(enum sc_smi_group g);
enum sc_smi_group sc_smi_kind_group(enum sc_smi_kind k);
/* Newest version (the N of v1alphaN) of a group; the shape suites are written in. */
int sc_smi_group_newest(enum sc_smi_group g);
/* Is version N of kind k part of the spec? */
bool sc_smi_version_exists(enum sc_smi_kind k, int version);
/* Kind from its name; -1 when unknown. */
int sc_smi_kind_parse(const char *name);

/* A ServiceAccount reference (destination, source). Namespace is filled with the object's
 * namespace when the manifest leaves it out. */
struct sc_smi_sa {
    char *name;
    char *ns;
};

/* A TrafficTarget rule (v1alpha1 calls them specs). */
struct sc_smi_rule {
    enum sc_smi_kind kind; /* HTTPRouteGroup, TCPRoute or UDPRoute */
    char *name;
    char **matches; /* names of the route group's matches; nmatches == 0 means all */
    size_t nmatches;
};

struct sc_smi_header {
    char *name; /* as written; compared case-insensitively */
    char *regex;
    regex_t re; /* unanchored search in the header value */
};

struct sc_smi_http_match {
    char *name;
    char *path_regex;    /* NULL: any path */
    regex_t path_re;     /* anchored at the start of the path (the spec) */
    regex_t path_re_any; /* the same, unanchored (only for the path-unanchored violation) */
    char **methods;      /* NULL/0: any method; "*" also means any */
    size_t nmethods;
    struct sc_smi_header *headers; /* all must match */
    size_t nheaders;
};

struct sc_smi_backend {
    char *service;
    double weight; /* v1alpha1: the quantity in units (500m = 0.5); later: the integer */
    double number; /* the weight's number as written, without a quantity suffix (500m: 500) */
};

struct sc_smi_obj {
    enum sc_smi_kind kind;
    int version; /* N of v1alphaN */
    char *name;
    char *ns;
    char *file; /* where it was read, for messages */
    int line, col;
    union {
        struct {
            struct sc_smi_sa dest;
            int dest_port; /* v1alpha1/2 destination.port; 0 = every port */
            struct sc_smi_sa *sources;
            size_t nsources;
            struct sc_smi_rule *rules;
            size_t nrules;
        } tt;
        struct {
            struct sc_smi_http_match *matches;
            size_t nmatches;
        } hrg;
        struct {
            char *match_name; /* v1alpha4 matches.name, may be NULL */
            int *ports;       /* v1alpha4 matches.ports; 0 ports = every port */
            size_t nports;
        } route; /* TCPRoute and UDPRoute */
        struct {
            char *service;
            struct sc_smi_backend *backends;
            size_t nbackends;
            char **matches; /* HTTPRouteGroup names (v1alpha3+); 0 = split everything */
            size_t nmatches;
        } ts;
    } u;
    struct sc_doc_node *doc; /* the object as written (owned) */
    struct sc_smi_obj *next; /* list link for sc_smi_parse() */
};

/* Where a schema check failed: the field path ("spec.rules[0].kind") and its position. */
struct sc_smi_diag {
    int line, col;
    char path[256];
    char msg[256];
};

/*
 * Check one document against its group/kind/version schema and build the typed object.
 * Unknown fields, missing required fields, wrong types, unknown enum values and invalid
 * regexes are errors. On failure err reads "FILE:LINE:COL: PATH: what is wrong" and, when
 * diag is not NULL, diag holds the parts. `default_ns` (borrowed, may be NULL = "default")
 * is used when metadata.namespace is absent. *out is the caller's (sc_smi_obj_free).
 */
SC_MUST_CHECK int sc_smi_obj_from_doc(const struct sc_doc_node *root, const char *file,
                                      const char *default_ns, struct sc_smi_obj **out,
                                      struct sc_smi_diag *diag, struct sc_err *err);

/* Parse a YAML stream or JSON text and check every document; all or nothing: on failure
 * no list is returned. *out is a list linked by `next` (sc_smi_obj_list_free). */
SC_MUST_CHECK int sc_smi_parse(const char *buf, size_t len, const char *file,
                               const char *default_ns, struct sc_smi_obj **out,
                               struct sc_smi_diag *diag, struct sc_err *err);

void sc_smi_obj_free(struct sc_smi_obj *o);
void sc_smi_obj_list_free(struct sc_smi_obj *list);

/* Parse a Kubernetes quantity ("1", "500m", "1.5k", "2Ki") into units. */
SC_MUST_CHECK int sc_smi_quantity_parse(const char *s, double *out);

/* Does method `m` match the match's method list ("*" or empty = any)? */
bool sc_smi_match_method(const struct sc_smi_http_match *mt, const char *m);

#endif

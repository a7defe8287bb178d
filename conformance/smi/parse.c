/* parse.c - from documents to typed SMI objects: the kind's schema at its version, checked
 * with the first failure's position (the entry points of smi.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "smi/check.h"
#include "smi/smi.h"

int sc_smi_obj_from_doc(const struct sc_doc_node *root, const char *file, const char *default_ns,
                        struct sc_smi_obj **out, struct sc_smi_diag *diag, struct sc_err *err)
{
    struct sc_smi_vctx v = {.file = file ? file : "<input>", .diag = diag, .err = err};
    const struct sc_doc_node *av, *kn;
    struct sc_smi_obj *o;
    char group[64];
    int rc, version = 0, kind;

    *out = NULL;
    if (diag)
        memset(diag, 0, sizeof(*diag));
    if (root->type != SC_DOC_MAP)
        return sc_smi_fail_at(&v, root->line, root->col, "expected an object, got %s",
                              sc_smi_type_name(root->type));
    if ((rc = sc_smi_get_node(&v, root, "apiVersion", SC_DOC_STR, true, &av)) ||
        (rc = sc_smi_get_node(&v, root, "kind", SC_DOC_STR, true, &kn)))
        return rc;
    const char *slash = strchr(av->text, '/');
    size_t glen = slash ? (size_t)(slash - av->text) : 0;
    int g = -1;
    if (slash && glen < sizeof(group)) {
        memcpy(group, av->text, glen);
        group[glen] = '\0';
        for (int i = 0; i < SC_SMI_GROUP_COUNT; i++)
            if (strcmp(group, sc_smi_group_name((enum sc_smi_group)i)) == 0)
                g = i;
        char *end;
        if (strncmp(slash + 1, "v1alpha", 7) == 0) {
            version = (int)strtol(slash + 8, &end, 10);
            if (*end != '\0' || end == slash + 8)
                version = 0;
        }
    }
    if (g < 0) {
        sc_smi_path_push(&v, "apiVersion");
        return sc_smi_fail_at(&v, av->line, av->col,
                              "unknown API group in '%s' (expected access.smi-spec.io, "
                              "specs.smi-spec.io or split.smi-spec.io)",
                              av->text);
    }
    kind = sc_smi_kind_parse(kn->text);
    if (kind < 0 || (int)sc_smi_kind_group((enum sc_smi_kind)kind) != g) {
        sc_smi_path_push(&v, "kind");
        return sc_smi_fail_at(&v, kn->line, kn->col, "unknown kind '%s' in %s", kn->text, group);
    }
    if (!sc_smi_version_exists((enum sc_smi_kind)kind, version)) {
        sc_smi_path_push(&v, "apiVersion");
        return sc_smi_fail_at(&v, av->line, av->col, "%s has no version '%s'", kn->text, slash + 1);
    }
    o = sc_xcalloc(1, sizeof(*o));
    o->kind = (enum sc_smi_kind)kind;
    o->version = version;
    o->file = sc_xstrdup(v.file);
    o->line = root->line;
    o->col = root->col;
    if ((rc = sc_smi_check_metadata(&v, root, default_ns, o)))
        goto out_free;
    switch (o->kind) {
    case SC_SMI_TRAFFIC_TARGET:
        rc = sc_smi_check_traffic_target(&v, root, o);
        break;
    case SC_SMI_HTTP_ROUTE_GROUP:
        rc = sc_smi_check_http_route_group(&v, root, o);
        break;
    case SC_SMI_TCP_ROUTE:
    case SC_SMI_UDP_ROUTE:
        rc = sc_smi_check_route(&v, root, o);
        break;
    case SC_SMI_TRAFFIC_SPLIT:
        rc = sc_smi_check_traffic_split(&v, root, o);
        break;
    default:
        rc = SC_EINVAL;
    }
    if (rc)
        goto out_free;
    o->doc = sc_doc_node_dup(root);
    *out = o;
    return 0;
out_free:
    sc_smi_obj_free(o);
    return rc;
}

int sc_smi_parse(const char *buf, size_t len, const char *file, const char *default_ns,
                 struct sc_smi_obj **out, struct sc_smi_diag *diag, struct sc_err *err)
{
    struct sc_doc *docs = NULL;
    struct sc_smi_obj *head = NULL, **tail = &head;
    int rc;

    *out = NULL;
    if (diag)
        memset(diag, 0, sizeof(*diag));
    rc = sc_doc_parse(buf, len, file, &docs, err);
    if (rc)
        return rc;
    for (struct sc_doc *d = docs; d; d = d->next) {
        rc = sc_smi_obj_from_doc(d->root, file, default_ns, tail, diag, err);
        if (rc) {
            sc_smi_obj_list_free(head);
            head = NULL;
            break;
        }
        tail = &(*tail)->next;
    }
    sc_doc_free(docs);
    if (rc == 0 && head == NULL)
        rc = sc_err_set(err, SC_EINVAL, "%s: no objects", file ? file : "<input>");
    *out = head;
    return rc;
}

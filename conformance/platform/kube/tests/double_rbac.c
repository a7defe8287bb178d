/* double_rbac.c - the double's authoriser: RBAC rules from a manifest, as kube-apiserver applies
 * them, and SelfSubjectAccessReview.
 *
 * Read against kube-apiserver (staging/src/k8s.io/apiserver/pkg/...):
 * - endpoints/request/requestinfo.go NewRequestInfo: the attributes of a request. Fewer than
 *   three path segments, or /apis/GROUP[/VERSION], is a non-resource request whose verb is the
 *   lower-case method; otherwise POST = create, GET/HEAD = get, PUT = update, PATCH = patch,
 *   DELETE = delete; a GET without a name is list, or watch with ?watch (not false/0); a DELETE
 *   without a name is deletecollection; /namespaces/NS/RES... makes RES the resource unless RES
 *   is a namespace subresource (status, finalize); the third part is the subresource.
 * - plugin/pkg/auth/authorizer/rbac/rbac.go RuleAllows and rbac/v1 helpers: a rule allows when
 *   verb, API group, resource ("RES/SUB", "*" or "* /SUB") and resourceNames match; a
 *   non-resource request matches nonResourceURLs exactly, by "*" or by a "PREFIX*".
 * - endpoints/handlers/patch.go: a server-side apply that creates its object is authorised
 *   again as "create" (createAuthorizerAttributes); refused, the answer is
 *   `RES "NAME" is forbidden: ` and the authoriser's reason, empty for RBAC's no-opinion
 *   (rest.go withAuthorization).
 * - endpoints/handlers/responsewriters/errors.go forbiddenMessage, and apimachinery's
 *   errors.NewForbidden: the 403 Status message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/doc.h"

#include "double_state.h"

/* A request's authorisation attributes. */
struct dbl_attrs {
    bool resource;
    char verb[24], group[64], ns[128], res[64], sub[64], name[256];
    const char *path;
};

/* Copy src into dst, cut to len - 1 bytes (a path segment longer than a field is cut). */
static void copy(char *dst, size_t len, const char *src)
{
    size_t n = strlen(src);
    if (n >= len)
        n = len - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* requestinfo.go NewRequestInfo, for the paths the double serves. */
static void attrs_of(const char *method, const char *path, const char *watch, struct dbl_attrs *a)
{
    char segs[16][256];
    int n = 0, i;

    memset(a, 0, sizeof(*a));
    a->path = path;
    for (const char *p = path; *p == '/' && p[1] != '\0' && n < 16;) {
        size_t l = strcspn(p + 1, "/");
        size_t k = l < sizeof(segs[0]) ? l : 0; /* longer than any name: no match */
        memcpy(segs[n], p + 1, k);
        segs[n++][k] = '\0';
        p += 1 + l;
    }
    for (i = 0; method[i] && i < (int)sizeof(a->verb) - 1; i++)
        a->verb[i] = (char)(method[i] >= 'A' && method[i] <= 'Z' ? method[i] + 32 : method[i]);
    if (n < 3 || (strcmp(segs[0], "api") != 0 && strcmp(segs[0], "apis") != 0) ||
        (strcmp(segs[0], "apis") == 0 && n < 4))
        return; /* non-resource */
    a->resource = true;
    i = 1;
    if (strcmp(segs[0], "apis") == 0)
        copy(a->group, sizeof(a->group), segs[i++]);
    i++; /* the version */
    if (strcmp(segs[i], "proxy") == 0 || strcmp(segs[i], "watch") == 0)
        copy(a->verb, sizeof(a->verb), segs[i++]);
    else if (strcmp(method, "POST") == 0)
        copy(a->verb, sizeof(a->verb), "create");
    else if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
        copy(a->verb, sizeof(a->verb), "get");
    else if (strcmp(method, "PUT") == 0)
        copy(a->verb, sizeof(a->verb), "update");
    else if (strcmp(method, "PATCH") == 0)
        copy(a->verb, sizeof(a->verb), "patch");
    else if (strcmp(method, "DELETE") == 0)
        copy(a->verb, sizeof(a->verb), "delete");
    else
        a->verb[0] = '\0';
    if (i < n && strcmp(segs[i], "namespaces") == 0 && i + 1 < n) {
        copy(a->ns, sizeof(a->ns), segs[i + 1]);
        if (i + 2 < n && strcmp(segs[i + 2], "status") != 0 && strcmp(segs[i + 2], "finalize") != 0)
            i += 2;
    }
    if (n - i >= 3 && strcmp(a->verb, "proxy") != 0)
        copy(a->sub, sizeof(a->sub), segs[i + 2]);
    if (n - i >= 2)
        copy(a->name, sizeof(a->name), segs[i + 1]);
    if (n - i >= 1)
        copy(a->res, sizeof(a->res), segs[i]);
    if (a->name[0] == '\0' && strcmp(a->verb, "get") == 0)
        copy(a->verb, sizeof(a->verb),
             watch != NULL && strcmp(watch, "false") != 0 && strcmp(watch, "0") != 0 ? "watch"
                                                                                     : "list");
    if (a->name[0] == '\0' && strcmp(a->verb, "delete") == 0)
        copy(a->verb, sizeof(a->verb), "deletecollection");
}

/* An item of a rule's string list equals s, or is "*". */
static bool listed(const cJSON *rule, const char *key, const char *s)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(rule, key))
    {
        const char *v = cJSON_GetStringValue(it);
        if (v != NULL && (strcmp(v, "*") == 0 || strcmp(v, s) == 0))
            return true;
    }
    return false;
}

/* rbac/v1 helpers ResourceMatches, ResourceNameMatches and NonResourceURLMatches. */
static bool rule_allows(const cJSON *rule, const struct dbl_attrs *a)
{
    const cJSON *it, *names = cJSON_GetObjectItemCaseSensitive(rule, "resourceNames");
    char combined[140];
    bool res = false, named = cJSON_GetArraySize(names) == 0;

    if (!listed(rule, "verbs", a->verb))
        return false;
    if (!a->resource) {
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(rule, "nonResourceURLs"))
        {
            const char *u = cJSON_GetStringValue(it);
            size_t ul = u ? strlen(u) : 0;
            if (u != NULL && (strcmp(u, "*") == 0 || strcmp(u, a->path) == 0 ||
                              (ul > 0 && u[ul - 1] == '*' && strncmp(u, a->path, ul - 1) == 0)))
                return true;
        }
        return false;
    }
    if (!listed(rule, "apiGroups", a->group))
        return false;
    snprintf(combined, sizeof(combined), "%s%s%s", a->res, a->sub[0] ? "/" : "", a->sub);
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(rule, "resources"))
    {
        const char *v = cJSON_GetStringValue(it);
        res = res || (v != NULL &&
                      (strcmp(v, "*") == 0 || strcmp(v, combined) == 0 ||
                       (a->sub[0] && strncmp(v, "*/", 2) == 0 && strcmp(v + 2, a->sub) == 0)));
    }
    cJSON_ArrayForEach(it, names)
    {
        named = named || (cJSON_GetStringValue(it) != NULL &&
                          strcmp(cJSON_GetStringValue(it), a->name) == 0);
    }
    return res && named;
}

static bool allowed(const struct sc_kube_double *d, const struct dbl_attrs *a)
{
    const cJSON *rule;
    cJSON_ArrayForEach(rule, d->rbac_rules)
    {
        if (rule_allows(rule, a))
            return true;
    }
    return false;
}

/* errors.go forbiddenMessage. */
static void forbidden_message(const struct sc_kube_double *d, const struct dbl_attrs *a, char *buf,
                              size_t len)
{
    if (!a->resource)
        snprintf(buf, len, "User \"%s\" cannot %s path \"%s\"", d->rbac_user, a->verb, a->path);
    else if (a->ns[0])
        snprintf(buf, len,
                 "User \"%s\" cannot %s resource \"%s%s%s\" in API group \"%s\" in the namespace "
                 "\"%s\"",
                 d->rbac_user, a->verb, a->res, a->sub[0] ? "/" : "", a->sub, a->group, a->ns);
    else
        snprintf(buf, len,
                 "User \"%s\" cannot %s resource \"%s%s%s\" in API group \"%s\" at the cluster "
                 "scope",
                 d->rbac_user, a->verb, a->res, a->sub[0] ? "/" : "", a->sub, a->group);
}

/* apimachinery errors.NewForbidden: a 403 Status whose message leads with the resource. */
static void refuse(struct sc_kube_double *d, const struct dbl_attrs *a, const char *why,
                   struct dbl_resp *r)
{
    cJSON *j;
    char msg[1400], gr[140];

    snprintf(gr, sizeof(gr), "%s%s%s", a->res, a->group[0] ? "." : "", a->group);
    if (!a->resource)
        snprintf(msg, sizeof(msg), "forbidden: %s", why);
    else if (a->name[0] == '\0')
        snprintf(msg, sizeof(msg), "%s is forbidden: %s", gr, why);
    else
        snprintf(msg, sizeof(msg), "%s \"%s\" is forbidden: %s", gr, a->name, why);
    j = sc_dbl_forbidden(msg, a->name, a->group, a->res);
    sc_dbl_json(r, 403, j);
    cJSON_Delete(j);
    snprintf(d->last_forbidden, sizeof(d->last_forbidden), "%s", msg);
    d->forbidden++;
}

bool sc_dbl_authorize(struct sc_kube_double *d, const struct dbl_req *q, struct dbl_resp *r)
{
    struct dbl_attrs a;
    char watch[16], why[1000];

    if (d->rbac_rules == NULL)
        return true;
    attrs_of(q->method, q->path, sc_dbl_qparam(q, "watch", watch, sizeof(watch)), &a);
    if (!allowed(d, &a)) {
        forbidden_message(d, &a, why, sizeof(why));
        refuse(d, &a, why, r);
        return false;
    }
    /* patch.go: an apply that creates is authorised as create too; RBAC gives no reason. */
    if (a.resource && strcmp(a.verb, "patch") == 0 &&
        strncmp(q->ctype, "application/apply-patch", 23) == 0 && sc_dbl_find(d, q->path) == NULL) {
        copy(a.verb, sizeof(a.verb), "create");
        if (!allowed(d, &a)) {
            refuse(d, &a, "", r);
            return false;
        }
    }
    return true;
}

/* A string member of a spec's attributes ("" when absent). */
static const char *member(const cJSON *o, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    return s ? s : "";
}

void sc_dbl_ssar(struct sc_kube_double *d, const struct dbl_req *q, struct dbl_resp *r)
{
    cJSON *j = q->body ? cJSON_Parse(q->body) : NULL, *spec, *ra, *na, *st;
    struct dbl_attrs a;
    bool ok;

    spec = cJSON_GetObjectItemCaseSensitive(j, "spec");
    ra = cJSON_GetObjectItemCaseSensitive(spec, "resourceAttributes");
    na = cJSON_GetObjectItemCaseSensitive(spec, "nonResourceAttributes");
    if (strcmp(q->method, "POST") != 0 || (ra == NULL) == (na == NULL)) {
        sc_dbl_status(
            r, 400, "BadRequest",
            "exactly one of nonResourceAttributes or resourceAttributes must be specified");
        cJSON_Delete(j);
        return;
    }
    memset(&a, 0, sizeof(a));
    a.resource = ra != NULL;
    a.path = member(na, "path");
    copy(a.verb, sizeof(a.verb), member(ra ? ra : na, "verb"));
    copy(a.group, sizeof(a.group), member(ra, "group"));
    copy(a.ns, sizeof(a.ns), member(ra, "namespace"));
    copy(a.res, sizeof(a.res), member(ra, "resource"));
    copy(a.sub, sizeof(a.sub), member(ra, "subresource"));
    copy(a.name, sizeof(a.name), member(ra, "name"));
    ok = d->rbac_rules == NULL || allowed(d, &a);
    st = cJSON_AddObjectToObject(j, "status");
    cJSON_AddBoolToObject(st, "allowed", ok);
    if (ok)
        cJSON_AddStringToObject(st, "reason", "RBAC: allowed by ClusterRoleBinding");
    sc_dbl_json(r, 201, j);
    cJSON_Delete(j);
}

/* The rules of the ClusterRoles that the ClusterRoleBindings in docs bind to user. */
static cJSON *bound_rules(struct sc_doc *docs, const char *user)
{
    cJSON *roles = cJSON_CreateArray(), *rules = cJSON_CreateArray(), *o, *b;
    for (struct sc_doc *doc = docs; doc; doc = doc->next)
        if ((o = sc_doc_to_json(doc->root)) != NULL)
            cJSON_AddItemToArray(roles, o);
    cJSON_ArrayForEach(b, roles)
    {
        const cJSON *s, *role;
        const char *ref;
        bool bound = false;
        if (strcmp(member(b, "kind"), "ClusterRoleBinding") != 0)
            continue;
        cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(b, "subjects"))
        {
            char who[400];
            if (strcmp(member(s, "kind"), "ServiceAccount") == 0)
                snprintf(who, sizeof(who), "system:serviceaccount:%s:%s", member(s, "namespace"),
                         member(s, "name"));
            else
                snprintf(who, sizeof(who), "%s", member(s, "name"));
            bound = bound || strcmp(who, user) == 0;
        }
        ref = member(cJSON_GetObjectItemCaseSensitive(b, "roleRef"), "name");
        cJSON_ArrayForEach(role, roles)
        {
            const cJSON *rule;
            if (!bound || strcmp(member(role, "kind"), "ClusterRole") != 0 ||
                strcmp(member(cJSON_GetObjectItemCaseSensitive(role, "metadata"), "name"), ref) !=
                    0)
                continue;
            cJSON_ArrayForEach(rule, cJSON_GetObjectItemCaseSensitive(role, "rules"))
            {
                cJSON_AddItemToArray(rules, cJSON_Duplicate(rule, 1));
            }
        }
    }
    cJSON_Delete(roles);
    return rules;
}

int sc_kube_double_rbac_rules_in(const char *yaml, const char *user, cJSON **out,
                                 struct sc_err *err)
{
    struct sc_doc *docs = NULL;
    int rc = sc_doc_parse(yaml, strlen(yaml), "rbac manifest", &docs, err);
    if (rc != 0)
        return rc;
    *out = bound_rules(docs, user);
    sc_doc_free(docs);
    return 0;
}

int sc_kube_double_rbac(struct sc_kube_double *d, const char *yaml, const char *user, int drop,
                        struct sc_err *err)
{
    cJSON *rules = NULL;
    int rc = sc_kube_double_rbac_rules_in(yaml, user, &rules, err);
    if (rc != 0)
        return rc;
    if (drop >= 0)
        cJSON_DeleteItemFromArray(rules, drop);
    SC_ASSERT_OK(pthread_mutex_lock(&d->mu));
    cJSON_Delete(d->rbac_rules);
    d->rbac_rules = rules;
    free(d->rbac_user);
    d->rbac_user = sc_dbl_strdup(user);
    SC_ASSERT_OK(pthread_mutex_unlock(&d->mu));
    return 0;
}

unsigned sc_kube_double_forbidden(struct sc_kube_double *d, char *last, size_t len)
{
    unsigned n;
    SC_ASSERT_OK(pthread_mutex_lock(&d->mu));
    n = d->forbidden;
    if (last != NULL)
        snprintf(last, len, "%s", d->last_forbidden);
    SC_ASSERT_OK(pthread_mutex_unlock(&d->mu));
    return n;
}

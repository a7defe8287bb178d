/* kubeconfig.c - kubeconfig files (merged like kubectl) and in-cluster configuration. */
#include "platform/kube/kubeconfig.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "base/util.h"
#include "base/doc.h"

#define MAX_FILES 32

/* One file of the merge. */
struct kfile {
    char *path;
    char *dir; /* relative paths inside the file are resolved against it */
    struct sc_doc *doc;
};

static bool is_scalar(const struct sc_doc_node *n)
{
    return n != NULL && n->type != SC_DOC_MAP && n->type != SC_DOC_SEQ;
}

/* "FILE:LINE:COL: FIELD: message" at node n (or the file alone when n is NULL). */
static int field_err(const struct kfile *f, const struct sc_doc_node *n, const char *field,
                     struct sc_err *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int field_err(const struct kfile *f, const struct sc_doc_node *n, const char *field,
                     struct sc_err *err, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n != NULL)
        return sc_err_set(err, SC_EINVAL, "%s:%d:%d: %s: %s", f->path, n->line, n->col, field, msg);
    return sc_err_set(err, SC_EINVAL, "%s: %s: %s", f->path, field, msg);
}

bool sc_kube_base64_decode(const char *in, char **out, size_t *len)
{
    size_t cap = strlen(in) / 4 * 3 + 4, n = 0;
    unsigned char *buf = malloc(cap + 1);
    unsigned acc = 0;
    int bits = 0, pad = 0;

    if (buf == NULL)
        abort();
    for (const char *p = in; *p; p++) {
        int v;
        char c = *p;
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad > 0)
            goto bad; /* data after padding */
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+')
            v = 62;
        else if (c == '/')
            v = 63;
        else
            goto bad;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[n++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* Leftover bits must be zero padding of a 2- or 3-character group. */
    if (bits >= 6 || pad > 2 || acc != 0)
        goto bad;
    buf[n] = '\0';
    *out = (char *)buf;
    *len = n;
    return true;
bad:
    free(buf);
    *out = NULL;
    *len = 0;
    return false;
}

static char *resolve_path(const struct kfile *f, const char *p)
{
    char buf[4096];
    if (p[0] == '~' && p[1] == '/' && getenv("HOME")) {
        snprintf(buf, sizeof(buf), "%s/%s", getenv("HOME"), p + 2);
        return sc_xstrdup(buf);
    }
    if (p[0] == '/' || f == NULL)
        return sc_xstrdup(p);
    while (p[0] == '.' && p[1] == '/')
        p += 2;
    snprintf(buf, sizeof(buf), "%s/%s", f->dir, p);
    return sc_xstrdup(buf);
}

enum pem_kind { PEM_CA, PEM_CERT, PEM_KEY };

static bool pem_ok(const char *data, size_t len, enum pem_kind kind)
{
    BIO *b = BIO_new_mem_buf(data, (int)len);
    bool ok = false;
    if (b == NULL)
        return false;
    if (kind == PEM_KEY) {
        EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
        ok = k != NULL;
        EVP_PKEY_free(k);
    } else {
        X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
        ok = x != NULL;
        X509_free(x);
    }
    BIO_free_all(b);
    ERR_clear_error();
    return ok;
}

/*
 * PEM material from `KEY-data` (base64, wins like in client-go) or `KEY` (a file). *out is
 * left NULL when neither is set. `what` names the entry for messages ("users[alice].user").
 */
static int load_pem(const struct kfile *f, const struct sc_doc_node *m, const char *key,
                    const char *what, enum pem_kind kind, char **out, struct sc_err *err)
{
    char dkey[64], field[256];
    const struct sc_doc_node *d, *p;
    char *data = NULL;
    size_t len = 0;
    static const char *const kinds[] = {"a PEM certificate", "a PEM certificate",
                                        "a PEM private key"};

    *out = NULL;
    snprintf(dkey, sizeof(dkey), "%s-data", key);
    d = sc_doc_get(m, dkey);
    p = sc_doc_get(m, key);
    if (d != NULL && d->type != SC_DOC_NULL) {
        snprintf(field, sizeof(field), "%s.%s", what, dkey);
        if (!is_scalar(d))
            return field_err(f, d, field, err, "expected base64 text");
        if (!sc_kube_base64_decode(d->text, &data, &len))
            return field_err(f, d, field, err, "invalid base64");
        if (!pem_ok(data, len, kind)) {
            free(data);
            return field_err(f, d, field, err, "not %s", kinds[kind]);
        }
        *out = data;
        return 0;
    }
    if (p != NULL && p->type != SC_DOC_NULL) {
        char *path;
        struct sc_err e2;
        snprintf(field, sizeof(field), "%s.%s", what, key);
        if (!is_scalar(p))
            return field_err(f, p, field, err, "expected a file name");
        path = resolve_path(f, p->text);
        sc_err_init(&e2);
        if (sc_file_read(path, SC_KUBE_MAX_FILE, &data, &len, &e2) != 0) {
            free(path);
            return field_err(f, p, field, err, "%s", e2.msg);
        }
        if (!pem_ok(data, len, kind)) {
            free(data);
            field_err(f, p, field, err, "'%s' is not %s", path, kinds[kind]);
            free(path);
            return SC_EINVAL;
        }
        free(path);
        *out = data;
    }
    return 0;
}

/* Parse one file; a missing file is SC_ENOTFOUND (the caller decides if that is fatal). */
static int load_file(const char *path, struct kfile *f, struct sc_err *err)
{
    char *text = NULL, *slash;
    size_t len = 0;
    int rc;

    memset(f, 0, sizeof(*f));
    rc = sc_file_read(path, SC_KUBE_MAX_FILE, &text, &len, err);
    if (rc != 0)
        return rc;
    f->path = sc_xstrdup(path);
    f->dir = sc_xstrdup(path);
    slash = strrchr(f->dir, '/');
    if (slash)
        *slash = '\0';
    else
        strcpy(f->dir, ".");
    rc = sc_doc_parse(text, len, path, &f->doc, err);
    free(text);
    if (rc != 0)
        return rc;
    if (f->doc && f->doc->root && f->doc->root->type != SC_DOC_MAP)
        return field_err(f, f->doc->root, "kubeconfig", err, "expected a mapping");
    return 0;
}

static void kfile_release(struct kfile *f)
{
    free(f->path);
    free(f->dir);
    sc_doc_free(f->doc);
}

static const struct sc_doc_node *root_of(const struct kfile *f)
{
    return f->doc ? f->doc->root : NULL;
}

/*
 * The first entry named `name` in list `list` ("clusters") over the files, in merge order;
 * returns its inner map (`inner`, e.g. "cluster") and the file it came from.
 */
static int find_named(struct kfile *files, size_t nfiles, const char *list, const char *inner,
                      const char *name, const struct sc_doc_node **out, struct kfile **from,
                      struct sc_err *err)
{
    *out = NULL;
    for (size_t i = 0; i < nfiles; i++) {
        const struct sc_doc_node *l = sc_doc_get(root_of(&files[i]), list);
        if (l == NULL || l->type == SC_DOC_NULL)
            continue;
        if (l->type != SC_DOC_SEQ)
            return field_err(&files[i], l, list, err, "expected a list");
        for (const struct sc_doc_node *e = l->child; e; e = e->next) {
            const char *n = sc_doc_get_str(e, "name");
            const struct sc_doc_node *in;
            if (e->type != SC_DOC_MAP)
                return field_err(&files[i], e, list, err, "expected a mapping with a name");
            if (n == NULL || strcmp(n, name) != 0)
                continue;
            in = sc_doc_get(e, inner);
            if (in == NULL || in->type != SC_DOC_MAP) {
                char field[512];
                snprintf(field, sizeof(field), "%s[%s].%s", list, name, inner);
                return field_err(&files[i], in ? in : e, field, err, "expected a mapping");
            }
            *out = in;
            *from = &files[i];
            return 0;
        }
    }
    return 0;
}

static int get_string(const struct kfile *f, const struct sc_doc_node *m, const char *key,
                      const char *what, char **out, struct sc_err *err)
{
    const struct sc_doc_node *n = sc_doc_get(m, key);
    *out = NULL;
    if (n == NULL || n->type == SC_DOC_NULL)
        return 0;
    if (!is_scalar(n)) {
        char field[512];
        snprintf(field, sizeof(field), "%s.%s", what, key);
        return field_err(f, n, field, err, "expected a string");
    }
    *out = sc_xstrdup(n->text);
    return 0;
}

static int get_bool(const struct kfile *f, const struct sc_doc_node *m, const char *key,
                    const char *what, bool *out, struct sc_err *err)
{
    const struct sc_doc_node *n = sc_doc_get(m, key);
    if (n == NULL || n->type == SC_DOC_NULL)
        return 0;
    if (n->type != SC_DOC_BOOL) {
        char field[512];
        snprintf(field, sizeof(field), "%s.%s", what, key);
        return field_err(f, n, field, err, "expected true or false");
    }
    *out = strcmp(n->text, "true") == 0 || strcmp(n->text, "True") == 0 ||
           strcmp(n->text, "TRUE") == 0;
    return 0;
}

static char **string_list(const struct kfile *f, const struct sc_doc_node *l, const char *field,
                          struct sc_err *err, int *rc)
{
    char **v;
    size_t i = 0;
    *rc = 0;
    if (l == NULL || l->type == SC_DOC_NULL)
        return sc_xcalloc(1, sizeof(char *));
    if (l->type != SC_DOC_SEQ) {
        *rc = field_err(f, l, field, err, "expected a list of strings");
        return NULL;
    }
    v = sc_xcalloc(l->n + 1, sizeof(char *));
    for (const struct sc_doc_node *e = l->child; e; e = e->next) {
        if (!is_scalar(e)) {
            for (size_t k = 0; k < i; k++)
                free(v[k]);
            free(v);
            *rc = field_err(f, e, field, err, "expected a string");
            return NULL;
        }
        v[i++] = sc_xstrdup(e->text ? e->text : "");
    }
    return v;
}

static void free_strv(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static void exec_free(struct sc_kube_exec *x)
{
    if (x == NULL)
        return;
    free(x->api_version);
    free(x->command);
    free_strv(x->args);
    free_strv(x->env);
    free(x->install_hint);
    free(x);
}

static int load_exec(const struct kfile *f, const struct sc_doc_node *m, const char *what,
                     struct sc_kube_exec **out, struct sc_err *err)
{
    struct sc_kube_exec *x = sc_xcalloc(1, sizeof(*x));
    const struct sc_doc_node *env = sc_doc_get(m, "env");
    const struct sc_doc_node *mode = sc_doc_get(m, "interactiveMode");
    char field[512];
    int rc;

    if ((rc = get_string(f, m, "apiVersion", what, &x->api_version, err)) != 0 ||
        (rc = get_string(f, m, "command", what, &x->command, err)) != 0 ||
        (rc = get_string(f, m, "installHint", what, &x->install_hint, err)) != 0 ||
        (rc = get_bool(f, m, "provideClusterInfo", what, &x->provide_cluster_info, err)) != 0)
        goto fail;
    if (x->api_version == NULL) {
        snprintf(field, sizeof(field), "%s.apiVersion", what);
        rc = field_err(f, m, field, err, "missing (client.authentication.k8s.io/v1 or v1beta1)");
        goto fail;
    }
    if (strcmp(x->api_version, "client.authentication.k8s.io/v1") != 0 &&
        strcmp(x->api_version, "client.authentication.k8s.io/v1beta1") != 0) {
        snprintf(field, sizeof(field), "%s.apiVersion", what);
        rc = field_err(f, sc_doc_get(m, "apiVersion"), field, err,
                       "'%s' is not supported (client.authentication.k8s.io/v1 or v1beta1)",
                       x->api_version);
        goto fail;
    }
    if (x->command == NULL || x->command[0] == '\0') {
        snprintf(field, sizeof(field), "%s.command", what);
        rc = field_err(f, m, field, err, "missing");
        goto fail;
    }
    /* client-go: v1 must say how interactive the plugin may be; we never are. */
    if (strcmp(x->api_version, "client.authentication.k8s.io/v1") == 0 &&
        (mode == NULL || !is_scalar(mode))) {
        snprintf(field, sizeof(field), "%s.interactiveMode", what);
        rc = field_err(f, m, field, err, "must be set (Never, IfAvailable or Always) for v1");
        goto fail;
    }
    if (mode != NULL && is_scalar(mode) && strcmp(mode->text, "Always") == 0) {
        snprintf(field, sizeof(field), "%s.interactiveMode", what);
        rc = field_err(f, mode, field, err,
                       "Always needs a terminal; the harness runs unattended (use IfAvailable)");
        goto fail;
    }
    if (strchr(x->command, '/') != NULL && x->command[0] != '/') {
        char *abs = resolve_path(f, x->command);
        free(x->command);
        x->command = abs;
    }
    snprintf(field, sizeof(field), "%s.args", what);
    x->args = string_list(f, sc_doc_get(m, "args"), field, err, &rc);
    if (rc != 0)
        goto fail;
    snprintf(field, sizeof(field), "%s.env", what);
    if (env != NULL && env->type != SC_DOC_NULL && env->type != SC_DOC_SEQ) {
        rc = field_err(f, env, field, err, "expected a list of {name, value}");
        goto fail;
    }
    x->env = sc_xcalloc((env ? env->n : 0) + 1, sizeof(char *));
    if (env != NULL && env->type == SC_DOC_SEQ) {
        size_t i = 0;
        for (const struct sc_doc_node *e = env->child; e; e = e->next) {
            const char *n = sc_doc_get_str(e, "name"), *v = sc_doc_get_str(e, "value");
            size_t len;
            if (n == NULL || n[0] == '\0' || strchr(n, '=') != NULL) {
                rc = field_err(f, e, field, err, "each entry needs a name (without '=')");
                goto fail;
            }
            len = strlen(n) + strlen(v ? v : "") + 2;
            x->env[i] = malloc(len);
            if (x->env[i] == NULL)
                abort();
            snprintf(x->env[i++], len, "%s=%s", n, v ? v : "");
        }
    }
    *out = x;
    return 0;
fail:
    exec_free(x);
    return rc;
}

void sc_kube_config_free(struct sc_kube_config *c)
{
    if (c == NULL)
        return;
    free(c->origin);
    free(c->context);
    free(c->server);
    free(c->tls_server_name);
    free(c->proxy_url);
    free(c->ca_pem);
    free(c->cert_pem);
    if (c->key_pem)
        memset(c->key_pem, 0, strlen(c->key_pem));
    free(c->key_pem);
    if (c->token)
        memset(c->token, 0, strlen(c->token));
    free(c->token);
    free(c->token_file);
    free(c->username);
    if (c->password)
        memset(c->password, 0, strlen(c->password));
    free(c->password);
    exec_free(c->exec);
    free(c->ns);
    free(c);
}

/* The cluster entry `name`: server, TLS settings and certificate authority into c. */
static int resolve_cluster(struct kfile *files, size_t nfiles, const struct kfile *cf,
                           const struct sc_doc_node *ctx, const char *name,
                           struct sc_kube_config *c, struct sc_err *err)
{
    const struct sc_doc_node *cl = NULL;
    struct kfile *clf = NULL;
    char what[300], field[400];
    int rc;

    rc = find_named(files, nfiles, "clusters", "cluster", name, &cl, &clf, err);
    if (rc != 0)
        return rc;
    if (cl == NULL)
        return field_err(cf, sc_doc_get(ctx, "cluster"), "cluster", err,
                         "cluster '%s' is not defined", name);
    snprintf(what, sizeof(what), "clusters[%s].cluster", name);
    if ((rc = get_string(clf, cl, "server", what, &c->server, err)) != 0 ||
        (rc = get_string(clf, cl, "tls-server-name", what, &c->tls_server_name, err)) != 0 ||
        (rc = get_string(clf, cl, "proxy-url", what, &c->proxy_url, err)) != 0 ||
        (rc = get_bool(clf, cl, "insecure-skip-tls-verify", what, &c->insecure, err)) != 0 ||
        (rc = load_pem(clf, cl, "certificate-authority", what, PEM_CA, &c->ca_pem, err)) != 0)
        return rc;
    snprintf(field, sizeof(field), "%s.server", what);
    if (c->server == NULL || c->server[0] == '\0')
        return field_err(clf, cl, field, err, "missing");
    if (strncmp(c->server, "https://", 8) != 0 && strncmp(c->server, "http://", 7) != 0)
        return field_err(clf, sc_doc_get(cl, "server"), field, err, "'%s' is not an http(s) URL",
                         c->server);
    if (c->insecure && c->ca_pem != NULL) {
        /* client-go refuses the combination: which of the two was meant is unclear. */
        snprintf(field, sizeof(field), "%s.insecure-skip-tls-verify", what);
        return field_err(clf, sc_doc_get(cl, "insecure-skip-tls-verify"), field, err,
                         "cannot be combined with a certificate authority");
    }
    return 0;
}

/* The user entry `name`: token, basic, client certificate or exec plugin into c. */
static int resolve_user(struct kfile *files, size_t nfiles, const struct kfile *cf,
                        const struct sc_doc_node *ctx, const char *name, struct sc_kube_config *c,
                        struct sc_err *err)
{
    const struct sc_doc_node *us = NULL, *ex;
    struct kfile *uf = NULL;
    char what[300], field[400];
    int rc;

    rc = find_named(files, nfiles, "users", "user", name, &us, &uf, err);
    if (rc != 0)
        return rc;
    if (us == NULL)
        return field_err(cf, sc_doc_get(ctx, "user"), "user", err, "user '%s' is not defined",
                         name);
    snprintf(what, sizeof(what), "users[%s].user", name);
    if (sc_doc_get(us, "auth-provider") != NULL) {
        snprintf(field, sizeof(field), "%s.auth-provider", what);
        return field_err(uf, sc_doc_get(us, "auth-provider"), field, err,
                         "auth-provider plugins were removed from kubectl; use an exec plugin");
    }
    if ((rc = get_string(uf, us, "token", what, &c->token, err)) != 0 ||
        (rc = get_string(uf, us, "tokenFile", what, &c->token_file, err)) != 0 ||
        (rc = get_string(uf, us, "username", what, &c->username, err)) != 0 ||
        (rc = get_string(uf, us, "password", what, &c->password, err)) != 0 ||
        (rc = load_pem(uf, us, "client-certificate", what, PEM_CERT, &c->cert_pem, err)) != 0 ||
        (rc = load_pem(uf, us, "client-key", what, PEM_KEY, &c->key_pem, err)) != 0)
        return rc;
    if (c->token_file != NULL) {
        char *abs = resolve_path(uf, c->token_file);
        free(c->token_file);
        c->token_file = abs;
    }
    if ((c->cert_pem == NULL) != (c->key_pem == NULL)) {
        snprintf(field, sizeof(field), "%s.%s", what,
                 c->cert_pem ? "client-key" : "client-certificate");
        return field_err(uf, us, field, err, "missing (a client certificate needs its key)");
    }
    ex = sc_doc_get(us, "exec");
    if (ex == NULL || ex->type == SC_DOC_NULL)
        return 0;
    snprintf(field, sizeof(field), "%s.exec", what);
    if (ex->type != SC_DOC_MAP)
        return field_err(uf, ex, field, err, "expected a mapping");
    return load_exec(uf, ex, field, &c->exec, err);
}

static int resolve(struct kfile *files, size_t nfiles, const char *context,
                   struct sc_kube_config *c, struct sc_err *err)
{
    const struct sc_doc_node *ctx = NULL;
    struct kfile *cf = NULL;
    char *cluster_name = NULL, *user_name = NULL, what[300], origin[1024];
    const char *name = context;
    int rc;

    if (name == NULL || name[0] == '\0') {
        for (size_t i = 0; i < nfiles && name == NULL; i++) {
            const char *cc = sc_doc_get_str(root_of(&files[i]), "current-context");
            if (cc != NULL && cc[0] != '\0')
                name = cc;
        }
        if (name == NULL)
            return sc_err_set(err, SC_EINVAL, "%s: no current-context is set; pass --context NAME",
                              files[0].path);
    }
    rc = find_named(files, nfiles, "contexts", "context", name, &ctx, &cf, err);
    if (rc != 0)
        return rc;
    if (ctx == NULL) {
        char list[512] = "";
        for (size_t i = 0; i < nfiles; i++)
            snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
                     files[i].path);
        return sc_err_set(err, SC_EINVAL, "context '%s' not found in %s", name, list);
    }
    c->context = sc_xstrdup(name);
    snprintf(what, sizeof(what), "contexts[%s].context", name);
    if ((rc = get_string(cf, ctx, "cluster", what, &cluster_name, err)) != 0 ||
        (rc = get_string(cf, ctx, "user", what, &user_name, err)) != 0 ||
        (rc = get_string(cf, ctx, "namespace", what, &c->ns, err)) != 0)
        goto out;
    snprintf(origin, sizeof(origin), "%s (context %s)", cf->path, name);
    c->origin = sc_xstrdup(origin);
    if (cluster_name == NULL) {
        rc = field_err(cf, ctx, what, err, "names no cluster");
        goto out;
    }
    rc = resolve_cluster(files, nfiles, cf, ctx, cluster_name, c, err);
    if (rc == 0 && user_name != NULL) /* no user: anonymous */
        rc = resolve_user(files, nfiles, cf, ctx, user_name, c, err);
out:
    free(cluster_name);
    free(user_name);
    return rc;
}

int sc_kube_config_load(const char *path, const char *context, struct sc_kube_config **out,
                        struct sc_err *err)
{
    struct kfile files[MAX_FILES];
    size_t nfiles = 0;
    struct sc_kube_config *c;
    char *list = NULL, home[4096];
    int rc = 0;

    *out = NULL;
    if (path != NULL && path[0] != '\0') {
        rc = load_file(path, &files[0], err);
        if (rc != 0) {
            kfile_release(&files[0]);
            return sc_err_prefix(err, "cannot load kubeconfig");
        }
        nfiles = 1;
    } else if (getenv("KUBECONFIG") != NULL && getenv("KUBECONFIG")[0] != '\0') {
        char *save = NULL;
        list = sc_xstrdup(getenv("KUBECONFIG"));
        for (char *p = strtok_r(list, ":", &save); p && nfiles < MAX_FILES;
             p = strtok_r(NULL, ":", &save)) {
            bool dup = false;
            for (size_t i = 0; i < nfiles; i++)
                dup = dup || strcmp(files[i].path, p) == 0;
            if (dup)
                continue;
            rc = load_file(p, &files[nfiles], err);
            if (rc == SC_ENOTFOUND) { /* kubectl skips missing files of the list */
                kfile_release(&files[nfiles]);
                sc_err_init(err);
                rc = 0;
                continue;
            }
            if (rc != 0) {
                kfile_release(&files[nfiles]);
                sc_err_prefix(err, "cannot load kubeconfig");
                goto out;
            }
            nfiles++;
        }
        if (nfiles == 0) {
            rc = sc_err_set(err, SC_ENOTFOUND, "none of the KUBECONFIG files exists (%s)",
                            getenv("KUBECONFIG"));
            goto out;
        }
    } else {
        const char *h = getenv("HOME");
        snprintf(home, sizeof(home), "%s/.kube/config", h ? h : "");
        rc = load_file(home, &files[0], err);
        if (rc != 0) {
            kfile_release(&files[0]);
            return sc_err_prefix(err, "cannot load kubeconfig (no --kubeconfig, no KUBECONFIG)");
        }
        nfiles = 1;
    }
    c = sc_xcalloc(1, sizeof(*c));
    rc = resolve(files, nfiles, context, c, err);
    if (rc != 0)
        sc_kube_config_free(c);
    else
        *out = c;
out:
    for (size_t i = 0; i < nfiles; i++)
        kfile_release(&files[i]);
    free(list);
    return rc;
}

int sc_kube_config_in_cluster(const char *sa_dir, struct sc_kube_config **out, struct sc_err *err)
{
    const char *host = getenv("KUBERNETES_SERVICE_HOST");
    const char *port = getenv("KUBERNETES_SERVICE_PORT");
    const char *dir = sa_dir ? sa_dir : "/var/run/secrets/kubernetes.io/serviceaccount";
    char buf[4096], *ca = NULL, *ns = NULL;
    struct sc_kube_config *c;
    size_t len;
    int rc;

    *out = NULL;
    if (host == NULL || host[0] == '\0' || port == NULL || port[0] == '\0')
        return sc_err_set(err, SC_EINVAL,
                          "not in a cluster: KUBERNETES_SERVICE_HOST and "
                          "KUBERNETES_SERVICE_PORT are not set");
    snprintf(buf, sizeof(buf), "%s/token", dir);
    if (access(buf, R_OK) != 0)
        return sc_err_set(err, SC_EINVAL,
                          "in-cluster: cannot read the service account token '%s': %s", buf,
                          strerror(errno));
    c = sc_xcalloc(1, sizeof(*c));
    c->token_file = sc_xstrdup(buf);
    snprintf(buf, sizeof(buf), "%s/ca.crt", dir);
    rc = sc_file_read(buf, SC_KUBE_MAX_FILE, &ca, &len, err);
    if (rc != 0) {
        sc_kube_config_free(c);
        return sc_err_prefix(err, "in-cluster");
    }
    if (!pem_ok(ca, len, PEM_CA)) {
        free(ca);
        sc_kube_config_free(c);
        return sc_err_set(err, SC_EINVAL, "in-cluster: '%s' is not a PEM certificate", buf);
    }
    c->ca_pem = ca;
    snprintf(buf, sizeof(buf), "%s/namespace", dir);
    if (sc_file_read(buf, SC_KUBE_MAX_FILE, &ns, &len, NULL) == 0) {
        while (len > 0 && (ns[len - 1] == '\n' || ns[len - 1] == ' '))
            ns[--len] = '\0';
        c->ns = ns;
    }
    snprintf(buf, sizeof(buf), strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host, port);
    c->server = sc_xstrdup(buf);
    c->origin = sc_xstrdup("in-cluster");
    *out = c;
    return 0;
}

/* exec.c - run an exec credential plugin and read its ExecCredential. */
#include "platform/kube/exec.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/util.h"

#define MAX_OUTPUT (1024 * 1024)

extern char **environ;

void sc_kube_cred_release(struct sc_kube_cred *c)
{
    if (c == NULL)
        return;
    if (c->token)
        memset(c->token, 0, strlen(c->token));
    if (c->key_pem)
        memset(c->key_pem, 0, strlen(c->key_pem));
    free(c->token);
    free(c->cert_pem);
    free(c->key_pem);
    memset(c, 0, sizeof(*c));
}

bool sc_kube_parse_time(const char *s, time_t *out)
{
    struct tm tm;
    const char *p;
    long off = 0;

    memset(&tm, 0, sizeof(tm));
    p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (p == NULL)
        return false;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int hh, mm;
        if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2 || strlen(p) != 6)
            return false;
        off = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return false;
    }
    if (*p != '\0')
        return false;
    *out = timegm(&tm) - off;
    return true;
}

/* KUBERNETES_EXEC_INFO's JSON (the caller's), or NULL when it cannot be written. */
static char *exec_info(const struct sc_kube_exec *x, const char *server, const char *ca_pem)
{
    cJSON *j = cJSON_CreateObject(), *spec;
    char *s;
    cJSON_AddStringToObject(j, "apiVersion", x->api_version);
    cJSON_AddStringToObject(j, "kind", "ExecCredential");
    spec = cJSON_AddObjectToObject(j, "spec");
    cJSON_AddBoolToObject(spec, "interactive", 0);
    if (x->provide_cluster_info) {
        cJSON *cl = cJSON_AddObjectToObject(spec, "cluster");
        cJSON_AddStringToObject(cl, "server", server);
        if (ca_pem != NULL) {
            size_t n = strlen(ca_pem);
            unsigned char *b64 = sc_xcalloc(1, 4 * ((n + 2) / 3) + 1);
            /* n is below SC_KUBE_MAX_FILE: the length fits an int. */
            if (EVP_EncodeBlock(b64, (const unsigned char *)ca_pem, (int)n) < 0) {
                free(b64);
                cJSON_Delete(j);
                return NULL;
            }
            cJSON_AddStringToObject(cl, "certificate-authority-data", (const char *)b64);
            free(b64);
        }
    }
    s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

/* Parse the plugin's stdout into *out. */
static int parse_cred(const struct sc_kube_exec *x, const char *text, struct sc_kube_cred *out,
                      struct sc_err *err)
{
    cJSON *j = cJSON_Parse(text);
    const cJSON *st, *tok, *cert, *key, *exp, *av, *kind;
    int rc = 0;

    if (j == NULL)
        return sc_err_set(err, SC_EPROTO,
                          "exec plugin '%s' printed something that is not JSON (expected an "
                          "ExecCredential)",
                          x->command);
    av = cJSON_GetObjectItemCaseSensitive(j, "apiVersion");
    kind = cJSON_GetObjectItemCaseSensitive(j, "kind");
    st = cJSON_GetObjectItemCaseSensitive(j, "status");
    if (!cJSON_IsString(kind) || strcmp(kind->valuestring, "ExecCredential") != 0) {
        rc = sc_err_set(err, SC_EPROTO, "exec plugin '%s': kind is not ExecCredential", x->command);
        goto out;
    }
    if (!cJSON_IsString(av) || strcmp(av->valuestring, x->api_version) != 0) {
        rc = sc_err_set(err, SC_EPROTO, "exec plugin '%s': apiVersion '%s' does not match '%s'",
                        x->command, cJSON_IsString(av) ? av->valuestring : "", x->api_version);
        goto out;
    }
    if (!cJSON_IsObject(st)) {
        rc = sc_err_set(err, SC_EPROTO, "exec plugin '%s': the ExecCredential has no status",
                        x->command);
        goto out;
    }
    tok = cJSON_GetObjectItemCaseSensitive(st, "token");
    cert = cJSON_GetObjectItemCaseSensitive(st, "clientCertificateData");
    key = cJSON_GetObjectItemCaseSensitive(st, "clientKeyData");
    exp = cJSON_GetObjectItemCaseSensitive(st, "expirationTimestamp");
    if (cJSON_IsString(cert) != cJSON_IsString(key)) {
        rc = sc_err_set(err, SC_EPROTO,
                        "exec plugin '%s': status.clientCertificateData and clientKeyData come "
                        "together",
                        x->command);
        goto out;
    }
    if (!(cJSON_IsString(tok) && tok->valuestring[0]) && !cJSON_IsString(cert)) {
        rc = sc_err_set(err, SC_EPROTO,
                        "exec plugin '%s': status has neither a token nor a client certificate",
                        x->command);
        goto out;
    }
    memset(out, 0, sizeof(*out));
    if (exp != NULL && !cJSON_IsNull(exp)) {
        if (!cJSON_IsString(exp) || !sc_kube_parse_time(exp->valuestring, &out->expiry)) {
            rc = sc_err_set(err, SC_EPROTO,
                            "exec plugin '%s': status.expirationTimestamp is not an RFC 3339 time",
                            x->command);
            goto out;
        }
    }
    if (cJSON_IsString(tok) && tok->valuestring[0])
        out->token = sc_xstrdup(tok->valuestring);
    if (cJSON_IsString(cert)) {
        out->cert_pem = sc_xstrdup(cert->valuestring);
        out->key_pem = sc_xstrdup(key->valuestring);
    }
out:
    /* The parsed tree holds the secret: wipe before freeing. */
    if (cJSON_IsString(cJSON_GetObjectItem(st, "token")))
        memset(cJSON_GetObjectItem(st, "token")->valuestring, 0,
               strlen(cJSON_GetObjectItem(st, "token")->valuestring));
    cJSON_Delete(j);
    return rc;
}

int sc_kube_exec_run(const struct sc_kube_exec *x, const char *server, const char *ca_pem,
                     unsigned timeout_ms, struct sc_kube_cred *out, struct sc_err *err)
{
    char *info = exec_info(x, server, ca_pem), *infoenv, **envp, **argv;
    size_t nenv = 0, nx = 0, na = 0, k = 0, have = 0;
    char *buf = NULL;
    int fds[2], st, rc = 0;
    uint64_t deadline;
    pid_t pid;
    bool timed_out = false;

    if (info == NULL)
        return sc_err_set(err, SC_ENOMEM, "exec plugin '%s': cannot write KUBERNETES_EXEC_INFO",
                          x->command);
    for (char **e = environ; e && *e; e++)
        nenv++;
    while (x->env && x->env[nx])
        nx++;
    while (x->args && x->args[na])
        na++;
    infoenv = malloc(strlen(info) + 32);
    if (infoenv == NULL)
        abort();
    sprintf(infoenv, "KUBERNETES_EXEC_INFO=%s", info);
    free(info);
    /* Built before fork: the child may only call async-signal-safe functions. */
    envp = sc_xcalloc(nenv + nx + 2, sizeof(char *));
    for (char **e = environ; e && *e; e++)
        if (strncmp(*e, "KUBERNETES_EXEC_INFO=", 21) != 0)
            envp[k++] = *e;
    for (size_t i = 0; i < nx; i++)
        envp[k++] = x->env[i];
    envp[k] = infoenv;
    argv = sc_xcalloc(na + 2, sizeof(char *));
    argv[0] = x->command;
    for (size_t i = 0; i < na; i++)
        argv[i + 1] = x->args[i];

    if (pipe2(fds, O_CLOEXEC) != 0) {
        rc = sc_err_set(err, SC_ESYS, "cannot create a pipe: %s", strerror(errno));
        goto out_free;
    }
    pid = fork();
    if (pid < 0) {
        rc = sc_err_set(err, SC_ESYS, "cannot fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        goto out_free;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(fds[1], STDOUT_FILENO);
        if (devnull >= 0)
            dup2(devnull, STDIN_FILENO);
        execvpe(argv[0], argv, envp);
        _exit(127);
    }
    close(fds[1]);
    deadline = sc_now_ns() + (uint64_t)timeout_ms * 1000000ull;
    buf = malloc(MAX_OUTPUT + 1);
    if (buf == NULL)
        abort();
    for (;;) {
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        uint64_t now = sc_now_ns();
        ssize_t n;
        if (now >= deadline) {
            timed_out = true;
            break;
        }
        if (poll(&p, 1, (int)((deadline - now) / 1000000 + 1)) <= 0)
            continue;
        n = read(fds[0], buf + have, MAX_OUTPUT - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        have += (size_t)n;
        if (have == MAX_OUTPUT)
            break;
    }
    close(fds[0]);
    buf[have] = '\0';
    if (timed_out)
        kill(pid, SIGKILL);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (timed_out) {
        rc = sc_err_set(err, SC_ETIMEOUT, "exec plugin '%s' did not finish within %ums", x->command,
                        timeout_ms);
    } else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        rc = sc_err_set(err, SC_EINVAL, "exec plugin '%s' %s (status %d)%s%s", x->command,
                        code == 127 ? "could not be run" : "failed", code,
                        x->install_hint ? ": " : "", x->install_hint ? x->install_hint : "");
    } else {
        rc = parse_cred(x, buf, out, err);
    }
    memset(buf, 0, have);
    free(buf);
out_free:
    free(envp);
    free(argv);
    free(infoenv);
    return rc;
}

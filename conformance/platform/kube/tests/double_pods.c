/* double_pods.c - the double's Deployments and pods: pods as smi-fixture processes, readiness. */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "double_state.h"

extern char **environ;

/* A pod's process is gone when its object is: SIGTERM went out when the namespace began
 * terminating (the fixture drains), whatever is still running now is killed. */
void sc_dbl_reap(struct dbl_obj *x)
{
    int st;
    if (x->outfd >= 0)
        close(x->outfd);
    x->outfd = -1;
    if (x->pid <= 0)
        return;
    if (waitpid(x->pid, &st, WNOHANG) == 0) {
        kill(x->pid, SIGKILL);
        waitpid(x->pid, &st, 0);
    }
    x->pid = 0;
}

void sc_dbl_pods_terminate(struct sc_kube_double *d, const char *ns)
{
    for (struct dbl_obj *x = d->objs; x; x = x->next)
        if (x->pid > 0 && x->ns && strcmp(x->ns, ns) == 0)
            kill(x->pid, SIGTERM);
}

/* The value of a downward-API fieldRef for pod o. */
static const char *field_ref(const struct dbl_obj *o, const char *path)
{
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(o->j, "metadata");
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(o->j, "spec");
    const char *v = NULL;
    if (strcmp(path, "metadata.name") == 0)
        v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(md, "name"));
    else if (strcmp(path, "metadata.namespace") == 0)
        v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(md, "namespace"));
    else if (strcmp(path, "spec.serviceAccountName") == 0)
        v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(spec, "serviceAccountName"));
    else if (strcmp(path, "spec.nodeName") == 0)
        v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(spec, "nodeName"));
    else if (strcmp(path, "status.podIP") == 0)
        v = o->ip;
    return v ? v : "";
}

/* The container's env with fieldRefs resolved, plus the sanitizers' settings; NULL-ended,
 * every string the caller's. Returns the count. */
static int container_env(const struct dbl_obj *o, const cJSON *c, char **envp)
{
    const cJSON *e;
    int nenv = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(c, "env"))
    {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name"));
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "value"));
        const char *fp = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(e, "valueFrom"),
                                             "fieldRef"),
            "fieldPath"));
        char buf[600];
        if (name == NULL || nenv >= 48)
            continue;
        snprintf(buf, sizeof(buf), "%s=%s", name, fp ? field_ref(o, fp) : v ? v : "");
        envp[nenv++] = sc_dbl_strdup(buf);
    }
    /* A container sees none of the host's environment; the sanitizers' settings are the
     * test run's, not the workload's. */
    for (char **ev = environ; *ev && nenv < 63; ev++)
        if (strncmp(*ev, "ASAN_OPTIONS=", 13) == 0 || strncmp(*ev, "UBSAN_OPTIONS=", 14) == 0 ||
            strncmp(*ev, "LSAN_OPTIONS=", 13) == 0)
            envp[nenv++] = sc_dbl_strdup(*ev);
    envp[nenv] = NULL;
    return nenv;
}

/*
 * Run pod o the way a kubelet runs its first container, with the image replaced by
 * fixture_bin: the container's args with --listen set to the pod's own loopback address,
 * its env with fieldRefs resolved (the downward API), stdout read for the ready line. A
 * try that exits before it is ready (its address was taken) is retried by pod_up().
 */
static void spawn_pod(struct sc_kube_double *d, struct dbl_obj *o)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(o->j, "spec");
    const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(spec, "containers"), 0);
    const cJSON *a;
    char *argv[64], *envp[64];
    int nargv = 0, nenv, fds[2];
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t def, none;
    unsigned n = d->ip_seq++;
    bool listen_next = false;

    snprintf(o->ip, sizeof(o->ip), "127.%u.%u.%u", d->ip_base, (n / 250) % 250, n % 250 + 2);
    o->up = false;
    o->nline = 0;
    o->tries++;
    argv[nargv++] = sc_dbl_strdup(d->o.fixture_bin);
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(c, "args"))
    {
        if (!cJSON_IsString(a) || nargv >= 63)
            continue;
        argv[nargv++] = sc_dbl_strdup(listen_next ? o->ip : a->valuestring);
        listen_next = strcmp(a->valuestring, "--listen") == 0;
    }
    argv[nargv] = NULL;
    nenv = container_env(o, c, envp);
    if (pipe2(fds, O_CLOEXEC) != 0)
        abort();
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawnattr_init(&attr);
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &def);
    /* A kubelet's container starts with no signal blocked, whatever the double's threads
     * block (kube-api-double blocks SIGTERM to sigwait for it). */
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    if (posix_spawn(&o->pid, argv[0], &fa, &attr, argv, envp) != 0)
        o->pid = 0;
    else
        d->spawned++;
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    o->outfd = fds[0];
    fcntl(o->outfd, F_SETFL, O_NONBLOCK);
    for (int i = 0; i < nargv; i++)
        free(argv[i]);
    for (int i = 0; i < nenv; i++)
        free(envp[i]);
}

/* Has pod o's process printed its ready line? (Always true without fixture_bin.) A process
 * that died first is started again on the next address, five times at most. */
static bool pod_up(struct sc_kube_double *d, struct dbl_obj *o)
{
    int st;
    if (d->o.fixture_bin == NULL || o->up)
        return true;
    if (o->pid <= 0)
        return false;
    for (int i = 0; i < 8; i++) {
        ssize_t n = read(o->outfd, o->line + o->nline, sizeof(o->line) - 1 - o->nline);
        if (n <= 0)
            break;
        o->nline += (size_t)n;
        o->line[o->nline] = '\0';
        if (strstr(o->line, "smi-fixture: ready") != NULL) {
            o->up = true;
            return true;
        }
        if (o->nline + 1 >= sizeof(o->line))
            o->nline = 0;
    }
    if (waitpid(o->pid, &st, WNOHANG) == o->pid) {
        o->pid = 0;
        close(o->outfd);
        o->outfd = -1;
        if (o->tries < 5)
            spawn_pod(d, o);
    }
    return false;
}

static int replicas_of(const cJSON *spec)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(spec, "replicas");
    return n ? n->valueint : 1;
}

/* The image of pod (or template spec) o's first container. */
static const char *image_of(const cJSON *spec)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(spec, "containers"), 0), "image"));
}

/* Does the kubelet fail to pull this pod's image (the option unpullable_image)? */
static bool unpullable(const struct sc_kube_double *d, const cJSON *spec)
{
    const char *img = image_of(spec);
    return d->o.unpullable_image != NULL && img != NULL && strcmp(img, d->o.unpullable_image) == 0;
}

void sc_dbl_make_pods(struct sc_kube_double *d, const char *ns, cJSON *dep)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(dep, "spec");
    const cJSON *tmpl = cJSON_GetObjectItemCaseSensitive(spec, "template");
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(dep, "metadata"), "name"));
    int replicas = replicas_of(spec);
    for (int i = 0; i < replicas; i++) {
        cJSON *pod = cJSON_CreateObject(), *md, *st, *ps;
        struct dbl_obj *o;
        char pname[300], path[600];
        snprintf(pname, sizeof(pname), "%s-7d9c8b6f5-%05x", name, 0x1a2b3 + d->pod_seq++);
        cJSON_AddStringToObject(pod, "apiVersion", "v1");
        cJSON_AddStringToObject(pod, "kind", "Pod");
        md = cJSON_AddObjectToObject(pod, "metadata");
        cJSON_AddStringToObject(md, "name", pname);
        cJSON_AddStringToObject(md, "namespace", ns);
        cJSON_AddItemToObject(
            md, "labels",
            cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
                                cJSON_GetObjectItemCaseSensitive(tmpl, "metadata"), "labels"),
                            1));
        ps = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(tmpl, "spec"), 1);
        if (ps == NULL)
            ps = cJSON_CreateObject();
        cJSON_AddStringToObject(ps, "nodeName", "kind-worker");
        cJSON_AddItemToObject(pod, "spec", ps);
        st = cJSON_AddObjectToObject(pod, "status");
        cJSON_AddStringToObject(st, "phase", "Pending");
        sc_dbl_bump_rv(d, pod);
        snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s", ns, pname);
        o = sc_dbl_put(d, path, ns, pod);
        o->born_ms = sc_dbl_now_ms();
        sc_dbl_record(d, "ADDED", path, pod);
        if (d->o.fixture_bin != NULL && !unpullable(d, ps))
            spawn_pod(d, o);
    }
}

/* Pod o's status for readiness pready (with its address when it is a process). */
static void pod_status(const struct sc_kube_double *d, struct dbl_obj *o, bool pready)
{
    cJSON *ps, *cs, *one, *pc, *rc;

    cJSON_DeleteItemFromObjectCaseSensitive(o->j, "status");
    ps = cJSON_AddObjectToObject(o->j, "status");
    cJSON_AddStringToObject(ps, "phase", pready ? "Running" : "Pending");
    if (o->ip[0]) {
        cJSON_AddStringToObject(ps, "podIP", o->ip);
        cJSON_AddStringToObject(ps, "hostIP", "127.0.0.1");
    }
    pc = cJSON_AddArrayToObject(ps, "conditions");
    rc = cJSON_CreateObject();
    cJSON_AddStringToObject(rc, "type", "Ready");
    cJSON_AddStringToObject(rc, "status", pready ? "True" : "False");
    cJSON_AddItemToArray(pc, rc);
    cs = cJSON_AddArrayToObject(ps, "containerStatuses");
    one = cJSON_CreateObject();
    cJSON_AddStringToObject(one, "name", "fixture");
    cJSON_AddBoolToObject(one, "ready", pready);
    cJSON_AddNumberToObject(one, "restartCount", o->tries > 1 ? (int)o->tries - 1 : 0);
    if (unpullable(d, cJSON_GetObjectItemCaseSensitive(o->j, "spec"))) {
        /* As the kubelet reports it: ErrImagePull on the failed pull, then ImagePullBackOff
         * while it waits to try again. */
        cJSON *w = cJSON_AddObjectToObject(cJSON_AddObjectToObject(one, "state"), "waiting");
        char msg[600];
        if (o->polls++ == 0)
            snprintf(msg, sizeof(msg),
                     "rpc error: code = NotFound desc = failed to pull and unpack image "
                     "\"docker.io/library/%s\": failed to resolve reference "
                     "\"docker.io/library/%s\": docker.io/library/%s: not found",
                     d->o.unpullable_image, d->o.unpullable_image, d->o.unpullable_image);
        else
            snprintf(msg, sizeof(msg), "Back-off pulling image \"%s\"", d->o.unpullable_image);
        cJSON_AddStringToObject(w, "reason", o->polls == 1 ? "ErrImagePull" : "ImagePullBackOff");
        cJSON_AddStringToObject(w, "message", msg);
    } else if (pready) {
        cJSON_AddObjectToObject(cJSON_AddObjectToObject(one, "state"), "running");
    } else {
        cJSON *w = cJSON_AddObjectToObject(cJSON_AddObjectToObject(one, "state"), "waiting");
        cJSON_AddStringToObject(w, "reason",
                                d->o.fixture_bin && o->pid <= 0 ? "CrashLoopBackOff"
                                                                : "ContainerCreating");
    }
    cJSON_AddItemToArray(cs, one);
}

/* x's status was just rewritten: when it differs from before (ours, freed), give x a new
 * resourceVersion and a MODIFIED event, as the kubelet's and the controllers' writes have. */
static void status_write(struct sc_kube_double *d, struct dbl_obj *x, cJSON *before)
{
    if (!cJSON_Compare(before, cJSON_GetObjectItemCaseSensitive(x->j, "status"), true)) {
        sc_dbl_bump_rv(d, x->j);
        sc_dbl_record(d, "MODIFIED", x->path, x->j);
    }
    cJSON_Delete(before);
}

/* Is pod o of Deployment dep (NAME-HASH-XXXXX: "web-" must not take the pods of "web-v2")? */
static bool pod_of(const struct dbl_obj *dep, const char *name, const struct dbl_obj *o)
{
    char prefix[400];
    const char *tail;
    snprintf(prefix, sizeof(prefix), "/api/v1/namespaces/%s/pods/%s-", dep->ns, name);
    tail = o->path + strlen(prefix);
    return strncmp(o->path, prefix, strlen(prefix)) == 0 && strlen(tail) == 15 &&
           strchr(tail, '-') == tail + 9;
}

/* The Deployment controller's status: replicas, readyReplicas, the Available condition. */
static void deployment_status(struct dbl_obj *dep, int replicas, int nready)
{
    cJSON *st, *md = cJSON_GetObjectItemCaseSensitive(dep->j, "metadata"), *c, *conds;
    bool ready = nready >= replicas;

    cJSON_DeleteItemFromObjectCaseSensitive(dep->j, "status");
    st = cJSON_AddObjectToObject(dep->j, "status");
    cJSON_AddNumberToObject(st, "observedGeneration",
                            cJSON_GetObjectItemCaseSensitive(md, "generation")->valueint);
    cJSON_AddNumberToObject(st, "replicas", replicas);
    cJSON_AddNumberToObject(st, "updatedReplicas", replicas);
    cJSON_AddNumberToObject(st, "readyReplicas", nready);
    conds = cJSON_AddArrayToObject(st, "conditions");
    c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", "Available");
    cJSON_AddStringToObject(c, "status", ready ? "True" : "False");
    cJSON_AddStringToObject(c, "reason",
                            ready ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable");
    cJSON_AddStringToObject(c, "message",
                            ready ? "Deployment has minimum availability."
                                  : "Deployment does not have minimum availability.");
    cJSON_AddItemToArray(conds, c);
}

bool sc_dbl_progress(struct sc_kube_double *d, struct dbl_obj *dep, bool poll)
{
    cJSON *md = cJSON_GetObjectItemCaseSensitive(dep->j, "metadata");
    int replicas = replicas_of(cJSON_GetObjectItemCaseSensitive(dep->j, "spec"));
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(md, "name"));
    uint64_t now = sc_dbl_now_ms();
    cJSON *before;
    bool gate;
    int nready = 0;

    if (poll)
        dep->polls++;
    /* Poll-based (pod_start_ms 0): ready from the ready_after-th look; time-based: each pod
     * pod_start_ms after its creation. Either way a fixture process must be up too. */
    gate = d->o.pod_start_ms > 0 || dep->polls >= d->o.ready_after;
    for (struct dbl_obj *o = d->objs; o; o = o->next) {
        bool pready, pull;
        if (!pod_of(dep, name, o))
            continue;
        pull = unpullable(d, cJSON_GetObjectItemCaseSensitive(o->j, "spec"));
        if (pull && !poll)
            continue; /* the kubelet's pull reports change per look (pod_status) */
        pready = gate && !pull && pod_up(d, o) &&
                 (d->o.pod_start_ms == 0 || now >= o->born_ms + d->o.pod_start_ms);
        nready += pready;
        before = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(o->j, "status"), 1);
        pod_status(d, o, pready);
        status_write(d, o, before);
    }
    before = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(dep->j, "status"), 1);
    deployment_status(dep, replicas, nready);
    status_write(d, dep, before);
    return nready >= replicas;
}

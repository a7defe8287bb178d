/* preflight_cluster.c - preflight checks that look into the cluster: the mesh's control plane is
 * there and ready, and a pod of the fixture image starts (its pull failure named as the kubelet
 * reports it). */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/util.h"
#include "platform/kube/kube_ops.h"

#define IMAGE_CHECK_MS 120000u
#define PROGRESS_MS    10000u

static void set(struct sc_kube_check *out, const char *result, const char *fix)
{
    size_t n = fix ? strlen(fix) : 0;
    out->result = result;
    if (n >= sizeof(out->fix))
        n = sizeof(out->fix) - 1; /* a fix line longer than the field is cut */
    if (n > 0)
        memcpy(out->fix, fix, n);
    out->fix[n] = '\0';
}

/* Append to out->detail. */
static void add(struct sc_kube_check *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add(struct sc_kube_check *out, const char *fmt, ...)
{
    size_t l = strlen(out->detail);
    va_list ap;
    va_start(ap, fmt);
    if (l + 1 < sizeof(out->detail))
        vsnprintf(out->detail + l, sizeof(out->detail) - l, fmt, ap);
    va_end(ap);
}

/* One namespace of the control plane: every deployment named is there with a ready replica. */
static unsigned control_ns(struct sc_kube_client *c, const struct sc_profile_control *cp,
                           struct sc_kube_check *out)
{
    char path[512], *body = NULL;
    struct sc_err e;
    unsigned bad = 0;
    cJSON *list;

    snprintf(path, sizeof(path), "/apis/apps/v1/namespaces/%s/deployments", cp->ns);
    sc_err_init(&e);
    if (sc_kube_call(c, "GET", path, NULL, NULL, &body, NULL, &e) != 0) {
        add(out, "%s: cannot list its deployments; ", cp->ns);
        snprintf(out->fix, sizeof(out->fix), "%s", e.msg);
        free(body);
        return 1;
    }
    list = cJSON_Parse(body);
    free(body);
    for (size_t i = 0; i < cp->ndeployments; i++) {
        const cJSON *d, *hit = NULL;
        cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(list, "items"))
        {
            const char *name =
                sc_kube_jstr(cJSON_GetObjectItemCaseSensitive(d, "metadata"), "name");
            if (name != NULL && strcmp(name, cp->deployments[i]) == 0)
                hit = d;
        }
        if (hit == NULL) {
            add(out, "deployment %s/%s not found; ", cp->ns, cp->deployments[i]);
            bad++;
            continue;
        }
        {
            const cJSON *st = cJSON_GetObjectItemCaseSensitive(hit, "status");
            const cJSON *spec = cJSON_GetObjectItemCaseSensitive(hit, "spec");
            int want = cJSON_GetObjectItemCaseSensitive(spec, "replicas")
                           ? sc_kube_jint(spec, "replicas")
                           : 1;
            int ready = sc_kube_jint(st, "readyReplicas");
            if (ready < 1 && want > 0) {
                add(out, "deployment %s/%s: %d/%d ready; ", cp->ns, cp->deployments[i], ready,
                    want);
                bad++;
            } else {
                add(out, "%s/%s ready (%d/%d); ", cp->ns, cp->deployments[i], ready, want);
            }
        }
    }
    cJSON_Delete(list);
    return bad;
}

void sc_kube_check_control_plane(struct sc_kube_client *c, const struct sc_profile *p,
                                 struct sc_kube_check *out)
{
    unsigned bad = 0;
    char fix[1400];
    size_t l;

    out->detail[0] = '\0';
    set(out, "ok", NULL);
    if (p->ncontrol == 0) {
        snprintf(out->detail, sizeof(out->detail),
                 "not checked: the profile names no control plane (controlPlane)");
        return;
    }
    for (size_t i = 0; i < p->ncontrol; i++)
        bad += control_ns(c, &p->control[i], out);
    l = strlen(out->detail);
    if (l >= 2)
        out->detail[l - 2] = '\0'; /* the last "; " */
    if (bad == 0)
        return;
    snprintf(fix, sizeof(fix),
             "install the mesh (scripts/kind/install-mesh.sh on kind) and wait for its control "
             "plane (kubectl -n %s get deployments), or correct the profile's controlPlane%s%s",
             p->control[0].ns, out->fix[0] ? ": " : "", out->fix);
    set(out, "FAIL", fix);
}

/* The image could not be pulled: the kubelet's waiting reasons (kubelet images/types.go:
 * ErrImagePull, ImagePullBackOff, InvalidImageName, ErrImageNeverPull). */
static const char *pull_failure(const char *why)
{
    static const char *const reasons[] = {"ErrImagePull", "ImagePullBackOff", "InvalidImageName",
                                          "ErrImageNeverPull"};
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (strstr(why, reasons[i]) != NULL)
            return reasons[i];
    return NULL;
}

/* Wait for the one-pod Deployment of ns: 0 ready, 1 cannot pull, -1 not started in time, -2
 * interrupted; why says what was last seen. A line to progress (may be NULL) every PROGRESS_MS
 * it waits. */
static int wait_started(struct sc_kube *k, const char *ns, void (*progress)(const char *),
                        bool (*interrupted)(void), char *why, size_t len)
{
    uint64_t start = sc_now_ns(), deadline = start + (uint64_t)IMAGE_CHECK_MS * 1000000ull;
    uint64_t next = start + (uint64_t)PROGRESS_MS * 1000000ull;
    unsigned delay = 100;
    for (;;) {
        if (progress != NULL && sc_now_ns() >= next) {
            char line[1200];
            snprintf(line, sizeof(line), "a pod of %s not ready after %us of %us: %.1000s",
                     k->image, (unsigned)((sc_now_ns() - start) / 1000000000ull),
                     IMAGE_CHECK_MS / 1000, why);
            progress(line);
            next += (uint64_t)PROGRESS_MS * 1000000ull;
        }
        struct sc_err e;
        const char *m;
        sc_err_init(&e);
        /* one look (1 ms): the error says why it is not ready */
        if (sc_kube_op_wait_ready(&k->base, ns, 1, &e) == 0)
            return 0;
        m = strstr(e.msg, "ms: ");
        snprintf(why, len, "%s", m ? m + 4 : e.msg);
        if (pull_failure(why) != NULL)
            return 1;
        if (sc_now_ns() >= deadline)
            return -1;
        if (interrupted != NULL && interrupted())
            return -2;
        sc_sleep_ms(delay);
        delay = sc_kube_next_poll(delay);
    }
}

void sc_kube_check_image(struct sc_kube_client *c, struct sc_profile *p, const char *image,
                         void (*progress)(const char *line), bool (*interrupted)(void),
                         bool wait_deleted, struct sc_kube_check *out)
{
    static char s_name[] = "preflight", s_app[] = "app";
    struct sc_kv labels[] = {{s_app, s_name}};
    struct sc_workload w = {s_name, s_name, NULL, labels, 1, 1, false, false};
    struct sc_kube k;
    struct sc_err e;
    char ns[64], why[1000], fix[600];
    int started;

    memset(&k, 0, sizeof(k));
    k.c = c;
    k.prof = p;
    k.image = (char *)image;
    k.delete_timeout_ms = 60000;
    out->detail[0] = '\0';
    snprintf(ns, sizeof(ns), "smi-preflight-%05x",
             (unsigned)((unsigned)time(NULL) ^ (unsigned)getpid() * 2654435761u) & 0xfffffu);
    sc_err_init(&e);
    if (sc_kube_op_create_namespace(&k.base, ns, &e) != 0 ||
        sc_kube_op_deploy(&k.base, ns, &w, &e) != 0) {
        snprintf(out->detail, sizeof(out->detail), "cannot deploy a pod of %s: %s", image, e.msg);
        set(out, "FAIL",
            "the harness needs to create namespaces and Deployments (see the "
            "permissions above)");
        sc_err_init(&e);
        if (sc_kube_delete_namespace(&k, ns, wait_deleted ? k.delete_timeout_ms : 0, &e) != 0) {
        }
        return;
    }
    if (progress != NULL) {
        snprintf(why, sizeof(why), "starting a pod of %s in namespace %s (up to %us)", image, ns,
                 IMAGE_CHECK_MS / 1000);
        progress(why);
    }
    why[0] = '\0';
    started = wait_started(&k, ns, progress, interrupted, why, sizeof(why));
    if (started == 0) {
        snprintf(out->detail, sizeof(out->detail), "a pod of %s started and became ready", image);
        set(out, "ok", NULL);
    } else if (started > 0) {
        snprintf(out->detail, sizeof(out->detail), "image %s cannot be pulled (%s): %s", image,
                 pull_failure(why), why);
        snprintf(fix, sizeof(fix),
                 "make %s pullable by the nodes: on kind, build it and `kind load docker-image "
                 "%s` (scripts/kind/ does), or push it to a registry the cluster can reach and "
                 "pass --fixture-image",
                 image, image);
        set(out, "FAIL", fix);
    } else if (started == -2) {
        snprintf(out->detail, sizeof(out->detail), "interrupted while a pod of %s started: %s",
                 image, why);
        set(out, "FAIL", "run preflight again");
    } else {
        snprintf(out->detail, sizeof(out->detail), "a pod of %s did not start within %us: %s",
                 image, IMAGE_CHECK_MS / 1000, why);
        set(out, "FAIL",
            "see the pod's events (kubectl describe pod); the mesh's injector must be ready");
    }
    sc_err_init(&e);
    if (sc_kube_delete_namespace(&k, ns, wait_deleted ? k.delete_timeout_ms : 0, &e) != 0) {
        size_t l = strlen(out->detail);
        snprintf(out->detail + l, sizeof(out->detail) - l, " (namespace %s left: %s)", ns, e.msg);
    }
}

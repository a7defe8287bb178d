/* double_clock.c - the double's clock: changes that come with time, not with requests (pods
 * turning Ready, processes printing their ready line, namespaces finishing termination).
 *
 * On a real cluster these are written by controllers, not by the API server: the kubelet
 * sets a pod's Ready condition once its containers run and pass their readiness probe, the
 * Deployment controller then counts readyReplicas and sets Available
 * (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-conditions;
 * https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1:
 * readyReplicas counts the ready pods, and with minReadySeconds 0 a pod is available as soon
 * as it is ready),
 * and the namespace controller deletes a Terminating namespace's content and then the
 * namespace (https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/,
 * kube-controller-manager pkg/controller/namespace). Each write is a new resourceVersion that
 * watches deliver as MODIFIED or DELETED, so a client that watches sees them without polling.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"

#include "double_state.h"

#define TICK_MS 20

uint64_t sc_dbl_now_ms(void)
{
    return sc_now_ns() / 1000000u;
}

/* splitmix64 (Steele, Lea, Flood: "Fast splittable pseudorandom number generators"). */
static uint64_t next_random(struct sc_kube_double *d)
{
    uint64_t z = (d->prng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

unsigned sc_dbl_draw_ms(struct sc_kube_double *d)
{
    unsigned lo = d->o.ns_terminate_ms_min, hi = d->o.ns_terminate_ms_max;
    if (lo > hi)
        lo = hi;
    return lo + (unsigned)(next_random(d) % ((uint64_t)(hi - lo) + 1));
}

static bool is_deployment(const struct dbl_obj *o)
{
    return strncmp(o->path, "/apis/apps/v1/namespaces/", 25) == 0 &&
           strstr(o->path + 25, "/deployments/") != NULL;
}

/* Is namespace ns deleted (Terminating)? Its pods are stopping: none is started again. */
static bool ending(struct sc_kube_double *d, const char *ns)
{
    char path[300];
    const struct dbl_obj *o;
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s", ns ? ns : "");
    o = sc_dbl_find(d, path);
    return o == NULL ||
           cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o->j, "metadata"),
                                            "deletionTimestamp") != NULL;
}

/* One look at everything time can change (under the lock). */
static void tick(struct sc_kube_double *d)
{
    uint64_t now = sc_dbl_now_ms();
    bool again = true;

    /* Deployments not yet ready whose readiness waits on time or on a process: in the
     * poll-based mode only once their polls are done (the process may still be starting). */
    for (struct dbl_obj *o = d->objs; o; o = o->next)
        if (is_deployment(o) && !o->up &&
            (d->o.pod_start_ms > 0 || (o->polls > 0 && o->polls >= d->o.ready_after)) &&
            !ending(d, o->ns))
            o->up = sc_dbl_progress(d, o, false);
    /* Namespaces whose termination time passed (a removal changes the list: scan again). */
    while (again) {
        again = false;
        for (struct dbl_obj *o = d->objs; o; o = o->next)
            if (o->gone_ms > 0 && now >= o->gone_ms) {
                sc_dbl_ns_gone(d, o);
                again = true;
                break;
            }
    }
}

static void *clock_main(void *arg)
{
    struct sc_kube_double *d = arg;

    SC_ASSERT_OK(pthread_mutex_lock(&d->mu));
    while (!d->stopping) {
        struct timespec ts;
        int rc;
        tick(d);
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        /* The condition also says "an event was recorded" to watches: whatever wakes this
         * thread early, the next tick waits for the period (a tick looks at every object). */
        do
            rc = pthread_cond_timedwait(&d->cv, &d->mu, &ts);
        while (rc == 0 && !d->stopping);
        SC_ASSERT_OK(rc == ETIMEDOUT ? 0 : rc);
    }
    SC_ASSERT_OK(pthread_mutex_unlock(&d->mu));
    return NULL;
}

int sc_dbl_clock_start(struct sc_kube_double *d, struct sc_err *err)
{
    int rc;
    d->prng = d->o.seed ? d->o.seed : 1;
    rc = pthread_create(&d->clock, NULL, clock_main, d);
    if (rc != 0)
        return sc_err_set(err, SC_ESYS, "cannot start the double's clock: %s", strerror(rc));
    return 0;
}

void sc_dbl_clock_stop(struct sc_kube_double *d)
{
    SC_ASSERT_OK(pthread_mutex_lock(&d->mu));
    d->stopping = true;
    SC_ASSERT_OK(pthread_cond_broadcast(&d->cv));
    SC_ASSERT_OK(pthread_mutex_unlock(&d->mu));
    SC_ASSERT_OK(pthread_join(d->clock, NULL));
}

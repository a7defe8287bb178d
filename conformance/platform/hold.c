/* hold.c - a traffic plan in the background: posted on a thread of its own, cancelled later. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/util.h"
#include "platform/platform.h"

#define CANCEL_RETRY_MS 100u
#define CANCEL_RETRIES  50u /* 5 s for a POST still on its way to the agent */

struct sc_platform_hold {
    struct sc_platform *p;
    char *ns, *workload;
    unsigned pod;
    struct sc_agent_plan plan;
    pthread_t tid;
    atomic_bool done;
    int rc;                     /* the POST's outcome */
    struct sc_err err;          /* its error */
    struct sc_agent_result res; /* its result */
};

static void *post(void *arg)
{
    struct sc_platform_hold *h = arg;

    h->rc = h->p->ops->traffic(h->p, h->ns, h->workload, h->pod, &h->plan, &h->res, &h->err);
    atomic_store(&h->done, true);
    return NULL;
}

static void hold_free(struct sc_platform_hold *h)
{
    sc_agent_plan_release(&h->plan);
    free(h->ns);
    free(h->workload);
    free(h);
}

int sc_platform_hold_start(struct sc_platform *p, const char *ns, const char *workload,
                           unsigned pod, const struct sc_agent_plan *plan,
                           struct sc_platform_hold **out, struct sc_err *err)
{
    struct sc_platform_hold *h;
    int e;

    *out = NULL;
    if (p->ops->cancel_traffic == NULL)
        return sc_err_set(err, SC_EINVAL, "the %s platform cannot cancel a traffic plan",
                          p->ops->name);
    if (plan->id == NULL)
        return sc_err_set(err, SC_EINVAL, "a held plan needs an id, to cancel it");
    h = sc_xcalloc(1, sizeof(*h));
    h->p = p;
    h->ns = sc_xstrdup(ns);
    h->workload = sc_xstrdup(workload);
    h->pod = pod;
    sc_agent_plan_copy(&h->plan, plan);
    sc_err_init(&h->err);
    atomic_init(&h->done, false);
    e = pthread_create(&h->tid, NULL, post, h);
    if (e != 0) {
        hold_free(h);
        return sc_err_set(err, SC_ESYS, "cannot start a thread for held traffic: %s", strerror(e));
    }
    *out = h;
    return 0;
}

int sc_platform_hold_stop(struct sc_platform_hold *h, struct sc_agent_result *result,
                          struct sc_err *err)
{
    struct sc_err cerr;
    int crc = 0;

    memset(result, 0, sizeof(*result));
    /* Until the agent has the plan, it answers 404: ask again while the POST goes on. */
    for (unsigned i = 0; i <= CANCEL_RETRIES && !atomic_load(&h->done); i++) {
        sc_err_init(&cerr);
        crc = h->p->ops->cancel_traffic(h->p, h->ns, h->workload, h->pod, h->plan.id, &cerr);
        if (crc != SC_ENOTFOUND)
            break;
        sc_sleep_ms(CANCEL_RETRY_MS);
    }
    /* Bounded: the plan ends by its own bounds, or the agent's deadline, if not cancelled. */
    SC_ASSERT_OK(pthread_join(h->tid, NULL));
    if (h->rc != 0) {
        sc_err_set(err, h->rc, "%s", h->err.msg);
        crc = h->rc;
    } else if (crc != 0 && crc != SC_ENOTFOUND && !h->res.cancelled) {
        sc_err_set(err, crc, "%s", cerr.msg);
    } else {
        *result = h->res;
        memset(&h->res, 0, sizeof(h->res));
        crc = 0;
    }
    sc_agent_result_release(&h->res);
    hold_free(h);
    return crc;
}

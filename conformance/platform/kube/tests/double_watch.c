/* double_watch.c - the double's watches: changes recorded with their resourceVersion, streamed. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "double_state.h"

void sc_dbl_record(struct sc_kube_double *d, const char *type, const char *path, const cJSON *j)
{
    struct dbl_event *e = calloc(1, sizeof(*e));
    if (e == NULL)
        abort();
    e->rv = d->rv;
    snprintf(e->type, sizeof(e->type), "%s", type);
    e->path = sc_dbl_strdup(path);
    e->json = cJSON_PrintUnformatted(j);
    e->next = d->events;
    d->events = e;
    SC_ASSERT_OK(pthread_cond_broadcast(&d->cv));
}

void sc_dbl_events_free(struct sc_kube_double *d)
{
    while (d->events) {
        struct dbl_event *e = d->events;
        d->events = e->next;
        free(e->path);
        free(e->json);
        free(e);
    }
}

bool sc_dbl_watch_request(struct sc_kube_double *d, const struct dbl_route *rt,
                          const struct dbl_req *q, struct dbl_resp *r)
{
    char w[32];
    if (sc_dbl_qparam(q, "watch", w, sizeof(w)) == NULL ||
        (strcmp(w, "1") != 0 && strcmp(w, "true") != 0))
        return false;
    if (strcmp(rt->res, "namespaces") == 0)
        snprintf(r->watch, sizeof(r->watch), "/api/v1/namespaces/");
    else if (rt->cluster)
        snprintf(r->watch, sizeof(r->watch), "%s/%s/", rt->prefix, rt->res);
    else
        snprintf(r->watch, sizeof(r->watch), "%s/namespaces/%s/%s/", rt->prefix, rt->ns, rt->res);
    r->watch_rv = sc_dbl_qparam(q, "resourceVersion", w, sizeof(w)) ? strtoul(w, NULL, 10) : d->rv;
    r->watch_s = sc_dbl_qparam(q, "timeoutSeconds", w, sizeof(w)) ? (unsigned)atoi(w) : 30;
    if (r->watch_s == 0 || r->watch_s > 30)
        r->watch_s = 30;
    if (sc_dbl_qparam(q, "fieldSelector", r->watch_fields, sizeof(r->watch_fields)) == NULL)
        r->watch_fields[0] = '\0';
    if (sc_dbl_qparam(q, "labelSelector", r->watch_labels, sizeof(r->watch_labels)) == NULL)
        r->watch_labels[0] = '\0';
    /* A watch on Deployments is a look at them, as a list is (ready_after counts it). */
    if (strcmp(rt->res, "deployments") == 0)
        for (struct dbl_obj *o = d->objs; o; o = o->next)
            if (strncmp(o->path, r->watch, strlen(r->watch)) == 0 &&
                strchr(o->path + strlen(r->watch), '/') == NULL)
                o->up = sc_dbl_progress(d, o, true);
    r->status = 200;
    return true;
}

/* Write one chunk of a chunked answer. */
static bool chunk(SSL *ssl, const char *data, size_t n)
{
    char head[32];
    int hl = snprintf(head, sizeof(head), "%zx\r\n", n);
    return SSL_write(ssl, head, hl) > 0 && (n == 0 || SSL_write(ssl, data, (int)n) > 0) &&
           SSL_write(ssl, "\r\n", 2) > 0;
}

/* Is event e one the watch r asks for: of its collection, through its selectors? */
static bool watched(const struct dbl_resp *r, const struct dbl_event *e)
{
    cJSON *j;
    char bad[8];
    bool ok;
    if (strncmp(e->path, r->watch, strlen(r->watch)) != 0 ||
        strchr(e->path + strlen(r->watch), '/') != NULL)
        return false;
    if (r->watch_fields[0] == '\0' && r->watch_labels[0] == '\0')
        return true;
    j = cJSON_Parse(e->json);
    ok = (r->watch_fields[0] == '\0' ||
          sc_dbl_fields_match(j, r->watch_fields, bad, sizeof(bad)) == 1) &&
         (r->watch_labels[0] == '\0' || sc_dbl_labels_match(j, r->watch_labels));
    cJSON_Delete(j);
    return ok;
}

/* Write the events after *seen of the watched collection, oldest first (under the lock). */
static bool send_events(struct sc_kube_double *d, SSL *ssl, const struct dbl_resp *r,
                        unsigned long *seen)
{
    struct dbl_event **batch = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;

    /* Oldest first: the list is newest first, so collect (all of them) then walk back. */
    for (struct dbl_event *e = d->events; e && e->rv > *seen; e = e->next) {
        if (!watched(r, e))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            batch = realloc(batch, cap * sizeof(*batch));
            if (batch == NULL)
                abort();
        }
        batch[n++] = e;
    }
    while (ok && n > 0) {
        struct dbl_event *e = batch[--n];
        char *line = NULL;
        int len = asprintf(&line, "{\"type\":\"%s\",\"object\":%s}\n", e->type, e->json);
        if (e->rv > *seen)
            *seen = e->rv;
        ok = len > 0 && chunk(ssl, line, (size_t)len);
        free(line);
    }
    for (struct dbl_event *e = d->events; e && e->rv > *seen; e = e->next)
        *seen = *seen < e->rv ? e->rv : *seen; /* events of other collections */
    free(batch);
    return ok;
}

/*
 * A watch: every event of the collection r->watch after r->watch_rv, oldest first, one JSON
 * line per chunk ({"type":"ADDED","object":{...}}), as they happen, until timeoutSeconds
 * pass or the double stops. Returns false when the connection broke.
 */
bool sc_dbl_watch_stream(struct sc_kube_double *d, SSL *ssl, const struct dbl_resp *r)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                               "Transfer-Encoding: chunked\r\nAudit-Id: double\r\n\r\n";
    unsigned long seen = r->watch_rv;
    struct timespec end;
    bool ok = SSL_write(ssl, head, (int)sizeof(head) - 1) > 0;

    clock_gettime(CLOCK_REALTIME, &end);
    end.tv_sec += r->watch_s;
    SC_ASSERT_OK(pthread_mutex_lock(&d->mu));
    while (ok && !d->stopping) {
        struct timespec now;
        int rc;
        ok = send_events(d, ssl, r, &seen);
        clock_gettime(CLOCK_REALTIME, &now);
        if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
            break;
        rc = pthread_cond_timedwait(&d->cv, &d->mu, &end);
        SC_ASSERT_OK(rc == ETIMEDOUT ? 0 : rc); /* the deadline is checked above */
    }
    SC_ASSERT_OK(pthread_mutex_unlock(&d->mu));
    return ok && chunk(ssl, "", 0);
}

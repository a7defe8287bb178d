/* timeline.c - a run's timeline: each request's send time, outcome and connection, bounded. */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "load/result.h"

void sc_load_timeline_add(struct sc_load_result *r, uint64_t sent_ns, int outcome, uint32_t conn)
{
    r->timeline_on = true;
    if (r->ntimeline >= SC_LOAD_TIMELINE_MAX) {
        r->timeline_dropped++;
        return;
    }
    if (r->ntimeline == r->timeline_cap) {
        size_t cap = r->timeline_cap != 0 ? r->timeline_cap * 2 : 64;
        struct sc_load_event *v = realloc(r->timeline, cap * sizeof(*v));
        if (v == NULL)
            abort();
        r->timeline = v;
        r->timeline_cap = cap;
    }
    r->timeline[r->ntimeline++] = (struct sc_load_event){sent_ns, outcome, conn};
}

static int by_sent(const void *a, const void *b)
{
    const struct sc_load_event *x = a, *y = b;

    if (x->sent_ns != y->sent_ns)
        return x->sent_ns < y->sent_ns ? -1 : 1;
    return (x->conn > y->conn) - (x->conn < y->conn);
}

void sc_load_timeline_merge(struct sc_load_result *into, const struct sc_load_result *from)
{
    size_t n;

    if (!from->timeline_on)
        return;
    into->timeline_on = true;
    into->timeline_dropped += from->timeline_dropped;
    if (from->ntimeline == 0)
        return;
    n = into->ntimeline + from->ntimeline;
    if (n > into->timeline_cap) {
        struct sc_load_event *v = realloc(into->timeline, n * sizeof(*v));
        if (v == NULL)
            abort();
        into->timeline = v;
        into->timeline_cap = n;
    }
    memcpy(into->timeline + into->ntimeline, from->timeline,
           from->ntimeline * sizeof(*from->timeline));
    into->ntimeline = n;
    qsort(into->timeline, n, sizeof(*into->timeline), by_sent);
    if (n > SC_LOAD_TIMELINE_MAX) {
        into->timeline_dropped += n - SC_LOAD_TIMELINE_MAX;
        into->ntimeline = SC_LOAD_TIMELINE_MAX;
    }
}

void sc_load_timeline_to_json(const struct sc_load_result *r, cJSON *j)
{
    cJSON *arr;

    if (!r->timeline_on)
        return;
    arr = cJSON_AddArrayToObject(j, "timeline");
    for (size_t i = 0; i < r->ntimeline; i++) {
        const struct sc_load_event *e = &r->timeline[i];
        cJSON *it = cJSON_CreateArray();
        cJSON_AddItemToArray(it, cJSON_CreateNumber((double)(e->sent_ns / 1000) / 1000.0));
        if (e->outcome >= 0)
            cJSON_AddItemToArray(it, cJSON_CreateNumber(e->outcome));
        else
            cJSON_AddItemToArray(it, cJSON_CreateString(sc_load_errkind_name(
                                         (enum sc_load_errkind)(-1 - e->outcome))));
        cJSON_AddItemToArray(it, cJSON_CreateNumber(e->conn));
        cJSON_AddItemToArray(arr, it);
    }
    cJSON_AddNumberToObject(j, "timeline_dropped", (double)r->timeline_dropped);
}

/* The error kind named s, -1 when none. */
static int kind_of(const char *s)
{
    for (int k = 0; k < SC_LERR_COUNT; k++)
        if (strcmp(sc_load_errkind_name((enum sc_load_errkind)k), s) == 0)
            return k;
    return -1;
}

static int bad_event(size_t i, const char *what, struct sc_err *err)
{
    return sc_err_set(err, SC_EINVAL, "field 'timeline[%zu]' %s", i, what);
}

int sc_load_timeline_from_json(const cJSON *j, struct sc_load_result *r, struct sc_err *err)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, "timeline");
    const cJSON *dropped = cJSON_GetObjectItemCaseSensitive(j, "timeline_dropped"), *it;
    size_t i = 0;

    if (arr == NULL)
        return 0;
    if (!cJSON_IsArray(arr))
        return sc_err_set(err, SC_EINVAL, "field 'timeline' must be an array");
    r->timeline_on = true;
    cJSON_ArrayForEach(it, arr)
    {
        const cJSON *t = cJSON_GetArrayItem(it, 0), *o = cJSON_GetArrayItem(it, 1);
        const cJSON *c = cJSON_GetArrayItem(it, 2);
        int outcome;

        if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 3 || !cJSON_IsNumber(t) ||
            t->valuedouble < 0 || t->valuedouble > 1e12 || !cJSON_IsNumber(c) ||
            c->valuedouble < 0 || c->valuedouble > 4294967295.0)
            return bad_event(i, "must be [sent ms, status or error kind, connection]", err);
        if (cJSON_IsNumber(o) && o->valuedouble >= 0 && o->valuedouble < 1000)
            outcome = (int)o->valuedouble;
        else if (cJSON_IsString(o) && kind_of(o->valuestring) >= 0)
            outcome = -1 - kind_of(o->valuestring);
        else
            return bad_event(i, "has an outcome that is neither a status nor an error kind", err);
        sc_load_timeline_add(r, (uint64_t)(t->valuedouble * 1e6 + 0.5), outcome,
                             (uint32_t)c->valuedouble);
        i++;
    }
    if (cJSON_IsNumber(dropped) && dropped->valuedouble >= 0)
        r->timeline_dropped += (uint64_t)dropped->valuedouble;
    return 0;
}

/* fuzz_plan.c - libFuzzer harness: a traffic plan as the agent reads it from POST /v1/traffic.
 * A plan that parses is written back and must parse again to the same text (plan.h: "A plan
 * written here parses back to the same values"). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/plan.h"
#include "base/err.h"
#include "base/fuzz/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sc_agent_plan_limits lim;
    struct sc_agent_plan p, again;
    char field[SC_AGENT_PLAN_FIELD_MAX];
    struct sc_err err;

    sc_agent_plan_limits_init(&lim);
    sc_err_init(&err);
    memset(&p, 0, sizeof(p));
    memset(field, 'x', sizeof(field)); /* must be written on a refusal */
    if (sc_agent_plan_parse((const char *)data, size, &lim, &p, field, &err) != 0) {
        if (err.msg[0] == '\0' || memchr(field, '\0', sizeof(field)) == NULL)
            abort(); /* a refusal says what and names a field (or "") */
        return 0;
    }
    char *text = sc_agent_plan_to_json(&p);
    memset(&again, 0, sizeof(again));
    sc_err_init(&err);
    if (sc_agent_plan_parse(text, strlen(text), &lim, &again, field, &err) != 0) {
        fprintf(stderr, "fuzz_plan: written plan does not parse: %s: %s\n", err.msg, text);
        abort();
    }
    char *text2 = sc_agent_plan_to_json(&again);
    if (strcmp(text, text2) != 0) {
        fprintf(stderr, "fuzz_plan: round trip changed the plan:\n%s\n%s\n", text, text2);
        abort();
    }
    free(text2);
    free(text);
    sc_agent_plan_release(&again);
    sc_agent_plan_release(&p);
    return 0;
}

/* fuzz_result.c - libFuzzer harness: an agent's answer (the results JSON the runner's judges
 * read: status counts, backends, latency buckets, tcp/udp attempts). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/result.h"
#include "base/err.h"
#include "base/fuzz/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sc_agent_result r;
    struct sc_err err;

    memset(&r, 0, sizeof(r));
    sc_err_init(&err);
    if (sc_agent_result_parse((const char *)data, size, &r, &err) != 0) {
        if (err.msg[0] == '\0')
            abort(); /* a refusal says why */
        return 0;
    }
    sc_agent_result_release(&r);
    return 0;
}

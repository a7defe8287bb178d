/* fuzz_kubeconfig.c - libFuzzer harness: a kubeconfig file through the loader (clusters,
 * users, contexts, inline base64 data, exec plugin entries; the plugin is never run here). */
#include <stdint.h>
#include <stdlib.h>

#include "base/err.h"
#include "base/fuzz/fuzz_input.h"
#include "platform/kube/kubeconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sc_kube_config *c = NULL;
    struct sc_err err;

    sc_err_init(&err);
    if (sc_kube_config_load(sc_fuzz_as_file(data, size), NULL, &c, &err) == 0) {
        if (c == NULL)
            abort();
        sc_kube_config_free(c);
    } else if (c != NULL || err.msg[0] == '\0') {
        abort();
    }
    return 0;
}

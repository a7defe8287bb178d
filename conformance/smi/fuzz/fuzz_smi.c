/* fuzz_smi.c - libFuzzer harness: an SMI manifest (YAML stream or JSON) is validated, and
 * every object converts to each version of its group; what a conversion gives validates at
 * that version (the invariant the suites rely on, see suites_are_valid). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/doc.h"
#include "base/err.h"
#include "base/fuzz/fuzz_input.h"
#include "smi/convert.h"
#include "smi/smi.h"

static void convert_all(const struct sc_smi_obj *o)
{
    for (int v = 1; v <= 4; v++) {
        struct sc_doc_node *conv = NULL;
        struct sc_smi_obj *back = NULL;
        struct sc_err err;
        sc_err_init(&err);
        if (sc_smi_convert(o->doc, v, &conv, &err) != 0) {
            if (conv != NULL)
                abort(); /* a failed conversion gives nothing */
            continue;
        }
        sc_err_init(&err);
        if (sc_smi_obj_from_doc(conv, "<converted>", NULL, &back, NULL, &err) != 0) {
            fprintf(stderr, "fuzz_smi: v1alpha%d conversion does not validate: %s\n", v, err.msg);
            abort();
        }
        if (back->version != v)
            abort(); /* a conversion to v1alphaN gives a v1alphaN object */
        sc_smi_obj_free(back);
        sc_doc_node_free(conv);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sc_smi_obj *list = NULL;
    struct sc_smi_diag diag;
    struct sc_err err;

    sc_err_init(&err);
    if (sc_smi_parse((const char *)data, size, "<fuzz>", NULL, &list, &diag, &err) != 0) {
        if (list != NULL)
            abort(); /* all or nothing */
        return 0;
    }
    for (const struct sc_smi_obj *o = list; o != NULL; o = o->next)
        convert_all(o);
    sc_smi_obj_list_free(list);
    return 0;
}

/* convert.h - rewrite an SMI object written in its group's newest shape into an older version. */
#ifndef SC_SMI_CONVERT_H
#define SC_SMI_CONVERT_H

#include "base/err.h"
#include "base/doc.h"

/*
 * Suites write objects once, in the newest shapes (access v1alpha3, specs v1alpha4, split
 * v1alpha4). sc_smi_convert() rewrites `in` (borrowed) into v1alpha`version` of the same
 * group: v1alpha1 access has no `spec` and calls rules `specs`; specs v1alpha1/2 keep
 * `matches` at the top level; split v1alpha1 weights are quantities; and so on.
 * An object already in the target version is copied unchanged. One exception to "newest": a
 * TrafficTarget may be written as v1alpha2 (or v1alpha1) to use destination.port, which later
 * versions lack; it converts to that version and older ones, and to a later one it gives
 * SC_ENOTFOUND (no such form).
 *
 * Returns 0 with *out the caller's (sc_doc_node_free); SC_ENOTFOUND when the object uses a
 * feature the target version lacks (split `matches` before v1alpha3, TCPRoute ports before
 * v1alpha4, UDPRoute before v1alpha4, headers in specs v1alpha1): err says which, and the
 * caller skips the test for that version with that reason; SC_EINVAL for input that is not
 * an SMI object in the newest shape.
 */
SC_MUST_CHECK int sc_smi_convert(const struct sc_doc_node *in, int version,
                                 struct sc_doc_node **out, struct sc_err *err);

#endif

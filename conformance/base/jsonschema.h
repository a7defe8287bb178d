/* jsonschema.h - a JSON Schema (draft 2020-12) validator on cJSON, for the keywords our schemas
 * use.
 *
 * Supported: type (a name or a list), enum, const, properties, required, additionalProperties
 * (boolean or schema), items (one schema for every element), minItems, maxItems, minimum,
 * maximum, minLength, maxLength (in characters), pattern, $ref (a JSON pointer into the same
 * document: "#", "#/$defs/name"), $defs, allOf, anyOf, oneOf, boolean schemas, and the
 * annotations $schema, $id, $comment, title, description, default, examples. Any other keyword
 * makes sc_jsonschema_new() fail, so a schema cannot silently rely on one this validator ignores.
 * Semantics follow https://json-schema.org/draft/2020-12/json-schema-validation (section 6) and
 * json-schema-core (10.3.2 for properties and additionalProperties, 8.2.3.1 for $ref), as the
 * JSON-Schema-Test-Suite's tests/draft2020-12 files check them (additionalProperties.json cites
 * core 10.3.2.3: "Boolean false forbids everything"; it ignores non-objects, as every keyword
 * ignores instances of types it does not apply to).
 *
 * `pattern` is compiled as a POSIX extended regex (regcomp), not ECMA-262 as validation 6.3.3
 * asks: write patterns in their common subset ([0-9] rather than \d, no lookaround). As 6.3.3
 * says ("regular expressions are not implicitly anchored", quoted in json-schema-spec#1478), a
 * pattern matches anywhere unless it says ^ and $.
 */
#ifndef SC_JSONSCHEMA_H
#define SC_JSONSCHEMA_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "base/err.h"

struct sc_jsonschema;

/* Load a schema from JSON text. `name` (borrowed) names it in messages. Refuses text that is
 * not JSON, unsupported keywords, malformed keyword values, patterns regcomp() refuses and
 * $refs that resolve to nothing, naming where: "results.schema.json: /$defs/test/properties/x:
 * keyword 'format' is not supported". On success *out is the caller's (sc_jsonschema_free). */
SC_MUST_CHECK int sc_jsonschema_new(const char *text, size_t len, const char *name,
                                    struct sc_jsonschema **out, struct sc_err *err);
void sc_jsonschema_free(struct sc_jsonschema *s);

/* Called once per violation: `path` is the instance's JSON pointer ("/tests/3/result"; "" for
 * the document itself), `msg` what is wrong ("\"pased\" is not one of passed, failed, ...").
 * Both are valid only during the call. */
typedef void (*sc_jsonschema_report_fn)(void *arg, const char *path, const char *msg);

/* Check `doc` (borrowed) against the schema, reporting every violation found (none is skipped
 * for an earlier one, except below a value of the wrong type). Returns how many. */
size_t sc_jsonschema_validate(const struct sc_jsonschema *s, const cJSON *doc,
                              sc_jsonschema_report_fn report, void *arg);

/* Parse JSON text: exactly one value, nothing after it but white space. A failure is SC_EINVAL
 * with "FILE:LINE:COL: not valid JSON" at the first byte cJSON could not take. On success *out
 * is the caller's (cJSON_Delete). `file` (borrowed) may be NULL ("<input>"). */
SC_MUST_CHECK int sc_json_parse_located(const char *text, size_t len, const char *file, cJSON **out,
                                        struct sc_err *err);

#endif

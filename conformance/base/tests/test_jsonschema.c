/* test_jsonschema.c - the JSON Schema validator, keyword by keyword: what passes, what is refused
 * and the JSON pointer and message of each violation. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonschema.h"

#include "base/tests/check_main.h"

/* Every violation of the last check(), one "PATH: MSG" line each. */
static char seen[4096];

static void collect(void *arg, const char *path, const char *msg)
{
    size_t at = strlen(seen);
    (void)arg;
    snprintf(seen + at, sizeof(seen) - at, "%s: %s\n", path, msg);
}

/* Validate JSON text `doc` against schema text `schema`; returns the violation count. */
static size_t check(const char *schema, const char *doc)
{
    struct sc_jsonschema *s;
    struct sc_err err;
    cJSON *d;
    size_t n;

    seen[0] = '\0';
    sc_err_init(&err);
    ck_assert_msg(sc_jsonschema_new(schema, strlen(schema), "t", &s, &err) == 0, "%s", err.msg);
    ck_assert_msg(sc_json_parse_located(doc, strlen(doc), "d", &d, &err) == 0, "%s", err.msg);
    n = sc_jsonschema_validate(s, d, collect, NULL);
    cJSON_Delete(d);
    sc_jsonschema_free(s);
    return n;
}

/* Load a schema that must be refused; the message lands in `seen`. */
static int load_error(const char *schema)
{
    struct sc_jsonschema *s = NULL;
    struct sc_err err;
    int rc;
    sc_err_init(&err);
    rc = sc_jsonschema_new(schema, strlen(schema), "s.json", &s, &err);
    snprintf(seen, sizeof(seen), "%s", err.msg);
    sc_jsonschema_free(s);
    return rc;
}

START_TEST(type_names_one_type_or_a_list_and_integer_means_whole)
{
    ck_assert_uint_eq(check("{\"type\":\"integer\"}", "3"), 0);
    ck_assert_uint_eq(check("{\"type\":\"integer\"}", "3.0"), 0);
    ck_assert_uint_eq(check("{\"type\":\"integer\"}", "3.5"), 1);
    ck_assert_str_eq(seen, ": expected integer, got number 3.5\n");
    ck_assert_uint_eq(check("{\"type\":\"number\"}", "3"), 0);
    ck_assert_uint_eq(check("{\"type\":[\"string\",\"null\"]}", "null"), 0);
    ck_assert_uint_eq(check("{\"type\":[\"string\",\"null\"]}", "\"x\""), 0);
    ck_assert_uint_eq(check("{\"type\":[\"string\",\"null\"]}", "false"), 1);
    ck_assert_str_eq(seen, ": expected one of string, null, got boolean false\n");
    ck_assert_uint_eq(check("{\"type\":\"object\"}", "[1]"), 1);
    ck_assert_str_eq(seen, ": expected object, got an array\n");
}
END_TEST

START_TEST(enum_and_const_compare_whole_values)
{
    const char *e = "{\"enum\":[\"passed\",\"failed\",\"skipped\",\"error\",null]}";
    ck_assert_uint_eq(check(e, "\"failed\""), 0);
    ck_assert_uint_eq(check(e, "null"), 0);
    ck_assert_uint_eq(check(e, "\"pased\""), 1);
    ck_assert_str_eq(seen, ": \"pased\" is not one of passed, failed, skipped, error, null\n");
    ck_assert_uint_eq(check("{\"const\":\"us\"}", "\"us\""), 0);
    ck_assert_uint_eq(check("{\"const\":\"us\"}", "\"ms\""), 1);
    ck_assert_str_eq(seen, ": expected \"us\", got \"ms\"\n");
    ck_assert_uint_eq(check("{\"const\":{\"a\":[1,2]}}", "{\"a\":[1,2]}"), 0);
    ck_assert_uint_eq(check("{\"const\":{\"a\":[1,2]}}", "{\"a\":[2,1]}"), 1);
}
END_TEST

START_TEST(required_names_the_missing_property_by_its_path)
{
    const char *s = "{\"type\":\"object\",\"required\":[\"a\",\"b\"]}";
    ck_assert_uint_eq(check(s, "{\"a\":1,\"b\":null}"), 0);
    ck_assert_uint_eq(check(s, "{}"), 2);
    ck_assert_str_eq(seen, "/a: required property is missing\n/b: required property is missing\n");
}
END_TEST

START_TEST(properties_apply_to_members_and_additional_ones_follow_the_rule)
{
    const char *closed = "{\"properties\":{\"n\":{\"type\":\"integer\"}},"
                         "\"additionalProperties\":false}";
    const char *typed = "{\"properties\":{\"n\":{\"type\":\"integer\"}},"
                        "\"additionalProperties\":{\"type\":\"string\"}}";
    ck_assert_uint_eq(check(closed, "{\"n\":1}"), 0);
    ck_assert_uint_eq(check(closed, "{\"n\":\"1\",\"colour\":1}"), 2);
    ck_assert_str_eq(seen, "/n: expected integer, got string \"1\"\n"
                           "/colour: unknown property (the schema allows no others here)\n");
    ck_assert_uint_eq(check(typed, "{\"n\":1,\"x\":\"y\"}"), 0);
    ck_assert_uint_eq(check(typed, "{\"x\":2}"), 1);
    ck_assert_str_eq(seen, "/x: expected string, got integer 2\n");
    /* without additionalProperties anything else is allowed */
    ck_assert_uint_eq(check("{\"properties\":{\"n\":{\"type\":\"integer\"}}}", "{\"x\":[]}"), 0);
}
END_TEST

START_TEST(paths_escape_tilde_and_slash_as_rfc_6901_says)
{
    ck_assert_uint_eq(check("{\"additionalProperties\":false}", "{\"a/b~c\":1}"), 1);
    ck_assert_str_eq(seen, "/a~1b~0c: unknown property (the schema allows no others here)\n");
}
END_TEST

START_TEST(items_apply_to_every_element_with_its_index)
{
    const char *s = "{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":1,"
                    "\"maxItems\":3}";
    ck_assert_uint_eq(check(s, "[\"a\",\"b\"]"), 0);
    ck_assert_uint_eq(check(s, "[\"a\",7,\"c\",null]"), 3);
    ck_assert_str_eq(seen, ": has 4 items, more than 3\n/1: expected string, got integer 7\n"
                           "/3: expected string, got null\n");
    ck_assert_uint_eq(check(s, "[]"), 1);
    ck_assert_str_eq(seen, ": has 0 items, fewer than 1\n");
}
END_TEST

START_TEST(minimum_and_maximum_are_inclusive)
{
    const char *s = "{\"minimum\":1,\"maximum\":4294967295}";
    ck_assert_uint_eq(check(s, "1"), 0);
    ck_assert_uint_eq(check(s, "4294967295"), 0);
    ck_assert_uint_eq(check(s, "0"), 1);
    ck_assert_str_eq(seen, ": 0 is less than the minimum 1\n");
    ck_assert_uint_eq(check(s, "4294967296"), 1);
    ck_assert_str_eq(seen, ": 4294967296 is more than the maximum 4294967295\n");
    /* numeric keywords ignore other types, as the spec says */
    ck_assert_uint_eq(check(s, "\"0\""), 0);
}
END_TEST

START_TEST(string_lengths_count_characters_not_bytes)
{
    ck_assert_uint_eq(check("{\"maxLength\":2}", "\"\xc3\xa9\xc3\xa9\""), 0);
    ck_assert_uint_eq(check("{\"maxLength\":2}", "\"abc\""), 1);
    ck_assert_str_eq(seen, ": is 3 characters long, longer than 2\n");
    ck_assert_uint_eq(check("{\"minLength\":1}", "\"\""), 1);
    ck_assert_str_eq(seen, ": is 0 characters long, shorter than 1\n");
}
END_TEST

START_TEST(pattern_is_a_search_unless_anchored)
{
    const char *t = "{\"pattern\":\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\\\.[0-9]{3}Z$\"}";
    ck_assert_uint_eq(check("{\"pattern\":\"smi\"}", "\"split.smi-spec.io\""), 0);
    ck_assert_uint_eq(check(t, "\"2026-11-30T20:33:24.286Z\""), 0);
    ck_assert_uint_eq(check(t, "\"2026-11-30 20:33:24\""), 1);
    ck_assert_str_eq(seen, ": \"2026-11-30 20:33:24\" does not match the pattern "
                           "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z$\n");
}
END_TEST

START_TEST(refs_follow_pointers_into_defs_and_report_at_the_instance)
{
    const char *s = "{\"type\":\"object\",\"properties\":{\"tests\":{\"type\":\"array\","
                    "\"items\":{\"$ref\":\"#/$defs/test\"}}},"
                    "\"$defs\":{\"test\":{\"type\":\"object\",\"required\":[\"result\"],"
                    "\"properties\":{\"result\":{\"enum\":[\"passed\",\"failed\"]}}}}}";
    ck_assert_uint_eq(check(s, "{\"tests\":[{\"result\":\"passed\"}]}"), 0);
    ck_assert_uint_eq(check(s, "{\"tests\":[{\"result\":\"passed\"},{},{\"result\":\"x\"}]}"), 2);
    ck_assert_str_eq(seen, "/tests/1/result: required property is missing\n"
                           "/tests/2/result: \"x\" is not one of passed, failed\n");
}
END_TEST

START_TEST(any_of_needs_one_and_one_of_exactly_one)
{
    const char *any = "{\"anyOf\":[{\"type\":\"string\"},{\"minimum\":5}]}";
    const char *one = "{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":5}]}";
    ck_assert_uint_eq(check(any, "\"x\""), 0);
    ck_assert_uint_eq(check(any, "7"), 0);
    ck_assert_uint_eq(check(any, "3"), 1);
    ck_assert_str_eq(seen, ": matches none of the 2 schemas of anyOf\n");
    ck_assert_uint_eq(check(one, "3"), 0);
    ck_assert_uint_eq(check(one, "5.5"), 0);
    ck_assert_uint_eq(check(one, "7"), 1);
    ck_assert_str_eq(seen, ": matches 2 of the schemas of oneOf, not exactly one\n");
    ck_assert_uint_eq(check(one, "1.5"), 1);
    ck_assert_str_eq(seen, ": matches none of the 2 schemas of oneOf\n");
    ck_assert_uint_eq(check("{\"allOf\":[{\"minimum\":1},{\"maximum\":2}]}", "3"), 1);
    ck_assert_str_eq(seen, ": 3 is more than the maximum 2\n");
}
END_TEST

START_TEST(boolean_schemas_allow_everything_or_nothing)
{
    ck_assert_uint_eq(check("true", "{\"a\":1}"), 0);
    ck_assert_uint_eq(check("{\"properties\":{\"a\":false}}", "{\"a\":1}"), 1);
    ck_assert_str_eq(seen, "/a: no value is allowed here\n");
}
END_TEST

START_TEST(every_violation_is_reported_not_only_the_first)
{
    const char *s = "{\"type\":\"object\",\"required\":[\"x\"],\"additionalProperties\":false,"
                    "\"properties\":{\"a\":{\"type\":\"string\"},\"b\":{\"minimum\":0}}}";
    ck_assert_uint_eq(check(s, "{\"a\":1,\"b\":-1,\"c\":0}"), 4);
    ck_assert_str_eq(seen, "/x: required property is missing\n/a: expected string, got integer 1\n"
                           "/b: -1 is less than the minimum 0\n"
                           "/c: unknown property (the schema allows no others here)\n");
}
END_TEST

START_TEST(schemas_with_unsupported_keywords_or_bad_values_are_refused)
{
    ck_assert_int_eq(load_error("{\"properties\":{\"t\":{\"format\":\"date-time\"}}}"), SC_EINVAL);
    ck_assert_str_eq(seen, "s.json: /properties/t/format: unsupported keyword");
    ck_assert_int_eq(load_error("{\"$ref\":\"#/$defs/nope\"}"), SC_EINVAL);
    ck_assert_str_eq(seen, "s.json: /$ref: '#/$defs/nope' leads nowhere in this document (only "
                           "local refs are supported)");
    ck_assert_int_eq(load_error("{\"$ref\":\"other.json#/x\"}"), SC_EINVAL);
    ck_assert_int_eq(load_error("{\"type\":\"float\"}"), SC_EINVAL);
    ck_assert_str_eq(seen, "s.json: /type: unknown type name");
    ck_assert_int_eq(load_error("{\"pattern\":\"(\"}"), SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(seen, "s.json: /pattern: pattern '(' is not a POSIX extended"));
    ck_assert_int_eq(load_error("{\"minLength\":-1}"), SC_EINVAL);
    ck_assert_int_eq(load_error("{\"anyOf\":[]}"), SC_EINVAL);
    ck_assert_int_eq(load_error("[]"), SC_EINVAL);
    ck_assert_str_eq(seen, "s.json: /: a schema must be an object or a boolean");
    ck_assert_int_eq(load_error("{\"type\":"), SC_EINVAL);
    /* at the end of the text cJSON points at its last byte */
    ck_assert_str_eq(seen, "s.json:1:8: not valid JSON");
}
END_TEST

START_TEST(a_ref_loop_is_reported_not_followed_forever)
{
    ck_assert_uint_eq(
        check("{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/a\"}},\"$ref\":\"#/$defs/a\"}", "1"), 1);
    ck_assert_str_eq(seen, ": schema recursion deeper than 64 ($ref loop?)\n");
}
END_TEST

START_TEST(json_parse_errors_name_line_and_column)
{
    struct sc_err err;
    cJSON *d = NULL;
    sc_err_init(&err);
    ck_assert_int_eq(
        sc_json_parse_located("{\n  \"a\": 1,\n  \"b\": tru\n}", 24, "r.json", &d, &err),
        SC_EINVAL);
    ck_assert_ptr_null(d);
    ck_assert_str_eq(err.msg, "r.json:3:8: not valid JSON");
    ck_assert_int_eq(sc_json_parse_located("{} x", 4, "r.json", &d, &err), SC_EINVAL);
    ck_assert_str_eq(err.msg, "r.json:1:4: not valid JSON");
    ck_assert_int_eq(sc_json_parse_located("", 0, NULL, &d, &err), SC_EINVAL);
    ck_assert_str_eq(err.msg, "<input>:1:1: not valid JSON");
    ck_assert_int_eq(sc_json_parse_located(" [1] \n", 6, "r.json", &d, &err), 0);
    ck_assert(cJSON_IsArray(d));
    cJSON_Delete(d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("jsonschema");
    TCase *tc = tcase_create("keywords");
    tcase_add_test(tc, type_names_one_type_or_a_list_and_integer_means_whole);
    tcase_add_test(tc, enum_and_const_compare_whole_values);
    tcase_add_test(tc, required_names_the_missing_property_by_its_path);
    tcase_add_test(tc, properties_apply_to_members_and_additional_ones_follow_the_rule);
    tcase_add_test(tc, paths_escape_tilde_and_slash_as_rfc_6901_says);
    tcase_add_test(tc, items_apply_to_every_element_with_its_index);
    tcase_add_test(tc, minimum_and_maximum_are_inclusive);
    tcase_add_test(tc, string_lengths_count_characters_not_bytes);
    tcase_add_test(tc, pattern_is_a_search_unless_anchored);
    tcase_add_test(tc, refs_follow_pointers_into_defs_and_report_at_the_instance);
    tcase_add_test(tc, any_of_needs_one_and_one_of_exactly_one);
    tcase_add_test(tc, boolean_schemas_allow_everything_or_nothing);
    tcase_add_test(tc, every_violation_is_reported_not_only_the_first);
    tcase_add_test(tc, schemas_with_unsupported_keywords_or_bad_values_are_refused);
    tcase_add_test(tc, a_ref_loop_is_reported_not_followed_forever);
    tcase_add_test(tc, json_parse_errors_name_line_and_column);
    suite_add_tcase(s, tc);
    return sc_check_run(s);
}

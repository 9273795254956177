/*
 * tests/cli/test_config.c — JSON configs: positions, --set, unknown keys.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/config.h"

static struct cfg *load(const char *text, struct vmemsim_err *err)
{
	struct cfg *c = NULL;
	int rc = cfg_load_string(&c, "t.json", text, strlen(text), err);
	cr_assert_eq(rc, 0, "load failed: %s", err->msg);
	return c;
}

Test(config, syntax_error_names_file_line_and_column)
{
	struct vmemsim_err err = {0};
	struct cfg *c = NULL;
	const char *text = "{\n  \"a\": 1,\n  \"b\": ,\n}\n";
	cr_assert_eq(cfg_load_string(&c, "bad.json", text, strlen(text), &err), VMEMSIM_EINVAL);
	cr_assert_null(c);
	cr_assert(strstr(err.msg, "bad.json:3:") != NULL, "got: %s", err.msg);
}

Test(config, top_level_must_be_an_object)
{
	struct vmemsim_err err = {0};
	struct cfg *c = NULL;
	cr_assert_eq(cfg_load_string(&c, "x.json", "[1,2]", 5, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "x.json:1:1") != NULL, "got: %s", err.msg);
}

Test(config, duplicate_keys_are_rejected)
{
	struct vmemsim_err err = {0};
	struct cfg *c = NULL;
	const char *t = "{\"a\": 1, \"a\": 2}";
	cr_assert_eq(cfg_load_string(&c, "d.json", t, strlen(t), &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "duplicate") != NULL, "got: %s", err.msg);
}

Test(config, unknown_key_suggests_closest_with_position)
{
	struct vmemsim_err err = {0};
	const char *text =
	    "{\n  \"tlb\": {\n    \"l1d\": {\n      \"entires\": 64\n    }\n  }\n}\n";
	struct cfg *c = load(text, &err);
	static const char *const keys[] = {"entries", "ways", "page_sizes", NULL};
	json_t *l1d = json_object_get(json_object_get(cfg_root(c), "tlb"), "l1d");
	cr_assert_eq(cfg_check_keys(c, l1d, "tlb.l1d", keys, &err), VMEMSIM_EINVAL);
	cr_assert_str_eq(err.msg,
	                 "t.json:4:7: tlb.l1d.entires: unknown key (did you mean 'entries'?)");
	cfg_free(c);
}

Test(config, unknown_key_far_from_all_lists_valid_keys)
{
	struct vmemsim_err err = {0};
	struct cfg *c = load("{\"zzzzzzzz\": 1}", &err);
	static const char *const keys[] = {"name", "tlb", NULL};
	cr_assert_eq(cfg_check_keys(c, cfg_root(c), "", keys, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "valid keys: name, tlb") != NULL, "got: %s", err.msg);
	cr_assert(strstr(err.msg, "t.json:1:2: zzzzzzzz") != NULL, "got: %s", err.msg);
	cfg_free(c);
}

Test(config, array_elements_have_positions)
{
	struct vmemsim_err err = {0};
	const char *text = "{\"a\": [\n {\"x\": 1},\n {\"x\": \"no\"}\n]}";
	struct cfg *c = load(text, &err);
	json_t *el = json_array_get(json_object_get(cfg_root(c), "a"), 1);
	uint32_t v = 0;
	cr_assert_eq(cfg_get_u32(c, el, "a[1]", "x", true, 0, 10, &v, &err), VMEMSIM_EINVAL);
	cr_assert_str_eq(err.msg, "t.json:3:3: a[1].x: expected an integer, found a string");
	cfg_free(c);
}

Test(config, range_errors_name_the_range)
{
	struct vmemsim_err err = {0};
	struct cfg *c = load("{\"n\": 0}", &err);
	uint32_t v = 7;
	cr_assert_eq(cfg_get_u32(c, cfg_root(c), "", "n", true, 1, 100, &v, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "0 is out of range [1, 100]") != NULL, "got: %s", err.msg);
	cr_assert_eq(v, 7, "output changed on failure");
	cfg_free(c);
}

Test(config, missing_required_key_is_an_error_optional_is_not)
{
	struct vmemsim_err err = {0};
	struct cfg *c = load("{}", &err);
	uint64_t v = 42;
	cr_assert_eq(cfg_get_u64(c, cfg_root(c), "", "n", false, 0, 10, &v, &err), 0);
	cr_assert_eq(v, 42);
	cr_assert_eq(cfg_get_u64(c, cfg_root(c), "", "n", true, 0, 10, &v, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "missing required key 'n'") != NULL, "got: %s", err.msg);
	cfg_free(c);
}

Test(config, sizes_accept_binary_suffixes)
{
	struct vmemsim_err err = {0};
	struct cfg *c = load("{\"a\": \"32K\", \"b\": \"1280K\", \"c\": \"8MiB\", \"d\": 64, "
	                     "\"e\": \"1.5M\", \"f\": \"-1\"}",
	                     &err);
	uint64_t v;
	cr_assert_eq(cfg_get_size(c, cfg_root(c), "", "a", true, 0, ~0ull, &v, &err), 0);
	cr_assert_eq(v, 32768);
	cr_assert_eq(cfg_get_size(c, cfg_root(c), "", "b", true, 0, ~0ull, &v, &err), 0);
	cr_assert_eq(v, 1310720);
	cr_assert_eq(cfg_get_size(c, cfg_root(c), "", "c", true, 0, ~0ull, &v, &err), 0);
	cr_assert_eq(v, 8u << 20);
	cr_assert_eq(cfg_get_size(c, cfg_root(c), "", "d", true, 0, ~0ull, &v, &err), 0);
	cr_assert_eq(v, 64);
	cr_assert_eq(cfg_get_size(c, cfg_root(c), "", "e", true, 0, ~0ull, &v, &err),
	             VMEMSIM_EINVAL);
	cr_assert_eq(cfg_get_size(c, cfg_root(c), "", "f", true, 0, ~0ull, &v, &err),
	             VMEMSIM_EINVAL);
	cfg_free(c);
}

Test(config, enum_lists_choices)
{
	struct vmemsim_err err = {0};
	struct cfg *c = load("{\"r\": \"fifo\"}", &err);
	static const char *const names[] = {"lru", "plru", "random", NULL};
	int v = -1;
	cr_assert_eq(cfg_get_enum(c, cfg_root(c), "", "r", true, names, &v, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "'fifo' is not one of: lru, plru, random") != NULL, "got: %s",
	          err.msg);
	cfg_free(c);
}

Test(config, set_overrides_nested_values_and_array_elements)
{
	struct vmemsim_err err = {0};
	struct cfg *c =
	    load("{\"tlb\": {\"arrays\": [{\"entries\": 64}, {\"entries\": 32}]}}", &err);
	json_t *a;
	cr_assert_eq(cfg_set(c, "tlb.arrays[1].entries=48", &err), 0, "%s", err.msg);
	cr_assert_eq(cfg_set(c, "tlb.name=big stlb", &err), 0, "%s", err.msg);
	cr_assert_eq(cfg_set(c, "new.deep.key=true", &err), 0, "%s", err.msg);
	a = json_object_get(json_object_get(cfg_root(c), "tlb"), "arrays");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(a, 1), "entries")), 48);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(a, 0), "entries")), 64);
	cr_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(cfg_root(c), "tlb"), "name")),
	    "big stlb");
	cr_assert(json_is_true(
	    json_object_get(json_object_get(json_object_get(cfg_root(c), "new"), "deep"), "key")));
	cfg_free(c);
}

Test(config, errors_about_set_keys_name_the_set)
{
	struct vmemsim_err err = {0};
	struct cfg *c = load("{\"a\": {\"n\": 1}}", &err);
	uint32_t v;
	cr_assert_eq(cfg_set(c, "a.n=\"x\"", &err), 0, "%s", err.msg);
	cr_assert_eq(
	    cfg_get_u32(c, json_object_get(cfg_root(c), "a"), "a", "n", true, 0, 9, &v, &err),
	    VMEMSIM_EINVAL);
	cr_assert_str_eq(err.msg, "--set a.n: expected an integer, found a string");
	cfg_free(c);
}

Test(config, failed_set_changes_nothing)
{
	struct vmemsim_err err = {0};
	struct cfg *c = load("{\"a\": [1, 2]}", &err);
	char *before = json_dumps(cfg_root(c), JSON_SORT_KEYS), *after;
	cr_assert_eq(cfg_set(c, "a[5]=3", &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "no array element 5") != NULL, "got: %s", err.msg);
	cr_assert_eq(cfg_set(c, "x.y[0].z=3", &err), VMEMSIM_EINVAL);
	cr_assert_eq(cfg_set(c, "novalue", &err), VMEMSIM_EINVAL);
	cr_assert_eq(cfg_set(c, "a..b=1", &err), VMEMSIM_EINVAL);
	cr_assert_eq(cfg_set(c, "=1", &err), VMEMSIM_EINVAL);
	after = json_dumps(cfg_root(c), JSON_SORT_KEYS);
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
	cfg_free(c);
}

Test(config, edit_distance_matches_hand_counts)
{
	cr_assert_eq(cfg_edit_distance("entries", "entires"), 2);
	cr_assert_eq(cfg_edit_distance("ways", "way"), 1);
	cr_assert_eq(cfg_edit_distance("", "abc"), 3);
	cr_assert_eq(cfg_edit_distance("kitten", "sitting"), 3);
}

Test(config, missing_file_is_an_io_error_naming_it)
{
	struct vmemsim_err err = {0};
	struct cfg *c = NULL;
	cr_assert_eq(cfg_load_file(&c, "/nonexistent/x.json", &err), VMEMSIM_EIO);
	cr_assert(strstr(err.msg, "/nonexistent/x.json: cannot open") != NULL, "got: %s", err.msg);
}

/* Found by fuzz_config: a key that is not UTF-8 made jansson free the object
 * cfg_set was about to descend into. */
Test(config, set_with_a_non_utf8_key_is_an_error_not_a_crash)
{
	struct vmemsim_err err = {0};
	struct cfg *c = load("{\"a\": {\"b\": [1, {\"c\": 2}]}}", &err);
	char *before = json_dumps(cfg_root(c), JSON_SORT_KEYS), *after;
	cr_assert_eq(cfg_set(c,
	                     "\xf4lb.l1d.arrays[2] :\x0b"
	                     "br\x7fl=",
	                     &err),
	             VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "UTF-8") != NULL, "got: %s", err.msg);
	cr_assert_eq(cfg_set(c, "a.\xff=1", &err), VMEMSIM_EINVAL);
	after = json_dumps(cfg_root(c), JSON_SORT_KEYS);
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
	cfg_free(c);
}

/* A --set integer beyond 64 bits is a number the user typed, not a string:
 * say it is too big (as for the same number in a file: "too big integer"),
 * and change nothing. */
Test(config, set_with_an_integer_too_big_for_64_bits_says_so)
{
	struct vmemsim_err err = {0};
	struct cfg *c = load("{\"a\": {\"n\": 1}}", &err);

	cr_assert_eq(cfg_set(c, "a.n=99999999999999999999", &err), VMEMSIM_EINVAL);
	cr_assert_str_eq(err.msg, "--set a.n: 99999999999999999999 is too big an integer");
	cr_assert_eq(cfg_set(c, "a.n=-99999999999999999999", &err), VMEMSIM_EINVAL);
	cr_assert_str_eq(err.msg, "--set a.n: -99999999999999999999 is too big an integer");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(cfg_root(c), "a"), "n")),
	             1);
	cfg_free(c);
}

/* Numbers on the command line: decimal, or hex with 0x; a leading 0 is
 * not octal (strtoull's base 0 read "0100" as 64 and "09" as an error). */
Test(parse, u64_is_decimal_unless_0x_prefixed)
{
	uint64_t v = 0;

	cr_expect_eq(cli_parse_u64("t", "--n", "0100", &v), 0);
	cr_expect_eq(v, 100);
	cr_expect_eq(cli_parse_u64("t", "--n", "09", &v), 0);
	cr_expect_eq(v, 9);
	cr_expect_eq(cli_parse_u64("t", "--n", "0x100", &v), 0);
	cr_expect_eq(v, 256);
	cr_expect_eq(cli_parse_u64("t", "--n", "2M", &v), 0);
	cr_expect_eq(v, 2ull << 20);
	cr_expect_eq(cli_parse_u64("t", "--n", "0", &v), 0);
	cr_expect_eq(v, 0);
	cr_expect_eq(cli_parse_u64("t", "--n", "99999999999999999999", &v), 2);
	cr_expect_eq(cli_parse_u64("t", "--n", "0x", &v), 2);
	cr_expect_eq(cli_parse_u64("t", "--n", "12q", &v), 2);
}

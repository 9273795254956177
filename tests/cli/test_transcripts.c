/*
 * tests/cli/test_transcripts.c — the command line as a user sees it: stdout,
 * stderr and exit code of the real binary.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "common/vmemsim.h"
#include "tests/common/transcript.h"

#define RUN(t, ...) cr_assert_eq(transcript_runl(t, __VA_ARGS__, NULL), 0, "spawn failed")

Test(cli, version_prints_the_version_and_exits_0)
{
	struct transcript t;
	RUN(&t, "--version");
	cr_assert_eq(t.status, 0);
	cr_assert_str_eq(t.out, "vmemsim " VMEMSIM_VERSION "\n");
	transcript_free(&t);
}

Test(cli, no_arguments_is_a_usage_error)
{
	struct transcript t;
	cr_assert_eq(transcript_runl(&t, NULL), 0);
	cr_assert_eq(t.status, 2);
	cr_assert(strstr(t.err, "usage: vmemsim") != NULL);
	transcript_free(&t);
}

Test(cli, unknown_command_is_a_usage_error_on_stderr)
{
	struct transcript t;
	RUN(&t, "frobnicate");
	cr_assert_eq(t.status, 2);
	cr_assert_str_eq(t.out, "");
	cr_assert_str_eq(
	    t.err,
	    "vmemsim: error: unknown command 'frobnicate'; run 'vmemsim --help' for the list\n");
	transcript_free(&t);
}

Test(cli, every_command_has_help_that_exits_0)
{
	static const char *const cmds[] = {"reach", "layout", "run",     "compare-models", "replay",
	                                   "trace", "query",  "compare", "export",         "db"};
	for (unsigned i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct transcript t;
		RUN(&t, cmds[i], "--help");
		cr_assert_eq(t.status, 0, "%s --help exited %d: %s", cmds[i], t.status, t.err);
		cr_assert(strstr(t.out, "usage: vmemsim") != NULL, "%s --help: %s", cmds[i], t.out);
		transcript_free(&t);
	}
}

Test(cli, reach_unknown_preset_fails_with_the_list)
{
	struct transcript t;
	RUN(&t, "reach", "--cpu", "pentium", "--no-db");
	cr_assert_eq(t.status, 1);
	cr_assert(strstr(t.err, "vmemsim: error: no cpu preset 'pentium'") != NULL, "%s", t.err);
	cr_assert(strstr(t.err, "zen4") != NULL, "%s", t.err);
	transcript_free(&t);
}

Test(cli, reach_bad_page_size_is_a_usage_error)
{
	struct transcript t;
	RUN(&t, "reach", "--page-size", "3k");
	cr_assert_eq(t.status, 2);
	cr_assert(strstr(t.err, "--page-size: '3k' is not 4k, 2m or 1g") != NULL, "%s", t.err);
	transcript_free(&t);
}

Test(cli, reach_set_typo_suggests_the_key)
{
	struct transcript t;
	RUN(&t, "reach", "--no-db", "--pages", "16", "--set", "cpu.tlb.stlb.latncy=3");
	cr_assert_eq(t.status, 1);
	cr_assert_str_eq(t.err, "vmemsim: error: --set tlb.stlb.latncy: unknown key (did you "
	                        "mean 'latency'?)\n");
	transcript_free(&t);
}

Test(cli, reach_json_has_the_documented_keys)
{
	struct transcript t;
	json_error_t jerr;
	json_t *arr;
	static const char *const keys[] = {
	    "pages",          "accesses",         "l1d_miss_rate",
	    "stlb_miss_rate", "walks_per_access", "cycles_per_access"};
	RUN(&t, "reach", "--no-db", "--cpu", "zen4", "--pages", "64,128", "--accesses", "1000",
	    "--json");
	cr_assert_eq(t.status, 0, "%s", t.err);
	arr = json_loads(t.out, 0, &jerr);
	cr_assert_not_null(arr, "not JSON: %s", jerr.text);
	cr_assert_eq(json_array_size(arr), 2);
	for (size_t i = 0; i < 2; i++)
		for (unsigned k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			cr_assert_not_null(json_object_get(json_array_get(arr, i), keys[k]),
			                   "missing %s", keys[k]);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(arr, 0), "pages")), 64);
	/* zen4's 72-entry L1 DTLB holds 64 pages but not 128 */
	cr_assert_eq(json_real_value(json_object_get(json_array_get(arr, 0), "l1d_miss_rate")),
	             0.0);
	cr_assert_eq(json_real_value(json_object_get(json_array_get(arr, 1), "l1d_miss_rate")),
	             1.0);
	json_decref(arr);
	transcript_free(&t);
}

Test(cli, reach_csv_has_a_header_and_one_row_per_point)
{
	struct transcript t;
	RUN(&t, "reach", "--no-db", "--pages", "16,32,64", "--accesses", "500", "--csv");
	cr_assert_eq(t.status, 0, "%s", t.err);
	cr_assert(!strncmp(t.out,
	                   "pages,page_size,accesses,l1d_miss_rate,stlb_miss_rate,walks_per_access,"
	                   "cycles_per_access\n16,4k,",
	                   strlen("pages,page_size,accesses,l1d_miss_rate,stlb_miss_rate,"
	                          "walks_per_access,cycles_per_access\n16,4k,")),
	          "%s", t.out);
	{
		int lines = 0;
		for (const char *p = t.out; *p; p++)
			lines += *p == '\n';
		cr_assert_eq(lines, 4);
	}
	transcript_free(&t);
}

/* A bad --pages list is refused as a usage error before any point runs (no
 * run recorded, nothing printed on stdout): empty elements, duplicates,
 * counts outside [2, 2^24], and sizes that do not fit below 128 TiB. */
Test(cli, reach_bad_pages_lists_are_usage_errors_before_any_run)
{
	static const struct {
		const char *pages, *page_size, *msg;
	} cases[] = {
	    {"16,,32", "4k", "vmemsim reach: error: --pages: empty element in '16,,32'\n"},
	    {"16,", "4k", "vmemsim reach: error: --pages: empty element in '16,'\n"},
	    {"16,32,16", "4k", "vmemsim reach: error: --pages: 16 is listed twice\n"},
	    {"16,100000000", "4k",
	     "vmemsim reach: error: --pages: 100000000 is outside [2, 16777216]\n"},
	    {"16,200000", "1g",
	     "vmemsim reach: error: --pages: 200000 pages of 1g do not fit below 128 TiB\n"},
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct transcript t;
		RUN(&t, "reach", "--no-db", "--accesses", "100", "--pages", cases[i].pages,
		    "--page-size", cases[i].page_size);
		cr_expect_eq(t.status, 2, "%s: status %d", cases[i].pages, t.status);
		cr_expect_str_eq(t.out, "", "%s: ran before failing", cases[i].pages);
		cr_expect(!strncmp(t.err, cases[i].msg, strlen(cases[i].msg)),
		          "%s: got '%s', want '%s'", cases[i].pages, t.err, cases[i].msg);
		transcript_free(&t);
	}
}

/* -q is --quiet on every command that shows progress (reach and replay
 * took only the long form). */
Test(cli, short_q_is_quiet_on_reach_and_replay)
{
	struct transcript t;

	RUN(&t, "reach", "-q", "--pages", "16", "--accesses", "1000", "--no-db");
	cr_expect_eq(t.status, 0, "%s", t.err);
	cr_expect_str_eq(t.err, "");
	cr_expect(strstr(t.out, "pages") != NULL);
	transcript_free(&t);
	RUN(&t, "replay", "-q", "--no-db", "/nonexistent.vtr");
	cr_expect_eq(t.status, 1, "%s", t.err);
	cr_expect(strstr(t.err, "unknown option") == NULL, "%s", t.err);
	transcript_free(&t);
}

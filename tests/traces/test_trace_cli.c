/*
 * tests/traces/test_trace_cli.c — `vmemsim trace ...` and `vmemsim replay`
 * checked against transcripts: stdout, stderr and the exit status.
 */
#include <criterion/criterion.h>
#include <sys/wait.h>

#include "helpers.h"

static char dir[64];

static void setup(void)
{
	th_tmpdir(dir, sizeof(dir));
}

static void teardown(void)
{
	th_rmdir(dir);
}

TestSuite(trace_cli, .init = setup, .fini = teardown, .timeout = 60);

struct outcome {
	int status;
	char out[16384], err[4096];
};

/* Run `vmemsim ARGS` (a shell fragment) with stdout and stderr captured. */
static void vm(struct outcome *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vm(struct outcome *o, const char *fmt, ...)
{
	const char *bin = getenv("VMEMSIM_BIN");
	char args[1024], cmd[2048], path[160];
	size_t len;
	uint8_t *p;
	va_list ap;
	int st;

	cr_assert_not_null(bin, "VMEMSIM_BIN is not set (run through ctest)");
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s > out.txt 2> err.txt", dir, bin, args);
	st = system(cmd);
	o->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	snprintf(path, sizeof(path), "%s/out.txt", dir);
	p = th_slurp(path, &len);
	snprintf(o->out, sizeof(o->out), "%.*s", (int)len, (char *)p);
	free(p);
	snprintf(path, sizeof(path), "%s/err.txt", dir);
	p = th_slurp(path, &len);
	snprintf(o->err, sizeof(o->err), "%.*s", (int)len, (char *)p);
	free(p);
}

static void write_text(const char *name, const char *text)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	th_spit(path, text, strlen(text));
}

static const char lackey_text[] = "==7== Lackey\n"
                                  "I  00401000,4\n"
                                  " L 00601000,8\n"
                                  "I  00401004,3\n"
                                  " M 00601008,4\n"
                                  "I  00401007,2\n"
                                  " S 7ffc0010,8\n";

Test(trace_cli, convert_then_head_prints_the_records)
{
	struct outcome o;

	write_text("t.lackey", lackey_text);
	vm(&o, "trace convert t.lackey -o t.vtr --quiet");
	cr_assert_eq(o.status, 0, "%s", o.err);
	vm(&o, "trace head t.vtr -n 5");
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_str_eq(o.out, "index  type   va        size  pc      \n"
	                        "    0  fetch  0x401000     4  0x401000\n"
	                        "    1  load   0x601000     8  0x401000\n"
	                        "    2  fetch  0x401004     3  0x401004\n"
	                        "    3  load   0x601008     4  0x401004\n"
	                        "    4  store  0x601008     4  0x401004\n");
	cr_assert_str_eq(o.err, "");
}

Test(trace_cli, info_reports_counts_by_type_as_json)
{
	struct outcome o;

	write_text("t.lackey", lackey_text);
	vm(&o, "trace convert t.lackey -o t.vtr --quiet --metadata '{\"note\":\"x\"}'");
	cr_assert_eq(o.status, 0, "%s", o.err);
	vm(&o, "trace info t.vtr --json");
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(strstr(o.out, "{\"property\": \"format\", \"value\": \"vtr\"}"), "%s", o.out);
	cr_assert(strstr(o.out, "{\"property\": \"records\", \"value\": 7}"), "%s", o.out);
	cr_assert(strstr(o.out, "{\"property\": \"fetches\", \"value\": 3}"), "%s", o.out);
	cr_assert(strstr(o.out, "{\"property\": \"loads\", \"value\": 2}"), "%s", o.out);
	cr_assert(strstr(o.out, "{\"property\": \"stores\", \"value\": 2}"), "%s", o.out);
	cr_assert(strstr(o.out, "\\\"note\\\":\\\"x\\\""), "%s", o.out);
}

Test(trace_cli, garbage_lackey_line_fails_with_its_line_number)
{
	struct outcome o;

	write_text("bad.lackey", "I  00401000,4\n L 00601000,8\nnonsense here\n");
	vm(&o, "trace convert bad.lackey -o bad.vtr --format lackey");
	cr_assert_eq(o.status, 1);
	cr_assert_str_eq(o.err, "vmemsim: error: bad.lackey:3: not a lackey line: 'nonsense "
	                        "here' (2 records were read before it)\n");
	vm(&o, "trace head bad.vtr");
	cr_assert_eq(o.status, 1, "no output file is left behind");
	vm(&o, "trace convert bad.lackey -o ok.vtr --skip-bad --quiet");
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_str_eq(o.err, "vmemsim: warning: skipped 1 garbage lines\n");
}

Test(trace_cli, replay_prints_counters_and_first_touches)
{
	struct outcome o;

	write_text("t.lackey", lackey_text);
	vm(&o, "replay t.lackey --no-db --quiet --json");
	cr_assert_eq(o.status, 0, "%s", o.err);
	/* pages: 0x401000, 0x601000, 0x7ffc0000: three first touches */
	cr_assert(strstr(o.out, "{\"metric\": \"first_touch_faults\", \"value\": 3}"), "%s", o.out);
	cr_assert(strstr(o.out, "{\"metric\": \"records\", \"value\": 7}"), "%s", o.out);
	cr_assert(strstr(o.out, "{\"metric\": \"instructions\", \"value\": 3}"), "%s", o.out);
	cr_assert(strstr(o.out, "{\"metric\": \"stores\", \"value\": 2}"), "%s", o.out);
}

Test(trace_cli, replay_records_a_run_in_the_database)
{
	struct outcome o;

	write_text("t.lackey", lackey_text);
	vm(&o, "replay t.lackey --db r.db --quiet --pages thp");
	cr_assert_eq(o.status, 0, "%s", o.err);
	vm(&o, "query --db r.db --csv \"select kind, workload, status from runs\"");
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_str_eq(o.out, "kind,workload,status\nreplay,t.lackey,done\n");
	vm(&o, "query --db r.db --csv \"select value from metrics where name = 'pages_2m'\"");
	cr_assert_str_eq(o.out, "value\n3\n", "%s", o.out);
}

Test(trace_cli, replay_of_a_truncated_trace_keeps_counters_and_fails)
{
	struct outcome o;
	char path[160];
	size_t len;
	uint8_t *f;

	write_text("t.lackey", lackey_text);
	vm(&o, "trace convert t.lackey -o t.vtr --quiet");
	snprintf(path, sizeof(path), "%s/t.vtr", dir);
	f = th_slurp(path, &len);
	th_spit(path, f, len - 30); /* cut into the trailer */
	free(f);
	vm(&o, "replay t.vtr --db r.db --quiet --csv");
	cr_assert_eq(o.status, 1);
	cr_assert(strstr(o.out, "records,7\n"), "%s", o.out);
	cr_assert(strstr(o.err, "truncated at byte offset"), "%s", o.err);
	vm(&o, "query --db r.db --csv \"select status from runs\"");
	cr_assert_str_eq(o.out, "status\nfailed\n");
}

Test(trace_cli, usage_errors_exit_2_and_help_exits_0)
{
	struct outcome o;

	vm(&o, "trace");
	cr_assert_eq(o.status, 2);
	vm(&o, "trace frobnicate");
	cr_assert_eq(o.status, 2);
	vm(&o, "trace convert x.lackey");
	cr_assert_eq(o.status, 2);
	cr_assert(strstr(o.err, "-o OUT.vtr is required"), "%s", o.err);
	vm(&o, "replay --pages 3m x");
	cr_assert_eq(o.status, 2);
	vm(&o, "replay --frag 1.5 x");
	cr_assert_eq(o.status, 2);
	vm(&o, "trace --help");
	cr_assert_eq(o.status, 0);
	vm(&o, "trace record --help");
	cr_assert_eq(o.status, 0);
	vm(&o, "replay --help");
	cr_assert_eq(o.status, 0);
	cr_assert(strstr(o.out, "usage: vmemsim replay TRACE"), "%s", o.out);
}

Test(trace_cli, record_runs_the_program_under_lackey)
{
	struct outcome o;

	vm(&o, "trace record -o true.vtr --quiet -- /bin/true");
	cr_assert_eq(o.status, 0, "%s", o.err);
	vm(&o, "trace info true.vtr --csv");
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(strstr(o.out, "fetch_is_instruction,yes\n"), "%s", o.out);
	cr_assert(strstr(o.out, "/bin/true"), "%s", o.out);
	cr_assert(!strstr(o.out, "\nrecords,0\n"), "%s", o.out);
	vm(&o, "trace record -o fail.vtr --quiet -- /bin/false");
	cr_assert_eq(o.status, 0);
	cr_assert(strstr(o.err, "the program exited with status 1"), "%s", o.err);
}

/*
 * tests/traces/test_trace_cli.c — `vmemsim trace ...` and `vmemsim replay`
 * checked against transcripts: stdout, stderr and the exit status.
 */
#include <criterion/criterion.h>
#include <sys/wait.h>
#include <unistd.h>

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
	cr_assert_str_eq(o.out, "index  type   va        size  pc\n"
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

/* A kernel trace: loads of one struct page per 4K vmemmap page over 4096
 * pages (pfns 0x1000 + 64 i: 1 GiB of RAM), three passes.  Under vmemmap-2m
 * those 4096 pages sit in a handful of 2M mappings; under vmemmap-4k every
 * load needs its own 4K translation and 4096 pages overflow the 1536-entry
 * STLB, so every load walks. */
static void write_vmemmap_trace(void)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/k.lackey", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	for (int pass = 0; pass < 3; pass++)
		for (uint64_t i = 0; i < 4096; i++)
			fprintf(
			    f, " L %llx,8\n",
			    (unsigned long long)(0xffffea0000000000ull + (0x1000 + 64 * i) * 64));
	fclose(f);
}

static uint64_t metric(const char *csv, const char *name)
{
	char key[64];
	const char *p;
	snprintf(key, sizeof(key), "\n%s,", name);
	p = strstr(csv, key);
	cr_assert_not_null(p, "no %s in %s", name, csv);
	return strtoull(p + strlen(key), NULL, 10);
}

Test(trace_cli, kernel_trace_replays_on_its_layout_and_across_vmemmap_models)
{
	struct outcome o;
	char cwd[512];
	uint64_t walks_2m, walks_4k;

	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	write_vmemmap_trace();
	vm(&o,
	   "trace convert k.lackey -o k.vtr --quiet --metadata "
	   "'{\"kind\":\"kernel\",\"layout\":\"%s/tests/traces/fixtures/kernel-vm.json\","
	   "\"memory_model\":\"vmemmap-2m\"}'",
	   cwd);
	cr_assert_eq(o.status, 0, "%s", o.err);

	vm(&o, "replay k.vtr --db r.db --quiet --csv");
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_eq(metric(o.out, "faults"), 0, "the machine maps all of vmemmap");
	cr_assert_eq(metric(o.out, "loads"), 3 * 4096);
	cr_assert_eq(metric(o.out, "walks_4k"), 0);
	walks_2m = metric(o.out, "walks");
	cr_assert_leq(walks_2m, 16, "4096 vmemmap pages in 2M mappings: %llu walks",
	              (unsigned long long)walks_2m);

	vm(&o, "replay k.vtr --db r.db --quiet --csv --model vmemmap-4k");
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_eq(metric(o.out, "faults"), 0);
	walks_4k = metric(o.out, "walks_4k");
	cr_assert_geq(walks_4k, 3 * 4096, "4K vmemmap: every load walks (%llu)",
	              (unsigned long long)walks_4k);

	vm(&o, "query --db r.db --csv \"select memory_model, status from runs order by id\"");
	cr_assert_str_eq(o.out, "memory_model,status\nvmemmap-2m,done\nvmemmap-4k,done\n", "%s",
	                 o.out);

	vm(&o, "replay k.vtr --no-db --quiet --model sparse-extreme");
	cr_assert_eq(o.status, 1);
	cr_assert(strstr(o.err, "recorded on vmemmap-2m"), "%s", o.err);
}

Test(trace_cli, kernel_trace_without_a_layout_is_refused)
{
	struct outcome o;

	write_vmemmap_trace();
	vm(&o, "replay k.lackey --no-db --quiet --kernel --model vmemmap-2m");
	cr_assert_eq(o.status, 1);
	cr_assert(strstr(o.err, "a kernel trace needs a layout"), "%s", o.err);
}

/* --warmup: the counters of the first N records are subtracted.  A trace
 * that touches 3 pages and then repeats the same 7 records: after a warm-up
 * of the first 7 records nothing faults any more. */
Test(trace_cli, warmup_records_are_subtracted)
{
	struct outcome o;
	char text[2 * sizeof(lackey_text)];

	snprintf(text, sizeof(text), "%s%s", lackey_text, lackey_text + strlen("==7== Lackey\n"));
	write_text("t2.lackey", text);
	vm(&o, "replay t2.lackey --no-db --quiet --csv --warmup 7");
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_eq(metric(o.out, "records"), 14);
	cr_assert_eq(metric(o.out, "warmup_records"), 7);
	cr_assert_eq(metric(o.out, "loads"), 2, "the second copy's loads only");
	cr_assert_eq(metric(o.out, "stores"), 2);
	cr_assert_eq(metric(o.out, "instructions"), 3);
	cr_assert_eq(metric(o.out, "faults"), 0, "every page was touched in the warm-up");
	cr_assert_eq(metric(o.out, "walks"), 0, "and is still in the TLBs");
}

/* --hotspots: the PC that strides over 64 pages owns the walks; the PC that
 * reloads one line does not appear before it. */
Test(trace_cli, hotspots_name_the_pc_behind_the_walks)
{
	struct outcome o;
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/h.lackey", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	for (int i = 0; i < 64; i++) {
		fprintf(f, "I  00401000,4\n L %x,8\n", 0x10000000 + 4096 * i);
		fprintf(f, "I  00401004,4\n L 20000000,8\n");
	}
	fclose(f);
	vm(&o, "replay h.lackey --db r.db --quiet --csv --hotspots 2");
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(strstr(o.out, "\n\npc,dtlb_misses,itlb_misses,walks,walk_cycles\n0x401000,"),
	          "%s", o.out);
	vm(&o, "query --db r.db --csv \"select pc, walks >= 64 from hotspots "
	       "order by walk_cycles desc limit 1\"");
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(strstr(o.out, "\n0x401000,1\n"), "%s", o.out);
}

/* A trace's recorded --set overrides (metadata "sets") apply on replay; the
 * command line's win.  10 walks each pay the PWC latency once. */
Test(trace_cli, recorded_sets_apply_and_the_command_line_wins)
{
	struct outcome o;
	char cwd[512];

	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	write_vmemmap_trace();
	vm(&o,
	   "trace convert k.lackey -o k.vtr --quiet --metadata "
	   "'{\"layout\":\"%s/tests/traces/fixtures/kernel-vm.json\",\"memory_model\":\"vmemmap-"
	   "2m\",\"sets\":[\"cpu.pwc.latency=100\"]}'",
	   cwd);
	cr_assert_eq(o.status, 0, "%s", o.err);
	vm(&o, "replay k.vtr --no-db --quiet --csv");
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_eq(metric(o.out, "cycles_pwc"), 100 * metric(o.out, "walks"));
	vm(&o, "replay k.vtr --no-db --quiet --csv --set cpu.pwc.latency=7");
	cr_assert_eq(metric(o.out, "cycles_pwc"), 7 * metric(o.out, "walks"));
}

Test(trace_cli, replay_reads_a_trace_from_standard_input)
{
	struct outcome o;

	write_text("t.lackey", lackey_text);
	vm(&o, "replay - --no-db --quiet --csv < t.lackey");
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_eq(metric(o.out, "records"), 7);
	cr_assert_eq(metric(o.out, "first_touch_faults"), 3);
}

Test(trace_cli, info_footprint_counts_pages_touched)
{
	struct outcome o;

	write_text("t.lackey", lackey_text);
	vm(&o, "trace info t.lackey --footprint --csv");
	cr_assert_eq(o.status, 0, "%s", o.err);
	/* code: page 0x401; data: pages 0x601 and 0x7ffc0 (2M regions 3 and 0x3ffe) */
	cr_assert_eq(metric(o.out, "code_pages_4k"), 1);
	cr_assert_eq(metric(o.out, "data_pages_4k"), 2);
	cr_assert_eq(metric(o.out, "data_regions_2m"), 2);
	cr_assert_eq(metric(o.out, "data_regions_1g"), 2);
}

/* ChampSim through the command line: 100 input_instr records (each a fetch
 * and one load), compressed with the xz tool, detected and replayed. */
Test(trace_cli, champsim_xz_trace_is_detected_and_replayed)
{
	struct outcome o;
	uint8_t rec[100][64];
	char path[160], cmd[400];

	memset(rec, 0, sizeof(rec));
	for (int i = 0; i < 100; i++) {
		uint64_t ip = 0x401000 + 4 * (uint64_t)i, src = 0x7ff000 + 64 * (uint64_t)i;
		memcpy(rec[i], &ip, 8);
		memcpy(rec[i] + 32, &src, 8); /* source_memory[0] */
	}
	snprintf(path, sizeof(path), "%s/c.champsim", dir);
	th_spit(path, rec, sizeof(rec));
	snprintf(cmd, sizeof(cmd), "xz -z '%s'", path);
	cr_assert_eq(system(cmd), 0);
	vm(&o, "trace info c.champsim.xz --csv");
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(strstr(o.out, "format,champsim\n"), "%s", o.out);
	cr_assert_eq(metric(o.out, "fetches"), 100);
	cr_assert_eq(metric(o.out, "loads"), 100);
	vm(&o, "replay c.champsim.xz --no-db --quiet --csv");
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_eq(metric(o.out, "instructions"), 100);
	/* code page 0x401; data 0x7ff000 + 6400 bytes: pages 0x7ff and 0x800 */
	cr_assert_eq(metric(o.out, "first_touch_faults"), 3);
}

/* A recording killed before close leaves a .part with no trailer: --salvage
 * turns its good blocks into a valid trace. */
Test(trace_cli, convert_salvage_keeps_the_good_records_of_a_damaged_trace)
{
	struct outcome o;
	char path[160];
	size_t len;
	uint8_t *f;

	write_text("t.lackey", lackey_text);
	vm(&o, "trace convert t.lackey -o t.vtr --quiet");
	snprintf(path, sizeof(path), "%s/t.vtr", dir);
	f = th_slurp(path, &len);
	th_spit(path, f, len - 30); /* cut into the trailer: the block is whole */
	free(f);
	vm(&o, "trace convert t.vtr -o fixed.vtr --quiet");
	cr_assert_eq(o.status, 1, "without --salvage a damaged input fails");
	vm(&o, "trace convert t.vtr -o fixed.vtr --quiet --salvage");
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(strstr(o.err, "salvaged the 7 records before the damage"), "%s", o.err);
	vm(&o, "trace info fixed.vtr --csv");
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_eq(metric(o.out, "records"), 7);
}

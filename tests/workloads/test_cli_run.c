/*
 * tests/workloads/test_cli_run.c — `vmemsim run` and `vmemsim compare-models`
 * as a user sees them: stdout, stderr and the exit code of the real binary,
 * on the tiny layout fixture (tests/workloads/fixtures/tiny.json).
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "tests/common/transcript.h"
#include "traces/trace.h"

#define TINY        "tests/workloads/fixtures/tiny.json"
#define RUN(t, ...) cr_assert_eq(transcript_runl(t, __VA_ARGS__, NULL), 0, "spawn failed")

Test(cli_run, help_exits_0_with_usage_on_stdout)
{
	struct transcript t;
	RUN(&t, "run", "--help");
	cr_expect_eq(t.status, 0);
	cr_expect(strncmp(t.out, "usage: vmemsim run --workload NAME", 34) == 0, "%s", t.out);
	cr_expect_str_eq(t.err, "");
	transcript_free(&t);
}

Test(cli_run, unknown_workload_is_a_usage_error_listing_the_valid_ones)
{
	struct transcript t;
	RUN(&t, "run", "--workload", "pfn-scna", "--no-db");
	cr_expect_eq(t.status, 2);
	cr_expect_str_eq(t.out, "");
	cr_expect_str_eq(t.err,
	                 "vmemsim run: error: --workload: unknown workload 'pfn-scna' (valid: "
	                 "pfn-scan, random-touch, page-to-pfn, buddy, zone-device, kmap-list, "
	                 "kmap-table, chase)\n"
	                 "Try 'vmemsim run --help'.\n");
	transcript_free(&t);
}

Test(cli_run, missing_workload_is_a_usage_error)
{
	struct transcript t;
	RUN(&t, "run", "--no-db");
	cr_expect_eq(t.status, 2);
	cr_expect(strstr(t.err, "--workload is required") != NULL, "%s", t.err);
	transcript_free(&t);
}

Test(cli_run, unknown_param_and_model_are_usage_errors)
{
	struct transcript t;
	RUN(&t, "run", "-w", "chase", "--param", "node=3", "--no-db");
	cr_expect_eq(t.status, 2);
	cr_expect(strstr(t.err, "--param node: workload chase has no such parameter (valid: seed, "
	                        "nodes, stride, hops)") != NULL,
	          "%s", t.err);
	transcript_free(&t);
	RUN(&t, "run", "-w", "chase", "--model", "vmemmap-1g", "--no-db");
	cr_expect_eq(t.status, 2);
	cr_expect(strstr(t.err, "--model:") != NULL, "%s", t.err);
	transcript_free(&t);
}

Test(cli_run, pfn_scan_prints_counters_regions_and_hot_spots)
{
	struct transcript t;
	RUN(&t, "run", "-w", "pfn-scan", "-m", "sparse-extreme", "-l", TINY, "-p", "nr_pfns=4096",
	    "--no-db", "--quiet");
	cr_assert_eq(t.status, 0, "%s", t.err);
	cr_expect_str_eq(t.err, "");
	cr_expect(strncmp(t.out,
	                  "pfn-scan on sparse-extreme, layout " TINY ", cpu skylake\n"
	                  "params: start_pfn=0 nr_pfns=4096 seed=1\n"
	                  "checksum 0x",
	                  strlen("pfn-scan on sparse-extreme, layout " TINY ", cpu skylake\n"
	                         "params: start_pfn=0 nr_pfns=4096 seed=1\n"
	                         "checksum 0x")) == 0,
	          "%s", t.out);
	cr_expect(strstr(t.out, "matches the host reference (ops 4096, count 4096)") != NULL);
	cr_expect(strstr(t.out, "cycles per pfn_to_page") != NULL);
	cr_expect(strstr(t.out, "\nby region\n") != NULL);
	cr_expect(strstr(t.out, "\nhot spots (most walk cycles)\n") != NULL);
	cr_expect(strstr(t.out, "wl_pfn_scan+0x") != NULL, "%s", t.out);
	transcript_free(&t);
}

Test(cli_run, json_output_parses_and_counts_the_ops)
{
	struct transcript t;
	json_error_t je;
	RUN(&t, "run", "-w", "random-touch", "-m", "vmemmap-4k", "-l", TINY, "-p",
	    "iterations=3000", "--json", "--no-db");
	cr_assert_eq(t.status, 0, "%s", t.err);
	json_t *o = json_loads(t.out, 0, &je);
	cr_assert_not_null(o, "%s at %d: %s", je.text, je.line, t.out);
	cr_expect_str_eq(json_string_value(json_object_get(o, "workload")), "random-touch");
	cr_expect_str_eq(json_string_value(json_object_get(o, "memory_model")), "vmemmap-4k");
	cr_expect_eq(json_integer_value(json_object_get(o, "ops")), 3000);
	json_t *c = json_object_get(o, "counters");
	cr_expect_gt(json_integer_value(json_object_get(c, "instructions")), 3000);
	cr_expect_gt(json_integer_value(json_object_get(c, "dtlb_misses")), 0);
	cr_expect(json_array_size(json_object_get(o, "regions")) > 0);
	json_decref(o);
	transcript_free(&t);
}

Test(cli_run, zone_device_on_flatmem_fails_with_the_reason)
{
	struct transcript t;
	RUN(&t, "run", "-w", "zone-device", "-m", "flatmem", "-l", TINY, "--no-db");
	cr_expect_eq(t.status, 1);
	cr_expect_str_eq(t.out, "");
	cr_expect(strstr(t.err, "vmemsim: error: workload zone-device: device range 0 [0x80000, "
	                        "0x88000) has no memmap under model flatmem") != NULL,
	          "%s", t.err);
	transcript_free(&t);
}

static int count_rows(void *ctx, unsigned ncols, const char *const *names,
                      const struct db_value *vals)
{
	(void)ncols;
	(void)names;
	if (vals)
		(*(int *)ctx)++;
	return 0;
}

Test(cli_run, run_is_recorded_and_record_writes_a_trace)
{
	char dir[] = "/tmp/vmemsim-cli-run-XXXXXX", dbpath[256], vtr[256];
	struct transcript t;
	struct trace_info info;
	struct db *db;
	int rows = 0;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(dbpath, sizeof(dbpath), "%s/r.db", dir);
	snprintf(vtr, sizeof(vtr), "%s/a.vtr", dir);
	RUN(&t, "run", "-w", "page-to-pfn", "-l", TINY, "-p", "iterations=2000", "-p", "pages=64",
	    "--db", dbpath, "--record", vtr, "--csv");
	cr_assert_eq(t.status, 0, "%s", t.err);
	cr_expect(strstr(t.err, "recorded") != NULL, "%s", t.err);
	transcript_free(&t);

	cr_assert_eq(db_open(&db, dbpath, DB_OPEN_READONLY, NULL), 0);
	cr_assert_eq(db_query(db,
	                      "SELECT 1 FROM runs WHERE status = 'done' AND kind = 'run' AND "
	                      "workload = 'page-to-pfn' AND memory_model = 'vmemmap-2m' AND "
	                      "cpu = 'skylake'",
	                      count_rows, &rows, NULL),
	             0);
	cr_expect_eq(rows, 1);
	rows = 0;
	cr_assert_eq(db_query(db,
	                      "SELECT 1 FROM metrics m JOIN runs r ON r.id = m.run WHERE "
	                      "m.name = 'ops' AND m.value = 2000",
	                      count_rows, &rows, NULL),
	             0);
	cr_expect_eq(rows, 1);
	db_close(db);

	cr_assert_eq(trace_scan_info(vtr, TRACE_FMT_AUTO, 0, &info, NULL, NULL), 0);
	cr_expect_geq(info.by_type[TRACE_LOAD], 2000);
	cr_expect_gt(info.by_type[TRACE_FETCH], 0);
	unlink(dbpath);
	unlink(vtr);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
}

Test(cli_compare_models, two_models_one_workload_as_csv)
{
	struct transcript t;
	RUN(&t, "compare-models", "-l", TINY, "--models", "vmemmap-4k,vmemmap-2m", "--workloads",
	    "page-to-pfn", "--scale", "0.01", "--csv", "--no-db");
	cr_assert_eq(t.status, 0, "%s", t.err);
	cr_expect(
	    strncmp(t.out,
	            "workload,model,cycles,vs_vmemmap_2m,instructions,dtlb_misses,stlb_misses,"
	            "walks,cycles_per_op,op\n"
	            "page-to-pfn,vmemmap-4k,",
	            strlen("workload,model,cycles,vs_vmemmap_2m,instructions,dtlb_misses,"
	                   "stlb_misses,walks,cycles_per_op,op\npage-to-pfn,vmemmap-4k,")) == 0,
	    "%s", t.out);
	cr_expect(strstr(t.out, "\npage-to-pfn,vmemmap-2m,") != NULL, "%s", t.out);
	cr_expect(strstr(t.out, ",1.000,") != NULL, "%s", t.out); /* the baseline itself */
	transcript_free(&t);
}

Test(cli_compare_models, unknown_model_is_a_usage_error)
{
	struct transcript t;
	RUN(&t, "compare-models", "--models", "vmemmap-2m,vmemmap-1g", "--no-db");
	cr_expect_eq(t.status, 2);
	cr_expect(strstr(t.err, "--models: unknown 'vmemmap-1g' (valid: flatmem, sparse-static, "
	                        "sparse-extreme, vmemmap-4k, vmemmap-2m, vmemmap-altmap, "
	                        "vmemmap-hvo)") != NULL,
	          "%s", t.err);
	transcript_free(&t);
}

Test(cli_run, instruction_budget_stops_the_guest_with_exit_1)
{
	struct transcript t;
	RUN(&t, "run", "-w", "pfn-scan", "-l", TINY, "--max-instructions", "5000", "--no-db");
	cr_expect_eq(t.status, 1);
	cr_expect_str_eq(t.out, "");
	cr_expect(strstr(t.err, "vmemsim: error: measure: instruction budget of 5000 exhausted") !=
	              NULL,
	          "%s", t.err);
	transcript_free(&t);
}

static double json_cycles(const char *out)
{
	json_t *o = json_loads(out, 0, NULL);
	double c = o ? json_real_value(json_object_get(o, "cycles")) : -1;
	json_decref(o);
	return c;
}

Test(cli_run, set_overrides_reach_the_cpu_and_the_layout)
{
	struct transcript t;
	double base, slow;

	RUN(&t, "run", "-w", "random-touch", "-m", "vmemmap-4k", "-l", TINY, "-p",
	    "iterations=2000", "--json", "--no-db");
	cr_assert_eq(t.status, 0, "%s", t.err);
	base = json_cycles(t.out);
	transcript_free(&t);
	/* Every lookup misses the 4K STLB often: a dearer DRAM shows up. */
	RUN(&t, "run", "-w", "random-touch", "-m", "vmemmap-4k", "-l", TINY, "-p",
	    "iterations=2000", "--json", "--no-db", "--set", "cpu.cache.dram_latency=400");
	cr_assert_eq(t.status, 0, "%s", t.err);
	slow = json_cycles(t.out);
	transcript_free(&t);
	cr_expect_gt(slow, base * 1.5, "dram_latency 400: %f cycles, default %f", slow, base);

	/* Writable RAM of tiny.json: 320 MiB below the hole (the pool excluded)
	 * and 128 MiB above it; shrinking the second range shows in the count. */
	RUN(&t, "run", "-w", "chase", "-l", TINY, "--no-db");
	cr_expect_eq(t.status, 1);
	cr_expect(strstr(t.err, "the layout has 114688 writable RAM pfns") != NULL, "%s", t.err);
	transcript_free(&t);
	RUN(&t, "run", "-w", "chase", "-l", TINY, "--set", "layout.ranges[1].end=1088M", "--no-db");
	cr_expect_eq(t.status, 1);
	cr_expect(strstr(t.err, "the layout has 98304 writable RAM pfns") != NULL, "%s", t.err);
	transcript_free(&t);

	RUN(&t, "run", "-w", "pfn-scan", "--set", "gpu.x=1", "--no-db");
	cr_expect_eq(t.status, 2);
	transcript_free(&t);
}

Test(cli_compare_models, each_run_is_recorded_with_its_resolved_parameters)
{
	char dir[] = "/tmp/vmemsim-cm-XXXXXX", dbpath[256], cmd[300];
	struct transcript t;
	struct db *db;
	int rows = 0;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(dbpath, sizeof(dbpath), "%s/r.db", dir);
	RUN(&t, "compare-models", "-l", TINY, "--models", "sparse-extreme,vmemmap-2m",
	    "--workloads", "buddy", "--scale", "0.01", "--db", dbpath, "--quiet");
	cr_assert_eq(t.status, 0, "%s", t.err);
	transcript_free(&t);
	cr_assert_eq(db_open(&db, dbpath, DB_OPEN_READONLY, NULL), 0);
	/* buddy's start_pfn is "auto" in the config; its value is a metric. */
	cr_assert_eq(db_query(db,
	                      "SELECT 1 FROM runs r JOIN metrics m ON m.run = r.id WHERE "
	                      "r.kind = 'compare-models' AND r.status = 'done' AND "
	                      "r.workload = 'buddy' AND m.name = 'param.nr_pages' AND "
	                      "m.value = 65536",
	                      count_rows, &rows, NULL),
	             0);
	cr_expect_eq(rows, 2);
	db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
}

Test(cli_compare_models, parallel_jobs_give_the_same_table)
{
	struct transcript one, two;
	RUN(&one, "compare-models", "-l", TINY, "--workloads", "random-touch,page-to-pfn",
	    "--models", "sparse-extreme,vmemmap-4k,vmemmap-2m", "--scale", "0.01", "--csv",
	    "--no-db", "--jobs", "1");
	RUN(&two, "compare-models", "-l", TINY, "--workloads", "random-touch,page-to-pfn",
	    "--models", "sparse-extreme,vmemmap-4k,vmemmap-2m", "--scale", "0.01", "--csv",
	    "--no-db", "--jobs", "3");
	cr_assert_eq(one.status, 0, "%s", one.err);
	cr_assert_eq(two.status, 0, "%s", two.err);
	cr_expect_str_eq(two.out, one.out);
	/* header + 2 workloads x 3 models */
	unsigned lines = 0;
	for (const char *p = one.out; *p; p++)
		lines += *p == '\n';
	cr_expect_eq(lines, 1 + 2 * 3, "%s", one.out);
	transcript_free(&one);
	transcript_free(&two);
}

/* counters of a `run --json` (object "counters") or a `replay --json`
 * (array of {metric, value}) by name. */
static double metric(json_t *doc, const char *name)
{
	json_t *c = json_object_get(doc, "counters"), *v;
	size_t i;
	if (c)
		return json_number_value(json_object_get(c, name));
	json_array_foreach(
	    doc, i, v) if (!strcmp(json_string_value(json_object_get(v, "metric")),
	                           name)) return json_number_value(json_object_get(v, "value"));
	return -1;
}

Test(cli_run, replaying_the_recorded_trace_gives_the_same_counters)
{
	char dir[] = "/tmp/vmemsim-rr-XXXXXX", vtr[256], cmd[300];
	struct transcript run, rep;
	static const char *const same[] = {
	    "loads",        "stores",   "fetches",       "dtlb_misses", "stlb_misses", "walks",
	    "pte_reads_l1", "pte_dram", "dram_accesses", "cycles_walk", "cycles_mem"};

	cr_assert_not_null(mkdtemp(dir));
	snprintf(vtr, sizeof(vtr), "%s/c.vtr", dir);
	/* The chase's setup writes every node: the replay must take it as the
	 * warm-up (metadata warmup_records) to start the measure phase as warm. */
	RUN(&run, "run", "-w", "chase", "-m", "vmemmap-4k", "-l", TINY, "-p", "nodes=1700", "-p",
	    "hops=5000", "--record", vtr, "--json", "--no-db", "--quiet");
	cr_assert_eq(run.status, 0, "%s", run.err);
	RUN(&rep, "replay", vtr, "--json", "--no-db", "--quiet");
	cr_assert_eq(rep.status, 0, "%s", rep.err);
	json_t *a = json_loads(run.out, 0, NULL), *b = json_loads(rep.out, 0, NULL);
	cr_assert(a && b, "%s\n%s", run.out, rep.out);
	cr_expect_gt(metric(a, "stlb_misses"), 4900); /* 1700 4K pages: 13-14 per 12-way STLB set */
	for (unsigned i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		cr_expect_eq(metric(a, same[i]), metric(b, same[i]), "%s: run %f, replay %f",
		             same[i], metric(a, same[i]), metric(b, same[i]));
	cr_expect_gt(metric(b, "warmup_records"), 1700);
	json_decref(a);
	json_decref(b);
	transcript_free(&run);
	transcript_free(&rep);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
}

Test(cli_run, record_into_a_missing_directory_fails_before_running)
{
	struct transcript t;
	RUN(&t, "run", "-w", "pfn-scan", "-l", TINY, "--record", "/nonexistent-vmemsim/x.vtr",
	    "--no-db");
	cr_expect_eq(t.status, 1);
	cr_expect_str_eq(t.out, "");
	cr_expect_str_eq(t.err,
	                 "vmemsim: error: --record /nonexistent-vmemsim/x.vtr: directory "
	                 "/nonexistent-vmemsim is not writable: No such file or directory\n");
	transcript_free(&t);
}

Test(cli_run, list_names_every_workload_and_parameter)
{
	struct transcript t;
	RUN(&t, "run", "--list");
	cr_assert_eq(t.status, 0);
	static const char *const names[] = {"pfn-scan",    "random-touch",  "page-to-pfn", "buddy",
	                                    "zone-device", "kmap-list",     "kmap-table",  "chase",
	                                    "    nr_pfns", "    max_order", "    stride"};
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_expect(strstr(t.out, names[i]) != NULL, "%s missing:\n%s", names[i], t.out);
	cr_expect(strstr(t.out, "start_pfn   auto") != NULL, "%s", t.out);
	transcript_free(&t);
}

Test(cli_run, writing_a_hvo_tail_struct_page_is_a_reported_fault)
{
	struct transcript t;
	/* pool=1 lets the writes reach the hugetlb pool, whose tail struct
	 * pages HVO maps read-only (linux-sparse.md §8): a protection fault. */
	RUN(&t, "run", "-w", "random-touch", "-m", "vmemmap-hvo", "-l", TINY, "-p", "write=1", "-p",
	    "pool=1", "-p", "iterations=20000", "--no-db");
	cr_expect_eq(t.status, 1);
	cr_expect_str_eq(t.out, "");
	cr_expect(strncmp(t.err,
	                  "vmemsim: error: measure: page fault: store of 4 bytes at va 0xffffea",
	                  strlen("vmemsim: error: measure: page fault: store of 4 bytes at va "
	                         "0xffffea")) == 0,
	          "%s", t.err);
	cr_expect(strstr(t.err, "<wl_random_touch+0x") != NULL, "%s", t.err);
	cr_expect(strstr(t.err, ": add dword ptr [") != NULL, "%s", t.err);
	cr_expect(
	    strstr(t.err, "\n  #PF error code 0x3 (protection violation, write, supervisor)\n") !=
	        NULL,
	    "%s", t.err);
	cr_expect(strstr(t.err, "\n  walk: PML4E @pa ") != NULL, "%s", t.err);
	transcript_free(&t);

	/* The same writes under vmemmap-2m are ordinary stores. */
	RUN(&t, "run", "-w", "random-touch", "-m", "vmemmap-2m", "-l", TINY, "-p", "write=1", "-p",
	    "pool=1", "-p", "iterations=20000", "--no-db", "--quiet");
	cr_expect_eq(t.status, 0, "%s", t.err);
	transcript_free(&t);
}

Test(cli_compare_models, help_and_json_output)
{
	struct transcript t;
	RUN(&t, "compare-models", "--help");
	cr_expect_eq(t.status, 0);
	cr_expect(strncmp(t.out, "usage: vmemsim compare-models", 29) == 0, "%s", t.out);
	transcript_free(&t);

	RUN(&t, "compare-models", "-l", TINY, "--models", "sparse-extreme,vmemmap-2m",
	    "--workloads", "page-to-pfn", "--scale", "0.01", "--json", "--no-db");
	cr_assert_eq(t.status, 0, "%s", t.err);
	json_t *a = json_loads(t.out, 0, NULL);
	cr_assert(json_is_array(a) && json_array_size(a) == 2, "%s", t.out);
	json_t *ext = json_array_get(a, 0), *vm = json_array_get(a, 1);
	cr_expect_str_eq(json_string_value(json_object_get(ext, "model")), "sparse-extreme");
	cr_expect_eq(json_real_value(json_object_get(vm, "vs_vmemmap_2m")), 1.0);
	/* classic page_to_pfn reads page->flags and walks mem_section: dearer */
	cr_expect_gt(json_real_value(json_object_get(ext, "vs_vmemmap_2m")), 1.5, "%s", t.out);
	json_decref(a);
	transcript_free(&t);
}

/*
 * tests/traces/test_record_replay.c — a guest run recorded with
 * `vmemsim run --record` and replayed with `vmemsim replay` must give the
 * live run's counters, every one of them.
 *
 * Exactness needs the recorder to tee everything the live run presented to
 * the MMU from a cold start (setup and measured phase, with the measured
 * phase's first record as "warmup_records"), the instructions it retired (as
 * retire records), and the metadata naming layout, model and cpu.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <sys/wait.h>

#include "helpers.h"
#include "mmu/mmu.h"

static char dir[64];

static void setup(void)
{
	th_tmpdir(dir, sizeof(dir));
}

static void teardown(void)
{
	th_rmdir(dir);
}

TestSuite(record_replay, .init = setup, .fini = teardown, .timeout = 120);

/* Run `vmemsim ARGS` in dir; stdout parsed as JSON (NULL if not JSON). */
static json_t *vm_json(int *status, const char *args)
{
	const char *bin = getenv("VMEMSIM_BIN");
	char cmd[1024], path[160];
	json_error_t jerr;
	json_t *j;
	int st;

	cr_assert_not_null(bin, "VMEMSIM_BIN is not set (run through ctest)");
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s > out.json 2> err.txt", dir, bin, args);
	st = system(cmd);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	snprintf(path, sizeof(path), "%s/out.json", dir);
	j = json_load_file(path, 0, &jerr);
	return j;
}

static const char *meta_missing(const char *trace)
{
	struct trace_info info;
	struct vmemsim_err err = {0};
	char path[160], *meta = NULL;
	json_t *m;
	static char why[256];

	snprintf(path, sizeof(path), "%s/%s", dir, trace);
	cr_assert_eq(trace_scan_info(path, TRACE_FMT_VTR, 0, &info, &meta, &err), 0, "%s", err.msg);
	m = json_loads(meta, 0, NULL);
	free(meta);
	why[0] = 0;
	if (!m || !json_is_string(json_object_get(m, "layout")))
		strcat(why, " layout");
	if (!m || !json_is_integer(json_object_get(m, "warmup_records")))
		strcat(why, " warmup_records");
	json_decref(m);
	return why[0] ? why : NULL;
}

static bool has_retires(const char *trace)
{
	struct trace_info info;
	struct vmemsim_err err = {0};
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", dir, trace);
	cr_assert_eq(trace_scan_info(path, TRACE_FMT_VTR, 0, &info, NULL, &err), 0, "%s", err.msg);
	return info.by_type[TRACE_RETIRE] != 0;
}

Test(record_replay, replay_of_a_recorded_run_gives_the_live_counters)
{
	json_t *live, *rep, *lc, *v;
	const char *key, *missing;
	bool retires;
	int st;
	size_t i;

	live = vm_json(&st, "run -w pfn-scan -p nr_pfns=65536 --record r.vtr --no-db --json "
	                    "--quiet");
	cr_assert_eq(st, 0, "vmemsim run failed");
	missing = meta_missing("r.vtr");
	cr_assert_null(missing, "`vmemsim run --record` does not write:%s", missing);
	retires = has_retires("r.vtr");
	cr_assert(retires, "the recording has no retire records");
	rep = vm_json(&st, "replay r.vtr --no-db --json --quiet");
	cr_assert_eq(st, 0, "vmemsim replay failed");
	lc = json_object_get(live, "counters");
	cr_assert(json_is_object(lc));
	json_object_foreach(lc, key, v)
	{
		bool found = false;
		json_array_foreach(rep, i, v)
		{
			json_t *name = json_object_get(v, "metric");
			if (json_is_string(name) && !strcmp(json_string_value(name), key)) {
				double a = json_number_value(json_object_get(lc, key));
				double b = json_number_value(json_object_get(v, "value"));
				cr_expect_eq(a, b, "%s: live %.17g, replay %.17g", key, a, b);
				found = true;
			}
		}
		cr_expect(found || strcmp(key, "cycles"), "replay has no %s", key);
	}
	cr_assert_gt(json_object_size(lc), 40, "the live run reports its counters");
	json_decref(live);
	json_decref(rep);
}

/*
 * tests/db/test_compare.c — grouping by differing config fields and ratios
 * to a baseline, on hand-made runs whose expected ratios are computed by hand:
 *
 *   cycles        skylake          zen4
 *   vmemmap-2m    900, 1100 (1000) 800
 *   sparse-extreme 1500            1000
 *   flatmem       1200             400
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "helpers.h"

static char path[256];

static struct db *fixture(void)
{
	struct vmemsim_err err = {0};
	struct db *db;
	th_tmp_path(path, sizeof(path), "cmp.db");
	cr_assert_eq(db_open(&db, path, DB_OPEN_CREATE, &err), 0, "%s", err.msg);
	th_add_run(db, "vmemmap-2m", "skylake", NULL, 900, 10);
	th_add_run(db, "sparse-extreme", "skylake", NULL, 1500, 30);
	th_add_run(db, "flatmem", "skylake", NULL, 1200, 20);
	th_add_run(db, "vmemmap-2m", "zen4", NULL, 800, 8);
	th_add_run(db, "sparse-extreme", "zen4", NULL, 1000, 16);
	th_add_run(db, "flatmem", "zen4", NULL, 400, 4);
	th_add_run(db, "vmemmap-2m", "skylake", NULL, 1100, 30); /* a repeat */
	/* not finished: never compared */
	struct db_run_info info = {.kind = "test",
	                           .memory_model = "vmemmap-4k",
	                           .config_json = "{\"memory_model\": \"vmemmap-4k\"}"};
	int64_t id;
	cr_assert_eq(db_run_begin(db, &info, &id, &err), 0);
	return db;
}

static int find_group(const struct db_compare *c, const char *mm, const char *cpu)
{
	int fm = -1, fc = -1;
	for (unsigned k = 0; k < c->nr_fields; k++) {
		if (!strcmp(c->fields[k], "memory_model"))
			fm = (int)k;
		if (!strcmp(c->fields[k], "cpu.name"))
			fc = (int)k;
	}
	for (unsigned g = 0; g < c->nr_groups; g++)
		if ((fm < 0 || !strcmp(c->groups[g].values[fm], mm)) &&
		    (fc < 0 || !cpu || !strcmp(c->groups[g].values[fc], cpu)))
			return (int)g;
	cr_assert_fail("no group %s/%s", mm, cpu ? cpu : "*");
	return -1;
}

static int metric(const struct db_compare *c, const char *name)
{
	for (unsigned m = 0; m < c->nr_metrics; m++)
		if (!strcmp(c->metrics[m], name))
			return (int)m;
	cr_assert_fail("no metric %s", name);
	return -1;
}

Test(db_compare, groups_by_differing_fields_only_and_averages_repeats)
{
	struct vmemsim_err err = {0};
	struct db *db = fixture();
	struct db_compare *c;
	cr_assert_eq(db_compare(db, NULL, &c, &err), 0, "%s", err.msg);
	/* seed, kind and workload are equal everywhere: not grouping fields */
	cr_assert_eq(c->nr_fields, 2);
	cr_assert_str_eq(c->fields[0], "memory_model");
	cr_assert_str_eq(c->fields[1], "cpu.name");
	cr_assert_eq(c->nr_runs, 7);
	cr_assert_eq(c->nr_groups, 6);
	int g = find_group(c, "vmemmap-2m", "skylake");
	cr_assert_eq(c->groups[g].nr_runs, 2);
	cr_assert_eq(c->groups[g].first_run, 1);
	cr_assert_float_eq(c->groups[g].mean[metric(c, "cycles")], 1000.0, 1e-9);
	cr_assert_float_eq(c->groups[g].mean[metric(c, "dtlb_misses")], 20.0, 1e-9);
	/* default metrics absent from every run are left out */
	cr_assert_eq(c->nr_metrics, 2);
	db_compare_free(c);
	db_close(db);
}

Test(db_compare, default_baseline_is_vmemmap_2m_on_the_same_cpu)
{
	struct vmemsim_err err = {0};
	struct db *db = fixture();
	struct db_compare *c;
	cr_assert_eq(db_compare(db, NULL, &c, &err), 0, "%s", err.msg);
	cr_assert_str_eq(c->baseline, "memory_model=vmemmap-2m");
	int m = metric(c, "cycles");
	cr_assert_float_eq(c->groups[find_group(c, "vmemmap-2m", "skylake")].ratio[m], 1.0, 1e-12);
	cr_assert_float_eq(c->groups[find_group(c, "sparse-extreme", "skylake")].ratio[m], 1.5,
	                   1e-12);
	cr_assert_float_eq(c->groups[find_group(c, "flatmem", "skylake")].ratio[m], 1.2, 1e-12);
	cr_assert_float_eq(c->groups[find_group(c, "sparse-extreme", "zen4")].ratio[m], 1.25,
	                   1e-12);
	cr_assert_float_eq(c->groups[find_group(c, "flatmem", "zen4")].ratio[m], 0.5, 1e-12);
	int z = find_group(c, "flatmem", "zen4");
	cr_assert_eq(c->groups[z].baseline, find_group(c, "vmemmap-2m", "zen4"));
	db_compare_free(c);
	db_close(db);
}

Test(db_compare, explicit_baseline_on_another_field)
{
	struct vmemsim_err err = {0};
	struct db *db = fixture();
	struct db_compare *c;
	const char *metrics[] = {"cycles"};
	struct db_compare_opts o = {.baseline_key = "cpu.name",
	                            .baseline_value = "skylake",
	                            .metrics = metrics,
	                            .nr_metrics = 1};
	cr_assert_eq(db_compare(db, &o, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->nr_metrics, 1);
	cr_assert_float_eq(c->groups[find_group(c, "vmemmap-2m", "zen4")].ratio[0], 0.8, 1e-12);
	cr_assert_float_eq(c->groups[find_group(c, "sparse-extreme", "zen4")].ratio[0],
	                   1000.0 / 1500, 1e-12);
	cr_assert_float_eq(c->groups[find_group(c, "flatmem", "zen4")].ratio[0], 400.0 / 1200,
	                   1e-12);
	db_compare_free(c);
	db_close(db);
}

Test(db_compare, where_narrows_the_runs_and_the_varying_fields)
{
	struct vmemsim_err err = {0};
	struct db *db = fixture();
	struct db_compare *c;
	struct db_compare_opts o = {.where = "cpu = 'zen4' AND memory_model <> 'vmemmap-2m'"};
	cr_assert_eq(db_compare(db, &o, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->nr_fields, 1);
	cr_assert_str_eq(c->fields[0], "memory_model");
	cr_assert_eq(c->nr_groups, 2);
	/* no vmemmap-2m among them: the first group's value (lowest run id) */
	cr_assert_str_eq(c->baseline, "memory_model=sparse-extreme");
	int m = metric(c, "cycles");
	cr_assert_float_eq(c->groups[find_group(c, "flatmem", NULL)].ratio[m], 0.4, 1e-12);
	db_compare_free(c);
	db_close(db);
}

Test(db_compare, json_where_over_the_stored_config)
{
	struct vmemsim_err err = {0};
	struct db *db = fixture();
	struct db_compare *c;
	struct db_compare_opts o = {.where = "json_extract(config, '$.cpu.name') = 'skylake'"};
	cr_assert_eq(db_compare(db, &o, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->nr_runs, 4);
	cr_assert_eq(c->nr_groups, 3);
	db_compare_free(c);
	db_close(db);
}

Test(db_compare, errors_name_what_is_known)
{
	struct vmemsim_err err = {0};
	struct db *db = fixture();
	struct db_compare *c = NULL;
	const char *bad_metric[] = {"cycels"};
	struct db_compare_opts o1 = {.metrics = bad_metric, .nr_metrics = 1};
	cr_assert_eq(db_compare(db, &o1, &c, &err), VMEMSIM_ENOENT);
	cr_assert(strstr(err.msg, "no metric 'cycels'") && strstr(err.msg, "cycles"), "%s",
	          err.msg);
	cr_assert_null(c);
	struct db_compare_opts o2 = {.baseline_key = "seed", .baseline_value = "1"};
	cr_assert_eq(db_compare(db, &o2, &c, &err), VMEMSIM_ENOENT);
	cr_assert(strstr(err.msg, "same value in every selected run") &&
	              strstr(err.msg, "memory_model, cpu.name"),
	          "%s", err.msg);
	struct db_compare_opts o3 = {.baseline_key = "memory_model", .baseline_value = "hvo"};
	cr_assert_eq(db_compare(db, &o3, &c, &err), VMEMSIM_ENOENT);
	cr_assert(strstr(err.msg, "no selected run has memory_model=hvo") &&
	              strstr(err.msg, "sparse-extreme"),
	          "%s", err.msg);
	struct db_compare_opts o4 = {.where = "kind = 'nothing'"};
	cr_assert_eq(db_compare(db, &o4, &c, &err), VMEMSIM_ENOENT);
	struct db_compare_opts o5 = {.where = "1); DELETE FROM runs; SELECT (1"};
	cr_assert_eq(db_compare(db, &o5, &c, &err), VMEMSIM_EINVAL);
	db_close(db);
	sqlite3 *raw = th_raw_open(path);
	cr_assert_eq(th_raw_int(raw, "SELECT count(*) FROM runs"), 8);
	sqlite3_close(raw);
}

Test(db_compare, summary_view_metrics_compare_too)
{
	struct vmemsim_err err = {0};
	struct db *db;
	struct mmu_stats s;
	th_tmp_path(path, sizeof(path), "cmp2.db");
	cr_assert_eq(db_open(&db, path, DB_OPEN_CREATE, &err), 0);
	th_fill_stats(&s);
	for (int i = 0; i < 2; i++) {
		int64_t id;
		struct db_run_info info = {
		    .kind = "run", .config_json = i ? "{\"pwc\": false}" : "{\"pwc\": true}"};
		struct db_metric extra[] = {{"cycles", i ? 10000 : 5000}};
		struct db_run_result res = {.stats = &s, .extra = extra, .nr_extra = 1};
		cr_assert_eq(db_run_begin(db, &info, &id, &err), 0);
		cr_assert_eq(db_run_finish(db, id, &res, &err), 0, "%s", err.msg);
	}
	struct db_compare *c;
	const char *metrics[] = {"ipc", "walks"};
	struct db_compare_opts o = {.metrics = metrics, .nr_metrics = 2};
	cr_assert_eq(db_compare(db, &o, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->nr_fields, 1);
	cr_assert_str_eq(c->fields[0], "pwc");
	cr_assert_str_eq(c->groups[0].values[0], "true");
	cr_assert_float_eq(c->groups[0].mean[0], 0.2, 1e-12);
	cr_assert_float_eq(c->groups[1].ratio[0], 0.5, 1e-12);
	cr_assert_float_eq(c->groups[1].ratio[1], 1.0, 1e-12);
	db_compare_free(c);
	db_close(db);
}

/* Two CPU presets differ in many fields at once; one of them names the split. */
static struct db *cpu_fixture(void)
{
	struct vmemsim_err err = {0};
	struct db *db;
	th_tmp_path(path, sizeof(path), "cpus.db");
	cr_assert_eq(db_open(&db, path, DB_OPEN_CREATE, &err), 0, "%s", err.msg);
	const char *sky = "\"l1d_entries\": 64, \"description\": \"Intel Skylake\"";
	const char *zen = "\"l1d_entries\": 72, \"description\": \"AMD Zen 4\"";
	th_add_run(db, "vmemmap-2m", "skylake", sky, 1000, 10);
	th_add_run(db, "sparse-extreme", "skylake", sky, 1500, 30);
	th_add_run(db, "vmemmap-2m", "zen4", zen, 800, 8);
	th_add_run(db, "sparse-extreme", "zen4", zen, 1000, 16);
	return db;
}

Test(db_compare, fields_that_split_runs_alike_are_shown_once_by_their_best_name)
{
	struct vmemsim_err err = {0};
	struct db *db = cpu_fixture();
	struct db_compare *c;
	cr_assert_eq(db_compare(db, NULL, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->nr_fields, 2);
	cr_assert_str_eq(c->fields[0], "memory_model");
	cr_assert_str_eq(c->fields[1], "cpu.name"); /* not l1d_entries or description */
	cr_assert_eq(c->nr_hidden_fields, 2);
	cr_assert_eq(c->nr_groups, 4);
	db_compare_free(c);

	struct db_compare_opts all = {.all_fields = true};
	cr_assert_eq(db_compare(db, &all, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->nr_fields, 4);
	cr_assert_eq(c->nr_hidden_fields, 0);
	cr_assert_eq(c->nr_groups, 4);
	db_compare_free(c);
	db_close(db);
}

Test(db_compare, baseline_may_name_a_hidden_field)
{
	struct vmemsim_err err = {0};
	struct db *db = cpu_fixture();
	struct db_compare *c;
	const char *metrics[] = {"cycles"};
	struct db_compare_opts o = {.baseline_key = "l1d_entries",
	                            .baseline_value = "72",
	                            .metrics = metrics,
	                            .nr_metrics = 1};
	cr_assert_eq(db_compare(db, &o, &c, &err), 0, "%s", err.msg);
	cr_assert_str_eq(c->baseline, "cpu.name=zen4");
	cr_assert_float_eq(c->groups[find_group(c, "vmemmap-2m", "skylake")].ratio[0], 1.25, 1e-12);
	cr_assert_float_eq(c->groups[find_group(c, "sparse-extreme", "skylake")].ratio[0], 1.5,
	                   1e-12);
	db_compare_free(c);
	struct db_compare_opts bad = {.baseline_key = "l1d_entries", .baseline_value = "96"};
	cr_assert_eq(db_compare(db, &bad, &c, &err), VMEMSIM_ENOENT);
	cr_assert(strstr(err.msg, "no selected run has l1d_entries=96; values: 64, 72"), "%s",
	          err.msg);
	db_close(db);
}

Test(db_compare, default_baseline_without_vmemmap_2m_is_the_first_groups_value_per_neighbour)
{
	struct vmemsim_err err = {0};
	struct db *db = fixture();
	struct db_compare *c;
	struct db_compare_opts o = {.where = "memory_model <> 'vmemmap-2m'"};
	cr_assert_eq(db_compare(db, &o, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->nr_fields, 2);
	cr_assert_str_eq(c->baseline, "memory_model=sparse-extreme");
	int m = metric(c, "cycles");
	cr_assert_float_eq(c->groups[find_group(c, "flatmem", "skylake")].ratio[m], 0.8, 1e-12);
	cr_assert_float_eq(c->groups[find_group(c, "flatmem", "zen4")].ratio[m], 0.4, 1e-12);
	cr_assert_float_eq(c->groups[find_group(c, "sparse-extreme", "zen4")].ratio[m], 1.0, 1e-12);
	db_compare_free(c);
	db_close(db);
}

Test(db_compare, hand_damaged_config_names_the_run_and_check_finds_it)
{
	struct vmemsim_err err = {0};
	struct db *db = fixture();
	struct db_compare *c = NULL;
	db_close(db);
	sqlite3 *raw = NULL;
	cr_assert_eq(sqlite3_open(path, &raw), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(raw,
	                          "UPDATE runs SET config = '{\"memory_model\": ' WHERE id = 3",
	                          NULL, NULL, NULL),
	             SQLITE_OK);
	sqlite3_close(raw);
	cr_assert_eq(db_open(&db, path, DB_OPEN_READONLY, &err), 0, "%s", err.msg);
	cr_assert_eq(db_compare(db, NULL, &c, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "run 3: the stored config is not valid JSON"), "%s", err.msg);
	cr_assert_eq(db_check(db, &err), VMEMSIM_ECORRUPT);
	cr_assert(strstr(err.msg, "run 3: config is not valid JSON"), "%s", err.msg);
	struct db_compare_opts o = {.where = "id <> 3"};
	cr_assert_eq(db_compare(db, &o, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->nr_runs, 6);
	db_compare_free(c);
	db_close(db);
}

Test(db_compare, group_keys_never_merge_different_values)
{
	struct vmemsim_err err = {0};
	struct db *db;
	th_tmp_path(path, sizeof(path), "keys.db");
	cr_assert_eq(db_open(&db, path, DB_OPEN_CREATE, &err), 0);
	/* concatenated naively, the first two would both read "abc", and an
	 * absent y could pass for a value "-" */
	static const char *const cfgs[] = {
	    "{\"x\": \"ab\", \"y\": \"c\"}", "{\"x\": \"a\", \"y\": \"bc\"}", "{\"x\": \"a\"}",
	    "{\"x\": \"a\", \"y\": \"-\"}", "{\"x\": \"a\", \"y\": \"bc\"}"};
	for (unsigned i = 0; i < 5; i++) {
		int64_t id;
		struct db_run_info info = {.kind = "t", .config_json = cfgs[i]};
		struct db_metric extra[] = {{"cycles", 10.0 * (i + 1)}};
		struct db_run_result res = {.extra = extra, .nr_extra = 1};
		cr_assert_eq(db_run_begin(db, &info, &id, &err), 0);
		cr_assert_eq(db_run_finish(db, id, &res, &err), 0);
	}
	struct db_compare *c;
	struct db_compare_opts o = {.all_fields = true};
	cr_assert_eq(db_compare(db, &o, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->nr_groups, 4);
	cr_assert_eq(c->groups[1].nr_runs, 2); /* runs 2 and 5 */
	cr_assert_float_eq(c->groups[1].mean[0], 35.0, 1e-12);
	cr_assert_null(c->groups[2].values[1]);
	cr_assert_str_eq(c->groups[3].values[1], "-");
	db_compare_free(c);
	db_close(db);
}

Test(db_compare, repeats_get_a_sample_standard_deviation)
{
	struct vmemsim_err err = {0};
	struct db *db = fixture();
	struct db_compare *c;
	cr_assert_eq(db_compare(db, NULL, &c, &err), 0, "%s", err.msg);
	int g = find_group(c, "vmemmap-2m", "skylake");
	/* 900 and 1100: deviations of 100, sqrt(2 * 100^2 / (2 - 1)) */
	cr_assert_float_eq(c->groups[g].stdev[metric(c, "cycles")], sqrt(20000.0), 1e-9);
	cr_assert_float_eq(c->groups[g].stdev[metric(c, "dtlb_misses")], sqrt(200.0), 1e-9);
	cr_assert(isnan(c->groups[find_group(c, "flatmem", "zen4")].stdev[0]));
	db_compare_free(c);
	db_close(db);
}

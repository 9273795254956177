/*
 * tests/db/test_lifecycle.c — runs go running -> done|failed with all their
 * data in one step; the summary view derives the rates from hand-computed
 * counters.  Everything written through db/ is read back with raw SQLite.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "helpers.h"

static struct db *open_new(char *path, size_t len)
{
	struct vmemsim_err err = {0};
	struct db *db;
	th_tmp_path(path, len, "r.db");
	cr_assert_eq(db_open(&db, path, DB_OPEN_CREATE, &err), 0, "%s", err.msg);
	return db;
}

Test(db_lifecycle, new_database_has_latest_schema_in_wal_mode)
{
	char path[256];
	struct db *db = open_new(path, sizeof(path));
	cr_assert_eq(db_schema_version(db), DB_SCHEMA_VERSION);
	db_close(db);
	sqlite3 *c = th_raw_open(path);
	cr_assert_eq(th_raw_int(c, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	cr_assert_eq(th_raw_int(c, "PRAGMA application_id"), 0x564d534d);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM sqlite_schema WHERE name IN"
	                           " ('runs','metrics','regions','hotspots','run_summary')"),
	             5);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(c, "PRAGMA journal_mode", -1, &st, NULL);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(c);
}

Test(db_lifecycle, begin_commits_a_running_row_visible_to_other_connections)
{
	char path[256];
	struct vmemsim_err err = {0};
	struct db *db = open_new(path, sizeof(path));
	struct db_run_info info = {.kind = "reach", .cpu = "zen4", .config_json = "{\"a\": 1}"};
	int64_t id;
	cr_assert_eq(db_run_begin(db, &info, &id, &err), 0, "%s", err.msg);
	sqlite3 *c = th_raw_open(path);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM runs WHERE status = 'running'"
	                           " AND kind = 'reach' AND cpu = 'zen4' AND finished IS NULL"
	                           " AND version IS NOT NULL AND started LIKE '20__-__-__T%Z'"),
	             1);
	cr_assert_eq(th_raw_int(c, "SELECT json_extract(config, '$.a') FROM runs"), 1);
	sqlite3_close(c);
	db_close(db);
}

Test(db_lifecycle, finish_stores_counter_totals_regions_hotspots_and_extras)
{
	char path[256];
	struct vmemsim_err err = {0};
	struct db *db = open_new(path, sizeof(path));
	struct db_run_info info = {.kind = "run", .workload = "pfn-scan"};
	struct mmu_stats s;
	int64_t id;
	th_fill_stats(&s);
	const char *names[] = {"other", "vmemmap"};
	struct db_hotspot hs[] = {
	    {0xffffffff81001234ull, "pfn_to_page", "mov rax, [rdi]", 7, 1, 8, 640},
	    {0xffffffff81000010ull, NULL, NULL, 2, 0, 2, 90},
	};
	struct db_metric extra[] = {{"cycles", 5000}, {"checksum", 12345}, {"ratio", 0.25}};
	struct db_run_result res = {.stats = &s,
	                            .region_names = names,
	                            .hotspots = hs,
	                            .nr_hotspots = 2,
	                            .extra = extra,
	                            .nr_extra = 3};
	cr_assert_eq(db_run_begin(db, &info, &id, &err), 0, "%s", err.msg);
	cr_assert_eq(db_run_finish(db, id, &res, &err), 0, "%s", err.msg);
	db_close(db);

	sqlite3 *c = th_raw_open(path);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM runs WHERE status = 'done'"
	                           " AND finished IS NOT NULL AND wall_seconds >= 0"),
	             1);
	/* one row per counter, plus the three extras */
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM metrics"), MMU_NR_COUNTERS + 3);
	cr_assert_eq(th_raw_int(c, "SELECT value FROM metrics WHERE name = 'loads'"), 400);
	cr_assert_eq(th_raw_int(c, "SELECT value FROM metrics WHERE name = 'cycles_walk'"), 1000);
	cr_assert_eq(th_raw_int(c, "SELECT value FROM metrics WHERE name = 'faults'"), 0);
	cr_assert_eq(th_raw_int(c, "SELECT typeof(value) = 'integer' FROM metrics"
	                           " WHERE name = 'checksum'"),
	             1);
	cr_assert_float_eq(th_raw_double(c, "SELECT value FROM metrics WHERE name = 'ratio'"), 0.25,
	                   1e-12);
	/* regions: only non-zero counters, under the given names */
	cr_assert_eq(th_raw_int(c, "SELECT value FROM regions WHERE region = 'vmemmap'"
	                           " AND counter = 'dtlb_misses'"),
	             10);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM regions WHERE region = 'vmemmap'"), 9);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM regions WHERE region = 'other'"), 14);
	/* hot spots: ranked, PCs as hex text, NULL symbol kept NULL */
	cr_assert_eq(th_raw_int(c, "SELECT walk_cycles FROM hotspots WHERE rank = 1"
	                           " AND pc = '0xffffffff81001234' AND symbol = 'pfn_to_page'"),
	             640);
	cr_assert_eq(th_raw_int(c, "SELECT symbol IS NULL FROM hotspots WHERE rank = 2"), 1);
	sqlite3_close(c);
}

Test(db_lifecycle, run_summary_derives_rates_from_hand_computed_counters)
{
	char path[256];
	struct vmemsim_err err = {0};
	struct db *db = open_new(path, sizeof(path));
	struct db_run_info info = {.kind = "run"};
	struct mmu_stats s;
	int64_t id;
	th_fill_stats(&s);
	struct db_metric extra[] = {{"cycles", 5000}};
	struct db_run_result res = {.stats = &s, .extra = extra, .nr_extra = 1};
	cr_assert_eq(db_run_begin(db, &info, &id, &err), 0, "%s", err.msg);
	cr_assert_eq(db_run_finish(db, id, &res, &err), 0, "%s", err.msg);
	db_close(db);

	sqlite3 *c = th_raw_open(path);
	/* accesses = 200 fetches + 400 loads + 100 stores */
	cr_assert_eq(th_raw_int(c, "SELECT accesses FROM run_summary"), 700);
	/* L1 DTLB: (350 + 90) hits, 60 misses */
	cr_assert_float_eq(th_raw_double(c, "SELECT dtlb_miss_rate FROM run_summary"), 0.12, 1e-12);
	/* STLB: 34 hits, 26 misses */
	cr_assert_float_eq(th_raw_double(c, "SELECT stlb_miss_rate FROM run_summary"), 26.0 / 60,
	                   1e-12);
	/* L1D: 475 hits, 10 + 6 + 4 + 5 misses */
	cr_assert_float_eq(th_raw_double(c, "SELECT l1d_miss_rate FROM run_summary"), 0.05, 1e-12);
	cr_assert_float_eq(th_raw_double(c, "SELECT walks_per_access FROM run_summary"), 26.0 / 700,
	                   1e-12);
	cr_assert_float_eq(th_raw_double(c, "SELECT cycles_per_access FROM run_summary"),
	                   5000.0 / 700, 1e-12);
	cr_assert_float_eq(th_raw_double(c, "SELECT ipc FROM run_summary"), 0.2, 1e-12);
	cr_assert_eq(th_raw_int(c, "SELECT walk_cycles FROM run_summary"), 1000);
	sqlite3_close(c);
}

Test(db_lifecycle, summary_rates_are_null_without_data_not_errors)
{
	char path[256];
	struct vmemsim_err err = {0};
	struct db *db = open_new(path, sizeof(path));
	struct db_run_info info = {.kind = "run"};
	int64_t id;
	cr_assert_eq(db_run_begin(db, &info, &id, &err), 0);
	db_close(db);
	sqlite3 *c = th_raw_open(path);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM run_summary WHERE status = 'running'"
	                           " AND dtlb_miss_rate IS NULL AND ipc IS NULL"),
	             1);
	sqlite3_close(c);
}

Test(db_lifecycle, fail_records_the_error_and_no_data)
{
	char path[256];
	struct vmemsim_err err = {0};
	struct db *db = open_new(path, sizeof(path));
	struct db_run_info info = {.kind = "run"};
	int64_t id;
	cr_assert_eq(db_run_begin(db, &info, &id, &err), 0);
	cr_assert_eq(db_run_fail(db, id, "guest faulted at 0xffffea0000001000", &err), 0, "%s",
	             err.msg);
	/* a failed run cannot be finished afterwards, nor failed twice */
	cr_assert_eq(db_run_finish(db, id, NULL, &err), VMEMSIM_ENOENT);
	cr_assert(strstr(err.msg, "not a running run"), "%s", err.msg);
	cr_assert_eq(db_run_fail(db, id, "again", &err), VMEMSIM_ENOENT);
	db_close(db);
	sqlite3 *c = th_raw_open(path);
	cr_assert_eq(
	    th_raw_int(c, "SELECT count(*) FROM runs WHERE status = 'failed' AND error"
	                  " = 'guest faulted at 0xffffea0000001000' AND finished IS NOT NULL"),
	    1);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM metrics"), 0);
	sqlite3_close(c);
}

Test(db_lifecycle, duplicate_extra_metric_is_refused_and_run_stays_running)
{
	char path[256];
	struct vmemsim_err err = {0};
	struct db *db = open_new(path, sizeof(path));
	struct db_run_info info = {.kind = "run"};
	struct mmu_stats s;
	int64_t id;
	th_fill_stats(&s);
	struct db_metric extra[] = {{"walks", 1}};
	struct db_run_result res = {.stats = &s, .extra = extra, .nr_extra = 1};
	cr_assert_eq(db_run_begin(db, &info, &id, &err), 0);
	cr_assert_eq(db_run_finish(db, id, &res, &err), VMEMSIM_EEXIST);
	cr_assert(strstr(err.msg, "'walks' repeats a counter"), "%s", err.msg);
	struct db_metric twice[] = {{"cycles", 1}, {"cycles", 2}};
	struct db_run_result res2 = {.extra = twice, .nr_extra = 2};
	cr_assert_eq(db_run_finish(db, id, &res2, &err), VMEMSIM_EEXIST);
	db_close(db);
	sqlite3 *c = th_raw_open(path);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM runs WHERE status = 'running'"), 1);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM metrics"), 0);
	sqlite3_close(c);
}

Test(db_lifecycle, invalid_config_json_is_refused_before_any_row)
{
	char path[256];
	struct vmemsim_err err = {0};
	struct db *db = open_new(path, sizeof(path));
	struct db_run_info info = {.kind = "run", .config_json = "{\"a\": }"};
	int64_t id = -1;
	cr_assert_eq(db_run_begin(db, &info, &id, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "not valid JSON"), "%s", err.msg);
	struct db_run_info nokind = {.kind = NULL};
	cr_assert_eq(db_run_begin(db, &nokind, &id, &err), VMEMSIM_EINVAL);
	db_close(db);
	sqlite3 *c = th_raw_open(path);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM runs"), 0);
	sqlite3_close(c);
}

Test(db_lifecycle, counter_metric_names_come_from_counters_def)
{
	cr_assert_str_eq(db_counter_metric_name(MMU_C_instructions), "instructions");
	cr_assert_str_eq(db_counter_metric_name(MMU_C_stlb_misses), "stlb_misses");
	cr_assert_str_eq(db_counter_metric_name(MMU_C_cycles_walk), "cycles_walk");
	cr_assert_null(db_counter_metric_name(MMU_NR_COUNTERS));
}

Test(db_lifecycle, check_passes_on_a_good_database_and_finds_planted_orphans)
{
	char path[256];
	struct vmemsim_err err = {0};
	struct db *db = open_new(path, sizeof(path));
	th_add_run(db, "vmemmap-2m", "zen4", NULL, 100, 10);
	struct db_run_info info = {.kind = "run"};
	int64_t id;
	cr_assert_eq(db_run_begin(db, &info, &id, &err), 0);
	cr_assert_eq(db_check(db, &err), 0, "%s", err.msg);
	db_close(db);
	/* plant metrics under the running run, by another path */
	sqlite3 *c = NULL;
	cr_assert_eq(sqlite3_open(path, &c), SQLITE_OK);
	char sql[128];
	snprintf(sql, sizeof(sql), "INSERT INTO metrics VALUES (%lld, 'walks', 3)", (long long)id);
	cr_assert_eq(sqlite3_exec(c, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(c);
	cr_assert_eq(db_open(&db, path, DB_OPEN_READONLY, &err), 0, "%s", err.msg);
	cr_assert_eq(db_check(db, &err), VMEMSIM_ECORRUPT);
	cr_assert(strstr(err.msg, "metrics stored but status is running"), "%s", err.msg);
	db_close(db);
}

Test(db_lifecycle, info_counts_runs_by_status)
{
	char path[256];
	struct vmemsim_err err = {0};
	struct db *db = open_new(path, sizeof(path));
	struct db_run_info info = {.kind = "run"};
	struct db_info in;
	int64_t a, b;
	th_add_run(db, "flatmem", "skylake", NULL, 1, 1);
	cr_assert_eq(db_run_begin(db, &info, &a, &err), 0);
	cr_assert_eq(db_run_begin(db, &info, &b, &err), 0);
	cr_assert_eq(db_run_fail(db, b, "x", &err), 0);
	cr_assert_eq(db_get_info(db, &in, &err), 0, "%s", err.msg);
	cr_assert_eq(in.runs_total, 3);
	cr_assert_eq(in.runs_done, 1);
	cr_assert_eq(in.runs_failed, 1);
	cr_assert_eq(in.runs_running, 1);
	cr_assert_eq(in.metrics_rows, 2);
	cr_assert_str_eq(in.journal_mode, "wal");
	cr_assert_eq(db_vacuum(db, &err), 0, "%s", err.msg);
	db_close(db);
}

Test(db_lifecycle, regions_sharing_a_name_are_added_up)
{
	char path[256];
	struct vmemsim_err err = {0};
	struct db *db = open_new(path, sizeof(path));
	struct db_run_info info = {.kind = "run"};
	struct mmu_stats s;
	int64_t id;
	th_fill_stats(&s);
	const char *names[] = {"vmemmap", "vmemmap"};
	struct db_run_result res = {.stats = &s, .region_names = names};
	cr_assert_eq(db_run_begin(db, &info, &id, &err), 0);
	cr_assert_eq(db_run_finish(db, id, &res, &err), 0, "%s", err.msg);
	db_close(db);
	sqlite3 *c = th_raw_open(path);
	cr_assert_eq(th_raw_int(c, "SELECT value FROM regions WHERE counter = 'loads'"), 400);
	cr_assert_eq(th_raw_int(c, "SELECT count(DISTINCT region) FROM regions"), 1);
	sqlite3_close(c);
}

Test(db_lifecycle, non_finite_extras_are_stored_as_null)
{
	char path[256];
	struct vmemsim_err err = {0};
	struct db *db = open_new(path, sizeof(path));
	struct db_run_info info = {.kind = "run"};
	int64_t id;
	struct db_metric extra[] = {{"cycles_per_op", NAN}, {"ratio", INFINITY}, {"big", 1e300}};
	struct db_run_result res = {.extra = extra, .nr_extra = 3};
	cr_assert_eq(db_run_begin(db, &info, &id, &err), 0);
	cr_assert_eq(db_run_finish(db, id, &res, &err), 0, "%s", err.msg);
	db_close(db);
	sqlite3 *c = th_raw_open(path);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM metrics WHERE value IS NULL"), 2);
	cr_assert_float_eq(th_raw_double(c, "SELECT value FROM metrics WHERE name = 'big'"), 1e300,
	                   1e285);
	sqlite3_close(c);
}

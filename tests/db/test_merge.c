/*
 * tests/db/test_merge.c — `db merge`: the runs of other databases, with all
 * their rows, under new ids; twice is the same as once; bad sources change
 * nothing.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

/* A source with a finished run (stats, regions, a hot spot), a failed run
 * and a killed one. */
static void make_source(const char *path, const char *model)
{
	struct vmemsim_err err = {0};
	struct db *db;
	struct mmu_stats s;
	int64_t id;
	th_fill_stats(&s);
	cr_assert_eq(db_open(&db, path, DB_OPEN_CREATE, &err), 0, "%s", err.msg);
	const char *names[] = {"other", "vmemmap"};
	struct db_hotspot hs[] = {{0xffffffff81000100ull, "f", "mov", 1, 2, 3, 4}};
	struct db_metric extra[] = {{"cycles", 5000}};
	struct db_run_result res = {.stats = &s,
	                            .region_names = names,
	                            .hotspots = hs,
	                            .nr_hotspots = 1,
	                            .extra = extra,
	                            .nr_extra = 1};
	struct db_run_info info = {
	    .kind = "run", .memory_model = model, .config_json = "{\"k\": 1}"};
	cr_assert_eq(db_run_begin(db, &info, &id, &err), 0);
	cr_assert_eq(db_run_finish(db, id, &res, &err), 0, "%s", err.msg);
	cr_assert_eq(db_run_begin(db, &info, &id, &err), 0);
	cr_assert_eq(db_run_fail(db, id, "boom", &err), 0);
	cr_assert_eq(db_run_begin(db, &info, &id, &err), 0);
	db_close(db);
}

/* Sources a (flatmem) and b (vmemmap-2m), and the path of an empty
 * destination; each buffer 256 bytes. */
static void make_two_sources(char *a, char *b, char *dst)
{
	th_tmp_path(a, 256, "a.db");
	th_tmp_path(b, 256, "b.db");
	th_tmp_path(dst, 256, "all.db");
	make_source(a, "flatmem");
	make_source(b, "vmemmap-2m");
}

Test(db_merge, copies_runs_with_all_rows_under_new_ids_and_twice_is_once)
{
	char dst[256], a[256], b[256];
	struct vmemsim_err err = {0};
	struct db_merge_stats st;
	struct db *db;
	make_two_sources(a, b, dst);
	cr_assert_eq(db_open(&db, dst, DB_OPEN_CREATE, &err), 0);
	th_add_run(db, "sparse-extreme", "zen4", NULL, 1, 1); /* id 1 here */
	cr_assert_eq(db_merge(db, a, &st, &err), 0, "%s", err.msg);
	cr_assert_eq(st.runs_copied, 3);
	cr_assert_eq(st.runs_skipped, 0);
	cr_assert_eq(db_merge(db, b, &st, &err), 0, "%s", err.msg);
	cr_assert_eq(st.runs_copied, 3);
	cr_assert_eq(db_merge(db, a, &st, &err), 0, "%s", err.msg);
	cr_assert_eq(st.runs_copied, 0);
	cr_assert_eq(st.runs_skipped, 3);
	cr_assert_eq(db_check(db, &err), 0, "%s", err.msg);
	db_close(db);

	sqlite3 *c = th_raw_open(dst);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM runs"), 7);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM runs WHERE status = 'running'"), 2);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM runs WHERE error = 'boom'"), 2);
	/* a's finished run is id 2 here, b's is id 5; their rows moved with them */
	cr_assert_eq(th_raw_int(c, "SELECT memory_model = 'flatmem' FROM runs WHERE id = 2"), 1);
	cr_assert_eq(th_raw_int(c, "SELECT memory_model = 'vmemmap-2m' FROM runs WHERE id = 5"), 1);
	cr_assert_eq(th_raw_int(c, "SELECT value FROM metrics WHERE run = 5 AND name = 'loads'"),
	             400);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM metrics WHERE run = 2"),
	             MMU_NR_COUNTERS + 1);
	cr_assert_eq(th_raw_int(c, "SELECT value FROM regions WHERE run = 2 AND region = 'vmemmap'"
	                           " AND counter = 'walks'"),
	             6);
	cr_assert_eq(th_raw_int(c, "SELECT walk_cycles FROM hotspots WHERE run = 5"
	                           " AND pc = '0xffffffff81000100'"),
	             4);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM metrics WHERE run IN (3, 4, 6, 7)"), 0);
	sqlite3_close(c);
}

static void set_all_started(const char *path, const char *when)
{
	sqlite3 *raw = NULL;
	char sql[128];
	cr_assert_eq(sqlite3_open(path, &raw), SQLITE_OK);
	snprintf(sql, sizeof(sql), "UPDATE runs SET started = '%s'", when);
	cr_assert_eq(sqlite3_exec(raw, sql, NULL, NULL, NULL), SQLITE_OK, "%s",
	             sqlite3_errmsg(raw));
	sqlite3_close(raw);
}

/* Two nodes of a sweep can start runs in the same millisecond: what tells
 * their runs apart is what they ran (here the memory model), not the time.
 * (This once depended on the clock: sources made back to back sometimes
 * shared a millisecond, and the second source's runs were dropped.) */
Test(db_merge, runs_started_in_the_same_millisecond_with_different_models_are_all_copied)
{
	char dst[256], a[256], b[256];
	struct vmemsim_err err = {0};
	struct db_merge_stats st;
	struct db *db;
	make_two_sources(a, b, dst);
	set_all_started(a, "2026-11-22T10:00:00.000Z");
	set_all_started(b, "2026-11-22T10:00:00.000Z");
	cr_assert_eq(db_open(&db, dst, DB_OPEN_CREATE, &err), 0);
	cr_assert_eq(db_merge(db, a, &st, &err), 0, "%s", err.msg);
	cr_assert_eq(st.runs_copied, 3);
	cr_assert_eq(db_merge(db, b, &st, &err), 0, "%s", err.msg);
	cr_assert_eq(st.runs_copied, 3);
	cr_assert_eq(st.runs_skipped, 0);
	/* and each file merged again is still once */
	cr_assert_eq(db_merge(db, b, &st, &err), 0, "%s", err.msg);
	cr_assert_eq(st.runs_copied, 0);
	cr_assert_eq(st.runs_skipped, 3);
	db_close(db);

	sqlite3 *c = th_raw_open(dst);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM runs WHERE memory_model = 'flatmem'"), 3);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM runs WHERE memory_model = 'vmemmap-2m'"),
	             3);
	sqlite3_close(c);
}

Test(db_merge, bad_sources_change_nothing)
{
	char dst[256], newer[256], text[256];
	struct vmemsim_err err = {0};
	struct db_merge_stats st;
	struct db *db;
	th_tmp_path(dst, sizeof(dst), "dst.db");
	th_tmp_path(newer, sizeof(newer), "newer.db");
	th_tmp_path(text, sizeof(text), "notes.txt");
	make_source(newer, "flatmem");
	sqlite3 *raw = NULL;
	cr_assert_eq(sqlite3_open(newer, &raw), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(raw, "PRAGMA user_version = 9", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	FILE *f = fopen(text, "w");
	fputs("these are notes, not a database; long enough to have a header\n", f);
	fclose(f);

	cr_assert_eq(db_open(&db, dst, DB_OPEN_CREATE, &err), 0);
	th_add_run(db, "flatmem", "zen4", NULL, 1, 1);
	cr_assert_eq(db_merge(db, newer, &st, &err), VMEMSIM_EVERSION);
	cr_assert(strstr(err.msg, "newer vmemsim"), "%s", err.msg);
	cr_assert_eq(db_merge(db, text, &st, &err), VMEMSIM_ECORRUPT);
	cr_assert_eq(db_merge(db, dst, &st, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "into itself"), "%s", err.msg);
	cr_assert_eq(st.runs_copied, 0);
	/* the handle is still usable: the source was detached */
	th_add_run(db, "flatmem", "zen4", NULL, 2, 2);
	db_close(db);
	sqlite3 *c = th_raw_open(dst);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM runs"), 2);
	sqlite3_close(c);
}

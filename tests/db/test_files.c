/*
 * tests/db/test_files.c — what db_open does with files it did not write or
 * cannot use: an older schema (migrated), a newer one, a non-SQLite file, a
 * foreign SQLite file, a missing file, a locked database; and that queries
 * cannot write.  "Nothing corrupted" is checked byte for byte.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;
	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *c = NULL;
	cr_assert_eq(sqlite3_open(path, &c), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(c, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(c));
	sqlite3_close(c);
}

/* The version-1 schema as vmemsim 0.1 wrote it: runs without host, metrics,
 * nothing else. */
static const char v1_schema[] =
    "CREATE TABLE runs (id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT,"
    " version TEXT NOT NULL, kind TEXT NOT NULL, workload TEXT, memory_model TEXT,"
    " cpu TEXT, layout TEXT, config TEXT NOT NULL DEFAULT '{}', status TEXT NOT NULL"
    " CHECK (status IN ('running', 'done', 'failed')), error TEXT, wall_seconds REAL);"
    "CREATE TABLE metrics (run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL, value, PRIMARY KEY (run, name)) WITHOUT ROWID;"
    "INSERT INTO runs VALUES (1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z',"
    " '0.0.9', 'run', 'pfn-scan', 'vmemmap-2m', 'skylake', NULL,"
    " '{\"memory_model\": \"vmemmap-2m\"}', 'done', NULL, 1.0);"
    "INSERT INTO metrics VALUES (1, 'dtlb_misses', 60), (1, 'dtlb_hits_4k', 440);"
    "PRAGMA user_version = 1; PRAGMA application_id = 1447908173;";

Test(db_files, version_1_database_is_migrated_forward_keeping_its_runs)
{
	char path[256];
	struct vmemsim_err err = {0};
	struct db *db;
	th_tmp_path(path, sizeof(path), "old.db");
	raw_exec(path, v1_schema);

	/* read-only: readable as it is, not migrated */
	cr_assert_eq(db_open(&db, path, DB_OPEN_READONLY, &err), 0, "%s", err.msg);
	cr_assert_eq(db_schema_version(db), 1);
	cr_assert_eq(db_check(db, &err), 0, "%s", err.msg);
	db_close(db);

	cr_assert_eq(db_open(&db, path, 0, &err), 0, "%s", err.msg);
	cr_assert_eq(db_schema_version(db), DB_SCHEMA_VERSION);
	th_add_run(db, "flatmem", "zen4", NULL, 10, 1);
	db_close(db);

	sqlite3 *c = th_raw_open(path);
	cr_assert_eq(th_raw_int(c, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM runs"), 2);
	cr_assert_eq(th_raw_int(c, "SELECT host IS NULL FROM runs WHERE id = 1"), 1);
	cr_assert_float_eq(th_raw_double(c, "SELECT dtlb_miss_rate FROM run_summary WHERE run = 1"),
	                   0.12, 1e-12);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM regions"), 0);
	sqlite3_close(c);
}

Test(db_files, newer_schema_is_refused_and_the_file_left_byte_identical)
{
	char path[256];
	struct vmemsim_err err = {0};
	struct db *db = NULL;
	size_t n0, n1;
	th_tmp_path(path, sizeof(path), "new.db");
	raw_exec(path, "CREATE TABLE runs (id INTEGER PRIMARY KEY, future_column TEXT);"
	               "PRAGMA user_version = 99; PRAGMA application_id = 1447908173;");
	char *before = slurp(path, &n0);
	cr_assert_eq(db_open(&db, path, DB_OPEN_CREATE, &err), VMEMSIM_EVERSION);
	cr_assert_null(db);
	cr_assert(strstr(err.msg, path) && strstr(err.msg, "newer vmemsim") &&
	              strstr(err.msg, "schema version 99"),
	          "%s", err.msg);
	cr_assert_eq(db_open(&db, path, DB_OPEN_READONLY, &err), VMEMSIM_EVERSION);
	char *after = slurp(path, &n1);
	cr_assert_eq(n0, n1);
	cr_assert_eq(memcmp(before, after, n0), 0);
	free(before);
	free(after);
}

Test(db_files, text_file_is_not_a_database_and_stays_untouched)
{
	char path[256];
	struct vmemsim_err err = {0};
	struct db *db = NULL;
	size_t n;
	static const char text[] = "run,cycles\n1,5000\n2,6000\n"
	                           "this is a CSV file that someone passed as --db by mistake\n";
	th_tmp_path(path, sizeof(path), "results.csv");
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	cr_assert_eq(db_open(&db, path, DB_OPEN_CREATE, &err), VMEMSIM_ECORRUPT);
	cr_assert_null(db);
	cr_assert(strstr(err.msg, path) && strstr(err.msg, "not a SQLite database"), "%s", err.msg);
	cr_assert_eq(db_open(&db, path, DB_OPEN_READONLY, &err), VMEMSIM_ECORRUPT);
	char *after = slurp(path, &n);
	cr_assert_eq(n, strlen(text));
	cr_assert_eq(memcmp(after, text, n), 0);
	free(after);
	/* and no -wal/-shm litter beside it */
	char side[300];
	snprintf(side, sizeof(side), "%s-wal", path);
	cr_assert_null(fopen(side, "r"));
}

Test(db_files, foreign_sqlite_database_is_refused_untouched)
{
	char path[256];
	struct vmemsim_err err = {0};
	struct db *db = NULL;
	th_tmp_path(path, sizeof(path), "places.sqlite");
	raw_exec(path, "CREATE TABLE bookmarks (url TEXT); INSERT INTO bookmarks VALUES ('x');");
	cr_assert_eq(db_open(&db, path, DB_OPEN_CREATE, &err), VMEMSIM_ECORRUPT);
	cr_assert(strstr(err.msg, "not a vmemsim results database"), "%s", err.msg);
	sqlite3 *c = th_raw_open(path);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM sqlite_schema"), 1);
	cr_assert_eq(th_raw_int(c, "PRAGMA user_version"), 0);
	sqlite3_close(c);
}

Test(db_files, missing_file_is_enoent_without_create)
{
	char path[256];
	struct vmemsim_err err = {0};
	struct db *db = NULL;
	th_tmp_path(path, sizeof(path), "nope.db");
	cr_assert_eq(db_open(&db, path, DB_OPEN_READONLY, &err), VMEMSIM_ENOENT);
	cr_assert(strstr(err.msg, path), "%s", err.msg);
	cr_assert_eq(db_open(&db, path, 0, &err), VMEMSIM_ENOENT);
	cr_assert_null(fopen(path, "r"));
}

Test(db_files, writer_locked_out_past_the_timeout_gets_ebusy_and_nothing_is_written)
{
	char path[256];
	struct vmemsim_err err = {0};
	struct db *db;
	int64_t id;
	th_tmp_path(path, sizeof(path), "busy.db");
	cr_assert_eq(db_open(&db, path, DB_OPEN_CREATE, &err), 0, "%s", err.msg);
	db_set_busy_timeout(db, 200);

	sqlite3 *holder = NULL;
	cr_assert_eq(sqlite3_open(path, &holder), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(holder, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

	struct db_run_info info = {.kind = "run"};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(db_run_begin(db, &info, &id, &err), VMEMSIM_EBUSY);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* it did wait for the other writer, at least the timeout */
	cr_assert_geq((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) * 1e-6, 190.0);
	cr_assert(strstr(err.msg, path) && strstr(err.msg, "locked") && strstr(err.msg, "200 ms"),
	          "%s", err.msg);
	cr_assert_eq(sqlite3_exec(holder, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(holder);

	/* once the lock is gone the same handle works again */
	cr_assert_eq(db_run_begin(db, &info, &id, &err), 0, "%s", err.msg);
	cr_assert_eq(id, 1);
	db_close(db);
}

static int count_rows(void *ctx, unsigned ncols, const char *const *names,
                      const struct db_value *vals)
{
	if (vals)
		++*(int *)ctx;
	return 0;
}

Test(db_files, query_refuses_statements_that_write)
{
	char path[256];
	struct vmemsim_err err = {0};
	struct db *db;
	int rows = 0;
	th_tmp_path(path, sizeof(path), "q.db");
	cr_assert_eq(db_open(&db, path, DB_OPEN_CREATE, &err), 0);
	th_add_run(db, "flatmem", "zen4", NULL, 10, 1);
	/* even on a writable handle, db_query refuses writes */
	static const char *const bad[] = {
	    "DELETE FROM runs",
	    "INSERT INTO metrics VALUES (1, 'x', 1)",
	    "UPDATE runs SET status = 'failed'",
	    "DROP TABLE metrics",
	    "CREATE TABLE t (x)",
	    "PRAGMA user_version = 5",
	    "SELECT 1; DELETE FROM runs",
	    "VACUUM",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		cr_assert_eq(db_query(db, bad[i], count_rows, &rows, &err), VMEMSIM_EINVAL, "%s",
		             bad[i]);
		cr_assert(strstr(err.msg, "read-only") || strstr(err.msg, "one statement"),
		          "%s: %s", bad[i], err.msg);
	}
	cr_assert_eq(db_query(db, "ATTACH 'other.db' AS o", count_rows, &rows, &err),
	             VMEMSIM_EINVAL);
	cr_assert_eq(rows, 0);
	cr_assert_eq(
	    db_query(db, "SELECT * FROM runs; -- trailing comment", count_rows, &rows, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(rows, 1);
	cr_assert_eq(db_query(db, "SELEC 1", count_rows, &rows, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "syntax error"), "%s", err.msg);
	db_close(db);
	sqlite3 *c = th_raw_open(path);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM runs WHERE status = 'done'"), 1);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM metrics"), 2);
	cr_assert_eq(th_raw_int(c, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	sqlite3_close(c);
	cr_assert_null(fopen("other.db", "r"));
}

Test(db_files, readonly_handle_reads_a_cleanly_closed_wal_database)
{
	char path[256];
	struct vmemsim_err err = {0};
	struct db *db;
	int rows = 0;
	th_tmp_path(path, sizeof(path), "ro.db");
	cr_assert_eq(db_open(&db, path, DB_OPEN_CREATE, &err), 0);
	th_add_run(db, "flatmem", "zen4", NULL, 10, 1);
	db_close(db);
	cr_assert_eq(db_open(&db, path, DB_OPEN_READONLY, &err), 0, "%s", err.msg);
	cr_assert_eq(db_query(db, "SELECT * FROM run_summary", count_rows, &rows, &err), 0, "%s",
	             err.msg);
	cr_assert_eq(rows, 1);
	cr_assert_eq(db_vacuum(db, &err), VMEMSIM_EINVAL);
	db_close(db);
}

/* A file-size limit (RLIMIT_FSIZE) fails writes the way a full disk does:
 * the run's transaction rolls back and everything before it survives. */
Test(db_files, write_failure_mid_run_rolls_back_and_keeps_earlier_runs)
{
	char path[256];
	int st;
	th_tmp_path(path, sizeof(path), "full.db");
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		struct vmemsim_err err = {0};
		struct mmu_stats s;
		struct db *db;
		int64_t id;
		int rc = 0, i;
		if (db_open(&db, path, DB_OPEN_CREATE, &err))
			_exit(10);
		signal(SIGXFSZ, SIG_IGN);
		struct rlimit rl = {200000, 200000};
		setrlimit(RLIMIT_FSIZE, &rl);
		memset(&s, 0, sizeof(s));
		s.nr_regions = MMU_MAX_REGIONS;
		for (unsigned r = 0; r < MMU_MAX_REGIONS; r++)
			for (unsigned c = 0; c < MMU_NR_COUNTERS; c++)
				s.v[r][c] = 1 + r + c;
		struct db_run_info info = {.kind = "test"};
		struct db_run_result res = {.stats = &s};
		for (i = 0; i < 1000 && !rc; i++) {
			rc = db_run_begin(db, &info, &id, &err);
			if (!rc)
				rc = db_run_finish(db, id, &res, &err);
		}
		db_close(db);
		/* exit 0 only for the expected failure with a message naming the file */
		_exit(rc == VMEMSIM_EIO && strstr(err.msg, path) && strstr(err.msg, "write failed")
		          ? 0
		          : 20);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
	struct vmemsim_err err = {0};
	struct db *db;
	cr_assert_eq(db_open(&db, path, 0, &err), 0, "%s", err.msg);
	cr_assert_eq(db_check(db, &err), 0, "%s", err.msg);
	db_close(db);
	sqlite3 *c = th_raw_open(path);
	int64_t done = th_raw_int(c, "SELECT count(*) FROM runs WHERE status = 'done'");
	cr_assert_gt(done, 0);
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT count(*) = %lld * %d FROM metrics", (long long)done,
	         MMU_NR_COUNTERS);
	cr_assert_eq(th_raw_int(c, sql), 1);
	sqlite3_close(c);
}

Test(db_files, empty_and_memory_paths_are_refused_not_silently_temporary)
{
	struct vmemsim_err err = {0};
	struct db *db = NULL;
	cr_assert_eq(db_open(&db, "", DB_OPEN_CREATE, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "--no-db"), "%s", err.msg);
	cr_assert_eq(db_open(&db, ":memory:", DB_OPEN_CREATE, &err), VMEMSIM_EINVAL);
	cr_assert_null(db);
}

Test(db_files, directory_is_not_a_database)
{
	struct vmemsim_err err = {0};
	struct db *db = NULL;
	cr_assert_eq(db_open(&db, "/tmp", DB_OPEN_CREATE, &err), VMEMSIM_EIO);
	cr_assert_str_eq(err.msg, "/tmp: is a directory, not a database");
}

/* Found by fuzz_db: user_version is signed, and -1 must not read as "older". */
Test(db_files, negative_user_version_is_refused_not_migrated)
{
	char path[256];
	struct vmemsim_err err = {0};
	struct db *db = NULL;
	th_tmp_path(path, sizeof(path), "neg.db");
	raw_exec(path, "CREATE TABLE runs (id INTEGER PRIMARY KEY);"
	               "PRAGMA user_version = -1; PRAGMA application_id = 1447908173;");
	cr_assert_eq(db_open(&db, path, DB_OPEN_CREATE, &err), VMEMSIM_ECORRUPT);
	cr_assert(strstr(err.msg, "user_version -1"), "%s", err.msg);
	cr_assert_eq(db_open(&db, path, DB_OPEN_READONLY, &err), VMEMSIM_ECORRUPT);
	sqlite3 *c = th_raw_open(path);
	cr_assert_eq(th_raw_int(c, "PRAGMA user_version"), -1);
	sqlite3_close(c);
}

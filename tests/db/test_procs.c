/*
 * tests/db/test_procs.c — many processes and killed processes.
 *
 * 8 writer processes start together on a database none of them has created
 * yet and each records 25 runs: every run must arrive, complete.  A writer
 * SIGKILLed while idle, or at a random point of a stream of large
 * transactions, must leave every finished run intact and the killed one
 * visible as not done, with no data.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

#define NR_WRITERS      8
#define RUNS_PER_WRITER 25

/* One run: the two-region stats plus (writer, seq) to identify it. */
static int write_run(struct db *db, int writer, int seq, struct vmemsim_err *err)
{
	struct mmu_stats s;
	int64_t id;
	char cfg[96];
	int rc;
	th_fill_stats(&s);
	snprintf(cfg, sizeof(cfg), "{\"writer\": %d, \"seq\": %d}", writer, seq);
	struct db_run_info info = {.kind = "test", .config_json = cfg};
	struct db_metric extra[] = {{"writer", writer}, {"seq", seq}};
	struct db_run_result res = {.stats = &s, .extra = extra, .nr_extra = 2};
	rc = db_run_begin(db, &info, &id, err);
	return rc ? rc : db_run_finish(db, id, &res, err);
}

static void writer_child(const char *path, int writer, int go_fd)
{
	struct vmemsim_err err = {0};
	struct db *db;
	char c;
	/* start together: wait until the parent closes the pipe */
	if (read(go_fd, &c, 1) < 0)
		_exit(3);
	if (db_open(&db, path, DB_OPEN_CREATE, &err)) {
		fprintf(stderr, "writer %d: %s\n", writer, err.msg);
		_exit(1);
	}
	for (int i = 0; i < RUNS_PER_WRITER; i++) {
		if (write_run(db, writer, i, &err)) {
			fprintf(stderr, "writer %d run %d: %s\n", writer, i, err.msg);
			_exit(2);
		}
	}
	db_close(db);
	_exit(0);
}

Test(db_procs, eight_concurrent_writers_lose_nothing)
{
	char path[256], sql[256];
	pid_t pids[NR_WRITERS];
	int go[2];
	th_tmp_path(path, sizeof(path), "shared.db");
	cr_assert_eq(pipe(go), 0);
	for (int w = 0; w < NR_WRITERS; w++) {
		pids[w] = fork();
		cr_assert_neq(pids[w], -1);
		if (pids[w] == 0) {
			close(go[1]);
			writer_child(path, w, go[0]);
		}
	}
	close(go[0]);
	close(go[1]); /* go */
	for (int w = 0; w < NR_WRITERS; w++) {
		int st;
		cr_assert_eq(waitpid(pids[w], &st, 0), pids[w]);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer %d failed (status %d)", w,
		          st);
	}
	sqlite3 *c = th_raw_open(path);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM runs WHERE status = 'done'"),
	             NR_WRITERS * RUNS_PER_WRITER);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM runs"), NR_WRITERS * RUNS_PER_WRITER);
	/* every run complete: all counters, both extras, its 23 region rows */
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM (SELECT run FROM metrics GROUP BY run"
	         " HAVING count(*) = %d)",
	         MMU_NR_COUNTERS + 2);
	cr_assert_eq(th_raw_int(c, sql), NR_WRITERS * RUNS_PER_WRITER);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM regions"),
	             NR_WRITERS * RUNS_PER_WRITER * 23);
	/* each (writer, seq) exactly once, and the config agrees with the metrics */
	for (int w = 0; w < NR_WRITERS; w++) {
		snprintf(sql, sizeof(sql),
		         "SELECT count(DISTINCT json_extract(config, '$.seq')) FROM runs r"
		         " JOIN metrics m ON m.run = r.id AND m.name = 'writer' AND m.value = %d"
		         " WHERE json_extract(config, '$.writer') = %d",
		         w, w);
		cr_assert_eq(th_raw_int(c, sql), RUNS_PER_WRITER, "writer %d", w);
	}
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM pragma_integrity_check"
	                           " WHERE integrity_check <> 'ok'"),
	             0);
	sqlite3_close(c);
}

Test(db_procs, sigkill_while_running_keeps_finished_runs_and_shows_the_killed_one)
{
	char path[256];
	struct vmemsim_err err = {0};
	int ready[2];
	char c;
	th_tmp_path(path, sizeof(path), "killed.db");
	cr_assert_eq(pipe(ready), 0);
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		struct db *db;
		int64_t id;
		struct db_run_info info = {.kind = "test", .workload = "killed-one"};
		if (db_open(&db, path, DB_OPEN_CREATE, &err))
			_exit(1);
		for (int i = 0; i < 3; i++)
			if (write_run(db, 0, i, &err))
				_exit(2);
		if (db_run_begin(db, &info, &id, &err))
			_exit(3);
		if (write(ready[1], "r", 1) != 1)
			_exit(4);
		for (;;)
			pause(); /* "working" */
	}
	close(ready[1]);
	cr_assert_eq(read(ready[0], &c, 1), 1, "child died before it was ready");
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

	sqlite3 *conn = th_raw_open(path);
	cr_assert_eq(th_raw_int(conn, "SELECT count(*) FROM runs WHERE status = 'done'"), 3);
	cr_assert_eq(th_raw_int(conn, "SELECT count(*) FROM runs WHERE status = 'running'"
	                              " AND workload = 'killed-one'"),
	             1);
	cr_assert_eq(th_raw_int(conn, "SELECT count(*) FROM metrics"), 3 * (MMU_NR_COUNTERS + 2));
	sqlite3_close(conn);

	/* the database is fine and usable afterwards */
	struct db *db;
	cr_assert_eq(db_open(&db, path, 0, &err), 0, "%s", err.msg);
	cr_assert_eq(db_check(db, &err), 0, "%s", err.msg);
	cr_assert_eq(write_run(db, 1, 0, &err), 0, "%s", err.msg);
	db_close(db);
}

static int64_t done_runs(const char *path)
{
	sqlite3 *c = NULL;
	sqlite3_stmt *st = NULL;
	int64_t n = 0;
	if (sqlite3_open_v2(path, &c, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(c, "SELECT count(*) FROM runs WHERE status = 'done'", -1, &st,
	                       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(c);
	return n;
}

/* A child that records big runs (16 regions: ~800 rows per transaction)
 * until it is killed. */
static void endless_writer(const char *path, int ready_fd)
{
	struct vmemsim_err err = {0};
	struct mmu_stats s;
	struct db *db;
	memset(&s, 0, sizeof(s));
	s.nr_regions = MMU_MAX_REGIONS;
	for (unsigned r = 0; r < MMU_MAX_REGIONS; r++)
		for (unsigned c = 0; c < MMU_NR_COUNTERS; c++)
			s.v[r][c] = 1 + r * 100 + c;
	if (db_open(&db, path, DB_OPEN_CREATE, &err))
		_exit(1);
	if (write(ready_fd, "r", 1) != 1)
		_exit(4);
	for (;;) {
		int64_t id;
		struct db_run_info info = {.kind = "test"};
		struct db_run_result res = {.stats = &s};
		if (db_run_begin(db, &info, &id, &err) || db_run_finish(db, id, &res, &err))
			_exit(2);
	}
}

Test(db_procs, sigkill_at_random_points_never_leaves_a_half_written_run)
{
	static const unsigned delays_ms[] = {30, 77, 140};
	for (size_t k = 0; k < sizeof(delays_ms) / sizeof(*delays_ms); k++) {
		char path[256];
		struct vmemsim_err err = {0};
		int ready[2];
		char c;
		th_tmp_path(path, sizeof(path), "stream.db");
		cr_assert_eq(pipe(ready), 0);
		pid_t pid = fork();
		cr_assert_neq(pid, -1);
		if (pid == 0) {
			close(ready[0]);
			endless_writer(path, ready[1]);
		}
		close(ready[1]);
		cr_assert_eq(read(ready[0], &c, 1), 1);
		close(ready[0]);
		/* let it finish a run first, however loaded the machine is (up to
		 * ~60 s, as in test_kill_cli.c: a sanitizer build on a busy 2-core
		 * CI machine can be very slow); stop early if the writer died */
		for (int i = 0; i < 12000 && done_runs(path) < 1; i++) {
			int early = 0;
			cr_assert_eq(waitpid(pid, &early, WNOHANG), 0,
			             "writer ended before its first run (status %d)", early);
			usleep(5000);
		}
		usleep(delays_ms[k] * 1000);
		kill(pid, SIGKILL);
		int st;
		waitpid(pid, &st, 0);
		cr_assert(WIFSIGNALED(st), "writer exited by itself: %d", st);

		sqlite3 *conn = th_raw_open(path);
		int64_t done = th_raw_int(conn, "SELECT count(*) FROM runs WHERE status = 'done'");
		cr_assert_gt(done, 0, "delay %u ms: no run finished", delays_ms[k]);
		cr_assert_leq(th_raw_int(conn, "SELECT count(*) FROM runs WHERE status <> 'done'"),
		              1);
		/* done runs are complete; the unfinished one has nothing */
		cr_assert_eq(th_raw_int(conn, "SELECT count(*) FROM metrics"),
		             done * MMU_NR_COUNTERS);
		cr_assert_eq(th_raw_int(conn, "SELECT count(*) FROM regions"),
		             done * MMU_MAX_REGIONS * MMU_NR_COUNTERS);
		cr_assert_eq(th_raw_int(conn, "SELECT count(*) FROM metrics m JOIN runs r"
		                              " ON r.id = m.run WHERE r.status <> 'done'"),
		             0);
		sqlite3_close(conn);
		struct db *db;
		cr_assert_eq(db_open(&db, path, DB_OPEN_READONLY, &err), 0, "%s", err.msg);
		cr_assert_eq(db_check(db, &err), 0, "%s", err.msg);
		db_close(db);
	}
}

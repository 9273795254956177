/*
 * tests/db/test_kill_cli.c — the real binary SIGKILLed in the middle of a
 * multi-run command (`vmemsim reach`, one run per point): the points it
 * finished stay complete, the one it was working on is visible as not done.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "tests/common/transcript.h"

/* Done runs so far, or -1 while the file or its schema does not exist yet. */
static int64_t done_runs(const char *path)
{
	sqlite3 *c = NULL;
	sqlite3_stmt *st = NULL;
	int64_t n = -1;
	if (access(path, F_OK) != 0)
		return -1;
	if (sqlite3_open_v2(path, &c, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(c, "SELECT count(*) FROM runs WHERE status = 'done'", -1, &st,
	                       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(c);
	return n;
}

Test(db_kill, sigkilled_reach_keeps_finished_points_and_shows_the_killed_one)
{
	char path[256];
	struct vmemsim_err err = {0};
	th_tmp_path(path, sizeof(path), "reach.db");
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 1);
		dup2(nul, 2);
		/* many points, each long enough that a kill lands inside one */
		execl(transcript_bin(), transcript_bin(), "reach", "--db", path, "--quiet",
		      "--pages", "16,32,64,128,256,512,1024,2048,4096,8192,16384,32768,65536",
		      "--accesses", "1000000", (char *)NULL);
		_exit(127);
	}
	/* wait for two finished points (at most ~60 s on a slow sanitizer build) */
	int64_t done = -1;
	for (int i = 0; i < 6000 && done < 2; i++) {
		int st;
		cr_assert_eq(waitpid(pid, &st, WNOHANG), 0, "reach ended early (status %d)", st);
		usleep(10000);
		done = done_runs(path);
	}
	cr_assert_geq(done, 2, "reach recorded no runs");
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "reach finished before the kill");

	sqlite3 *c = th_raw_open(path);
	done = th_raw_int(c, "SELECT count(*) FROM runs WHERE status = 'done'");
	cr_assert_geq(done, 2);
	cr_assert_lt(done, 13);
	/* the point in progress: begun, never finished, no data.  (Zero only if
	 * the kill fell between one point's finish and the next one's begin.) */
	cr_assert_leq(th_raw_int(c, "SELECT count(*) FROM runs WHERE status = 'running'"), 1);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM runs WHERE status = 'failed'"), 0);
	char sql[200];
	snprintf(
	    sql, sizeof(sql),
	    "SELECT count(*) FROM (SELECT run FROM metrics GROUP BY run HAVING count(*) >= %d)",
	    MMU_NR_COUNTERS);
	cr_assert_eq(th_raw_int(c, sql), done);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM metrics m JOIN runs r ON r.id = m.run"
	                           " WHERE r.status <> 'done'"),
	             0);
	/* finished points are the first ones, in order */
	cr_assert_eq(th_raw_int(c, "SELECT max(id) FROM runs WHERE status = 'done'"), done);
	sqlite3_close(c);

	struct db *db;
	cr_assert_eq(db_open(&db, path, DB_OPEN_READONLY, &err), 0, "%s", err.msg);
	cr_assert_eq(db_check(db, &err), 0, "%s", err.msg);
	db_close(db);
}

Test(db_kill, four_concurrent_reach_processes_record_every_point)
{
	char path[256];
	static const char *const cpus[] = {"skylake", "zen4", "skylake", "zen4"};
	static const char *const seeds[] = {"1", "1", "2", "2"};
	pid_t pids[4];
	th_tmp_path(path, sizeof(path), "four.db");
	for (int i = 0; i < 4; i++) {
		pids[i] = fork();
		cr_assert_neq(pids[i], -1);
		if (pids[i] == 0) {
			int nul = open("/dev/null", O_RDWR);
			dup2(nul, 1);
			dup2(nul, 2);
			execl(transcript_bin(), transcript_bin(), "reach", "--db", path, "--quiet",
			      "--cpu", cpus[i], "--seed", seeds[i], "--pages",
			      "16,64,256,1024,4096", "--accesses", "4000", (char *)NULL);
			_exit(127);
		}
	}
	for (int i = 0; i < 4; i++) {
		int st;
		cr_assert_eq(waitpid(pids[i], &st, 0), pids[i]);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "reach %d: status %d", i, st);
	}
	sqlite3 *c = th_raw_open(path);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM runs WHERE status = 'done'"), 20);
	cr_assert_eq(th_raw_int(c, "SELECT count(DISTINCT json_extract(config, '$.cpu.name') || '/'"
	                           " || json_extract(config, '$.reach.seed') || '/'"
	                           " || json_extract(config, '$.reach.pages')) FROM runs"),
	             20);
	sqlite3_close(c);

	struct transcript t;
	cr_assert_eq(
	    transcript_runl(&t, "compare", "--db", path, "--csv", "--metric", "walks", NULL), 0);
	cr_assert_eq(t.status, 0, "%s", t.err);
	/* 20 groups (cpu.name x reach.seed x reach.pages) plus the header */
	unsigned lines = 0;
	for (const char *p = t.out; *p; p++)
		lines += *p == '\n';
	cr_assert_eq(lines, 21, "%s", t.out);
	cr_assert(!strncmp(t.out, "cpu.name,", 9), "%s", t.out);
	transcript_free(&t);
}

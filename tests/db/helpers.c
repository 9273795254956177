/*
 * tests/db/helpers.c — see helpers.h.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* Scratch directories made by this test process, removed when it exits
 * (children that _exit or are killed leave them to their parent). */
static char tmp_dirs[16][64];
static unsigned nr_tmp_dirs;
static pid_t tmp_owner;

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)remove(path); /* best effort: keep walking */
	return 0;
}

static void remove_tmp_dirs(void)
{
	if (getpid() != tmp_owner)
		return;
	for (unsigned i = 0; i < nr_tmp_dirs; i++)
		nftw(tmp_dirs[i], remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	nr_tmp_dirs = 0;
}

void th_tmp_path(char *out, size_t len, const char *name)
{
	/* tmpfs when there is one: the tests commit a few thousand transactions
	 * and a busy disk's fsyncs would dominate their time; kill and
	 * concurrency behaviour is the same (power loss is not tested). */
	char dir[64];
	snprintf(dir, sizeof(dir), "%s/vmemsim-dbtest-XXXXXX",
	         access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	cr_assert_not_null(mkdtemp(dir));
	if (tmp_owner != getpid()) {
		tmp_owner = getpid();
		nr_tmp_dirs = 0;
		atexit(remove_tmp_dirs);
	}
	if (nr_tmp_dirs < sizeof(tmp_dirs) / sizeof(*tmp_dirs))
		snprintf(tmp_dirs[nr_tmp_dirs++], sizeof(*tmp_dirs), "%s", dir);
	snprintf(out, len, "%s/%s", dir, name);
}

void th_fill_stats(struct mmu_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->nr_regions = 2;
	s->base_cpi = 1.0;
	/* region 0, "other" */
	s->v[0][MMU_C_instructions] = 1000;
	s->v[0][MMU_C_fetches] = 200;
	s->v[0][MMU_C_loads] = 300;
	s->v[0][MMU_C_stores] = 100;
	s->v[0][MMU_C_dtlb_hits_4k] = 350;
	s->v[0][MMU_C_dtlb_misses] = 50;
	s->v[0][MMU_C_stlb_hits_4k] = 30;
	s->v[0][MMU_C_stlb_misses] = 20;
	s->v[0][MMU_C_walks] = 20;
	s->v[0][MMU_C_l1d_hits] = 380;
	s->v[0][MMU_C_l2_hits] = 10;
	s->v[0][MMU_C_llc_hits] = 6;
	s->v[0][MMU_C_dram_accesses] = 4;
	s->v[0][MMU_C_cycles_walk] = 400;
	/* region 1, "vmemmap" */
	s->v[1][MMU_C_loads] = 100;
	s->v[1][MMU_C_dtlb_hits_2m] = 90;
	s->v[1][MMU_C_dtlb_misses] = 10;
	s->v[1][MMU_C_stlb_hits_2m] = 4;
	s->v[1][MMU_C_stlb_misses] = 6;
	s->v[1][MMU_C_walks] = 6;
	s->v[1][MMU_C_l1d_hits] = 95;
	s->v[1][MMU_C_dram_accesses] = 5;
	s->v[1][MMU_C_cycles_walk] = 600;
}

int64_t th_add_run(struct db *db, const char *memory_model, const char *cpu, const char *extra_json,
                   double cycles, double dtlb_misses)
{
	struct vmemsim_err err = {0};
	char json[512];
	int64_t id;
	snprintf(json, sizeof(json),
	         "{\"memory_model\": \"%s\", \"cpu\": {\"name\": \"%s\"}, \"seed\": 1%s%s}",
	         memory_model, cpu, extra_json ? ", " : "", extra_json ? extra_json : "");
	struct db_run_info info = {.kind = "test",
	                           .workload = "pfn-scan",
	                           .memory_model = memory_model,
	                           .cpu = cpu,
	                           .config_json = json};
	cr_assert_eq(db_run_begin(db, &info, &id, &err), 0, "%s", err.msg);
	struct db_metric extra[] = {{"cycles", cycles}, {"dtlb_misses", dtlb_misses}};
	struct db_run_result res = {.extra = extra, .nr_extra = 2};
	cr_assert_eq(db_run_finish(db, id, &res, &err), 0, "%s", err.msg);
	return id;
}

sqlite3 *th_raw_open(const char *path)
{
	sqlite3 *c = NULL;
	cr_assert_eq(sqlite3_open_v2(path, &c, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	return c;
}

int64_t th_raw_int(sqlite3 *conn, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v;
	cr_assert_eq(sqlite3_prepare_v2(conn, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
	             sqlite3_errmsg(conn));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: no row", sql);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

double th_raw_double(sqlite3 *conn, const char *sql)
{
	sqlite3_stmt *st;
	double v;
	cr_assert_eq(sqlite3_prepare_v2(conn, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
	             sqlite3_errmsg(conn));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: no row", sql);
	v = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return v;
}

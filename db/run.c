/*
 * db/run.c — the run lifecycle: running -> done | failed.
 *
 * db_run_begin commits the 'running' row on its own, before the work starts
 * (invariant 1 of db.h).  db_run_finish flips the status and writes every
 * metric, region and hot-spot row in one BEGIN IMMEDIATE transaction
 * (invariant 2); the status update comes first and is conditional on
 * status = 'running', so a run is finished at most once.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "db_internal.h"

static const char *const counter_names[MMU_NR_COUNTERS] = {
#define MMU_COUNTER(id, unit, desc) #id,
#include "../mmu/counters.def"
#undef MMU_COUNTER
};

const char *db_counter_metric_name(enum mmu_counter c)
{
	return (unsigned)c < MMU_NR_COUNTERS ? counter_names[c] : NULL;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Counters are integers; keep integral extras integral so that queries show
 * "42", not "42.0".  2^53: beyond it a double is no longer exact anyway. */
static void bind_number(sqlite3_stmt *st, int i, double v)
{
	/* NaN or infinity (cycles per op of a run with no ops) is "no value":
	 * NULL, which the summary and compare skip.  The range test comes first
	 * so the cast is always defined. */
	if (!isfinite(v))
		sqlite3_bind_null(st, i);
	else if (v > -9007199254740992.0 && v < 9007199254740992.0 && v == (double)(int64_t)v)
		sqlite3_bind_int64(st, i, (int64_t)v);
	else
		sqlite3_bind_double(st, i, v);
}

static void bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
	if (v <= INT64_MAX)
		sqlite3_bind_int64(st, i, (int64_t)v);
	else
		sqlite3_bind_double(st, i, (double)v);
}

/* Step an INSERT/UPDATE to completion and reset it for the next row. */
static int step_reset(struct db *db, sqlite3_stmt *st, const char *what, struct vmemsim_err *err)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : db_sqlite_err(db, rc, what, err);
}

static int check_json(struct db *db, const char *json, struct vmemsim_err *err)
{
	sqlite3_stmt *st;
	int ok, rc = db_prepare(db, "SELECT json_valid(?1)", &st, "checking the config", err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (!ok)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "%s: the run's config is not valid JSON; run not recorded",
		                    db->path);
	return 0;
}

int db_run_begin(struct db *db, const struct db_run_info *info, int64_t *run_id,
                 struct vmemsim_err *err)
{
	static const char sql[] =
	    "INSERT INTO runs (started, version, kind, workload, memory_model, cpu,"
	    " layout, config, status, host) VALUES"
	    " (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?1, ?2, ?3, ?4, ?5, ?6, ?7,"
	    " 'running', ?8)";
	char host[256] = "";
	sqlite3_stmt *st = NULL;
	int rc;

	if (!info || !info->kind || !*info->kind)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "%s: a run needs a kind", db->path);
	if (info->config_json && (rc = check_json(db, info->config_json, err)))
		return rc;
	if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = '\0';
	rc = db_tx_begin(db, "recording a new run", err);
	if (rc)
		return rc;
	rc = db_prepare(db, sql, &st, "recording a new run", err);
	if (!rc) {
		sqlite3_bind_text(st, 1, VMEMSIM_VERSION, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, info->kind, -1, SQLITE_TRANSIENT);
		bind_text_or_null(st, 3, info->workload);
		bind_text_or_null(st, 4, info->memory_model);
		bind_text_or_null(st, 5, info->cpu);
		bind_text_or_null(st, 6, info->layout);
		sqlite3_bind_text(st, 7, info->config_json ? info->config_json : "{}", -1,
		                  SQLITE_TRANSIENT);
		bind_text_or_null(st, 8, host[0] ? host : NULL);
		rc = step_reset(db, st, "recording a new run", err);
	}
	sqlite3_finalize(st);
	if (!rc) {
		*run_id = sqlite3_last_insert_rowid(db->conn);
		rc = db_tx_commit(db, "recording a new run", err);
	} else {
		db_tx_rollback(db);
	}
	return rc;
}

/* Extras may not repeat a counter or each other: the primary key would
 * refuse it anyway, but this names the culprit before any write. */
static int check_extras(struct db *db, const struct db_run_result *res, struct vmemsim_err *err)
{
	for (unsigned i = 0; i < res->nr_extra; i++) {
		const char *n = res->extra[i].name;
		if (!n || !*n)
			return vmemsim_errf(err, VMEMSIM_EINVAL, "%s: extra metric %u has no name",
			                    db->path, i);
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(n, res->extra[j].name))
				return vmemsim_errf(err, VMEMSIM_EEXIST,
				                    "%s: extra metric '%s' given twice", db->path,
				                    n);
		for (unsigned c = 0; res->stats && c < MMU_NR_COUNTERS; c++)
			if (!strcmp(n, counter_names[c]))
				return vmemsim_errf(err, VMEMSIM_EEXIST,
				                    "%s: extra metric '%s' repeats a counter",
				                    db->path, n);
	}
	return 0;
}

/* Flip 'running' to the final status; ENOENT if the run is not running. */
static int set_status(struct db *db, int64_t run_id, const char *status, const char *msg,
                      struct vmemsim_err *err)
{
	static const char sql[] =
	    "UPDATE runs SET status = ?2, error = ?3,"
	    " finished = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),"
	    " wall_seconds = (julianday('now') - julianday(started)) * 86400.0"
	    " WHERE id = ?1 AND status = 'running'";
	sqlite3_stmt *st;
	int rc = db_prepare(db, sql, &st, "finishing the run", err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	bind_text_or_null(st, 3, msg);
	rc = step_reset(db, st, "finishing the run", err);
	sqlite3_finalize(st);
	if (!rc && sqlite3_changes(db->conn) != 1)
		rc = vmemsim_errf(err, VMEMSIM_ENOENT, "%s: run %lld is not a running run",
		                  db->path, (long long)run_id);
	return rc;
}

static int store_metrics(struct db *db, int64_t run_id, const struct db_run_result *res,
                         struct vmemsim_err *err)
{
	sqlite3_stmt *st;
	int rc = db_prepare(db, "INSERT INTO metrics (run, name, value) VALUES (?1, ?2, ?3)", &st,
	                    "storing metrics", err);
	for (unsigned c = 0; !rc && res->stats && c < MMU_NR_COUNTERS; c++) {
		uint64_t total = 0;
		for (unsigned r = 0; r < res->stats->nr_regions && r < MMU_MAX_REGIONS; r++)
			total += res->stats->v[r][c];
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_text(st, 2, counter_names[c], -1, SQLITE_STATIC);
		bind_u64(st, 3, total);
		rc = step_reset(db, st, "storing metrics", err);
	}
	for (unsigned i = 0; !rc && i < res->nr_extra; i++) {
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_text(st, 2, res->extra[i].name, -1, SQLITE_STATIC);
		bind_number(st, 3, res->extra[i].value);
		rc = step_reset(db, st, "storing metrics", err);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Per-region counters; zero values are not stored (a missing row is 0), which
 * keeps a 16-region run at the size of the counters it actually moved. */
static int store_regions(struct db *db, int64_t run_id, const struct db_run_result *res,
                         struct vmemsim_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (!res->stats)
		return 0;
	/* two regions registered under one name are one region here: add up */
	rc = db_prepare(db,
	                "INSERT INTO regions (run, region, counter, value) VALUES (?1, ?2, ?3, ?4)"
	                " ON CONFLICT (run, region, counter) DO UPDATE SET value = value + "
	                "excluded.value",
	                &st, "storing region counters", err);
	for (unsigned r = 0; !rc && r < res->stats->nr_regions && r < MMU_MAX_REGIONS; r++) {
		char fallback[32];
		const char *name = res->region_names ? res->region_names[r] : NULL;
		if (!name) {
			snprintf(fallback, sizeof(fallback), "region%u", r);
			name = fallback;
		}
		for (unsigned c = 0; !rc && c < MMU_NR_COUNTERS; c++) {
			if (!res->stats->v[r][c])
				continue;
			sqlite3_bind_int64(st, 1, run_id);
			sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 3, counter_names[c], -1, SQLITE_STATIC);
			bind_u64(st, 4, res->stats->v[r][c]);
			rc = step_reset(db, st, "storing region counters", err);
		}
	}
	sqlite3_finalize(st);
	return rc;
}

static int store_hotspots(struct db *db, int64_t run_id, const struct db_run_result *res,
                          struct vmemsim_err *err)
{
	static const char sql[] = "INSERT INTO hotspots (run, rank, pc, symbol, disassembly,"
	                          " dtlb_misses, itlb_misses, walks, walk_cycles)"
	                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
	sqlite3_stmt *st;
	int rc;

	if (!res->nr_hotspots)
		return 0;
	rc = db_prepare(db, sql, &st, "storing hot spots", err);
	for (unsigned i = 0; !rc && i < res->nr_hotspots; i++) {
		const struct db_hotspot *h = &res->hotspots[i];
		char pc[24];
		snprintf(pc, sizeof(pc), "0x%" PRIx64, h->pc);
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_int(st, 2, (int)i + 1);
		sqlite3_bind_text(st, 3, pc, -1, SQLITE_TRANSIENT);
		bind_text_or_null(st, 4, h->symbol);
		bind_text_or_null(st, 5, h->disassembly);
		bind_u64(st, 6, h->dtlb_misses);
		bind_u64(st, 7, h->itlb_misses);
		bind_u64(st, 8, h->walks);
		bind_u64(st, 9, h->walk_cycles);
		rc = step_reset(db, st, "storing hot spots", err);
	}
	sqlite3_finalize(st);
	return rc;
}

int db_run_finish(struct db *db, int64_t run_id, const struct db_run_result *res,
                  struct vmemsim_err *err)
{
	static const struct db_run_result empty;
	int rc;

	if (!res)
		res = &empty;
	rc = check_extras(db, res, err);
	if (rc)
		return rc;
	rc = db_tx_begin(db, "storing the run's results", err);
	if (rc)
		return rc;
	rc = set_status(db, run_id, "done", NULL, err);
	if (!rc)
		rc = store_metrics(db, run_id, res, err);
	if (!rc)
		rc = store_regions(db, run_id, res, err);
	if (!rc)
		rc = store_hotspots(db, run_id, res, err);
	if (!rc)
		return db_tx_commit(db, "storing the run's results", err);
	db_tx_rollback(db);
	return rc;
}

int db_run_fail(struct db *db, int64_t run_id, const char *msg, struct vmemsim_err *err)
{
	int rc = db_tx_begin(db, "marking the run failed", err);
	if (rc)
		return rc;
	rc = set_status(db, run_id, "failed", msg ? msg : "failed", err);
	if (!rc)
		return db_tx_commit(db, "marking the run failed", err);
	db_tx_rollback(db);
	return rc;
}

/*
 * db/merge.c — copy the runs of another results database into this one
 * (`vmemsim db merge`): how the per-node databases of a multi-node sweep
 * become one.
 *
 * The source is checked like any database (db_open read-only: not SQLite,
 * foreign, newer or older schema are refused) and then ATTACHed.  Everything
 * is copied in one BEGIN IMMEDIATE transaction: a run gets a new id here and
 * its metrics, regions and hot spots follow it.  A run already present —
 * the same values in every column fixed when the run began (started time to
 * the millisecond, host, version, kind, workload, memory model, CPU, layout,
 * config) — is skipped, so merging the same file twice copies nothing the
 * second time.  Columns that change later (status, finished) stay out of the
 * identity: a run merged while still running is not copied again once done.
 * Two runs that agree in all of those columns, e.g. the same configuration
 * started in the same millisecond on one host by two processes, count as
 * one; a deterministic simulator gives them identical results.
 */
#include <sys/stat.h>

#include "db_internal.h"

/* Source runs not yet here, oldest first. */
static const char select_new[] =
    "SELECT id FROM src.runs s WHERE NOT EXISTS (SELECT 1 FROM temp.merge_seen m"
    " WHERE m.started = s.started AND m.host IS s.host AND m.kind = s.kind"
    " AND m.version = s.version AND m.config IS s.config AND m.workload IS s.workload"
    " AND m.memory_model IS s.memory_model AND m.cpu IS s.cpu AND m.layout IS s.layout)"
    " ORDER BY id";

static const char *const copy_sql[] = {
    "INSERT INTO main.runs (started, finished, version, kind, workload, memory_model, cpu,"
    " layout, config, status, error, wall_seconds, host) SELECT started, finished, version,"
    " kind, workload, memory_model, cpu, layout, config, status, error, wall_seconds, host"
    " FROM src.runs WHERE id = ?1",
    "INSERT INTO main.metrics (run, name, value) SELECT ?2, name, value FROM src.metrics"
    " WHERE run = ?1",
    "INSERT INTO main.regions (run, region, counter, value) SELECT ?2, region, counter, value"
    " FROM src.regions WHERE run = ?1",
    "INSERT INTO main.hotspots (run, rank, pc, symbol, disassembly, dtlb_misses, itlb_misses,"
    " walks, walk_cycles) SELECT ?2, rank, pc, symbol, disassembly, dtlb_misses, itlb_misses,"
    " walks, walk_cycles FROM src.hotspots WHERE run = ?1",
};

#define NR_COPY (sizeof(copy_sql) / sizeof(*copy_sql))

/* One source run and everything under it. */
static int copy_run(struct db *db, sqlite3_stmt *const *st, int64_t old_id, struct vmemsim_err *err)
{
	int64_t new_id = 0;
	for (unsigned i = 0; i < NR_COPY; i++) {
		int rc;
		sqlite3_bind_int64(st[i], 1, old_id);
		if (i)
			sqlite3_bind_int64(st[i], 2, new_id);
		rc = sqlite3_step(st[i]);
		sqlite3_reset(st[i]);
		if (rc != SQLITE_DONE)
			return db_sqlite_err(db, rc, "copying a run", err);
		if (!i)
			new_id = sqlite3_last_insert_rowid(db->conn);
	}
	return 0;
}

static int copy_all(struct db *db, struct db_merge_stats *out, struct vmemsim_err *err)
{
	sqlite3_stmt *st[NR_COPY] = {0}, *sel = NULL;
	int rc = sqlite3_exec(db->conn,
	                      "CREATE TEMP TABLE merge_seen AS SELECT started, host, kind, version,"
	                      " config, workload, memory_model, cpu, layout FROM main.runs;"
	                      "CREATE INDEX temp.merge_seen_i ON merge_seen (started)",
	                      NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_sqlite_err(db, rc, "indexing the runs present", err);
	rc = db_prepare(db, select_new, &sel, "listing the source's runs", err);
	for (unsigned i = 0; !rc && i < NR_COPY; i++)
		rc = db_prepare(db, copy_sql[i], &st[i], "copying a run", err);
	while (!rc) {
		int step = sqlite3_step(sel);
		if (step == SQLITE_DONE)
			break;
		if (step != SQLITE_ROW) {
			rc = db_sqlite_err(db, step, "listing the source's runs", err);
			break;
		}
		rc = copy_run(db, st, sqlite3_column_int64(sel, 0), err);
		out->runs_copied += !rc;
	}
	sqlite3_finalize(sel);
	for (unsigned i = 0; i < NR_COPY; i++)
		sqlite3_finalize(st[i]);
	sqlite3_exec(db->conn, "DROP TABLE IF EXISTS temp.merge_seen", NULL, NULL, NULL);
	return rc;
}

/* db_open's checks on the source, then how many runs it has. */
static int check_source(const char *src_path, int64_t *runs, struct vmemsim_err *err)
{
	struct db_info info;
	struct db *src;
	int rc = db_open(&src, src_path, DB_OPEN_READONLY, err);
	if (rc)
		return rc;
	if (db_schema_version(src) != DB_SCHEMA_VERSION)
		rc = vmemsim_errf(err, VMEMSIM_EVERSION,
		                  "%s: schema version %u, not %d; migrate it first with 'vmemsim "
		                  "db vacuum --db %s'",
		                  src_path, db_schema_version(src), DB_SCHEMA_VERSION, src_path);
	if (!rc)
		rc = db_get_info(src, &info, err);
	if (!rc)
		*runs = info.runs_total;
	db_close(src);
	return rc;
}

static int attach(struct db *db, const char *src_path, struct vmemsim_err *err)
{
	sqlite3_stmt *st;
	int rc;

	sqlite3_limit(db->conn, SQLITE_LIMIT_ATTACHED, 1);
	rc = db_prepare(db, "ATTACH ?1 AS src", &st, "attaching the source", err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, src_path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_sqlite_err(db, rc, "attaching the source", err);
}

static void detach(struct db *db)
{
	sqlite3_exec(db->conn, "DETACH src", NULL, NULL, NULL);
	sqlite3_limit(db->conn, SQLITE_LIMIT_ATTACHED, 0);
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

int db_merge(struct db *db, const char *src_path, struct db_merge_stats *out,
             struct vmemsim_err *err)
{
	int64_t src_runs = 0;
	int rc;

	out->runs_copied = out->runs_skipped = 0;
	if (db->readonly)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "%s: opened read-only; cannot merge",
		                    db->path);
	if (same_file(db->path, src_path))
		return vmemsim_errf(err, VMEMSIM_EINVAL, "%s: cannot merge a database into itself",
		                    src_path);
	rc = check_source(src_path, &src_runs, err);
	if (rc)
		return rc;
	rc = attach(db, src_path, err);
	if (!rc)
		rc = db_tx_begin(db, "merging", err);
	if (!rc) {
		rc = copy_all(db, out, err);
		if (!rc)
			rc = db_tx_commit(db, "merging", err);
		else
			db_tx_rollback(db);
	}
	detach(db);
	if (rc)
		out->runs_copied = 0;
	else
		out->runs_skipped = src_runs - out->runs_copied;
	return rc;
}

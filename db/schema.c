/*
 * db/schema.c — the results database schema and its forward migrations.
 *
 * migrations[v - 1] takes a database from version v - 1 to v; version 0 is
 * an empty file.  A migration is plain SQL run inside the caller's BEGIN
 * IMMEDIATE transaction, followed by PRAGMA user_version = v, so a crash or a
 * failure in the middle leaves the old version intact.  Never edit a released
 * step: add a new one and raise DB_SCHEMA_VERSION.  docs/database.md
 * documents the latest schema.
 */
#include <stdio.h>

#include "db_internal.h"

/* Version 1: runs and their metric totals. */
static const char schema_v1[] =
    "CREATE TABLE runs ("
    " id INTEGER PRIMARY KEY,"
    " started TEXT NOT NULL," /* ISO 8601 UTC with milliseconds */
    " finished TEXT,"         /* set when done or failed */
    " version TEXT NOT NULL," /* vmemsim version that wrote the run */
    " kind TEXT NOT NULL,"    /* reach, run, replay, compare-models, ... */
    " workload TEXT,"         /* workload name or trace path */
    " memory_model TEXT,"
    " cpu TEXT,"
    " layout TEXT,"
    " config TEXT NOT NULL DEFAULT '{}'," /* resolved config, JSON */
    " status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),"
    " error TEXT,"
    " wall_seconds REAL);"
    "CREATE TABLE metrics ("
    " run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL,"
    " value," /* no affinity: counters stay INTEGER, rates REAL */
    " PRIMARY KEY (run, name)) WITHOUT ROWID;";

/* Version 2: the host, per-region counters, hot spots, the summary view. */
static const char schema_v2[] =
    "ALTER TABLE runs ADD COLUMN host TEXT;"
    "CREATE INDEX runs_status ON runs(status);"
    "CREATE TABLE regions ("
    " run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " region TEXT NOT NULL,"
    " counter TEXT NOT NULL,"
    " value,"
    " PRIMARY KEY (run, region, counter)) WITHOUT ROWID;"
    "CREATE TABLE hotspots ("
    " run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " rank INTEGER NOT NULL," /* 1 = most walk cycles */
    " pc TEXT NOT NULL,"      /* 0x-prefixed hex: guest PCs exceed INT64_MAX */
    " symbol TEXT,"
    " disassembly TEXT,"
    " dtlb_misses INTEGER, itlb_misses INTEGER, walks INTEGER, walk_cycles INTEGER,"
    " PRIMARY KEY (run, rank));"
    /* One row per run.  The inner query pivots the metrics a summary needs
	 * (SUM over one row is that row's value; NULL when absent); the outer
	 * one derives the rates.  NULLIF: a zero denominator gives NULL, not an
	 * error or infinity. */
    "CREATE VIEW run_summary AS SELECT s.*,"
    " 1.0 * s.l1d_misses / NULLIF(s.l1d_hits + s.l1d_misses, 0) AS l1d_miss_rate,"
    " 1.0 * s.dtlb_misses / NULLIF(s.dtlb_hits + s.dtlb_misses, 0) AS dtlb_miss_rate,"
    " 1.0 * s.stlb_misses / NULLIF(s.stlb_hits + s.stlb_misses, 0) AS stlb_miss_rate,"
    " 1.0 * s.walks / NULLIF(s.accesses, 0) AS walks_per_access,"
    " 1.0 * s.cycles / NULLIF(s.accesses, 0) AS cycles_per_access,"
    " 1.0 * s.instructions / NULLIF(s.cycles, 0) AS ipc"
    " FROM (SELECT r.id AS run, r.kind, r.workload, r.memory_model, r.cpu, r.layout,"
    "  r.status, r.started, r.wall_seconds,"
    "  m.instructions, m.cycles, m.fetches + m.loads + m.stores AS accesses,"
    "  m.fetches, m.loads, m.stores, m.itlb_misses, m.dtlb_hits, m.dtlb_misses,"
    "  m.stlb_hits, m.stlb_misses, m.walks, m.walk_cycles, m.faults,"
    "  m.l1d_hits, m.l1d_misses"
    "  FROM runs r LEFT JOIN (SELECT run,"
    "   SUM(CASE WHEN name = 'instructions' THEN value END) AS instructions,"
    "   SUM(CASE WHEN name = 'cycles' THEN value END) AS cycles,"
    "   SUM(CASE WHEN name = 'fetches' THEN value END) AS fetches,"
    "   SUM(CASE WHEN name = 'loads' THEN value END) AS loads,"
    "   SUM(CASE WHEN name = 'stores' THEN value END) AS stores,"
    "   SUM(CASE WHEN name = 'itlb_misses' THEN value END) AS itlb_misses,"
    "   SUM(CASE WHEN name IN ('dtlb_hits_4k', 'dtlb_hits_2m', 'dtlb_hits_1g')"
    "    THEN value END) AS dtlb_hits,"
    "   SUM(CASE WHEN name = 'dtlb_misses' THEN value END) AS dtlb_misses,"
    "   SUM(CASE WHEN name IN ('stlb_hits_4k', 'stlb_hits_2m', 'stlb_hits_1g')"
    "    THEN value END) AS stlb_hits,"
    "   SUM(CASE WHEN name = 'stlb_misses' THEN value END) AS stlb_misses,"
    "   SUM(CASE WHEN name = 'walks' THEN value END) AS walks,"
    "   SUM(CASE WHEN name = 'cycles_walk' THEN value END) AS walk_cycles,"
    "   SUM(CASE WHEN name = 'faults' THEN value END) AS faults,"
    "   SUM(CASE WHEN name = 'l1d_hits' THEN value END) AS l1d_hits,"
    "   SUM(CASE WHEN name IN ('l2_hits', 'llc_hits', 'dram_accesses')"
    "    THEN value END) AS l1d_misses"
    "  FROM metrics GROUP BY run) m ON m.run = r.id) s;";

static const char *const migrations[DB_SCHEMA_VERSION] = {schema_v1, schema_v2};

int db_schema_migrate(struct db *db, unsigned from, struct vmemsim_err *err)
{
	char sql[96], what[64];
	char *msg = NULL;
	int rc;

	for (unsigned v = from + 1; v <= DB_SCHEMA_VERSION; v++) {
		snprintf(what, sizeof(what), "migrating the schema to version %u", v);
		rc = sqlite3_exec(db->conn, migrations[v - 1], NULL, NULL, &msg);
		sqlite3_free(msg);
		if (rc != SQLITE_OK)
			return db_sqlite_err(db, rc, what, err);
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %u; PRAGMA application_id = %d;",
		         v, DB_APPLICATION_ID);
		rc = sqlite3_exec(db->conn, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return db_sqlite_err(db, rc, what, err);
	}
	return 0;
}

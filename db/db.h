/*
 * db/db.h — the results database: every vmemsim run, its resolved config and
 * its measurements, in one SQLite file.
 *
 * What it stores (the full schema and every metric are in docs/database.md):
 *
 *   runs      one row per run: id, started/finished (ISO 8601 UTC), vmemsim
 *             version, kind ("reach", "run", "replay", "compare-models", ...),
 *             workload (or trace path), memory_model, cpu preset, layout, the
 *             resolved config as JSON text, status, error text, wall_seconds,
 *             host.
 *   metrics   (run, name, value): one row per counter total of mmu/counters.def
 *             (the name is the MMU_COUNTER id, i.e. what mmu_counter_name()
 *             returns) plus the caller's extra metrics ("cycles", "ops",
 *             "pages", ...).
 *   regions   (run, region, counter, value): the same counters per VA region
 *             (non-zero values only; a missing row is 0).
 *   hotspots  (run, rank, pc, symbol, disassembly, dtlb_misses, itlb_misses,
 *             walks, walk_cycles): the guest PCs behind TLB misses and walks;
 *             pc is hex text ("0xffffffff81001234").
 *   run_summary  a view, one row per run: the key metrics and the derived
 *             rates (l1d/dtlb/stlb miss rate, walks and cycles per access, IPC).
 *
 * Invariants.
 *   (1) A run row is inserted with status 'running' and committed before the
 *       work starts (db_run_begin), so a killed process leaves a visible,
 *       unfinished run.
 *   (2) A run becomes 'done' in the same transaction that writes all its
 *       metrics, regions and hotspots (db_run_finish): a reader never sees a
 *       'done' run with part of its data, and a crash mid-way leaves it
 *       'running' with none.  'failed' runs carry their error text.
 *   (3) The schema version is PRAGMA user_version; opening a database of an
 *       older version migrates it forward in one transaction; a newer one is
 *       refused (VMEMSIM_EVERSION) and left untouched.
 *   (4) WAL journal mode and a busy timeout: many processes may write one
 *       database at once; every write transaction is BEGIN IMMEDIATE, retried
 *       on SQLITE_BUSY until the timeout, then VMEMSIM_EBUSY.
 *
 * Ownership.  struct db is opaque and owns its SQLite connection; strings the
 * caller passes are copied before the call returns.  Nothing here prints,
 * exits or keeps global state.
 *
 * Errors.  Functions return 0 or a negative VMEMSIM_E* code; the message in
 * *err (may be NULL) starts with the database path.  Mapping: not a SQLite
 * file -> VMEMSIM_ECORRUPT, locked past the timeout -> VMEMSIM_EBUSY, newer
 * schema -> VMEMSIM_EVERSION, disk full / I/O -> VMEMSIM_EIO, a statement that
 * writes given to db_query -> VMEMSIM_EINVAL, "" or ":memory:" as a path (runs
 * would be lost) -> VMEMSIM_EINVAL.  A failed write transaction is
 * rolled back: the database is as it was before the call.
 *
 * Typical use (5-10 lines in a run command; cli/db_cli.h wraps this further):
 *
 *	struct db *db;
 *	int64_t run;
 *	struct db_run_info info = {.kind = "reach", .cpu = "zen4",
 *				   .config_json = resolved_json};
 *	if (db_open(&db, "results.db", DB_OPEN_CREATE, &err) ||
 *	    db_run_begin(db, &info, &run, &err))
 *		goto fail;
 *	... do the work, mmu_stats_snapshot(m, &stats) ...
 *	struct db_metric extra[] = {{"cycles", mmu_stats_cycles(&stats, -1)}};
 *	struct db_run_result res = {.stats = &stats, .region_names = names,
 *				    .extra = extra, .nr_extra = 1};
 *	rc = work_ok ? db_run_finish(db, run, &res, &err)
 *		     : db_run_fail(db, run, work_err.msg, &err);
 *	db_close(db);
 */
#ifndef VMEMSIM_DB_H
#define VMEMSIM_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/vmemsim.h"
#include "../mmu/mmu.h"

/* The schema version this vmemsim writes (PRAGMA user_version).
 *   1: runs, metrics
 *   2: regions, hotspots, run_summary view, runs.host */
#define DB_SCHEMA_VERSION 2

/* Default busy timeout: how long a writer waits for the others.  Generous:
 * SQLite's busy wait is not a queue, so with dozens of writers on a loaded
 * machine one of them may wait many transactions long. */
#define DB_BUSY_TIMEOUT_MS 30000

/* ---- Open and close --------------------------------------------------- */

/* db_open() flags. */
/* Create the file if it does not exist. */
#define DB_OPEN_CREATE 0x1
/* SQLITE_OPEN_READONLY: no schema creation, no migration (an older schema is
 * read as it is); every write fails. */
#define DB_OPEN_READONLY 0x2

struct db; /* opaque */

/* Open (and with DB_OPEN_CREATE create) the database at path, switch it to
 * WAL, create or migrate the schema.  OUT: *out, NULL on failure.  Errors:
 * VMEMSIM_ENOENT (missing file without DB_OPEN_CREATE), VMEMSIM_ECORRUPT (not
 * a SQLite database), VMEMSIM_EVERSION (newer schema), VMEMSIM_EBUSY,
 * VMEMSIM_EIO.  Nothing is written to a file that fails these checks. */
int db_open(struct db **out, const char *path, unsigned flags, struct vmemsim_err *err);
void db_close(struct db *db); /* NULL is fine */

/* How long writes wait for other writers (default DB_BUSY_TIMEOUT_MS). */
void db_set_busy_timeout(struct db *db, unsigned ms);
const char *db_path(const struct db *db);
/* The schema version found in the file (after migration, if any). */
unsigned db_schema_version(const struct db *db);

/* ---- Run lifecycle ------------------------------------------------------ */

/* What a run is.  Every pointer may be NULL except kind.  config_json must be
 * valid JSON when given (it is stored as text; SQLite's json_extract() reads
 * it); NULL stores '{}'. */
struct db_run_info {
	const char *kind;         /* "reach", "run", "replay", ... */
	const char *workload;     /* workload name or trace path */
	const char *memory_model; /* "vmemmap-2m", "sparse-extreme", ... */
	const char *cpu;          /* CPU preset name ("skylake") */
	const char *layout;       /* layout preset name */
	const char *config_json;  /* the resolved config */
};

/* One extra (derived or run-specific) metric, e.g. {"cycles", 1.5e9}. */
struct db_metric {
	const char *name;
	double value;
};

/* One hot spot; copy mmu_hotspots() output and add what the symbolizer and
 * the disassembler say (either may be NULL). */
struct db_hotspot {
	uint64_t pc;
	const char *symbol;
	const char *disassembly;
	uint64_t dtlb_misses, itlb_misses, walks, walk_cycles;
};

/* Everything a finished run stores.  Every part is optional. */
struct db_run_result {
	/* Counter totals (summed over regions) become metrics, one row per
	 * counter; each region's counters become regions rows.  NULL: none. */
	const struct mmu_stats *stats;
	/* region_names[i] names stats region i (mmu_region_name()); NULL or a
	 * NULL entry stores "region<i>". */
	const char *const *region_names;
	const struct db_hotspot *hotspots;
	unsigned nr_hotspots;
	/* Extra metrics; a name may not repeat a counter name or another extra
	 * (VMEMSIM_EEXIST); a NaN or infinite value is stored as NULL.  Pass
	 * "cycles" = mmu_stats_cycles(stats, -1): the run_summary view's
	 * cycles, cycles_per_access and ipc read it. */
	const struct db_metric *extra;
	unsigned nr_extra;
};

/* Insert a 'running' row and commit it.  OUT: *run_id. */
int db_run_begin(struct db *db, const struct db_run_info *info, int64_t *run_id,
                 struct vmemsim_err *err);

/* Mark the run 'done' with finished time and wall seconds, and store all of
 * res, in one transaction.  On failure the run stays 'running' with no data:
 * the caller should then call db_run_fail().  VMEMSIM_ENOENT if run_id is
 * not a 'running' run. */
int db_run_finish(struct db *db, int64_t run_id, const struct db_run_result *res,
                  struct vmemsim_err *err);

/* Mark the run 'failed' with the error text (a run's data is never stored
 * with a failure).  VMEMSIM_ENOENT if run_id is not a 'running' run. */
int db_run_fail(struct db *db, int64_t run_id, const char *msg, struct vmemsim_err *err);

/* ---- Reading ------------------------------------------------------------ */

enum db_type { DB_NULL = 0, DB_INT, DB_REAL, DB_TEXT };

struct db_value {
	enum db_type type;
	int64_t i;
	double d;
	const char *s; /* DB_TEXT (also set for numbers: their text form) */
};

/* Called once per row; names and vals have ncols entries and live until the
 * callback returns.  Return 0 to continue, non-zero to stop (db_query then
 * returns that value). */
typedef int (*db_row_fn)(void *ctx, unsigned ncols, const char *const *names,
                         const struct db_value *vals);

/* Run one read-only SQL statement and call fn per row (fn is also called
 * once with vals == NULL before the first row, so a caller can print column
 * headers even for an empty result).  A statement that would write, more
 * than one statement, ATTACH or a syntax error is refused with
 * VMEMSIM_EINVAL before any row is produced; the message quotes SQLite's
 * reason. */
int db_query(struct db *db, const char *sql, db_row_fn fn, void *ctx, struct vmemsim_err *err);

/* Like db_query, with parameters bound as text (?1..?n) — for callers that
 * build SQL around user values. */
int db_query_args(struct db *db, const char *sql, const char *const *args, unsigned nargs,
                  db_row_fn fn, void *ctx, struct vmemsim_err *err);

/* The first column of a query's rows as strings, NULLs skipped. */
struct db_strings {
	char **v;
	unsigned n;
};

/* db_query collecting the first column into *out (appended: start from
 * {0}); free with db_strings_free, also after a failure. */
int db_query_strings(struct db *db, const char *sql, struct db_strings *out,
                     struct vmemsim_err *err);
void db_strings_free(struct db_strings *s);

/* ---- Comparing runs ------------------------------------------------------ */

/* db_compare: the finished runs matching `where`, grouped by the config fields
 * in which they differ, each metric averaged per group and divided by the
 * baseline group's average.
 *
 * Fields are the leaves of each run's stored config, named by their JSON path
 * without "$." ("memory_model", "tlb.stlb.entries", "sizes[1]"), plus the run
 * columns kind, workload, memory_model, cpu and layout where the config has no
 * field of that name.  A field with the same value in every selected run is
 * dropped; a field missing from some runs differs from one that is present.
 * Fields that split the runs exactly as another one does (comparing two CPU
 * presets changes cpu.name, cpu.description and every geometry at once) are
 * shown once, by the best name among them — a run column, then a "name" leaf,
 * then the shortest path — unless all_fields; --baseline may name any of them.
 *
 * Metrics are names in the metrics table or columns of run_summary
 * (dtlb_miss_rate, ipc, ...); the metrics table wins when both exist.
 *
 * Baseline: with baseline_key, each group is compared with the group that has
 * baseline_key = baseline_value and the same values in every other varying
 * field (so memory_model=vmemmap-2m compares each model with vmemmap-2m on the
 * same cpu); without, memory_model=vmemmap-2m when memory_model varies and
 * that value occurs, else the first shown field with its value in the first
 * group (lowest run id): with cpu.name and reach.pages varying, each point is
 * compared with the same point on the first run's CPU. */
struct db_compare_opts {
	const char *where;        /* SQL condition on runs; NULL = all */
	const char *baseline_key; /* NULL = the default above */
	const char *baseline_value;
	const char *const *metrics; /* NULL = DB_COMPARE_DEFAULT_METRICS */
	unsigned nr_metrics;
	const char *const *ignore; /* fields never used for grouping */
	unsigned nr_ignore;
	bool all_fields; /* show every varying field (see below) */
};

/* Used when opts->metrics is NULL; those no selected run has are left out. */
#define DB_COMPARE_DEFAULT_METRICS                                                                 \
	"cycles", "instructions", "dtlb_misses", "stlb_misses", "walks", "cycles_walk"

struct db_compare_group {
	char **values; /* [nr_fields]; NULL = field absent in this group */
	unsigned nr_runs;
	int64_t first_run; /* lowest run id in the group */
	int baseline;      /* index of this group's baseline group; -1: none */
	double *mean;      /* [nr_metrics]; NAN when no run of the group has it */
	double *ratio;     /* [nr_metrics]; mean / baseline mean; NAN if unknown */
	double *stdev;     /* [nr_metrics]; sample standard deviation of the
	                    * group's runs; NAN with fewer than two values */
};

struct db_compare {
	unsigned nr_fields, nr_metrics, nr_groups, nr_runs;
	unsigned nr_hidden_fields; /* varying fields not shown (see below) */
	char **fields;             /* the varying fields, in order of first appearance */
	char **metrics;
	struct db_compare_group *groups; /* ordered by first_run */
	char baseline[256];              /* "memory_model=vmemmap-2m" or "first group (run N)" */
};

/* OUT: *out (free with db_compare_free).  Errors: VMEMSIM_ENOENT (no finished
 * run matches; an unknown metric or baseline field/value, with the known
 * ones listed), VMEMSIM_EINVAL (bad where clause), VMEMSIM_ENOMEM. */
int db_compare(struct db *db, const struct db_compare_opts *opts, struct db_compare **out,
               struct vmemsim_err *err);
void db_compare_free(struct db_compare *c);

/* ---- Maintenance -------------------------------------------------------- */

struct db_info {
	unsigned schema_version;
	char journal_mode[16];
	char sqlite_version[32];
	int64_t runs_total, runs_done, runs_failed, runs_running;
	int64_t metrics_rows, region_rows, hotspot_rows;
	int64_t page_count, page_size, freelist_count;
	char first_started[40], last_started[40]; /* "" when there are no runs */
};
int db_get_info(struct db *db, struct db_info *out, struct vmemsim_err *err);

/* PRAGMA integrity_check and foreign_key_check, plus vmemsim's invariants:
 * no metric, region or hotspot row belongs to a run that is not 'done'; every
 * 'done' or 'failed' run has a finished time; the stored config is valid
 * JSON.  Returns 0, or VMEMSIM_ECORRUPT with the first problems in err->msg.
 * 'running' runs are not an error (a run in progress, or one that was
 * killed): db_get_info() counts them. */
int db_check(struct db *db, struct vmemsim_err *err);

/* VACUUM (and a WAL checkpoint).  Needs a writable database. */
int db_vacuum(struct db *db, struct vmemsim_err *err);

/* Copy every run of the database at src_path (with its metrics, regions and
 * hot spots, under new ids) into db, in one transaction; runs already present
 * (same started, host, kind, version and config) are skipped, so merging a
 * file twice is harmless.  The source is only read and must have this
 * vmemsim's schema version (VMEMSIM_EVERSION otherwise, with how to migrate
 * it); merging a file into itself is VMEMSIM_EINVAL.  On failure nothing is
 * copied.  For multi-node sweeps: one database per node, merged afterwards. */
struct db_merge_stats {
	int64_t runs_copied, runs_skipped;
};
int db_merge(struct db *db, const char *src_path, struct db_merge_stats *out,
             struct vmemsim_err *err);

/* ---- Metric names ------------------------------------------------------- */

/* The counter behind metric c: the same strings mmu_counter_name() returns
 * (both come from mmu/counters.def), available without the mmu library. */
const char *db_counter_metric_name(enum mmu_counter c);

#endif /* VMEMSIM_DB_H */

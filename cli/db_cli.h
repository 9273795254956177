/*
 * cli/db_cli.h — `--db PATH` / `--no-db` for every command that runs
 * something, and the open/begin/finish sequence with clean messages.
 *
 * Every run command (reach, run, replay, compare-models, ...) records its
 * run in the results database: `--db PATH` (default results.db in the working
 * directory) or `--no-db` (record nothing).  Use:
 *
 *	static const struct option opts[] = {
 *		...your options...,
 *		DB_CLI_LONG_OPTIONS,
 *		{0, 0, 0, 0}};
 *	struct db_cli dbc;
 *	db_cli_init(&dbc);
 *	while ((c = getopt_long(argc, argv, "...", opts, NULL)) != -1) {
 *		if (db_cli_option(&dbc, c, optarg))
 *			continue;
 *		switch (c) { ... }
 *	}
 *	// --help text: add DB_CLI_HELP (or DB_CLI_HELP_WIDE)
 *	struct db_run_info info = {.kind = "reach", .cpu = cpu, .config_json = json};
 *	if (db_cli_begin(&dbc, &info))          // before the work starts
 *		return CLI_EXIT_FAIL;           // message already printed
 *	... work; on error: return db_cli_fail(&dbc, err.msg);  (prints nothing,
 *	    marks the run failed, closes, returns CLI_EXIT_FAIL)
 *	struct db_metric extra[] = {{"cycles", mmu_stats_cycles(&stats, -1)}};
 *	struct db_run_result res = {.stats = &stats, .region_names = names,
 *				    .extra = extra, .nr_extra = 1};
 *	return db_cli_finish(&dbc, &res);        // CLI_EXIT_OK or _FAIL
 *
 * Pass "cycles" among the extras (the run_summary view's cycles_per_access
 * and ipc read it).  With --no-db every call is a no-op that succeeds.  Messages printed:
 * "vmemsim: error: results.db: ..." on failure; "recorded run N in PATH" on
 * stderr with cli_info (silenced by --quiet).
 */
#ifndef VMEMSIM_CLI_DB_CLI_H
#define VMEMSIM_CLI_DB_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "../db/db.h"

/* getopt_long codes for the two options (outside the char range). */
enum { DB_CLI_OPT_DB = 0x4442, DB_CLI_OPT_NO_DB };

#define DB_CLI_LONG_OPTIONS                                                                        \
	{"db", required_argument, NULL, DB_CLI_OPT_DB},                                            \
	{                                                                                          \
		"no-db", no_argument, NULL, DB_CLI_OPT_NO_DB                                       \
	}

#define DB_CLI_DEFAULT_PATH "results.db"

/* The options' help lines, in the two layouts of the subcommands' texts:
 * long options at column 2 and descriptions at 22 (reach, replay), or long
 * options at 6 beside short ones, descriptions at 24 (run, compare-models). */
#define DB_CLI_HELP                                                                                \
	"  --db PATH           results database to record the run in\n"                            \
	"                      (default results.db)\n"                                             \
	"  --no-db             do not record the run\n"
#define DB_CLI_HELP_WIDE                                                                           \
	"      --db PATH         results database to record the run in\n"                          \
	"                        (default results.db)\n"                                           \
	"      --no-db           do not record the run\n"

struct db_cli {
	const char *path; /* --db, default DB_CLI_DEFAULT_PATH */
	bool disabled;    /* --no-db */
	struct db *db;    /* open between begin and finish/fail */
	int64_t run_id;   /* the run being recorded, 0 before begin */
};

void db_cli_init(struct db_cli *d);
/* Handle getopt code c if it is --db or --no-db; returns true if it was. */
bool db_cli_option(struct db_cli *d, int c, const char *arg);

/* Open d->path (creating it) and insert the 'running' row.  Returns 0, or
 * prints "vmemsim: error: ..." and returns CLI_EXIT_FAIL. */
int db_cli_begin(struct db_cli *d, const struct db_run_info *info);
/* Store res and mark the run done; close.  CLI_EXIT_OK, or prints the error
 * (the run is then marked failed) and returns CLI_EXIT_FAIL. */
int db_cli_finish(struct db_cli *d, const struct db_run_result *res);
/* Mark the run failed with msg (may be NULL) and close.  Prints nothing about
 * msg itself (the caller reports its own error); prints only if the database
 * write fails.  Returns CLI_EXIT_FAIL, so `return db_cli_fail(&d, m);` works. */
int db_cli_fail(struct db_cli *d, const char *msg);

/* ---- Output helpers shared by query, compare and export ---------------- */

/* Digits after the point for a real in a table cell (JSON gets all). */
int db_cli_precision(double v);
/* v with the fewest significant digits (15..17) that read back exactly. */
void db_cli_exact(char *buf, size_t len, double v);

/* Rows collected from db_query, printed once all are known: the table gets
 * one precision per column, CSV exact reals, JSON numbers as numbers. */
struct db_cli_rows;
struct db_cli_rows *db_cli_rows_new(void);
/* A db_row_fn; ctx is the struct db_cli_rows. */
int db_cli_rows_add(void *ctx, unsigned ncols, const char *const *names,
                    const struct db_value *vals);
void db_cli_rows_print(const struct db_cli_rows *r, FILE *out, enum cli_format fmt);
void db_cli_rows_free(struct db_cli_rows *r);

#endif /* VMEMSIM_CLI_DB_CLI_H */

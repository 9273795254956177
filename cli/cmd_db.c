/*
 * cli/cmd_db.c — `vmemsim db info|check|vacuum [--db PATH]`: results
 * database maintenance.  info and check open the file read-only; vacuum is
 * the only one that writes (and never creates a file).
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "db_cli.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: vmemsim db info|check|vacuum [--db PATH] [--csv|--json]\n"
	        "       vmemsim db merge [--db PATH] SOURCE.db ...\n\n"
	        "Results database maintenance.\n"
	        "  info     schema version, journal mode, runs by status, sizes\n"
	        "  check    SQLite integrity and foreign keys, plus vmemsim's invariants\n"
	        "           (no data of unfinished runs, configs are JSON); exit 1 on a problem\n"
	        "  vacuum   rebuild the file to reclaim free pages (migrates an old schema)\n"
	        "  merge    copy the runs of other results databases into this one (created\n"
	        "           if missing), e.g. one database per node of a sweep; runs already\n"
	        "           present are skipped\n\n"
	        "  --db PATH   results database (default results.db)\n"
	        "  --csv       info as CSV\n"
	        "  --json      info as JSON\n"
	        "  -h, --help  this text\n");
}

static void add_row_str(struct cli_table *t, const char *k, const char *v)
{
	cli_table_str(t, k);
	cli_table_str(t, v);
	cli_table_end_row(t);
}

static void add_row_num(struct cli_table *t, const char *k, int64_t v)
{
	char b[32];
	snprintf(b, sizeof(b), "%lld", (long long)v);
	add_row_str(t, k, b);
}

static int do_info(struct db *db, enum cli_format fmt)
{
	struct vmemsim_err err = {0};
	struct db_info in;
	struct cli_table *t;

	if (db_get_info(db, &in, &err))
		return cli_fail(&err);
	t = cli_table_new();
	cli_table_column(t, "property");
	cli_table_column(t, "value");
	add_row_str(t, "path", db_path(db));
	add_row_num(t, "schema_version", in.schema_version);
	add_row_num(t, "schema_version_supported", DB_SCHEMA_VERSION);
	add_row_str(t, "journal_mode", in.journal_mode);
	add_row_str(t, "sqlite_version", in.sqlite_version);
	add_row_num(t, "runs", in.runs_total);
	add_row_num(t, "runs_done", in.runs_done);
	add_row_num(t, "runs_failed", in.runs_failed);
	add_row_num(t, "runs_not_finished", in.runs_running);
	add_row_num(t, "metric_rows", in.metrics_rows);
	add_row_num(t, "region_rows", in.region_rows);
	add_row_num(t, "hotspot_rows", in.hotspot_rows);
	add_row_num(t, "size_bytes", in.page_count * in.page_size);
	add_row_num(t, "free_bytes", in.freelist_count * in.page_size);
	add_row_str(t, "first_run", in.first_started);
	add_row_str(t, "last_run", in.last_started);
	cli_table_print(t, stdout, fmt);
	cli_table_free(t);
	return CLI_EXIT_OK;
}

static int do_check(struct db *db)
{
	struct vmemsim_err err = {0};
	struct db_info in;

	if (db_check(db, &err) || db_get_info(db, &in, &err))
		return cli_fail(&err);
	printf("%s: ok: %lld runs (%lld done, %lld failed, %lld not finished)\n", db_path(db),
	       (long long)in.runs_total, (long long)in.runs_done, (long long)in.runs_failed,
	       (long long)in.runs_running);
	if (in.runs_running)
		printf("note: runs not finished are in progress or were killed; "
		       "list them with: vmemsim query \"SELECT id, started, kind, host FROM runs "
		       "WHERE status = 'running'\"\n");
	return CLI_EXIT_OK;
}

static int do_vacuum(struct db *db)
{
	struct vmemsim_err err = {0};
	struct db_info before, after;

	if (db_get_info(db, &before, &err) || db_vacuum(db, &err) || db_get_info(db, &after, &err))
		return cli_fail(&err);
	printf("%s: %lld -> %lld bytes\n", db_path(db),
	       (long long)(before.page_count * before.page_size),
	       (long long)(after.page_count * after.page_size));
	return CLI_EXIT_OK;
}

/* Each source in its own transaction: a bad one stops the merge, and the
 * ones before it stay merged (the message says which). */
static int do_merge(struct db *db, int n, char **srcs)
{
	struct vmemsim_err err = {0};
	struct db_merge_stats st;

	for (int i = 0; i < n; i++) {
		if (db_merge(db, srcs[i], &st, &err)) {
			if (i)
				cli_warn("%d of %d databases were merged before this one failed", i,
				         n);
			return cli_fail(&err);
		}
		printf("%s: %lld runs merged into %s, %lld already there\n", srcs[i],
		       (long long)st.runs_copied, db_path(db), (long long)st.runs_skipped);
	}
	return CLI_EXIT_OK;
}

static unsigned open_flags(const char *action)
{
	if (!strcmp(action, "merge"))
		return DB_OPEN_CREATE; /* merging into a new file is the usual case */
	return strcmp(action, "vacuum") ? DB_OPEN_READONLY : 0;
}

int cmd_db(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"csv", no_argument, NULL, 'c'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {0, 0, 0, 0}};
	const char *path = DB_CLI_DEFAULT_PATH, *action;
	enum cli_format fmt = CLI_FMT_TABLE;
	struct vmemsim_err err = {0};
	struct db *db;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': path = optarg; break;
		case 'c': fmt = CLI_FMT_CSV; break;
		case 'j': fmt = CLI_FMT_JSON; break;
		case 'h': usage(stdout); return CLI_EXIT_OK;
		default: return cli_usage_error(argv[0], "unknown option");
		}
	}
	if (optind == argc)
		return cli_usage_error(argv[0], "expected an action: info, check, vacuum or merge");
	action = argv[optind++];
	if (strcmp(action, "info") && strcmp(action, "check") && strcmp(action, "vacuum") &&
	    strcmp(action, "merge"))
		return cli_usage_error(argv[0], "unknown action '%s' (info, check, vacuum, merge)",
		                       action);
	if (!strcmp(action, "merge") ? optind == argc : optind != argc)
		return cli_usage_error(argv[0],
		                       !strcmp(action, "merge")
		                           ? "merge: name the databases to merge"
		                           : "unexpected argument '%s'",
		                       argv[optind]);
	if (db_open(&db, path, open_flags(action), &err))
		return cli_fail(&err);
	if (!strcmp(action, "info"))
		rc = do_info(db, fmt);
	else if (!strcmp(action, "check"))
		rc = do_check(db);
	else if (!strcmp(action, "vacuum"))
		rc = do_vacuum(db);
	else
		rc = do_merge(db, argc - optind, argv + optind);
	db_close(db);
	return rc;
}

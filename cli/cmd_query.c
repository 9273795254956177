/*
 * cli/cmd_query.c — `vmemsim query [--db PATH] [--csv|--json] "SQL"`: one
 * read-only SQL statement over a results database, printed as an aligned
 * table, CSV or JSON.  The file is opened read-only and a statement that
 * writes is refused (db_query), so a query can never change results.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "db_cli.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: vmemsim query [--db PATH] [--csv|--json] \"SQL\"|-\n\n"
	             "Run one read-only SQL statement on a results database and print the rows.\n"
	             "Tables: runs, metrics, regions, hotspots; view: run_summary\n"
	             "(docs/database.md).  Statements that write are refused.  \"-\" reads the\n"
	             "statement from standard input.\n\n"
	             "  --db PATH   results database (default results.db)\n"
	             "  --csv       CSV output (RFC 4180)\n"
	             "  --json      JSON array of objects\n"
	             "  -h, --help  this text\n\n"
	             "example: vmemsim query \"SELECT run, memory_model, dtlb_miss_rate FROM "
	             "run_summary\"\n");
}

/* The statement from stdin ("-"), for SQL kept in files. */
static char *read_stdin(void)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	size_t n;

	while (buf && (n = fread(buf + len, 1, cap - len - 1, stdin)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *b = realloc(buf, cap * 2);
			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
	}
	if (!buf || ferror(stdin)) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

int cmd_query(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"csv", no_argument, NULL, 'c'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {0, 0, 0, 0}};
	const char *path = DB_CLI_DEFAULT_PATH;
	enum cli_format fmt = CLI_FMT_TABLE;
	struct vmemsim_err err = {0};
	struct db_cli_rows *rows;
	char *stdin_sql = NULL;
	const char *sql;
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
	if (optind != argc - 1)
		return cli_usage_error(argv[0], optind == argc
		                                    ? "missing the SQL statement"
		                                    : "expected one SQL statement (quote it)");
	sql = argv[optind];
	if (!strcmp(sql, "-") && !(sql = stdin_sql = read_stdin())) {
		cli_error("cannot read the SQL statement from standard input");
		return CLI_EXIT_FAIL;
	}
	if (db_open(&db, path, DB_OPEN_READONLY, &err)) {
		free(stdin_sql);
		return cli_fail(&err);
	}
	rows = db_cli_rows_new();
	rc = db_query(db, sql, db_cli_rows_add, rows, &err);
	db_close(db);
	free(stdin_sql);
	if (!rc)
		db_cli_rows_print(rows, stdout, fmt);
	db_cli_rows_free(rows);
	return rc ? cli_fail(&err) : CLI_EXIT_OK;
}

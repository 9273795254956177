/*
 * cli/cmd_export.c — `vmemsim export [--db PATH] [--csv|--json] [--where SQL]`:
 * every run with its metrics, one run per row (CSV) or object (JSON).
 *
 * CSV is wide: the run's columns, its config as JSON text, then one column per
 * metric name present in the database (counters in counters.def order, then
 * the extras alphabetically); a metric a run does not have is an empty cell.
 * JSON keeps structure: "config" is the stored config object and "metrics" an
 * object of name -> value, built by SQLite's json functions.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "db_cli.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: vmemsim export [--db PATH] [--csv|--json] [--where SQL]\n\n"
	        "Export runs with their metrics.  CSV (default): one row per run, one column\n"
	        "per metric.  JSON: an array of run objects with \"config\" and \"metrics\".\n\n"
	        "  --db PATH     results database (default results.db)\n"
	        "  --csv         CSV output (default)\n"
	        "  --json        JSON output\n"
	        "  --where SQL   only runs matching this condition on the runs table,\n"
	        "                e.g. \"status = 'done' AND cpu = 'zen4'\"\n"
	        "  -h, --help    this text\n");
}

#define RUN_COLUMNS                                                                                \
	"id, started, finished, version, kind, workload, memory_model, cpu, layout, status,"       \
	" error, wall_seconds, host"

/* A growing string; aborts on out-of-memory like the rest of the CLI. */
struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		if (!b->s)
			abort();
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

/* An SQL identifier: double quotes, inner quotes doubled. */
static void sb_add_ident(struct sbuf *b, const char *name)
{
	sb_add(b, "\"");
	for (const char *p = name; *p; p++)
		sb_add(b, *p == '"' ? "\"\"" : (char[]){*p, 0});
	sb_add(b, "\"");
}

/* A string literal: single quotes, inner quotes doubled. */
static void sb_add_literal(struct sbuf *b, const char *s)
{
	sb_add(b, "'");
	for (const char *p = s; *p; p++)
		sb_add(b, *p == '\'' ? "''" : (char[]){*p, 0});
	sb_add(b, "'");
}

/* Metric names ordered: counters as declared, then the others by name. */
static int metric_names(struct db *db, struct db_strings *nm, struct vmemsim_err *err)
{
	struct sbuf sql = {0};
	int rc;

	sb_add(&sql, "SELECT name FROM (SELECT DISTINCT name FROM metrics) ORDER BY CASE name");
	for (unsigned c = 0; c < MMU_NR_COUNTERS; c++) {
		char num[16];
		sb_add(&sql, " WHEN ");
		sb_add_literal(&sql, db_counter_metric_name(c));
		snprintf(num, sizeof(num), " THEN %u", c);
		sb_add(&sql, num);
	}
	sb_add(&sql, " ELSE 100000 END, name");
	rc = db_query_strings(db, sql.s, nm, err);
	free(sql.s);
	return rc;
}

static int export_csv(struct db *db, const char *where, struct vmemsim_err *err)
{
	struct db_strings nm = {0};
	struct sbuf sql = {0};
	struct db_cli_rows *rows;
	int rc = metric_names(db, &nm, err);

	if (rc)
		return rc;
	sb_add(&sql, "SELECT " RUN_COLUMNS ", config");
	for (unsigned i = 0; i < nm.n; i++) {
		sb_add(&sql, ", (SELECT value FROM metrics m WHERE m.run = r.id AND m.name = ");
		sb_add_literal(&sql, nm.v[i]);
		sb_add(&sql, ") AS ");
		sb_add_ident(&sql, nm.v[i]);
	}
	sb_add(&sql, " FROM runs r WHERE (");
	sb_add(&sql, where ? where : "1");
	sb_add(&sql, "\n) ORDER BY id");
	rows = db_cli_rows_new();
	rc = db_query(db, sql.s, db_cli_rows_add, rows, err);
	if (!rc)
		db_cli_rows_print(rows, stdout, CLI_FMT_CSV);
	db_cli_rows_free(rows);
	free(sql.s);
	db_strings_free(&nm);
	return rc;
}

static int print_json_row(void *ctx, unsigned ncols, const char *const *names,
                          const struct db_value *vals)
{
	unsigned *rows = ctx;
	if (!vals)
		return 0;
	printf("%s\n  %s", *rows ? "," : "[", vals[0].s);
	++*rows;
	return 0;
}

static int export_json(struct db *db, const char *where, struct vmemsim_err *err)
{
	struct sbuf sql = {0};
	unsigned rows = 0;
	int rc;

	sb_add(&sql, "SELECT json_object('id', id, 'started', started, 'finished', finished,"
	             " 'version', version, 'kind', kind, 'workload', workload,"
	             " 'memory_model', memory_model, 'cpu', cpu, 'layout', layout,"
	             " 'status', status, 'error', error, 'wall_seconds', wall_seconds,"
	             " 'host', host, 'config', json(config), 'metrics',"
	             " (SELECT json_group_object(name, value) FROM metrics m WHERE m.run = r.id))"
	             " FROM runs r WHERE (");
	sb_add(&sql, where ? where : "1");
	sb_add(&sql, "\n) ORDER BY id");
	rc = db_query(db, sql.s, print_json_row, &rows, err);
	free(sql.s);
	if (!rc)
		printf(rows ? "\n]\n" : "[]\n");
	return rc;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'}, {"csv", no_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},     {"where", required_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},     {0, 0, 0, 0}};
	const char *path = DB_CLI_DEFAULT_PATH, *where = NULL;
	struct vmemsim_err err = {0};
	bool json = false;
	struct db *db;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': path = optarg; break;
		case 'c': json = false; break;
		case 'j': json = true; break;
		case 'w': where = optarg; break;
		case 'h': usage(stdout); return CLI_EXIT_OK;
		default: return cli_usage_error(argv[0], "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (db_open(&db, path, DB_OPEN_READONLY, &err))
		return cli_fail(&err);
	if (db_schema_version(db) == 0) {
		db_close(db);
		return json ? (printf("[]\n"), CLI_EXIT_OK) : CLI_EXIT_OK;
	}
	if (db_schema_version(db) < DB_SCHEMA_VERSION) {
		cli_error("%s: schema version %u is older than this vmemsim's %d; migrate it first "
		          "with 'vmemsim db vacuum --db %s'",
		          path, db_schema_version(db), DB_SCHEMA_VERSION, path);
		db_close(db);
		return CLI_EXIT_FAIL;
	}
	rc = json ? export_json(db, where, &err) : export_csv(db, where, &err);
	db_close(db);
	return rc ? cli_fail(&err) : CLI_EXIT_OK;
}

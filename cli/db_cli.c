/*
 * cli/db_cli.c — `--db PATH` / `--no-db` and the record-a-run sequence for
 * every run command (see db_cli.h).
 */
#include <math.h>

#include "cli.h"
#include "db_cli.h"

void db_cli_init(struct db_cli *d)
{
	d->path = DB_CLI_DEFAULT_PATH;
	d->disabled = false;
	d->db = NULL;
	d->run_id = 0;
}

bool db_cli_option(struct db_cli *d, int c, const char *arg)
{
	if (c == DB_CLI_OPT_DB) {
		d->path = arg;
		d->disabled = false;
		return true;
	}
	if (c == DB_CLI_OPT_NO_DB) {
		d->disabled = true;
		return true;
	}
	return false;
}

int db_cli_begin(struct db_cli *d, const struct db_run_info *info)
{
	struct vmemsim_err err = {0};

	if (d->disabled)
		return CLI_EXIT_OK;
	if (db_open(&d->db, d->path, DB_OPEN_CREATE, &err) ||
	    db_run_begin(d->db, info, &d->run_id, &err)) {
		db_close(d->db);
		d->db = NULL;
		return cli_fail(&err);
	}
	return CLI_EXIT_OK;
}

static void close_db(struct db_cli *d)
{
	db_close(d->db);
	d->db = NULL;
}

int db_cli_finish(struct db_cli *d, const struct db_run_result *res)
{
	struct vmemsim_err err = {0};

	if (d->disabled || !d->db)
		return CLI_EXIT_OK;
	if (db_run_finish(d->db, d->run_id, res, &err)) {
		/* Keep the run visible as failed, with the reason. */
		db_run_fail(d->db, d->run_id, err.msg, NULL);
		close_db(d);
		return cli_fail(&err);
	}
	cli_info("recorded run %lld in %s", (long long)d->run_id, d->path);
	close_db(d);
	return CLI_EXIT_OK;
}

int db_cli_fail(struct db_cli *d, const char *msg)
{
	struct vmemsim_err err = {0};

	if (d->disabled || !d->db)
		return CLI_EXIT_FAIL;
	if (db_run_fail(d->db, d->run_id, msg, &err))
		cli_fail(&err);
	close_db(d);
	return CLI_EXIT_FAIL;
}

/* ---- output helpers for query, compare and export ------------------- */

/* Reals get enough digits to tell rates apart without flooding the table;
 * JSON always gets all 17. */
int db_cli_precision(double v)
{
	double a = fabs(v);
	if (a == 0 || a >= 1000)
		return 2;
	return a >= 1 ? 4 : 6;
}

int db_cli_table_row(void *ctx, unsigned ncols, const char *const *names,
                     const struct db_value *vals)
{
	struct cli_table *t = ctx;

	for (unsigned i = 0; i < ncols; i++) {
		if (!vals) {
			cli_table_column(t, names[i]);
			continue;
		}
		switch (vals[i].type) {
		case DB_INT: cli_table_i64(t, vals[i].i); break;
		case DB_REAL: cli_table_double(t, vals[i].d, db_cli_precision(vals[i].d)); break;
		case DB_TEXT: cli_table_str(t, vals[i].s); break;
		case DB_NULL: cli_table_null(t); break;
		}
	}
	if (vals)
		cli_table_end_row(t);
	return 0;
}

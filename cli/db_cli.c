/*
 * cli/db_cli.c — `--db PATH` / `--no-db` and the record-a-run sequence for
 * every run command (see db_cli.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

int db_cli_precision(double v)
{
	double a = fabs(v);
	if (a == 0 || a >= 1000)
		return 2;
	return a >= 1 ? 4 : 6;
}

void db_cli_exact(char *buf, size_t len, double v)
{
	/* the shortest of 15..17 significant digits that reads back exactly */
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(buf, len, "%.*g", digits, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

struct db_cli_rows {
	unsigned ncols;
	char **names;
	struct db_value *cells; /* .s owned (strdup) for DB_TEXT */
	size_t ncells, cap;
};

struct db_cli_rows *db_cli_rows_new(void)
{
	struct db_cli_rows *r = calloc(1, sizeof(*r));
	if (!r)
		abort(); /* out of memory in the CLI: nothing sensible to do */
	return r;
}

void db_cli_rows_free(struct db_cli_rows *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < r->ncols; i++)
		free(r->names[i]);
	for (size_t i = 0; i < r->ncells; i++)
		free((char *)r->cells[i].s);
	free(r->names);
	free(r->cells);
	free(r);
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		abort();
	return d;
}

int db_cli_rows_add(void *ctx, unsigned ncols, const char *const *names,
                    const struct db_value *vals)
{
	struct db_cli_rows *r = ctx;

	if (!vals) {
		r->ncols = ncols;
		r->names = calloc(ncols ? ncols : 1, sizeof(char *));
		if (!r->names)
			abort();
		for (unsigned i = 0; i < ncols; i++)
			r->names[i] = xstrdup(names[i]);
		return 0;
	}
	if (r->ncells + ncols > r->cap) { /* doubling: exports have many rows */
		r->cap = (r->ncells + ncols) * 2;
		r->cells = realloc(r->cells, r->cap * sizeof(*r->cells));
		if (!r->cells)
			abort();
	}
	for (unsigned i = 0; i < ncols; i++) {
		struct db_value *c = &r->cells[r->ncells++];
		*c = vals[i];
		c->s = vals[i].type == DB_TEXT ? xstrdup(vals[i].s) : NULL;
	}
	return 0;
}

/* One precision per column of reals, so that the decimal points line up. */
static int column_precision(const struct db_cli_rows *r, unsigned col)
{
	int prec = 0;
	for (size_t i = col; i < r->ncells; i += r->ncols) {
		const struct db_value *c = &r->cells[i];
		if (c->type == DB_REAL && c->d != 0 && db_cli_precision(c->d) > prec)
			prec = db_cli_precision(c->d);
	}
	return prec ? prec : 2;
}

void db_cli_rows_print(const struct db_cli_rows *r, FILE *out, enum cli_format fmt)
{
	struct cli_table *t = cli_table_new();
	int *prec = calloc(r->ncols ? r->ncols : 1, sizeof(*prec));
	char buf[40];

	if (!prec)
		abort();
	for (unsigned i = 0; i < r->ncols; i++) {
		cli_table_column(t, r->names[i]);
		prec[i] = column_precision(r, i);
	}
	for (size_t i = 0; r->ncols && i < r->ncells; i++) {
		const struct db_value *c = &r->cells[i];
		switch (c->type) {
		case DB_INT: cli_table_i64(t, c->i); break;
		case DB_TEXT: cli_table_str(t, c->s); break;
		case DB_NULL: cli_table_null(t); break;
		case DB_REAL:
			if (fmt == CLI_FMT_CSV && isfinite(c->d)) {
				db_cli_exact(buf, sizeof(buf), c->d); /* CSV is for programs */
				cli_table_str(t, buf);
			} else {
				cli_table_double(t, c->d, prec[i % r->ncols]);
			}
			break;
		}
		if (i % r->ncols == r->ncols - 1)
			cli_table_end_row(t);
	}
	cli_table_print(t, out, fmt);
	cli_table_free(t);
	free(prec);
}

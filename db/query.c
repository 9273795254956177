/*
 * db/query.c — read-only SQL for `vmemsim query`, `compare` and `export`.
 *
 * Three guards keep a query from writing, each sufficient on its own for
 * the common cases: the CLI opens the file SQLITE_OPEN_READONLY; every
 * statement must satisfy sqlite3_stmt_readonly(); ATTACH is limited to zero
 * databases at open (ATTACH counts as read-only to SQLite, yet could create
 * a file).  Only one statement is accepted, so a harmless SELECT cannot
 * smuggle a second, writing one past the check.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

/* True if the rest of the SQL text is only blanks, semicolons and comments. */
static bool only_trailer(const char *s)
{
	while (*s) {
		if (isspace((unsigned char)*s) || *s == ';') {
			s++;
		} else if (s[0] == '-' && s[1] == '-') {
			s += strcspn(s, "\n");
		} else if (s[0] == '/' && s[1] == '*') {
			const char *e = strstr(s + 2, "*/");
			if (!e)
				return true; /* SQLite treats an open comment as running to the end */
			s = e + 2;
		} else {
			return false;
		}
	}
	return true;
}

static int prepare_readonly(struct db *db, const char *sql, sqlite3_stmt **out,
                            struct vmemsim_err *err)
{
	const char *tail = NULL;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->conn, sql, -1, &st, &tail);

	*out = NULL;
	if (rc != SQLITE_OK)
		return vmemsim_errf(err, rc == SQLITE_NOTADB ? VMEMSIM_ECORRUPT : VMEMSIM_EINVAL,
		                    "%s: bad query: %s", db->path, sqlite3_errmsg(db->conn));
	if (!st)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "%s: the query is empty", db->path);
	if (tail && !only_trailer(tail)) {
		sqlite3_finalize(st);
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "%s: one statement per query, but more follows at \"%.40s\"",
		                    db->path, tail);
	}
	if (!sqlite3_stmt_readonly(st)) {
		sqlite3_finalize(st);
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "%s: refusing a statement that writes; queries are read-only",
		                    db->path);
	}
	*out = st;
	return 0;
}

static void read_row(sqlite3_stmt *st, unsigned n, struct db_value *vals)
{
	for (unsigned i = 0; i < n; i++) {
		struct db_value *v = &vals[i];
		memset(v, 0, sizeof(*v));
		switch (sqlite3_column_type(st, (int)i)) {
		case SQLITE_INTEGER:
			v->type = DB_INT;
			v->i = sqlite3_column_int64(st, (int)i);
			v->d = (double)v->i;
			break;
		case SQLITE_FLOAT:
			v->type = DB_REAL;
			v->d = sqlite3_column_double(st, (int)i);
			break;
		case SQLITE_NULL: v->type = DB_NULL; continue;
		default:
			v->type = DB_TEXT; /* blobs are shown as their bytes */
			break;
		}
		v->s = (const char *)sqlite3_column_text(st, (int)i);
	}
}

static int run_rows(struct db *db, sqlite3_stmt *st, db_row_fn fn, void *ctx,
                    struct vmemsim_err *err)
{
	unsigned n = (unsigned)sqlite3_column_count(st);
	const char **names = calloc(n ? n : 1, sizeof(*names));
	struct db_value *vals = calloc(n ? n : 1, sizeof(*vals));
	int rc = 0, step = SQLITE_DONE;

	if (!names || !vals) {
		rc = vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", db->path);
		goto out;
	}
	for (unsigned i = 0; i < n; i++)
		names[i] = sqlite3_column_name(st, (int)i);
	rc = fn(ctx, n, names, NULL);
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		read_row(st, n, vals);
		rc = fn(ctx, n, names, vals);
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_sqlite_err(db, step, "running the query", err);
out:
	free(names);
	free(vals);
	return rc;
}

int db_query_args(struct db *db, const char *sql, const char *const *args, unsigned nargs,
                  db_row_fn fn, void *ctx, struct vmemsim_err *err)
{
	sqlite3_stmt *st;
	int rc = prepare_readonly(db, sql, &st, err);
	if (rc)
		return rc;
	for (unsigned i = 0; i < nargs; i++)
		sqlite3_bind_text(st, (int)i + 1, args[i], -1, SQLITE_TRANSIENT);
	rc = run_rows(db, st, fn, ctx, err);
	sqlite3_finalize(st);
	return rc;
}

int db_query(struct db *db, const char *sql, db_row_fn fn, void *ctx, struct vmemsim_err *err)
{
	return db_query_args(db, sql, NULL, 0, fn, ctx, err);
}

static int collect_string(void *ctx, unsigned ncols, const char *const *names,
                          const struct db_value *vals)
{
	struct db_strings *s = ctx;
	char **v;

	(void)ncols;
	(void)names;
	if (!vals || vals[0].type == DB_NULL)
		return 0;
	v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (!v)
		return VMEMSIM_ENOMEM;
	s->v = v;
	if (!(v[s->n] = strdup(vals[0].s)))
		return VMEMSIM_ENOMEM;
	s->n++;
	return 0;
}

int db_query_strings(struct db *db, const char *sql, struct db_strings *out,
                     struct vmemsim_err *err)
{
	int rc = db_query(db, sql, collect_string, out, err);

	if (rc == VMEMSIM_ENOMEM)
		return vmemsim_errf(err, rc, "out of memory collecting query results");
	return rc;
}

void db_strings_free(struct db_strings *s)
{
	for (unsigned i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (struct db_strings){0};
}

/* ---- info, check, vacuum ------------------------------------------------ */

static int one_int(struct db *db, const char *sql, int64_t *out, struct vmemsim_err *err)
{
	sqlite3_stmt *st;
	int rc = db_prepare(db, sql, &st, "reading database statistics", err);
	if (rc)
		return rc;
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
	           ? 0
	           : db_sqlite_err(db, rc, "reading database statistics", err);
}

static int one_text(struct db *db, const char *sql, char *out, size_t len, struct vmemsim_err *err)
{
	sqlite3_stmt *st;
	int rc = db_prepare(db, sql, &st, "reading database statistics", err);
	if (rc)
		return rc;
	rc = sqlite3_step(st);
	out[0] = '\0';
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
	           ? 0
	           : db_sqlite_err(db, rc, "reading database statistics", err);
}

int db_get_info(struct db *db, struct db_info *out, struct vmemsim_err *err)
{
	bool v2 = db->version >= 2;
	int rc;

	memset(out, 0, sizeof(*out));
	out->schema_version = db->version;
	snprintf(out->sqlite_version, sizeof(out->sqlite_version), "%s", sqlite3_libversion());
	rc = one_text(db, "PRAGMA journal_mode", out->journal_mode, sizeof(out->journal_mode), err);
	if (!rc && db->version == 0)
		return 0; /* an empty file opened read-only: no tables yet */
	if (!rc)
		rc = one_int(db, "SELECT count(*) FROM runs", &out->runs_total, err);
	if (!rc)
		rc = one_int(db, "SELECT count(*) FROM runs WHERE status = 'done'", &out->runs_done,
		             err);
	if (!rc)
		rc = one_int(db, "SELECT count(*) FROM runs WHERE status = 'failed'",
		             &out->runs_failed, err);
	if (!rc)
		rc = one_int(db, "SELECT count(*) FROM runs WHERE status = 'running'",
		             &out->runs_running, err);
	if (!rc)
		rc = one_int(db, "SELECT count(*) FROM metrics", &out->metrics_rows, err);
	if (!rc && v2)
		rc = one_int(db, "SELECT count(*) FROM regions", &out->region_rows, err);
	if (!rc && v2)
		rc = one_int(db, "SELECT count(*) FROM hotspots", &out->hotspot_rows, err);
	if (!rc)
		rc = one_int(db, "PRAGMA page_count", &out->page_count, err);
	if (!rc)
		rc = one_int(db, "PRAGMA page_size", &out->page_size, err);
	if (!rc)
		rc = one_int(db, "PRAGMA freelist_count", &out->freelist_count, err);
	if (!rc)
		rc = one_text(db, "SELECT min(started) FROM runs", out->first_started,
		              sizeof(out->first_started), err);
	if (!rc)
		rc = one_text(db, "SELECT max(started) FROM runs", out->last_started,
		              sizeof(out->last_started), err);
	return rc;
}

/* Each check returns rows describing problems; the first few are reported. */
static const char *const checks_v1[] = {
    "SELECT 'integrity: ' || integrity_check FROM pragma_integrity_check"
    " WHERE integrity_check <> 'ok'",
    "SELECT 'foreign key: ' || \"table\" || ' row ' || rowid || ' -> ' || parent"
    " FROM pragma_foreign_key_check",
    "SELECT 'run ' || run || ': metrics stored but status is ' || ifnull(r.status, 'missing')"
    " FROM (SELECT DISTINCT run FROM metrics) LEFT JOIN runs r ON r.id = run"
    " WHERE r.status IS NOT 'done'",
    "SELECT 'run ' || id || ': status ' || status || ' without a finished time'"
    " FROM runs WHERE status <> 'running' AND finished IS NULL",
    "SELECT 'run ' || id || ': config is not valid JSON' FROM runs WHERE NOT json_valid(config)",
};
static const char *const checks_v2[] = {
    "SELECT 'run ' || run || ': regions stored but status is ' || ifnull(r.status, 'missing')"
    " FROM (SELECT DISTINCT run FROM regions) LEFT JOIN runs r ON r.id = run"
    " WHERE r.status IS NOT 'done'",
    "SELECT 'run ' || run || ': hot spots stored but status is ' || ifnull(r.status, 'missing')"
    " FROM (SELECT DISTINCT run FROM hotspots) LEFT JOIN runs r ON r.id = run"
    " WHERE r.status IS NOT 'done'",
};

static int run_check(struct db *db, const char *sql, unsigned *problems, char *buf, size_t len,
                     struct vmemsim_err *err)
{
	sqlite3_stmt *st;
	int rc = db_prepare(db, sql, &st, "checking the database", err);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t used = strlen(buf);
		if (++*problems <= 5 && used < len)
			snprintf(buf + used, len - used, "%s%s", used ? "; " : "",
			         sqlite3_column_text(st, 0)
			             ? (const char *)sqlite3_column_text(st, 0)
			             : "(a row with NULL keys)");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_sqlite_err(db, rc, "checking the database", err);
}

int db_check(struct db *db, struct vmemsim_err *err)
{
	char buf[768] = "";
	unsigned problems = 0;
	int rc = 0;

	for (size_t i = 0; !rc && db->version >= 1 && i < sizeof(checks_v1) / sizeof(*checks_v1);
	     i++)
		rc = run_check(db, checks_v1[i], &problems, buf, sizeof(buf), err);
	for (size_t i = 0; !rc && db->version >= 2 && i < sizeof(checks_v2) / sizeof(*checks_v2);
	     i++)
		rc = run_check(db, checks_v2[i], &problems, buf, sizeof(buf), err);
	if (rc)
		return rc;
	if (problems)
		return vmemsim_errf(err, VMEMSIM_ECORRUPT, "%s: %u problem%s: %s%s", db->path,
		                    problems, problems == 1 ? "" : "s", buf,
		                    problems > 5 ? "; ..." : "");
	return 0;
}

int db_vacuum(struct db *db, struct vmemsim_err *err)
{
	int rc;

	if (db->readonly)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "%s: opened read-only; cannot vacuum",
		                    db->path);
	/* VACUUM attaches its scratch copy internally: lift the ATTACH ban for it */
	sqlite3_limit(db->conn, SQLITE_LIMIT_ATTACHED, 1);
	rc = sqlite3_exec(db->conn, "VACUUM", NULL, NULL, NULL);
	sqlite3_limit(db->conn, SQLITE_LIMIT_ATTACHED, 0);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db->conn, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : db_sqlite_err(db, rc, "vacuuming", err);
}

/*
 * db/open.c — opening a results database: checks before any write, WAL,
 * schema creation and migration; error mapping and transactions.
 *
 * Order of db_open, and why:
 *   1. A missing file is ENOENT unless DB_OPEN_CREATE (a typo in --db must
 *      not silently start a new database for a reader).
 *   2. Read user_version and application_id first: this is the first read of
 *      the file header, so "not a database" is caught here, before anything
 *      could be written.  A SQLite file of another application (tables but
 *      no vmemsim schema, or a foreign application_id) is refused too.
 *   3. A newer user_version is refused: we cannot know what it means.
 *   4. Writers switch to WAL and migrate inside BEGIN IMMEDIATE, re-reading
 *      user_version under the lock because another process may have
 *      migrated in the meantime.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db_internal.h"

double db_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

/* SQLite reports ENOSPC as SQLITE_FULL, but EFBIG (RLIMIT_FSIZE), EDQUOT
 * and failing media as a plain I/O error, and the errno behind it is not
 * always kept: say what failed and what the usual causes are. */
static int io_err(const struct db *db, int rc, const char *path, const char *what,
                  struct vmemsim_err *err)
{
	int e = db && db->conn ? sqlite3_system_errno(db->conn) : 0;
	bool writing = rc == SQLITE_IOERR_WRITE || rc == SQLITE_IOERR_FSYNC ||
	               rc == SQLITE_IOERR_TRUNCATE || rc == SQLITE_IOERR_SHMSIZE;

	if (e == ENOSPC || e == EDQUOT)
		return vmemsim_errf(err, VMEMSIM_EIO,
		                    "%s: disk full (%s) while %s; the transaction was rolled back",
		                    path, strerror(e), what);
	if (writing)
		return vmemsim_errf(
		    err, VMEMSIM_EIO,
		    "%s: write failed%s%s%s while %s; the transaction was rolled back "
		    "(disk full, quota or file-size limit?)",
		    path, e ? " (" : "", e ? strerror(e) : "", e ? ")" : "", what);
	return vmemsim_errf(err, VMEMSIM_EIO, "%s: I/O error (SQLite code %d%s%s) while %s", path,
	                    rc, e ? ", " : "", e ? strerror(e) : "", what);
}

int db_sqlite_err(const struct db *db, int rc, const char *what, struct vmemsim_err *err)
{
	const char *path = db ? db->path : "?";
	const char *smsg = db && db->conn ? sqlite3_errmsg(db->conn) : sqlite3_errstr(rc);

	switch (rc & 0xff) {
	case SQLITE_NOTADB:
		return vmemsim_errf(err, VMEMSIM_ECORRUPT,
		                    "%s: not a SQLite database (while %s: %s); nothing was changed",
		                    path, what, smsg);
	case SQLITE_CORRUPT:
		return vmemsim_errf(err, VMEMSIM_ECORRUPT,
		                    "%s: database file is corrupt (while %s: %s)", path, what,
		                    smsg);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return vmemsim_errf(
		    err, VMEMSIM_EBUSY,
		    "%s: database is locked by another process; gave up after %u ms "
		    "while %s",
		    path, db ? db->timeout_ms : 0, what);
	case SQLITE_FULL:
		return vmemsim_errf(err, VMEMSIM_EIO,
		                    "%s: disk full while %s; the transaction was rolled back", path,
		                    what);
	case SQLITE_IOERR: return io_err(db, rc, path, what, err);
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return vmemsim_errf(err, VMEMSIM_EIO, "%s: %s (while %s)", path, smsg, what);
	case SQLITE_NOMEM:
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory while %s", path, what);
	case SQLITE_CONSTRAINT:
		return vmemsim_errf(err, VMEMSIM_EEXIST, "%s: %s (while %s)", path, smsg, what);
	}
	return vmemsim_errf(err, VMEMSIM_EINVAL, "%s: %s (while %s)", path, smsg, what);
}

int db_prepare(struct db *db, const char *sql, sqlite3_stmt **st, const char *what,
               struct vmemsim_err *err)
{
	int rc = sqlite3_prepare_v2(db->conn, sql, -1, st, NULL);
	if (rc != SQLITE_OK) {
		*st = NULL;
		return db_sqlite_err(db, rc, what, err);
	}
	return 0;
}

static bool is_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

/* Some BUSY cases return at once without calling the busy handler (WAL
 * recovery by another connection, a journal-mode change racing): retry them
 * ourselves, with a small random back-off, until the same deadline. */
static int exec_retry(struct db *db, const char *sql, const char *what, struct vmemsim_err *err)
{
	double deadline = db_now_ms() + db->timeout_ms;
	unsigned attempt = 0;
	int rc;

	for (;;) {
		rc = sqlite3_exec(db->conn, sql, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return 0;
		if (!is_busy(rc) || db_now_ms() >= deadline)
			return db_sqlite_err(db, rc, what, err);
		/* 1-5 ms, different per process so writers do not retry in step */
		attempt++;
		usleep(1000 + ((unsigned)getpid() * 7919u + attempt * 104729u) % 4000u);
	}
}

int db_tx_begin(struct db *db, const char *what, struct vmemsim_err *err)
{
	return exec_retry(db, "BEGIN IMMEDIATE", what, err);
}

int db_tx_commit(struct db *db, const char *what, struct vmemsim_err *err)
{
	int rc = sqlite3_exec(db->conn, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		int code = db_sqlite_err(db, rc, what, err);
		db_tx_rollback(db);
		return code;
	}
	return 0;
}

void db_tx_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->conn))
		sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
}

/* One integer from a PRAGMA or SELECT. */
static int query_int(struct db *db, const char *sql, int64_t *out, const char *what,
                     struct vmemsim_err *err)
{
	sqlite3_stmt *st;
	int rc = db_prepare(db, sql, &st, what, err);
	if (rc)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		*out = 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : db_sqlite_err(db, rc, what, err);
}

/* Steps 2 and 3: is this a vmemsim database we can read? */
static int check_header(struct db *db, int64_t *version, struct vmemsim_err *err)
{
	int64_t app_id, tables;
	int rc = query_int(db, "PRAGMA user_version", version, "reading the schema version", err);
	if (rc)
		return rc;
	rc = query_int(db, "PRAGMA application_id", &app_id, "reading the application id", err);
	if (!rc)
		rc = query_int(db, "SELECT count(*) FROM sqlite_schema", &tables,
		               "reading the schema", err);
	if (rc)
		return rc;
	/* user_version is a signed 32-bit field: a negative one is no version of ours */
	if ((app_id && app_id != DB_APPLICATION_ID) || (*version == 0 && tables > 0) ||
	    *version < 0)
		return vmemsim_errf(
		    err, VMEMSIM_ECORRUPT,
		    "%s: a SQLite database, but not a vmemsim results database "
		    "(application_id %lld, user_version %lld, %lld schema objects); "
		    "nothing was changed",
		    db->path, (long long)app_id, (long long)*version, (long long)tables);
	if (*version > DB_SCHEMA_VERSION)
		return vmemsim_errf(err, VMEMSIM_EVERSION,
		                    "%s: written by a newer vmemsim (schema version %lld; this "
		                    "vmemsim %s knows up to %d); nothing was changed",
		                    db->path, (long long)*version, VMEMSIM_VERSION,
		                    DB_SCHEMA_VERSION);
	return 0;
}

/* check_header's three reads must see one snapshot: another process may be
 * creating the schema right now, and user_version from before its commit with
 * the tables from after would look like a foreign database. */
static int check_header_snapshot(struct db *db, int64_t *version, struct vmemsim_err *err)
{
	int rc = sqlite3_exec(db->conn, "BEGIN", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_sqlite_err(db, rc, "reading the schema version", err);
	rc = check_header(db, version, err);
	sqlite3_exec(db->conn, "COMMIT", NULL, NULL, NULL);
	return rc;
}

/* Step 4: WAL, then create or migrate the schema under the write lock. */
static int prepare_for_writing(struct db *db, struct vmemsim_err *err)
{
	int64_t version;
	int rc = exec_retry(db, "PRAGMA journal_mode = WAL", "switching to WAL mode", err);
	if (rc || db->version == DB_SCHEMA_VERSION)
		return rc; /* current: no need to take the write lock */
	rc = db_tx_begin(db, "migrating the schema", err);
	if (rc)
		return rc;
	rc = check_header(db, &version, err);
	if (!rc && version < DB_SCHEMA_VERSION)
		rc = db_schema_migrate(db, (unsigned)version, err);
	if (!rc)
		rc = db_tx_commit(db, "migrating the schema", err);
	else
		db_tx_rollback(db);
	if (!rc)
		db->version = DB_SCHEMA_VERSION;
	return rc;
}

static int open_conn(struct db *db, unsigned flags, struct vmemsim_err *err)
{
	struct stat sb;
	int oflags = db->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	int rc;

	/* SQLite would open "" as a private temporary file and ":memory:" in
	 * RAM: either silently discards every run. */
	if (!db->path[0] || !strcmp(db->path, ":memory:"))
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "'%s' is not a database file (results would be lost; to record "
		                    "nothing use --no-db)",
		                    db->path);
	if (stat(db->path, &sb) != 0) {
		if (errno != ENOENT || !(flags & DB_OPEN_CREATE) || db->readonly)
			return vmemsim_errf(err, errno == ENOENT ? VMEMSIM_ENOENT : VMEMSIM_EIO,
			                    "%s: cannot open results database: %s", db->path,
			                    strerror(errno));
		oflags |= SQLITE_OPEN_CREATE;
	} else if (S_ISDIR(sb.st_mode)) {
		return vmemsim_errf(err, VMEMSIM_EIO, "%s: is a directory, not a database",
		                    db->path);
	}
	rc = sqlite3_open_v2(db->path, &db->conn, oflags, NULL);
	if (rc != SQLITE_OK)
		return db_sqlite_err(db, rc, "opening", err);
	sqlite3_extended_result_codes(db->conn, 1);
	sqlite3_busy_timeout(db->conn, (int)db->timeout_ms);
	/* Nothing vmemsim does attaches another file; a query must not either. */
	sqlite3_limit(db->conn, SQLITE_LIMIT_ATTACHED, 0);
	return 0;
}

int db_open(struct db **out, const char *path, unsigned flags, struct vmemsim_err *err)
{
	struct db *db;
	int64_t version = 0;
	int rc;

	*out = NULL;
	db = calloc(1, sizeof(*db));
	if (!db || !(db->path = strdup(path))) {
		free(db);
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", path);
	}
	db->timeout_ms = DB_BUSY_TIMEOUT_MS;
	db->readonly = flags & DB_OPEN_READONLY;
	rc = open_conn(db, flags, err);
	if (!rc)
		rc = check_header_snapshot(db, &version, err);
	if (!rc)
		db->version = (unsigned)version;
	if (!rc && !db->readonly)
		rc = sqlite3_exec(db->conn, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) ==
		             SQLITE_OK
		         ? prepare_for_writing(db, err)
		         : db_sqlite_err(db, SQLITE_ERROR, "enabling foreign keys", err);
	if (rc) {
		db_close(db);
		return rc;
	}
	*out = db;
	return 0;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	sqlite3_close_v2(db->conn);
	free(db->path);
	free(db);
}

void db_set_busy_timeout(struct db *db, unsigned ms)
{
	db->timeout_ms = ms;
	sqlite3_busy_timeout(db->conn, (int)ms);
}

const char *db_path(const struct db *db)
{
	return db->path;
}

unsigned db_schema_version(const struct db *db)
{
	return db->version;
}

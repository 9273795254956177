/*
 * db/db_internal.h — what the files of db/ share; not part of the public
 * interface (db/db.h is).
 */
#ifndef VMEMSIM_DB_INTERNAL_H
#define VMEMSIM_DB_INTERNAL_H

#include <sqlite3.h>

#include "db.h"

/* 'VMSM': PRAGMA application_id of a vmemsim results database. */
#define DB_APPLICATION_ID 0x564d534d

struct db {
	sqlite3 *conn;
	char *path;
	unsigned version;    /* user_version after open/migration */
	unsigned timeout_ms; /* busy timeout */
	bool readonly;
};

/* Turn SQLite's rc into a VMEMSIM_E* code and a message that starts with the
 * database path and says what was being done ("while <what>"). */
int db_sqlite_err(const struct db *db, int rc, const char *what, struct vmemsim_err *err);

/* BEGIN IMMEDIATE, retried on SQLITE_BUSY until the busy timeout; COMMIT;
 * ROLLBACK (never fails visibly: it is the cleanup path). */
int db_tx_begin(struct db *db, const char *what, struct vmemsim_err *err);
int db_tx_commit(struct db *db, const char *what, struct vmemsim_err *err);
void db_tx_rollback(struct db *db);

/* Prepare sql; on failure report it with db_sqlite_err. */
int db_prepare(struct db *db, const char *sql, sqlite3_stmt **st, const char *what,
               struct vmemsim_err *err);

/* Schema: run the migrations from version `from` up to DB_SCHEMA_VERSION
 * inside the caller's transaction (db/schema.c). */
int db_schema_migrate(struct db *db, unsigned from, struct vmemsim_err *err);

/* Monotonic milliseconds, for retry deadlines. */
double db_now_ms(void);

#endif /* VMEMSIM_DB_INTERNAL_H */

/*
 * tests/db/helpers.h — scratch databases and hand-made runs for the db tests.
 */
#ifndef VMEMSIM_TESTS_DB_HELPERS_H
#define VMEMSIM_TESTS_DB_HELPERS_H

#include <sqlite3.h>
#include <stdint.h>

#include "db/db.h"

/* A fresh empty directory under /tmp; path of "<dir>/<name>" in out. */
void th_tmp_path(char *out, size_t len, const char *name);

/* The two-region stats of the lifecycle tests (values in helpers.c). */
void th_fill_stats(struct mmu_stats *s);

/* One finished run with the given memory model / cpu, its config JSON built
 * from them plus `extra_json` (a JSON fragment "\"k\": v" or NULL), and a
 * "cycles" metric; returns its id. */
int64_t th_add_run(struct db *db, const char *memory_model, const char *cpu, const char *extra_json,
                   double cycles, double dtlb_misses);

/* Raw SQLite, to read back what the db module wrote by another path. */
sqlite3 *th_raw_open(const char *path);
int64_t th_raw_int(sqlite3 *conn, const char *sql);
double th_raw_double(sqlite3 *conn, const char *sql);

#endif

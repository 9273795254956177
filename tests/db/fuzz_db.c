/*
 * tests/db/fuzz_db.c — libFuzzer target: arbitrary bytes as a results
 * database file (what `--db` may point at).  Every reader path must return an
 * error or a result, never crash, leak or read out of bounds; a writer must
 * refuse or migrate.  Built only with -DVMEMSIM_FUZZ=ON and clang:
 *   ./build-fuzz/tests/db/fuzz_db -max_total_time=60 CORPUS
 * (seed the corpus with a real results.db).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "db/db.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ignore_row(void *ctx, unsigned ncols, const char *const *names,
                      const struct db_value *vals)
{
	return 0;
}

static void write_file(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
}

static void remove_db(const char *path)
{
	char side[128];
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct vmemsim_err err;
	struct db_compare *c;
	struct db_info info;
	struct db *db;

	snprintf(path, sizeof(path), "/tmp/vmemsim-fuzz-db-%d.db", (int)getpid());
	remove_db(path);
	write_file(path, data, size);
	if (!db_open(&db, path, DB_OPEN_READONLY, &err)) {
		db_get_info(db, &info, &err);
		db_check(db, &err);
		if (!db_compare(db, NULL, &c, &err))
			db_compare_free(c);
		db_query(db, "SELECT * FROM run_summary", ignore_row, NULL, &err);
		db_close(db);
	}
	if (!db_open(&db, path, 0, &err)) {
		struct db_run_info ri = {.kind = "fuzz", .config_json = "{\"a\": 1}"};
		struct db_metric extra[] = {{"cycles", 1}};
		struct db_run_result res = {.extra = extra, .nr_extra = 1};
		int64_t id;
		if (!db_run_begin(db, &ri, &id, &err))
			db_run_finish(db, id, &res, &err);
		db_close(db);
	}
	remove_db(path);
	return 0;
}

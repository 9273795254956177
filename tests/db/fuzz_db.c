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
#include <string.h>
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
	char side[160];
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

/* Input starting with '{': newline-separated run configs (JSON) recorded in a
 * fresh database, then compared — the grouping code gets arbitrary keys,
 * nesting, arrays and values, with a --baseline taken from the input. */
static void fuzz_configs(const char *path, const uint8_t *data, size_t size)
{
	static const char *const models[] = {"vmemmap-2m", "flatmem", "sparse-extreme"};
	char *text = malloc(size + 1), *line, *save = NULL;
	struct vmemsim_err err;
	struct db_compare *c;
	struct db *db;
	unsigned n = 0;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	if (db_open(&db, path, DB_OPEN_CREATE, &err)) {
		free(text);
		return;
	}
	for (line = strtok_r(text, "\n", &save); line && n < 16;
	     line = strtok_r(NULL, "\n", &save), n++) {
		struct db_run_info ri = {
		    .kind = "fuzz", .memory_model = models[n % 3], .config_json = line};
		struct db_metric extra[] = {{"cycles", 100.0 + n}, {"walks", n % 4}};
		struct db_run_result res = {.extra = extra, .nr_extra = 2};
		int64_t id;
		if (!db_run_begin(db, &ri, &id, &err))
			db_run_finish(db, id, &res, &err);
	}
	if (!db_compare(db, NULL, &c, &err)) {
		/* again with the first shown field = the last group's value */
		struct db_compare_opts o = {.all_fields = true};
		if (c->nr_fields && c->groups[c->nr_groups - 1].values[0]) {
			o.baseline_key = c->fields[0];
			o.baseline_value = c->groups[c->nr_groups - 1].values[0];
		}
		struct db_compare *c2;
		if (!db_compare(db, &o, &c2, &err))
			db_compare_free(c2);
		db_compare_free(c);
	}
	db_close(db);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], dst[80];
	struct vmemsim_err err;
	struct db_compare *c;
	struct db_info info;
	struct db *db;

	/* tmpfs when there is one: every input creates a database (fsyncs) */
	snprintf(path, sizeof(path), "%s/vmemsim-fuzz-db-%d.db",
	         access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (int)getpid());
	remove_db(path);
	if (size && data[0] == '{') {
		fuzz_configs(path, data, size);
		remove_db(path);
		return 0;
	}
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
	/* the (possibly migrated) file merged into a fresh database */
	snprintf(dst, sizeof(dst), "%s.merged", path);
	remove_db(dst);
	if (!db_open(&db, dst, DB_OPEN_CREATE, &err)) {
		struct db_merge_stats st;
		db_merge(db, path, &st, &err);
		db_check(db, &err);
		db_close(db);
	}
	remove_db(dst);
	remove_db(path);
	return 0;
}

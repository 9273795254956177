/*
 * tests/db/test_cli.c — `vmemsim query|compare|export|db` as a user sees
 * them: exact stdout, stderr and exit code of the real binary, on databases
 * made here through the db API.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "tests/common/transcript.h"

#define RUN(t, ...) cr_assert_eq(transcript_runl(t, __VA_ARGS__, NULL), 0, "spawn failed")

static char path[256];

/* Three runs on zen4 and two on skylake, one killed run, one failed run. */
static void fixture(void)
{
	struct vmemsim_err err = {0};
	struct db *db;
	int64_t id;
	th_tmp_path(path, sizeof(path), "cli.db");
	cr_assert_eq(db_open(&db, path, DB_OPEN_CREATE, &err), 0, "%s", err.msg);
	th_add_run(db, "vmemmap-2m", "zen4", NULL, 800, 8);
	th_add_run(db, "sparse-extreme", "zen4", NULL, 1000, 16);
	th_add_run(db, "flatmem", "zen4", NULL, 400, 4);
	th_add_run(db, "vmemmap-2m", "skylake", NULL, 1000, 10);
	th_add_run(db, "sparse-extreme", "skylake", NULL, 1500, 30);
	struct db_run_info info = {.kind = "test", .memory_model = "vmemmap-4k"};
	cr_assert_eq(db_run_begin(db, &info, &id, &err), 0);
	cr_assert_eq(db_run_begin(db, &info, &id, &err), 0);
	cr_assert_eq(db_run_fail(db, id, "guest faulted", &err), 0);
	db_close(db);
}

static void expect(struct transcript *t, int status, const char *out, const char *err)
{
	cr_assert_eq(t->status, status, "exit %d, stderr: %s", t->status, t->err);
	if (out)
		cr_assert_str_eq(t->out, out);
	if (err)
		cr_assert_str_eq(t->err, err);
	transcript_free(t);
}

Test(db_cli, query_prints_an_aligned_table)
{
	struct transcript t;
	fixture();
	RUN(&t, "query", "--db", path,
	    "SELECT run, memory_model, cycles, 1.0 * cycles / 800 AS rel FROM run_summary"
	    " WHERE cpu = 'zen4' ORDER BY run");
	expect(&t, 0,
	       "run  memory_model    cycles  rel\n"
	       "  1  vmemmap-2m         800  1.000000\n"
	       "  2  sparse-extreme    1000  1.250000\n"
	       "  3  flatmem            400  0.500000\n",
	       "");
}

Test(db_cli, query_csv_and_json_keep_nulls_and_numbers)
{
	struct transcript t;
	fixture();
	RUN(&t, "query", "--db", path, "--csv",
	    "SELECT id, status, error, wall_seconds IS NOT NULL AS timed FROM runs WHERE id >= 5");
	expect(&t, 0,
	       "id,status,error,timed\n"
	       "5,done,,1\n"
	       "6,running,,0\n"
	       "7,failed,guest faulted,1\n",
	       "");
	RUN(&t, "query", "--db", path, "--json",
	    "SELECT id, error, json_extract(config, '$.cpu.name') AS cpu FROM runs WHERE id IN (1, "
	    "7)");
	expect(&t, 0,
	       "[\n"
	       "  {\"id\": 1, \"error\": null, \"cpu\": \"zen4\"},\n"
	       "  {\"id\": 7, \"error\": \"guest faulted\", \"cpu\": null}\n"
	       "]\n",
	       "");
}

Test(db_cli, query_refuses_writes_and_changes_nothing)
{
	struct transcript t;
	char err[512];
	fixture();
	snprintf(err, sizeof(err),
	         "vmemsim: error: %s: refusing a statement that writes; queries are read-only\n",
	         path);
	RUN(&t, "query", "--db", path, "DELETE FROM runs");
	expect(&t, 1, "", err);
	RUN(&t, "query", "--db", path, "UPDATE runs SET status = 'done'");
	expect(&t, 1, "", err);
	sqlite3 *c = th_raw_open(path);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM runs"), 7);
	cr_assert_eq(th_raw_int(c, "SELECT count(*) FROM runs WHERE status = 'done'"), 5);
	sqlite3_close(c);
}

Test(db_cli, query_usage_and_file_errors)
{
	struct transcript t;
	char err[512], bad[300];
	fixture();
	RUN(&t, "query", "--db", path);
	expect(&t, 2, "",
	       "vmemsim query: error: missing the SQL statement\n"
	       "Try 'vmemsim query --help'.\n");
	RUN(&t, "query", "--help");
	cr_assert(strstr(t.out, "usage: vmemsim query"));
	expect(&t, 0, NULL, "");

	snprintf(bad, sizeof(bad), "%s.txt", path);
	FILE *f = fopen(bad, "w");
	fputs("not a database at all, just some text that is long enough to be read\n", f);
	fclose(f);
	RUN(&t, "query", "--db", bad, "SELECT 1");
	snprintf(err, sizeof(err),
	         "vmemsim: error: %s: not a SQLite database (while reading the schema version: "
	         "file is not a database); nothing was changed\n",
	         bad);
	expect(&t, 1, "", err);

	snprintf(bad, sizeof(bad), "%s.missing", path);
	RUN(&t, "query", "--db", bad, "SELECT 1");
	snprintf(err, sizeof(err),
	         "vmemsim: error: %s: cannot open results database: No such file or directory\n",
	         bad);
	expect(&t, 1, "", err);
}

Test(db_cli, newer_database_is_refused_by_every_command)
{
	struct transcript t;
	char err[512];
	fixture();
	sqlite3 *c = NULL;
	cr_assert_eq(sqlite3_open(path, &c), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(c, "PRAGMA user_version = 7", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(c);
	snprintf(err, sizeof(err),
	         "vmemsim: error: %s: written by a newer vmemsim (schema version 7; this vmemsim "
	         "%s knows up to %d); nothing was changed\n",
	         path, VMEMSIM_VERSION, DB_SCHEMA_VERSION);
	RUN(&t, "query", "--db", path, "SELECT 1");
	expect(&t, 1, "", err);
	RUN(&t, "compare", "--db", path);
	expect(&t, 1, "", err);
	RUN(&t, "export", "--db", path);
	expect(&t, 1, "", err);
	RUN(&t, "db", "vacuum", "--db", path);
	expect(&t, 1, "", err);
}

Test(db_cli, compare_prints_means_and_ratios_to_vmemmap_2m)
{
	struct transcript t;
	fixture();
	RUN(&t, "compare", "--db", path, "--metric", "cycles,dtlb_misses");
	expect(&t, 0,
	       "memory_model    cpu.name  runs  baseline  cycles  cycles_ratio  dtlb_misses  "
	       "dtlb_misses_ratio\n"
	       "vmemmap-2m      zen4         1  yes          800        1.0000            8  "
	       "           1.0000\n"
	       "sparse-extreme  zen4         1  no          1000        1.2500           16  "
	       "           2.0000\n"
	       "flatmem         zen4         1  no           400        0.5000            4  "
	       "           0.5000\n"
	       "vmemmap-2m      skylake      1  yes         1000        1.0000           10  "
	       "           1.0000\n"
	       "sparse-extreme  skylake      1  no          1500        1.5000           30  "
	       "           3.0000\n",
	       "vmemsim: baseline: memory_model=vmemmap-2m; 5 runs in 5 groups\n");
}

Test(db_cli, compare_csv_with_where_and_explicit_baseline)
{
	struct transcript t;
	fixture();
	RUN(&t, "compare", "--db", path, "--csv", "--where", "memory_model <> 'flatmem'",
	    "--baseline", "cpu.name=skylake", "--metric", "cycles");
	expect(&t, 0,
	       "memory_model,cpu.name,runs,baseline,cycles,cycles_ratio\n"
	       "vmemmap-2m,zen4,1,no,800,0.8000\n"
	       "sparse-extreme,zen4,1,no,1000,0.6667\n"
	       "vmemmap-2m,skylake,1,yes,1000,1.0000\n"
	       "sparse-extreme,skylake,1,yes,1500,1.0000\n",
	       NULL);
}

Test(db_cli, compare_errors)
{
	struct transcript t;
	char err[512];
	fixture();
	RUN(&t, "compare", "--db", path, "--baseline", "memory_model");
	expect(&t, 2, "",
	       "vmemsim compare: error: --baseline: expected KEY=VALUE, got 'memory_model'\n"
	       "Try 'vmemsim compare --help'.\n");
	RUN(&t, "compare", "--db", path, "--baseline", "memory_model=hvo");
	snprintf(err, sizeof(err),
	         "vmemsim: error: %s: no selected run has memory_model=hvo; values: vmemmap-2m, "
	         "sparse-extreme, flatmem\n",
	         path);
	expect(&t, 1, "", err);
	RUN(&t, "compare", "--db", path, "--where", "cpu = 'm1'");
	snprintf(err, sizeof(err),
	         "vmemsim: error: %s: no finished run matches --where cpu = 'm1'\n", path);
	expect(&t, 1, "", err);
}

Test(db_cli, export_csv_is_wide_with_one_column_per_metric)
{
	struct transcript t;
	fixture();
	RUN(&t, "export", "--db", path, "--csv", "--where", "id <= 2");
	cr_assert_eq(t.status, 0, "%s", t.err);
	/* the counter (dtlb_misses) comes before the extra (cycles) */
	cr_assert(
	    !strncmp(t.out,
	             "id,started,finished,version,kind,workload,memory_model,cpu,layout,"
	             "status,error,wall_seconds,host,config,dtlb_misses,cycles\n",
	             strlen("id,started,finished,version,kind,workload,memory_model,cpu,layout,"
	                    "status,error,wall_seconds,host,config,dtlb_misses,cycles\n")),
	    "%s", t.out);
	cr_assert(strstr(t.out, ",done,,") && strstr(t.out, ",16,1000\n"), "%s", t.out);
	unsigned lines = 0;
	for (const char *p = t.out; *p; p++)
		lines += *p == '\n';
	cr_assert_eq(lines, 3);
	transcript_free(&t);
}

Test(db_cli, export_json_nests_config_and_metrics)
{
	struct transcript t;
	json_error_t je;
	fixture();
	RUN(&t, "export", "--db", path, "--json");
	cr_assert_eq(t.status, 0, "%s", t.err);
	json_t *root = json_loads(t.out, 0, &je);
	cr_assert_not_null(root, "not JSON: %s at %d:%d", je.text, je.line, je.column);
	cr_assert_eq(json_array_size(root), 7);
	json_t *r2 = json_array_get(root, 1);
	cr_assert_str_eq(json_string_value(json_object_get(r2, "memory_model")), "sparse-extreme");
	cr_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(json_object_get(r2, "config"), "cpu"), "name")),
	                 "zen4");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(r2, "metrics"), "cycles")),
	             1000);
	json_t *r6 = json_array_get(root, 5);
	cr_assert_str_eq(json_string_value(json_object_get(r6, "status")), "running");
	cr_assert(json_is_object(json_object_get(r6, "metrics")));
	cr_assert_eq(json_object_size(json_object_get(r6, "metrics")), 0);
	json_decref(root);
	transcript_free(&t);
}

Test(db_cli, db_info_check_and_vacuum)
{
	struct transcript t;
	char out[512];
	fixture();
	RUN(&t, "db", "info", "--db", path, "--csv");
	cr_assert(strstr(t.out, "\nruns,7\nruns_done,5\nruns_failed,1\nruns_not_finished,1\n"),
	          "%s", t.out);
	cr_assert(strstr(t.out, "\nschema_version,2\n") && strstr(t.out, "\njournal_mode,wal\n"),
	          "%s", t.out);
	expect(&t, 0, NULL, "");
	RUN(&t, "db", "check", "--db", path);
	snprintf(out, sizeof(out),
	         "%s: ok: 7 runs (5 done, 1 failed, 1 not finished)\n"
	         "note: runs not finished are in progress or were killed; list them with: "
	         "vmemsim query \"SELECT id, started, kind, host FROM runs WHERE status = "
	         "'running'\"\n",
	         path);
	expect(&t, 0, out, "");
	RUN(&t, "db", "vacuum", "--db", path);
	cr_assert(strstr(t.out, " bytes\n"), "%s", t.out);
	expect(&t, 0, NULL, "");
	RUN(&t, "db", "frob", "--db", path);
	expect(&t, 2, "",
	       "vmemsim db: error: unknown action 'frob' (info, check, vacuum, merge)\n"
	       "Try 'vmemsim db --help'.\n");
}

Test(db_cli, db_check_reports_planted_damage_with_exit_1)
{
	struct transcript t;
	char err[512];
	fixture();
	sqlite3 *c = NULL;
	cr_assert_eq(sqlite3_open(path, &c), SQLITE_OK);
	cr_assert_eq(
	    sqlite3_exec(c, "INSERT INTO metrics VALUES (6, 'walks', 1)", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(c);
	RUN(&t, "db", "check", "--db", path);
	snprintf(err, sizeof(err),
	         "vmemsim: error: %s: 1 problem: run 6: metrics stored but status is running\n",
	         path);
	expect(&t, 1, "", err);
}

Test(db_cli, query_reads_the_statement_from_stdin_with_dash)
{
	char cmd[1024], out[256] = "";
	fixture();
	snprintf(cmd, sizeof(cmd),
	         "printf 'SELECT count(*) AS n\\nFROM runs -- all of them\\n;\\n' | '%s' query "
	         "--db '%s' --csv -",
	         transcript_bin(), path);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	cr_assert_eq(pclose(p), 0);
	cr_assert_str_eq(out, "n\n7\n");
}

Test(db_cli, export_of_an_old_schema_says_how_to_migrate_and_vacuum_migrates)
{
	struct transcript t;
	char err[1024];
	th_tmp_path(path, sizeof(path), "v1.db");
	sqlite3 *c = NULL;
	cr_assert_eq(sqlite3_open(path, &c), SQLITE_OK);
	cr_assert_eq(
	    sqlite3_exec(c,
	                 "CREATE TABLE runs (id INTEGER PRIMARY KEY, started TEXT NOT NULL,"
	                 " finished TEXT, version TEXT NOT NULL, kind TEXT NOT NULL, workload TEXT,"
	                 " memory_model TEXT, cpu TEXT, layout TEXT, config TEXT NOT NULL DEFAULT"
	                 " '{}', status TEXT NOT NULL, error TEXT, wall_seconds REAL);"
	                 "CREATE TABLE metrics (run INTEGER NOT NULL, name TEXT NOT NULL, value,"
	                 " PRIMARY KEY (run, name)) WITHOUT ROWID;"
	                 "INSERT INTO runs VALUES (1, 'x', 'y', '0.0.9', 'run', NULL, NULL, NULL,"
	                 " NULL, '{}', 'done', NULL, 1.0);"
	                 "PRAGMA user_version = 1; PRAGMA application_id = 1447908173;",
	                 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(c);
	RUN(&t, "export", "--db", path);
	snprintf(err, sizeof(err),
	         "vmemsim: error: %s: schema version 1 is older than this vmemsim's %d; migrate it "
	         "first with 'vmemsim db vacuum --db %s'\n",
	         path, DB_SCHEMA_VERSION, path);
	expect(&t, 1, "", err);
	RUN(&t, "db", "vacuum", "--db", path);
	expect(&t, 0, NULL, "");
	RUN(&t, "export", "--db", path, "--csv");
	cr_assert(strstr(t.out, "\n1,x,y,0.0.9,run,"), "%s", t.out);
	expect(&t, 0, NULL, "");
}

Test(db_cli, db_merge_reports_what_it_copied)
{
	struct transcript t;
	char dst[300], out[2048];
	fixture();
	snprintf(dst, sizeof(dst), "%s.all", path);
	RUN(&t, "db", "merge", "--db", dst, path, path);
	snprintf(out, sizeof(out),
	         "%s: 7 runs merged into %s, 0 already there\n"
	         "%s: 0 runs merged into %s, 7 already there\n",
	         path, dst, path, dst);
	expect(&t, 0, out, "");
	RUN(&t, "db", "merge", "--db", dst);
	expect(&t, 2, "",
	       "vmemsim db: error: merge: name the databases to merge\n"
	       "Try 'vmemsim db --help'.\n");
}

Test(db_cli, compare_json_keeps_numeric_fields_numbers)
{
	struct transcript t;
	struct vmemsim_err err = {0};
	struct db *db;
	th_tmp_path(path, sizeof(path), "num.db");
	cr_assert_eq(db_open(&db, path, DB_OPEN_CREATE, &err), 0);
	th_add_run(db, "vmemmap-2m", "zen4", "\"pages\": 64", 100, 1);
	th_add_run(db, "vmemmap-2m", "zen4", "\"pages\": 4096", 300, 9);
	db_close(db);
	RUN(&t, "compare", "--db", path, "--json", "--metric", "cycles");
	expect(&t, 0,
	       "[\n"
	       "  {\"pages\": 64, \"runs\": 1, \"baseline\": \"yes\", \"cycles\": 100.0, "
	       "\"cycles_ratio\": 1.0},\n"
	       "  {\"pages\": 4096, \"runs\": 1, \"baseline\": \"no\", \"cycles\": 300.0, "
	       "\"cycles_ratio\": 3.0}\n"
	       "]\n",
	       "vmemsim: baseline: pages=64; 2 runs in 2 groups\n");
}

Test(db_cli, compare_stdev_over_seeds_with_ignore)
{
	struct transcript t;
	struct vmemsim_err err = {0};
	struct db *db;
	th_tmp_path(path, sizeof(path), "seeds.db");
	cr_assert_eq(db_open(&db, path, DB_OPEN_CREATE, &err), 0);
	th_add_run(db, "vmemmap-2m", "zen4", "\"rep\": 1", 100, 1);
	th_add_run(db, "vmemmap-2m", "zen4", "\"rep\": 2", 104, 1);
	th_add_run(db, "flatmem", "zen4", "\"rep\": 1", 200, 1);
	th_add_run(db, "flatmem", "zen4", "\"rep\": 2", 220, 1);
	db_close(db);
	RUN(&t, "compare", "--db", path, "--csv", "--metric", "cycles", "--ignore", "rep",
	    "--stdev");
	expect(&t, 0,
	       "memory_model,runs,baseline,cycles,cycles_stdev,cycles_ratio\n"
	       "vmemmap-2m,2,yes,102,2.8284,1.0000\n"
	       "flatmem,2,no,210,14.1421,2.0588\n",
	       NULL);
}

/*
 * cli/cli.h — what every `vmemsim` subcommand shares.
 *
 * Conventions (DESIGN.md "Command line"): getopt_long, --help on every
 * subcommand, results to stdout (aligned table, --csv or --json), messages to
 * stderr as "vmemsim: error: ...", exit 0 on success, 1 on failure, 2 on a
 * usage error.  This is the only place allowed to print and to hold global
 * state (the program name, --quiet).
 */
#ifndef VMEMSIM_CLI_H
#define VMEMSIM_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/vmemsim.h"

enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2 };

/* A subcommand: argv[0] is the subcommand's name. */
typedef int (*cli_cmd_fn)(int argc, char **argv);

/* ---- Messages ----------------------------------------------------------- */

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Report a library error: "vmemsim: error: <msg>" and return CLI_EXIT_FAIL. */
int cli_fail(const struct vmemsim_err *err);
/* "vmemsim CMD: error: ...; try 'vmemsim CMD --help'" and CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

extern bool cli_quiet; /* --quiet: no progress bars, no info messages */

/* ---- Progress bar on stderr when it is a terminal ------------------------ */

struct cli_progress {
	const char *label;
	uint64_t total, done;
	double last_draw;
	bool active;
};
void cli_progress_start(struct cli_progress *p, const char *label, uint64_t total);
void cli_progress_update(struct cli_progress *p, uint64_t done);
void cli_progress_end(struct cli_progress *p);

/* ---- Output: aligned table, CSV or JSON array of objects ----------------- */

enum cli_format { CLI_FMT_TABLE = 0, CLI_FMT_CSV, CLI_FMT_JSON };

struct cli_table;
struct cli_table *cli_table_new(void);
void cli_table_free(struct cli_table *t);
/* Columns first, then rows cell by cell; cli_table_end_row closes a row. */
void cli_table_column(struct cli_table *t, const char *name);
void cli_table_str(struct cli_table *t, const char *s);
void cli_table_u64(struct cli_table *t, uint64_t v);
void cli_table_i64(struct cli_table *t, int64_t v);
/* precision = digits after the point in the table and CSV; JSON gets %.17g. */
void cli_table_double(struct cli_table *t, double v, int precision);
void cli_table_null(struct cli_table *t);
void cli_table_end_row(struct cli_table *t);
void cli_table_print(const struct cli_table *t, FILE *out, enum cli_format fmt);

/* ---- Small parsing helpers (return 0 or print a usage error and return 2) - */

/* "123", "0x7b", "4k", "2M", "1G", "1T" (binary suffixes); decimal unless
 * 0x-prefixed (a leading 0 does not mean octal). */
int cli_parse_u64(const char *cmd, const char *opt, const char *s, uint64_t *out);
int cli_parse_double(const char *cmd, const char *opt, const char *s, double *out);

/* Where presets live: $VMEMSIM_CONFIG_DIR, ./configs, the source tree. */
const char *cli_config_dir(void);
/* Resolve a preset: "zen4" -> <config dir>/<kind>/zen4.json; a path (contains
 * '/' or ends in .json) is used as is.  Returns 0 or VMEMSIM_ENOENT with the
 * list of available presets in err. */
int cli_resolve_preset(const char *kind, const char *name, char *path, size_t len,
                       struct vmemsim_err *err);

#endif /* VMEMSIM_CLI_H */

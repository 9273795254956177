/*
 * cli/cmd_compare.c — `vmemsim compare`: finished runs grouped by the config
 * fields in which they differ, each metric's mean and its ratio to the
 * baseline group (db_compare in db/db.h does the work).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "db_cli.h"

#define MAX_LIST 64

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: vmemsim compare [--db PATH] [--baseline KEY=VALUE] [--metric NAME ...]\n"
	        "                       [--where SQL] [--ignore FIELD ...] [--all-fields]\n"
	        "                       [--stdev] [--csv|--json]\n\n"
	        "Group the finished runs by the config fields in which they differ (fields equal\n"
	        "in every run are not shown) and print each metric's mean per group and its\n"
	        "ratio to the baseline group.  With --baseline KEY=VALUE each group is compared\n"
	        "with the group that has KEY=VALUE and the same values in the other fields; the\n"
	        "default is memory_model=vmemmap-2m when present, else the first field's value\n"
	        "in the first group.\n\n"
	        "  --db PATH            results database (default results.db)\n"
	        "  --baseline KEY=VALUE baseline group, e.g. memory_model=vmemmap-2m or\n"
	        "                       cpu.name=zen4\n"
	        "  --metric NAME        a metric (repeat or comma-separate): a metrics-table name\n"
	        "                       or a run_summary column such as dtlb_miss_rate or ipc\n"
	        "                       (default: cycles instructions dtlb_misses stlb_misses\n"
	        "                       walks cycles_walk, those present)\n"
	        "  --where SQL          condition on the runs table, e.g. \"kind = 'reach'\" or\n"
	        "                       \"json_extract(config, '$.cpu.name') = 'zen4'\"\n"
	        "  --ignore FIELD       do not group by FIELD (and fields below it)\n"
	        "  --all-fields         show every differing field; by default fields that split\n"
	        "                       the runs exactly as a shown one does are left out\n"
	        "  --stdev              add each metric's sample standard deviation over the\n"
	        "                       group's runs (repeats; see --ignore seed)\n"
	        "  --csv, --json        output format (default: aligned table)\n"
	        "  -h, --help           this text\n");
}

/* Split a comma-separated option value into list[] (pointers into s). */
static int add_list(const char *cmd, const char *opt, char *s, const char **list, unsigned *n)
{
	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		if (*n == MAX_LIST)
			return cli_usage_error(cmd, "%s: at most %d values", opt, MAX_LIST);
		list[(*n)++] = tok;
	}
	return 0;
}

/* One precision per metric column: none when every mean is integral. */
static int mean_precision(const struct db_compare *c, unsigned m)
{
	int prec = 0;
	for (unsigned g = 0; g < c->nr_groups; g++) {
		double v = c->groups[g].mean[m];
		if (isfinite(v) && v != floor(v) && db_cli_precision(v) > prec)
			prec = db_cli_precision(v);
	}
	return prec;
}

/* A field's value: numbers (reach.pages, tlb entries) stay numbers, so that
 * the table right-aligns them and JSON does not quote them. */
static void cell_value(struct cli_table *t, const char *v)
{
	char *end;
	double d;

	if (!v) {
		cli_table_null(t);
		return;
	}
	errno = 0;
	d = strtod(v, &end);
	if (!*v || *end || errno || !isfinite(d) || isspace((unsigned char)*v))
		cli_table_str(t, v);
	else if (d == floor(d) && fabs(d) < 9e15)
		cli_table_i64(t, (int64_t)d);
	else
		cli_table_double(t, d, db_cli_precision(d));
}

static void print_compare(const struct db_compare *c, enum cli_format fmt, bool stdev)
{
	struct cli_table *t = cli_table_new();
	char name[300];

	for (unsigned k = 0; k < c->nr_fields; k++)
		cli_table_column(t, c->fields[k]);
	cli_table_column(t, "runs");
	cli_table_column(t, "baseline");
	for (unsigned m = 0; m < c->nr_metrics; m++) {
		cli_table_column(t, c->metrics[m]);
		if (stdev) {
			snprintf(name, sizeof(name), "%s_stdev", c->metrics[m]);
			cli_table_column(t, name);
		}
		snprintf(name, sizeof(name), "%s_ratio", c->metrics[m]);
		cli_table_column(t, name);
	}
	for (unsigned g = 0; g < c->nr_groups; g++) {
		const struct db_compare_group *gr = &c->groups[g];
		for (unsigned k = 0; k < c->nr_fields; k++)
			cell_value(t, gr->values[k]);
		cli_table_u64(t, gr->nr_runs);
		cli_table_str(t, gr->baseline == (int)g ? "yes" : "no");
		for (unsigned m = 0; m < c->nr_metrics; m++) {
			cli_table_double(t, gr->mean[m], mean_precision(c, m));
			if (stdev)
				cli_table_double(t, gr->stdev[m], db_cli_precision(gr->mean[m]));
			cli_table_double(t, gr->ratio[m], 4);
		}
		cli_table_end_row(t);
	}
	cli_table_print(t, stdout, fmt);
	cli_table_free(t);
}

int cmd_compare(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"baseline", required_argument, NULL, 'b'},
	                                     {"metric", required_argument, NULL, 'm'},
	                                     {"where", required_argument, NULL, 'w'},
	                                     {"ignore", required_argument, NULL, 'i'},
	                                     {"all-fields", no_argument, NULL, 'a'},
	                                     {"stdev", no_argument, NULL, 'v'},
	                                     {"csv", no_argument, NULL, 'c'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {0, 0, 0, 0}};
	const char *path = DB_CLI_DEFAULT_PATH, *metrics[MAX_LIST], *ignore[MAX_LIST];
	struct db_compare_opts o = {0};
	enum cli_format fmt = CLI_FMT_TABLE;
	struct vmemsim_err err = {0};
	bool stdev = false;
	struct db_compare *c;
	struct db *db;
	char *eq;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': path = optarg; break;
		case 'b':
			eq = strchr(optarg, '=');
			if (!eq || eq == optarg)
				return cli_usage_error(
				    argv[0], "--baseline: expected KEY=VALUE, got '%s'", optarg);
			*eq = '\0';
			o.baseline_key = optarg;
			o.baseline_value = eq + 1;
			break;
		case 'm':
			if ((rc = add_list(argv[0], "--metric", optarg, metrics, &o.nr_metrics)))
				return rc;
			o.metrics = metrics;
			break;
		case 'i':
			if ((rc = add_list(argv[0], "--ignore", optarg, ignore, &o.nr_ignore)))
				return rc;
			o.ignore = ignore;
			break;
		case 'w': o.where = optarg; break;
		case 'a': o.all_fields = true; break;
		case 'v': stdev = true; break;
		case 'c': fmt = CLI_FMT_CSV; break;
		case 'j': fmt = CLI_FMT_JSON; break;
		case 'h': usage(stdout); return CLI_EXIT_OK;
		default: return cli_usage_error(argv[0], "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (o.metrics && !o.nr_metrics)
		return cli_usage_error(argv[0], "--metric: no metric name given");
	if (db_open(&db, path, DB_OPEN_READONLY, &err))
		return cli_fail(&err);
	rc = db_compare(db, &o, &c, &err);
	db_close(db);
	if (rc)
		return cli_fail(&err);
	cli_info("baseline: %s; %u runs in %u groups", c->baseline, c->nr_runs, c->nr_groups);
	if (c->nr_hidden_fields)
		cli_info(
		    "%u more fields differ exactly as the ones shown (--all-fields lists them)",
		    c->nr_hidden_fields);
	print_compare(c, fmt, stdev);
	db_compare_free(c);
	return CLI_EXIT_OK;
}

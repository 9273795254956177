/*
 * cli/cmd_reach.c — `vmemsim reach`: the classic TLB-reach probe on the model.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "cpu_config.h"
#include "db_cli.h"
#include "reach.h"

#define MAX_SETS   64
#define MAX_POINTS 64

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: vmemsim reach [OPTIONS]\n\n"
	        "The TLB-reach probe: a random pointer chase touching one cache line per page\n"
	        "over N pages, fed straight into the MMU model. For each N it prints the\n"
	        "accesses measured, the L1 DTLB miss rate (misses per access), the STLB miss\n"
	        "rate (misses per STLB lookup), page walks per access and cycles per access.\n"
	        "The knees sit at the preset's TLB capacities.\n\n"
	        "Options:\n"
	        "  --cpu NAME|FILE     CPU preset from configs/cpu/ (default: skylake)\n"
	        "  --page-size SIZE    4k, 2m or 1g (default: 4k)\n"
	        "  --pages LIST        comma-separated page counts (default: 16,32,...,65536)\n"
	        "  --accesses N        measured accesses per point, rounded up to whole chase\n"
	        "                      cycles (default: 200000)\n"
	        "  --seed N            chase-order seed (default: 1)\n"
	        "  --set cpu.KEY=VAL   override a preset field, e.g. cpu.tlb.stlb.latency=9\n"
	        "  --csv, --json       output format (default: aligned table)\n" DB_CLI_HELP
	        "  -q, --quiet         no progress output\n"
	        "  -h, --help          this help\n");
}

/* A comma-separated list of page counts: every element a number, none
 * empty, none twice (a sweep point listed twice is a typo, not a wish). */
static int parse_pages(const char *s, uint64_t *pts, unsigned *n)
{
	char tok[64];
	const char *p = s;

	*n = 0;
	if (!*s)
		return cli_usage_error("reach", "--pages: empty list");
	for (;;) {
		size_t len = strcspn(p, ",");
		if (!len)
			return cli_usage_error("reach", "--pages: empty element in '%s'", s);
		if (len >= sizeof(tok))
			return cli_usage_error("reach", "--pages: '%.*s' is too long", (int)len, p);
		if (*n == MAX_POINTS)
			return cli_usage_error("reach", "--pages: at most %d points", MAX_POINTS);
		memcpy(tok, p, len);
		tok[len] = '\0';
		if (cli_parse_u64("reach", "--pages", tok, &pts[*n]))
			return CLI_EXIT_USAGE;
		if (pts[*n] < 2)
			return cli_usage_error("reach", "--pages: %s: at least 2 pages", tok);
		for (unsigned i = 0; i < *n; i++)
			if (pts[i] == pts[*n])
				return cli_usage_error("reach", "--pages: %llu is listed twice",
				                       (unsigned long long)pts[i]);
		(*n)++;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

static const char *const ps_names[] = {"4k", "2m", "1g"};
static int64_t first_run, last_run; /* runs recorded by this invocation */

/* One point = one run in the database: begun before the work, finished with
 * its counters, or marked failed. */
static int reach_point(struct db_cli *dbc, const json_t *cpu_json, const char *cpu,
                       const struct mmu_config *cfg, const struct reach_params *p,
                       struct reach_point *out, struct vmemsim_err *err)
{
	json_t *conf = json_pack("{s:O,s:{s:I,s:s,s:I,s:I}}", "cpu", cpu_json, "reach", "pages",
	                         (json_int_t)p->pages, "page_size", ps_names[p->ps], "accesses",
	                         (json_int_t)p->min_accesses, "seed", (json_int_t)p->seed);
	char *text = conf ? json_dumps(conf, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	struct db_run_info info = {
	    .kind = "reach", .workload = "pointer-chase", .cpu = cpu, .config_json = text};
	int rc;

	json_decref(conf);
	if (!text) {
		cli_error("out of memory");
		return CLI_EXIT_FAIL;
	}
	if (db_cli_begin(dbc, &info)) {
		free(text);
		return CLI_EXIT_FAIL;
	}
	free(text);
	if ((rc = reach_run(cfg, p, out, err))) {
		cli_fail(err);
		return db_cli_fail(dbc, err->msg);
	}
	{
		struct db_metric extra[] = {{"cycles", mmu_stats_cycles(&out->stats, -1)},
		                            {"pages", (double)p->pages},
		                            {"page_bytes", (double)mmu_page_bytes(p->ps)}};
		struct db_run_result res = {.stats = &out->stats,
		                            .extra = extra,
		                            .nr_extra = sizeof(extra) / sizeof(extra[0])};
		bool quiet = cli_quiet;
		/* one line for all points, printed by cmd_reach, not one per run */
		cli_quiet = true;
		rc = db_cli_finish(dbc, &res);
		cli_quiet = quiet;
		if (!rc && !dbc->disabled) {
			if (!first_run)
				first_run = dbc->run_id;
			last_run = dbc->run_id;
		}
		return rc;
	}
}

int cmd_reach(int argc, char **argv)
{
	static const struct option opts[] = {{"cpu", required_argument, NULL, 'c'},
	                                     {"page-size", required_argument, NULL, 'p'},
	                                     {"pages", required_argument, NULL, 'n'},
	                                     {"accesses", required_argument, NULL, 'a'},
	                                     {"seed", required_argument, NULL, 'S'},
	                                     {"set", required_argument, NULL, 's'},
	                                     {"csv", no_argument, NULL, 'C'},
	                                     {"json", no_argument, NULL, 'J'},
	                                     {"quiet", no_argument, NULL, 'q'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     DB_CLI_LONG_OPTIONS,
	                                     {NULL, 0, NULL, 0}};
	const char *cpu = "skylake";
	char *sets[MAX_SETS], *cpu_sets[MAX_SETS];
	unsigned nsets = 0, npts = 0;
	int ncpu_sets, opt, rc;
	uint64_t pts[MAX_POINTS], accesses = 200000, seed = 1;
	enum mmu_page_size ps = MMU_PAGE_4K;
	enum cli_format fmt = CLI_FMT_TABLE;
	struct mmu_config cfg;
	struct vmemsim_err err = {0};
	struct cli_table *t;
	struct cli_progress prog;
	struct reach_point *pt;
	struct db_cli dbc;
	json_t *resolved = NULL;

	for (unsigned i = 0; i < 13; i++)
		pts[i] = 16ull << i;
	npts = 13;
	db_cli_init(&dbc);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
		if (db_cli_option(&dbc, opt, optarg))
			continue;
		switch (opt) {
		case 'c': cpu = optarg; break;
		case 'p':
			if (!strcmp(optarg, "4k") || !strcmp(optarg, "4K"))
				ps = MMU_PAGE_4K;
			else if (!strcmp(optarg, "2m") || !strcmp(optarg, "2M"))
				ps = MMU_PAGE_2M;
			else if (!strcmp(optarg, "1g") || !strcmp(optarg, "1G"))
				ps = MMU_PAGE_1G;
			else
				return cli_usage_error(
				    "reach", "--page-size: '%s' is not 4k, 2m or 1g", optarg);
			break;
		case 'n':
			if ((rc = parse_pages(optarg, pts, &npts)))
				return rc;
			break;
		case 'a':
			if (cli_parse_u64("reach", "--accesses", optarg, &accesses))
				return CLI_EXIT_USAGE;
			break;
		case 'S':
			if (cli_parse_u64("reach", "--seed", optarg, &seed))
				return CLI_EXIT_USAGE;
			break;
		case 's':
			if (nsets == MAX_SETS)
				return cli_usage_error("reach", "too many --set options");
			sets[nsets++] = optarg;
			break;
		case 'C': fmt = CLI_FMT_CSV; break;
		case 'J': fmt = CLI_FMT_JSON; break;
		case 'q': cli_quiet = true; break;
		case 'h': usage(stdout); return CLI_EXIT_OK;
		default: return cli_usage_error("reach", "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error("reach", "unexpected argument '%s'", argv[optind]);

	/* Every point is checked before the first runs: no half-done sweep. */
	for (unsigned i = 0; i < npts; i++) {
		struct reach_params p = {.ps = ps, .pages = pts[i]};
		if (reach_check(&p, &err))
			return cli_usage_error("reach", "--pages: %s", err.msg);
	}
	ncpu_sets = cli_sets_for("cpu", "cpu", sets, nsets, cpu_sets, MAX_SETS, &err);
	if (ncpu_sets < 0) {
		cli_error("%s", err.msg);
		return CLI_EXIT_USAGE;
	}
	if ((rc = cli_cpu_load(cpu, cpu_sets, (unsigned)ncpu_sets, &cfg, &resolved, &err)))
		return cli_fail(&err);

	pt = calloc(npts, sizeof(*pt));
	if (!pt) {
		cli_error("out of memory");
		return CLI_EXIT_FAIL;
	}
	cli_progress_start(&prog, "reach", npts);
	for (unsigned i = 0; i < npts; i++) {
		struct reach_params p = {
		    .ps = ps, .pages = pts[i], .min_accesses = accesses, .seed = seed};
		if ((rc = reach_point(&dbc, resolved, cpu, &cfg, &p, &pt[i], &err))) {
			cli_progress_end(&prog);
			free(pt);
			json_decref(resolved);
			return rc;
		}
		cli_progress_update(&prog, i + 1);
	}
	cli_progress_end(&prog);
	json_decref(resolved);
	if (first_run)
		cli_info("recorded runs %lld-%lld in %s", (long long)first_run, (long long)last_run,
		         dbc.path);

	t = cli_table_new();
	cli_table_column(t, "pages");
	cli_table_column(t, "page_size");
	cli_table_column(t, "accesses");
	cli_table_column(t, "l1d_miss_rate");
	cli_table_column(t, "stlb_miss_rate");
	cli_table_column(t, "walks_per_access");
	cli_table_column(t, "cycles_per_access");
	for (unsigned i = 0; i < npts; i++) {
		cli_table_u64(t, pt[i].pages);
		cli_table_str(t, ps_names[ps]);
		cli_table_u64(t, pt[i].accesses);
		cli_table_double(t, pt[i].l1d_miss_rate, 4);
		cli_table_double(t, pt[i].stlb_miss_rate, 4);
		cli_table_double(t, pt[i].walks_per_access, 4);
		cli_table_double(t, pt[i].cycles_per_access, 2);
		cli_table_end_row(t);
	}
	if (fmt == CLI_FMT_TABLE && !cli_quiet)
		printf("# cpu %s, %s pages\n", cfg.name,
		       ps == MMU_PAGE_4K   ? "4 KiB"
		       : ps == MMU_PAGE_2M ? "2 MiB"
		                           : "1 GiB");
	cli_table_print(t, stdout, fmt);
	cli_table_free(t);
	free(pt);
	return CLI_EXIT_OK;
}

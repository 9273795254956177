/*
 * cli/cmd_replay.c — `vmemsim replay TRACE`: an address trace through the MMU
 * model on an address space built on demand (traces/trace.h), the counters
 * printed and recorded in the results database.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "cpu_config.h"
#include "db_cli.h"
#include "layout_config.h"
#include "traces/trace.h"

#define REPLAY_HOTSPOTS 20 /* stored in the database */
#define MAX_SETS        64
#define REPLAY_BATCH    4096

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: vmemsim replay TRACE [OPTIONS]\n\n"
	        "Replay an address trace (.vtr, valgrind lackey text, ChampSim .xz) through\n"
	        "the MMU model. Pages are mapped on first touch: each takes a frame from a\n"
	        "physical allocator and a real leaf in page tables in guest memory; every\n"
	        "access goes through the TLBs, paging-structure caches, walker and caches.\n"
	        "User traces run at CPL 3 on user pages. Prints the counters and records\n"
	        "the run in the results database. TRACE - reads standard input, e.g.\n"
	        "  valgrind --tool=lackey --trace-mem=yes --log-fd=3 PROG 3>&1 >/dev/null |\n"
	        "  vmemsim replay -\n\n"
	        "Options:\n"
	        "  --cpu NAME|FILE     CPU preset from configs/cpu/ (default: skylake)\n"
	        "  --pages POLICY      4k, thp (2M where the aligned 2M range is untouched and a\n"
	        "                      2M frame is available) or 1g (default: 4k)\n"
	        "  --frag F            probability in [0,1] that a 2M/1G frame is unavailable,\n"
	        "                      forcing the fallback to a smaller page (default: 0)\n"
	        "  --seed N            seed of the fragmentation draws (default: 1)\n"
	        "  --phys SIZE         guest-physical memory for the replay (default: 64G)\n"
	        "  --limit N           replay at most N records\n"
	        "  --warmup N          replay the first N records as warm-up: their counters\n"
	        "                      are subtracted (default: the trace's warmup_records)\n"
	        "  --hotspots N        also print the N PCs with the most walk cycles (the\n"
	        "                      top 20 are always stored); with --json the output is\n"
	        "                      {\"metrics\": [...], \"hotspots\": [...]}\n"
	        "  --format F          auto (default), vtr, lackey, champsim\n"
	        "  --skip-bad          lackey: count garbage lines instead of failing\n"
	        "  --set cpu.KEY=VAL   override a CPU preset field\n"
	        "  --csv, --json       output format (default: aligned table)\n" DB_CLI_HELP
	        "  -q, --quiet         no progress output\n"
	        "  -h, --help          this help\n\n"
	        "A truncated or corrupt trace is reported with its byte offset (or line);\n"
	        "the counters of the records replayed before it are printed, and the run is\n"
	        "recorded as failed.\n");
}

struct replay_opts {
	const char *trace, *cpu;
	const char *layout, *model; /* kernel replay; from the options or the metadata */
	bool kernel, cpu_given;
	char *sets[MAX_SETS];
	unsigned nsets;
	enum trace_format fmt;
	unsigned flags;
	struct trace_aspace_config as;
	uint64_t limit;
	uint64_t warmup;        /* records whose counters are subtracted (warm-up) */
	uint64_t show_hotspots; /* --hotspots N: print the top N PCs */
	bool warmup_given;
	enum cli_format ofmt;
};

enum {
	O_CPU = 0x100,
	O_PAGES,
	O_FRAG,
	O_SEED,
	O_PHYS,
	O_LIMIT,
	O_FORMAT,
	O_SKIP_BAD,
	O_SET,
	O_CSV,
	O_JSON,
	O_QUIET,
	O_LAYOUT,
	O_MODEL,
	O_KERNEL,
	O_WARMUP,
	O_HOTSPOTS
};

static int parse(int argc, char **argv, struct replay_opts *o, struct db_cli *dbc)
{
	static const struct option opts[] = {{"cpu", required_argument, NULL, O_CPU},
	                                     {"pages", required_argument, NULL, O_PAGES},
	                                     {"frag", required_argument, NULL, O_FRAG},
	                                     {"seed", required_argument, NULL, O_SEED},
	                                     {"phys", required_argument, NULL, O_PHYS},
	                                     {"limit", required_argument, NULL, O_LIMIT},
	                                     {"warmup", required_argument, NULL, O_WARMUP},
	                                     {"hotspots", required_argument, NULL, O_HOTSPOTS},
	                                     {"format", required_argument, NULL, O_FORMAT},
	                                     {"skip-bad", no_argument, NULL, O_SKIP_BAD},
	                                     {"set", required_argument, NULL, O_SET},
	                                     {"csv", no_argument, NULL, O_CSV},
	                                     {"json", no_argument, NULL, O_JSON},
	                                     {"quiet", no_argument, NULL, O_QUIET},
	                                     {"layout", required_argument, NULL, O_LAYOUT},
	                                     {"model", required_argument, NULL, O_MODEL},
	                                     {"kernel", no_argument, NULL, O_KERNEL},
	                                     {"help", no_argument, NULL, 'h'},
	                                     DB_CLI_LONG_OPTIONS,
	                                     {0, 0, 0, 0}};
	struct vmemsim_err err = {0};
	int c;

	o->cpu = "skylake";
	o->as.seed = 1;
	o->limit = UINT64_MAX;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
		if (db_cli_option(dbc, c, optarg))
			continue;
		switch (c) {
		case O_CPU:
			o->cpu = optarg;
			o->cpu_given = true;
			break;
		case O_WARMUP:
			if (cli_parse_u64("replay", "--warmup", optarg, &o->warmup))
				return CLI_EXIT_USAGE;
			o->warmup_given = true;
			break;
		case O_HOTSPOTS:
			if (cli_parse_u64("replay", "--hotspots", optarg, &o->show_hotspots))
				return CLI_EXIT_USAGE;
			if (o->show_hotspots > REPLAY_HOTSPOTS)
				return cli_usage_error("replay", "--hotspots: at most %d",
				                       REPLAY_HOTSPOTS);
			break;
		case O_LAYOUT: o->layout = optarg; break;
		case O_MODEL: o->model = optarg; break;
		case O_KERNEL: o->kernel = true; break;
		case O_PAGES:
			if (trace_page_policy_parse(optarg, &o->as.policy, &err))
				return cli_usage_error("replay", "--pages: %s", err.msg);
			break;
		case O_FRAG:
			if (cli_parse_double("replay", "--frag", optarg, &o->as.frag))
				return CLI_EXIT_USAGE;
			if (!(o->as.frag >= 0 && o->as.frag <= 1))
				return cli_usage_error("replay", "--frag: %s is outside [0,1]",
				                       optarg);
			break;
		case O_SEED:
			if (cli_parse_u64("replay", "--seed", optarg, &o->as.seed))
				return CLI_EXIT_USAGE;
			break;
		case O_PHYS:
			if (cli_parse_u64("replay", "--phys", optarg, &o->as.phys_bytes))
				return CLI_EXIT_USAGE;
			if (o->as.phys_bytes < (1ull << 30) ||
			    (o->as.phys_bytes & ((1ull << 30) - 1)))
				return cli_usage_error("replay",
				                       "--phys: a multiple of 1G is needed");
			break;
		case O_LIMIT:
			if (cli_parse_u64("replay", "--limit", optarg, &o->limit))
				return CLI_EXIT_USAGE;
			break;
		case O_FORMAT:
			if (trace_format_parse(optarg, &o->fmt, &err))
				return cli_usage_error("replay", "--format: %s", err.msg);
			break;
		case O_SKIP_BAD: o->flags |= TRACE_SKIP_BAD; break;
		case O_SET:
			if (o->nsets == MAX_SETS)
				return cli_usage_error("replay", "too many --set options");
			o->sets[o->nsets++] = optarg;
			break;
		case O_CSV: o->ofmt = CLI_FMT_CSV; break;
		case O_JSON: o->ofmt = CLI_FMT_JSON; break;
		case O_QUIET:
		case 'q': cli_quiet = true; break;
		case 'h': usage(stdout); return -1;
		default: return cli_usage_error("replay", "unknown option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("replay", optind < argc ? "expected one trace, got more"
		                                               : "expected a trace file");
	o->trace = argv[optind];
	return 0;
}

/* What one replay produced. */
struct replay_result {
	struct mmu_stats stats;                 /* after the warm-up */
	struct mmu_hotspot hs[REPLAY_HOTSPOTS]; /* whole trace, most walk cycles first */
	unsigned nr_hs;
	struct mmu_stats warm; /* at the end of the warm-up */
	uint64_t warmup;       /* records replayed as warm-up */
	struct trace_aspace_stats as;
	uint64_t records;
	double seconds;
	unsigned nr_regions;
	const char *region_names[MMU_MAX_REGIONS]; /* point into names[] */
	char names[MMU_MAX_REGIONS][32];           /* copies: the mmu is gone by then */
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Feed the whole trace; on a trace or replay error the counters so far stay
 * in m and the error is returned. */
static int replay_loop(struct trace_reader *r, struct mmu *m, struct trace_aspace *as,
                       uint64_t limit, uint64_t *done, struct vmemsim_err *err)
{
	struct trace_rec *buf = malloc(REPLAY_BATCH * sizeof(*buf));
	const struct trace_info *info = trace_reader_info(r);
	struct cli_progress p;
	long n = 0;
	int rc = 0;

	if (!buf)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "out of memory");
	cli_progress_start(&p, "replay", info->file_bytes);
	while (*done < limit) {
		size_t want = limit - *done < REPLAY_BATCH ? (size_t)(limit - *done) : REPLAY_BATCH;
		n = trace_next_batch(r, buf, want, err);
		if (n <= 0)
			break;
		rc = trace_replay_batch(m, as, buf, (size_t)n, info->flags, *done, err);
		if (rc)
			break;
		*done += (uint64_t)n;
		cli_progress_update(&p, info->file_bytes ? trace_reader_offset(r) : *done);
	}
	cli_progress_end(&p);
	free(buf);
	return rc ? rc : (n < 0 ? (int)n : 0);
}

/* Kernel-trace settings after the options and the trace's metadata. */
struct replay_kernel {
	struct sparse_layout layout;
	struct sparse_params params;
	enum sparse_model model;
	json_t *layout_json;
	char layout_name[512], cpu_name[128]; /* copies: the metadata is freed */
};

static int run_replay(const struct replay_opts *o, const struct replay_kernel *k,
                      const struct mmu_config *cfg, struct trace_reader *r,
                      struct replay_result *res, struct vmemsim_err *err)
{
	struct trace_machine rm;
	double t0 = now();
	int rc, rc2;

	rc = k ? trace_machine_kernel(&rm, cfg, &k->layout, k->model, &k->params, err)
	       : trace_machine_user(&rm, cfg, &o->as, err);
	if (rc)
		return rc;
	/* Warm-up: replay the first records, snapshot, replay the rest, and
	 * report the difference (DESIGN.md: warm-up is removed by subtracting
	 * snapshots). */
	rc = replay_loop(r, rm.m, rm.as, o->warmup < o->limit ? o->warmup : o->limit, &res->records,
	                 err);
	mmu_stats_snapshot(rm.m, &res->warm);
	res->warmup = res->records;
	if (!rc)
		rc = replay_loop(r, rm.m, rm.as, o->limit, &res->records, err);
	mmu_stats_snapshot(rm.m, &res->stats);
	mmu_stats_sub(&res->stats, &res->warm);
	if (rm.as)
		trace_aspace_get_stats(rm.as, &res->as);
	res->nr_hs = mmu_hotspots(rm.m, res->hs, REPLAY_HOTSPOTS);
	res->nr_regions = mmu_nr_regions(rm.m);
	for (unsigned i = 0; i < res->nr_regions && i < MMU_MAX_REGIONS; i++) {
		snprintf(res->names[i], sizeof(res->names[i]), "%s", mmu_region_name(rm.m, i));
		res->region_names[i] = res->names[i];
	}
	res->seconds = now() - t0;
	if (!rc && (rc2 = mmu_check(rm.m, err)) != 0)
		rc = rc2;
	trace_machine_fini(&rm);
	return rc;
}

/* A metadata string field, or NULL. */
static const char *meta_str(json_t *meta, const char *key)
{
	json_t *v = meta ? json_object_get(meta, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Is this a kernel trace?  --kernel/--layout/--model, or metadata naming a
 * layout or memory model (what `vmemsim run --record` writes). */
static bool is_kernel_trace(const struct replay_opts *o, json_t *meta)
{
	const char *kind = meta_str(meta, "kind");
	return o->kernel || o->layout || o->model || meta_str(meta, "layout") ||
	       meta_str(meta, "memory_model") || (kind && !strcmp(kind, "kernel"));
}

static int kernel_resolve(struct replay_opts *o, json_t *meta, char *const *sets, unsigned nsets,
                          struct replay_kernel *k, struct vmemsim_err *err)
{
	const char *layout = o->layout ? o->layout : meta_str(meta, "layout");
	const char *model = o->model ? o->model : meta_str(meta, "memory_model");
	const char *cpu = meta_str(meta, "cpu");
	char *lsets[MAX_SETS];
	int n;

	if (!layout)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "%s: a kernel trace needs a layout: the metadata names none, "
		                    "give --layout",
		                    o->trace);
	if (!model)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "%s: a kernel trace needs a memory model: the metadata names "
		                    "none, give --model",
		                    o->trace);
	if (sparse_model_parse(model, &k->model, err) ||
	    trace_model_change_check(meta_str(meta, "memory_model"), k->model, err))
		return VMEMSIM_EINVAL;
	if (!o->cpu_given && cpu) {
		snprintf(k->cpu_name, sizeof(k->cpu_name), "%s", cpu);
		o->cpu = k->cpu_name;
	}
	snprintf(k->layout_name, sizeof(k->layout_name), "%s", layout);
	o->layout = k->layout_name;
	o->model = sparse_model_name(k->model);
	n = cli_sets_for("layout", "cpu,layout", sets, nsets, lsets, MAX_SETS, err);
	if (n < 0)
		return n;
	return cli_layout_load(layout, lsets, (unsigned)n, &k->layout, &k->params, &k->layout_json,
	                       err);
}

#define NR_EXTRA 10

static unsigned fill_extras(const struct replay_result *res, struct db_metric *x)
{
	unsigned n = 0;
	x[n++] = (struct db_metric){"cycles", mmu_stats_cycles(&res->stats, -1)};
	x[n++] = (struct db_metric){"records", (double)res->records};
	x[n++] = (struct db_metric){"warmup_records", (double)res->warmup};
	x[n++] = (struct db_metric){"first_touch_faults", (double)res->as.first_touch_faults};
	x[n++] = (struct db_metric){"pages_4k", (double)res->as.pages[MMU_PAGE_4K]};
	x[n++] = (struct db_metric){"pages_2m", (double)res->as.pages[MMU_PAGE_2M]};
	x[n++] = (struct db_metric){"pages_1g", (double)res->as.pages[MMU_PAGE_1G]};
	x[n++] = (struct db_metric){"large_page_fallbacks", (double)res->as.large_fallbacks};
	x[n++] = (struct db_metric){"page_table_pages", (double)res->as.pt_pages};
	x[n++] = (struct db_metric){"replay_seconds", res->seconds};
	return n;
}

static void counters_table(const struct replay_result *res, struct cli_table *t)
{
	struct db_metric x[NR_EXTRA];
	unsigned nx = fill_extras(res, x);

	cli_table_column(t, "metric");
	cli_table_column(t, "value");
	for (unsigned i = 0; i < nx; i++) {
		cli_table_str(t, x[i].name);
		if (!strcmp(x[i].name, "cycles") || !strcmp(x[i].name, "replay_seconds"))
			cli_table_double(t, x[i].value, 3);
		else
			cli_table_u64(t, (uint64_t)x[i].value);
		cli_table_end_row(t);
	}
	cli_table_str(t, "records_per_second");
	cli_table_double(t, res->seconds > 0 ? (double)res->records / res->seconds : 0, 0);
	cli_table_end_row(t);
	for (int c = 0; c < MMU_NR_COUNTERS; c++) {
		cli_table_str(t, mmu_counter_name((enum mmu_counter)c));
		cli_table_u64(t, mmu_stats_total(&res->stats, (enum mmu_counter)c));
		cli_table_end_row(t);
	}
}

static void hotspots_table(const struct replay_result *res, unsigned n, struct cli_table *t)
{
	cli_table_column(t, "pc");
	cli_table_column(t, "dtlb_misses");
	cli_table_column(t, "itlb_misses");
	cli_table_column(t, "walks");
	cli_table_column(t, "walk_cycles");
	for (unsigned i = 0; i < n && i < res->nr_hs; i++) {
		char pc[24];
		snprintf(pc, sizeof(pc), "%#llx", (unsigned long long)res->hs[i].pc);
		cli_table_str(t, pc);
		cli_table_u64(t, res->hs[i].dtlb_misses);
		cli_table_u64(t, res->hs[i].itlb_misses);
		cli_table_u64(t, res->hs[i].walks);
		cli_table_u64(t, res->hs[i].walk_cycles);
		cli_table_end_row(t);
	}
}

static void print_result(const struct replay_result *res, enum cli_format fmt, unsigned nhot)
{
	struct cli_table *t = cli_table_new(), *h = NULL;

	counters_table(res, t);
	if (nhot) {
		h = cli_table_new();
		hotspots_table(res, nhot, h);
	}
	if (h && fmt == CLI_FMT_JSON)
		fputs("{\"metrics\": ", stdout);
	cli_table_print(t, stdout, fmt);
	if (h) {
		fputs(fmt == CLI_FMT_JSON ? ", \"hotspots\": " : "\n", stdout);
		cli_table_print(h, stdout, fmt);
		if (fmt == CLI_FMT_JSON)
			fputs("}\n", stdout);
	}
	cli_table_free(t);
	cli_table_free(h);
}

static char *config_text(const struct replay_opts *o, json_t *cpu_json, const char *format,
                         const struct replay_kernel *k)
{
	json_t *conf, *rp;
	char *text;

	if (k)
		rp = json_pack("{s:s,s:s,s:b,s:I}", "trace", o->trace, "format", format, "user", 0,
		               "warmup", (json_int_t)o->warmup);
	else
		rp = json_pack("{s:s,s:s,s:s,s:f,s:I,s:I,s:b}", "trace", o->trace, "format", format,
		               "pages", trace_page_policy_name(o->as.policy), "frag", o->as.frag,
		               "seed", (json_int_t)o->as.seed, "phys_bytes",
		               (json_int_t)(o->as.phys_bytes ? o->as.phys_bytes : 64ull << 30),
		               "user", 1);
	if (rp && !k)
		json_object_set_new(rp, "warmup", json_integer((json_int_t)o->warmup));
	conf = json_pack("{s:O,s:o}", "cpu", cpu_json, "replay", rp);
	if (conf && k) {
		json_object_set(conf, "layout", k->layout_json);
		json_object_set_new(conf, "memory_model", json_string(sparse_model_name(k->model)));
	}
	text = conf ? json_dumps(conf, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	json_decref(conf);
	return text;
}

/* Load the CPU (and for kernel traces the layout and model) for o; *k is
 * set to kbuf for a kernel trace, NULL for a user trace. */
/* The trace's recorded --set overrides (metadata "sets"), then the command
 * line's, so the command line wins.  The strings live as long as meta. */
static unsigned merged_sets(const struct replay_opts *o, json_t *meta, char **out)
{
	json_t *arr = meta ? json_object_get(meta, "sets") : NULL, *v;
	unsigned n = 0;
	size_t i;

	json_array_foreach(arr, i, v) if (json_is_string(v) && n < MAX_SETS) out[n++] =
	    (char *)json_string_value(v);
	for (i = 0; i < o->nsets && n < MAX_SETS; i++)
		out[n++] = o->sets[i];
	return n;
}

static int replay_setup(struct replay_opts *o, struct trace_reader *r, struct mmu_config *cfg,
                        json_t **cpu_json, struct replay_kernel *kbuf,
                        const struct replay_kernel **k, struct vmemsim_err *err)
{
	const char *text = trace_reader_info(r)->metadata;
	json_t *meta = text && *text ? json_loads(text, 0, NULL) : NULL;
	char *sets[MAX_SETS], *cpu_sets[MAX_SETS];
	unsigned nsets = merged_sets(o, meta, sets);
	bool kernel = is_kernel_trace(o, meta);
	int rc = 0, n;

	*k = NULL;
	if (!o->warmup_given && meta && json_is_integer(json_object_get(meta, "warmup_records")))
		o->warmup = (uint64_t)json_integer_value(json_object_get(meta, "warmup_records"));
	if (kernel) {
		rc = kernel_resolve(o, meta, sets, nsets, kbuf, err);
		*k = kbuf;
	}
	if (!rc) {
		n = cli_sets_for("cpu", kernel ? "cpu,layout" : "cpu", sets, nsets, cpu_sets,
		                 MAX_SETS, err);
		rc = n < 0 ? n : cli_cpu_load(o->cpu, cpu_sets, (unsigned)n, cfg, cpu_json, err);
	}
	json_decref(meta);
	return rc;
}

int cmd_replay(int argc, char **argv)
{
	struct replay_opts o = {0};
	struct replay_kernel kbuf = {0};
	const struct replay_kernel *k = NULL;
	struct db_cli dbc;
	struct mmu_config cfg;
	struct vmemsim_err err = {0};
	struct trace_reader *r;
	struct replay_result *res = NULL;
	char *conf = NULL;
	json_t *resolved = NULL;
	int rc;

	db_cli_init(&dbc);
	if ((rc = parse(argc, argv, &o, &dbc)))
		return rc < 0 ? CLI_EXIT_OK : rc;
	if (trace_open(&r, o.trace, o.fmt, o.flags, &err))
		return cli_fail(&err);
	if (replay_setup(&o, r, &cfg, &resolved, &kbuf, &k, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	conf = config_text(&o, resolved, trace_format_name(trace_reader_info(r)->format), k);
	res = calloc(1, sizeof(*res));
	if (!conf || !res) {
		cli_error("out of memory");
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	{
		struct db_run_info info = {.kind = "replay",
		                           .workload = o.trace,
		                           .cpu = o.cpu,
		                           .layout = k ? o.layout : NULL,
		                           .memory_model = k ? o.model : NULL,
		                           .config_json = conf};
		if (db_cli_begin(&dbc, &info)) {
			rc = CLI_EXIT_FAIL;
			goto out;
		}
	}
	rc = run_replay(&o, k, &cfg, r, res, &err);
	if ((o.flags & TRACE_SKIP_BAD) && trace_reader_info(r)->bad_lines)
		cli_warn("skipped %llu garbage lines",
		         (unsigned long long)trace_reader_info(r)->bad_lines);
	print_result(res, o.ofmt, (unsigned)o.show_hotspots);
	if (rc) {
		/* keep what was replayed: print it, but never store it as complete */
		cli_fail(&err);
		cli_warn("the counters above cover the %llu records replayed before the error",
		         (unsigned long long)res->records);
		rc = db_cli_fail(&dbc, err.msg);
	} else {
		struct db_metric x[NR_EXTRA];
		struct db_hotspot hs[REPLAY_HOTSPOTS];
		for (unsigned i = 0; i < res->nr_hs; i++)
			hs[i] = (struct db_hotspot){.pc = res->hs[i].pc,
			                            .dtlb_misses = res->hs[i].dtlb_misses,
			                            .itlb_misses = res->hs[i].itlb_misses,
			                            .walks = res->hs[i].walks,
			                            .walk_cycles = res->hs[i].walk_cycles};
		struct db_run_result dres = {.stats = &res->stats,
		                             .hotspots = hs,
		                             .nr_hotspots = res->nr_hs,
		                             .region_names = res->region_names,
		                             .extra = x,
		                             .nr_extra = fill_extras(res, x)};
		rc = db_cli_finish(&dbc, &dres);
	}
out:
	free(conf);
	free(res);
	json_decref(resolved);
	json_decref(kbuf.layout_json);
	trace_close(r);
	return rc;
}

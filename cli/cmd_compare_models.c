/*
 * cli/cmd_compare_models.c — `vmemsim compare-models`: the seed-000 question
 * end to end.  The pfn workloads (pfn_to_page, page_to_pfn, pfn_valid, the
 * buddy allocator on struct pages) run on every memory model with the same
 * layout and CPU; one table gives cycles, STLB misses, walks and cycles per
 * operation, each model relative to vmemmap-2m (x86-64's default).
 *
 * Every run is a full `vmemsim run` (guest checksum checked against the host
 * reference, recorded in the database with kind "compare-models").  Default
 * sizes keep the whole table under a minute on a 2-core machine; --scale
 * multiplies the workloads' scalable parameters for real studies.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_run.h"
#include "commands.h"

struct cm_row {
	const struct wl_desc *wl;
	enum sparse_model model;
	int rc;
	double cycles, cycles_per_op;
	uint64_t stlb_misses, walks, dtlb_misses, instructions;
};

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: vmemsim compare-models [OPTIONS]\n\n"
	        "Seed 000's question: what does each memory model cost? Runs the pfn workloads\n"
	        "(pfn-scan, random-touch, page-to-pfn, buddy) as guest code on every memory\n"
	        "model with the same layout and CPU, checks every guest checksum against the\n"
	        "host reference, and prints cycles, STLB misses, walks and cycles per operation,\n"
	        "with cycles relative to vmemmap-2m.\n\n"
	        "Options:\n"
	        "      --scale S         multiply the workloads' sizes by S (default 1)\n"
	        "  -c, --cpu NAME        CPU preset (default " RUN_DEFAULT_CPU ")\n"
	        "  -l, --layout NAME     layout preset (default " RUN_DEFAULT_LAYOUT ")\n"
	        "  -m, --models LIST     comma-separated subset of the models (default: all)\n"
	        "  -w, --workloads LIST  comma-separated workloads (default: the pfn workloads;\n"
	        "                        any of 'vmemsim run --list' may be named)\n"
	        "  -s, --set KEY=VAL     override a preset field: cpu.KEY=VAL or layout.KEY=VAL\n"
	        "      --seed N          PRNG seed of every workload (default 1)\n"
	        "  -j, --jobs N          runs in parallel (default: online CPUs, at most 4);\n"
	        "                        the figures do not depend on it\n"
	        "      --json, --csv     output format (default: aligned table)\n" DB_CLI_HELP_WIDE
	        "  -q, --quiet           no progress output\n"
	        "  -h, --help            this help\n");
}

struct cm_opts {
	const char *cpu, *layout, *models, *workloads;
	char *sets[RUN_MAX_SETS];
	unsigned nsets;
	double scale;
	uint64_t seed;
	unsigned jobs;
	enum cli_format fmt;
	bool want_model[SPARSE_NR_MODELS];
	bool want_wl[32];
};

static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

/* Every name in list must be one of the candidates. */
static int check_list(const char *opt, const char *list, const char *const *names, unsigned n)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned i = 0;
		while (i < n && strcmp(names[i], tok))
			i++;
		if (i == n) {
			char valid[256] = "";
			for (unsigned j = 0; j < n; j++) {
				size_t l = strlen(valid);
				snprintf(valid + l, sizeof(valid) - l, "%s%s", j ? ", " : "",
				         names[j]);
			}
			return cli_usage_error("compare-models", "%s: unknown '%s' (valid: %s)",
			                       opt, tok, valid);
		}
	}
	return 0;
}

static int select_runs(struct cm_opts *o)
{
	const char *mnames[SPARSE_NR_MODELS], *wnames[32];
	unsigned nw = 0;
	int rc;

	for (int m = 0; m < SPARSE_NR_MODELS; m++)
		mnames[m] = sparse_model_name((enum sparse_model)m);
	for (unsigned i = 0; i < wl_count() && nw < 32; i++)
		wnames[nw++] = wl_get(i)->name;
	if (o->models && (rc = check_list("--models", o->models, mnames, SPARSE_NR_MODELS)))
		return rc;
	if (o->workloads && (rc = check_list("--workloads", o->workloads, wnames, nw)))
		return rc;
	for (int m = 0; m < SPARSE_NR_MODELS; m++)
		o->want_model[m] = !o->models || in_list(o->models, mnames[m]);
	for (unsigned i = 0; i < wl_count() && i < 32; i++)
		o->want_wl[i] =
		    o->workloads ? in_list(o->workloads, wl_get(i)->name) : wl_get(i)->pfn_workload;
	return 0;
}

static unsigned default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 4 ? 4 : (unsigned)n;
}

static int parse_opts(int argc, char **argv, struct cm_opts *o, struct db_cli *dbc)
{
	static const struct option opts[] = {{"scale", required_argument, NULL, 'S'},
	                                     {"cpu", required_argument, NULL, 'c'},
	                                     {"layout", required_argument, NULL, 'l'},
	                                     {"models", required_argument, NULL, 'm'},
	                                     {"workloads", required_argument, NULL, 'w'},
	                                     {"set", required_argument, NULL, 's'},
	                                     {"seed", required_argument, NULL, 'E'},
	                                     {"jobs", required_argument, NULL, 'j'},
	                                     {"json", no_argument, NULL, 'J'},
	                                     {"csv", no_argument, NULL, 'C'},
	                                     {"quiet", no_argument, NULL, 'q'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     DB_CLI_LONG_OPTIONS,
	                                     {NULL, 0, NULL, 0}};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:l:m:w:s:j:qh", opts, NULL)) != -1) {
		if (db_cli_option(dbc, opt, optarg))
			continue;
		switch (opt) {
		case 'S':
			if (cli_parse_double("compare-models", "--scale", optarg, &o->scale))
				return CLI_EXIT_USAGE;
			if (!(o->scale > 0 && o->scale <= 1e6))
				return cli_usage_error("compare-models",
				                       "--scale: %s is not in (0, 1e6]", optarg);
			break;
		case 'c': o->cpu = optarg; break;
		case 'l': o->layout = optarg; break;
		case 'm': o->models = optarg; break;
		case 'w': o->workloads = optarg; break;
		case 's':
			if (o->nsets == RUN_MAX_SETS)
				return cli_usage_error("compare-models", "too many --set options");
			o->sets[o->nsets++] = optarg;
			break;
		case 'E':
			if (cli_parse_u64("compare-models", "--seed", optarg, &o->seed))
				return CLI_EXIT_USAGE;
			break;
		case 'j': {
			uint64_t j;
			if (cli_parse_u64("compare-models", "--jobs", optarg, &j))
				return CLI_EXIT_USAGE;
			if (j < 1 || j > 64)
				return cli_usage_error("compare-models",
				                       "--jobs: %s is not in 1..64", optarg);
			o->jobs = (unsigned)j;
			break;
		}
		case 'J': o->fmt = CLI_FMT_JSON; break;
		case 'C': o->fmt = CLI_FMT_CSV; break;
		case 'q': cli_quiet = true; break;
		case 'h': usage(stdout); return -1;
		default: return cli_usage_error("compare-models", "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error("compare-models", "unexpected argument '%s'", argv[optind]);
	return select_runs(o);
}

static void fill_row(struct cm_row *r, const struct wl_run_result *res)
{
	r->cycles = res->cycles;
	r->cycles_per_op = run_cycles_per_op(res);
	r->stlb_misses = mmu_stats_total(&res->stats, MMU_C_stlb_misses);
	r->dtlb_misses = mmu_stats_total(&res->stats, MMU_C_dtlb_misses);
	r->walks = mmu_stats_total(&res->stats, MMU_C_walks);
	r->instructions = mmu_stats_total(&res->stats, MMU_C_instructions);
}

static const struct cm_row *baseline(const struct cm_row *rows, unsigned n,
                                     const struct wl_desc *wl)
{
	for (unsigned i = 0; i < n; i++)
		if (rows[i].wl == wl && rows[i].model == SPARSE_MODEL_VMEMMAP_2M && rows[i].rc == 0)
			return &rows[i];
	return NULL;
}

static void print_rows(const struct cm_row *rows, unsigned n, enum cli_format fmt)
{
	struct cli_table *t = cli_table_new();
	static const char *const cols[] = {
	    "workload",    "model",       "cycles", "vs_vmemmap_2m", "instructions",
	    "dtlb_misses", "stlb_misses", "walks",  "cycles_per_op", "op"};

	for (unsigned c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		cli_table_column(t, cols[c]);
	for (unsigned i = 0; i < n; i++) {
		const struct cm_row *r = &rows[i], *b = baseline(rows, n, r->wl);
		cli_table_str(t, r->wl->name);
		cli_table_str(t, sparse_model_name(r->model));
		if (r->rc) {
			for (unsigned c = 2; c < 9; c++)
				cli_table_null(t);
		} else {
			cli_table_double(t, r->cycles, 0);
			if (b && b->cycles > 0)
				cli_table_double(t, r->cycles / b->cycles, 3);
			else
				cli_table_null(t);
			cli_table_u64(t, r->instructions);
			cli_table_u64(t, r->dtlb_misses);
			cli_table_u64(t, r->stlb_misses);
			cli_table_u64(t, r->walks);
			cli_table_double(t, r->cycles_per_op, 2);
		}
		cli_table_str(t, r->wl->op_name);
		cli_table_end_row(t);
	}
	cli_table_print(t, stdout, fmt);
	cli_table_free(t);
}

/* ---- Running: batches of --jobs runs in threads ---------------------------
 *
 * The database rows are begun and finished on the main thread (one db_cli
 * per run in flight); worker threads only call wl_run(), which shares nothing
 * (each run owns its machine, MMU and Unicorn engine), so the figures do not
 * depend on --jobs. */

struct cm_task {
	struct cm_row *row;
	struct wl_run_config cfg;
	struct wl_run_result res;
	struct vmemsim_err err;
	struct db_cli dbc;
	int rc;
	bool begun, threaded;
	pthread_t thread;
};

struct cm_state {
	const struct cm_opts *o;
	const struct run_env *env;
	const struct db_cli *dbc;
	unsigned failed, unsupported, recorded;
	int64_t first_run, last_run;
};

static void *cm_worker(void *p)
{
	struct cm_task *t = p;
	t->rc = wl_run(&t->cfg, &t->res, &t->err);
	return NULL;
}

static void task_start(struct cm_state *st, struct cm_task *t)
{
	t->dbc = *st->dbc;
	t->dbc.db = NULL;
	t->dbc.run_id = 0;
	t->rc = run_record_begin(&t->dbc, "compare-models", st->env, &t->cfg, &t->err);
	if (t->rc)
		return;
	t->begun = true;
	t->threaded = pthread_create(&t->thread, NULL, cm_worker, t) == 0;
	if (!t->threaded) /* no thread: run here */
		cm_worker(t);
}

static void task_finish(struct cm_state *st, struct cm_task *t)
{
	struct vmemsim_err derr = {0};
	bool quiet = cli_quiet;

	if (t->threaded)
		pthread_join(t->thread, NULL);
	if (t->begun) {
		cli_quiet = true; /* one "recorded runs" line at the end, not one per run */
		if (run_record_end(&t->dbc, &t->cfg, &t->res, t->rc, &t->err, &derr) && !t->rc) {
			t->rc = VMEMSIM_EIO;
			t->err = derr;
		} else if (!t->rc && t->dbc.run_id) {
			st->first_run = st->first_run ? st->first_run : t->dbc.run_id;
			st->last_run = t->dbc.run_id;
			st->recorded++;
		}
		cli_quiet = quiet;
	}
	if (t->rc && !t->res.configured && t->rc != VMEMSIM_EIO) {
		/* e.g. flatmem's one mem_map cannot span a 1 TiB layout */
		st->unsupported++;
		cli_warn("%s on %s: not run: %s", t->cfg.wl->name, sparse_model_name(t->cfg.model),
		         t->err.msg);
	} else if (t->rc) {
		st->failed++;
		if (t->err.msg[0])
			cli_error("%s on %s: %s", t->cfg.wl->name, sparse_model_name(t->cfg.model),
			          t->err.msg);
	} else {
		fill_row(t->row, &t->res);
	}
	t->row->rc = t->rc;
}

/* Rows in table order; returns how many. */
static unsigned plan_rows(const struct cm_opts *o, struct cm_row *rows)
{
	unsigned n = 0;
	for (unsigned w = 0; w < wl_count() && w < 32; w++)
		for (int m = 0; m < SPARSE_NR_MODELS; m++)
			if (o->want_wl[w] && o->want_model[m])
				rows[n++] =
				    (struct cm_row){.wl = wl_get(w), .model = (enum sparse_model)m};
	return n;
}

static int run_all(struct cm_state *st, struct cm_row *rows, unsigned n)
{
	unsigned jobs = st->o->jobs;
	struct cm_task *tasks = calloc(jobs, sizeof(*tasks));
	struct cli_progress prog;

	if (!tasks) {
		cli_error("out of memory");
		return CLI_EXIT_FAIL;
	}
	cli_progress_start(&prog, "compare-models", n);
	for (unsigned base = 0; base < n; base += jobs) {
		unsigned k = n - base < jobs ? n - base : jobs;
		for (unsigned i = 0; i < k; i++) {
			struct cm_task *t = &tasks[i];
			memset(t, 0, sizeof(*t));
			t->row = &rows[base + i];
			t->cfg = (struct wl_run_config){.wl = t->row->wl,
			                                .model = t->row->model,
			                                .layout = &st->env->layout,
			                                .sparse = &st->env->sparse,
			                                .cpu = &st->env->cpu};
			wl_args_init(&t->cfg.args, t->cfg.wl);
			wl_args_scale(&t->cfg.args, t->cfg.wl, st->o->scale);
			t->cfg.args.seed = st->o->seed;
			task_start(st, t);
		}
		for (unsigned i = 0; i < k; i++)
			task_finish(st, &tasks[i]);
		cli_progress_update(&prog, base + k);
	}
	cli_progress_end(&prog);
	free(tasks);
	return 0;
}

/* Table mode: one line per workload naming the extremes, for a newcomer
 * reading `make demo`. */
static void print_summary(const struct cm_row *rows, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct cm_row *b = baseline(rows, n, rows[i].wl), *lo = NULL, *hi = NULL,
		                    *tlb = NULL;
		if (!b || (i && rows[i - 1].wl == rows[i].wl))
			continue;
		for (unsigned j = i; j < n && rows[j].wl == rows[i].wl; j++) {
			const struct cm_row *r = &rows[j];
			if (r->rc)
				continue;
			lo = !lo || r->cycles < lo->cycles ? r : lo;
			hi = !hi || r->cycles > hi->cycles ? r : hi;
			tlb = !tlb || r->stlb_misses > tlb->stlb_misses ? r : tlb;
		}
		printf("  %-13s cheapest %s (%.3fx), dearest %s (%.3fx); ", rows[i].wl->name,
		       sparse_model_name(lo->model), lo->cycles / b->cycles,
		       sparse_model_name(hi->model), hi->cycles / b->cycles);
		if (tlb->stlb_misses)
			printf("most STLB misses: %s (%llu)\n", sparse_model_name(tlb->model),
			       (unsigned long long)tlb->stlb_misses);
		else
			printf("no STLB misses\n");
	}
}

int cmd_compare_models(int argc, char **argv)
{
	struct cm_opts o = {.cpu = RUN_DEFAULT_CPU,
	                    .layout = RUN_DEFAULT_LAYOUT,
	                    .scale = 1.0,
	                    .seed = 1,
	                    .jobs = default_jobs()};
	struct cm_row rows[32 * SPARSE_NR_MODELS];
	struct run_env env;
	struct db_cli dbc;
	unsigned n;
	int rc;

	db_cli_init(&dbc);
	if ((rc = parse_opts(argc, argv, &o, &dbc)) ||
	    (rc = run_env_load(&env, "compare-models", o.cpu, o.layout, o.sets, o.nsets)))
		return rc < 0 ? CLI_EXIT_OK : rc;
	struct cm_state st = {.o = &o, .env = &env, .dbc = &dbc};
	n = plan_rows(&o, rows);
	if ((rc = run_all(&st, rows, n))) {
		run_env_fini(&env);
		return rc;
	}
	if (st.recorded)
		cli_info("recorded runs %lld-%lld in %s", (long long)st.first_run,
		         (long long)st.last_run, dbc.path);
	if (o.fmt == CLI_FMT_TABLE)
		printf("memory models on layout %s, cpu %s, scale %g (cycles relative to "
		       "vmemmap-2m)\n",
		       env.layout_name, env.cpu_name, o.scale);
	print_rows(rows, n, o.fmt);
	if (o.fmt == CLI_FMT_TABLE) {
		printf("\nper workload, cycles relative to vmemmap-2m:\n");
		print_summary(rows, n);
	}
	run_env_fini(&env);
	if (st.failed) {
		cli_error("%u of %u runs failed", st.failed, n);
		return CLI_EXIT_FAIL;
	}
	if (st.unsupported)
		cli_warn("%u of %u runs not possible on this layout (see above)", st.unsupported,
		         n);
	return CLI_EXIT_OK;
}

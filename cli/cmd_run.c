/*
 * cli/cmd_run.c — `vmemsim run`: one guest workload on one memory model,
 * layout and CPU, executed under Unicorn through the MMU model; prints the
 * counters, the per-region breakdown and the hot spots, and records the run
 * (the recording and preset loading shared with compare-models are in
 * cmd_run_record.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../traces/trace.h"
#include "cli.h"
#include "cmd_run.h"
#include "commands.h"

/* ---- --record: tee both phases into a .vtr trace -------------------------- */

#define REC_BATCH 4096

struct run_opts;

/* Setup-phase records are kept in memory until the phase boundary, where the
 * writer is opened with metadata saying how many there are
 * ("warmup_records"): `vmemsim replay` then replays them as warm-up and
 * reports the measure phase alone, like the run. */
struct recorder {
	const struct run_opts *o;
	const struct wl_run_config *cfg;
	struct trace_writer *w;
	struct trace_rec *setup;
	size_t nsetup, capsetup;
	struct trace_rec buf[REC_BATCH];
	size_t n;
	struct vmemsim_err err;
	int rc;
};

static int rec_flush(struct recorder *r)
{
	if (r->n && !r->rc)
		r->rc = trace_writer_append(r->w, r->buf, r->n, &r->err);
	r->n = 0;
	return r->rc;
}

static int rec_keep_setup(struct recorder *r, const struct trace_rec *rec)
{
	if (r->nsetup == r->capsetup) {
		size_t cap = r->capsetup ? 2 * r->capsetup : 65536;
		struct trace_rec *p = realloc(r->setup, cap * sizeof(*p));
		if (!p) {
			r->rc = vmemsim_errf(&r->err, VMEMSIM_ENOMEM,
			                     "--record: out of memory after %zu setup records",
			                     r->nsetup);
			return r->rc;
		}
		r->setup = p;
		r->capsetup = cap;
	}
	r->setup[r->nsetup++] = *rec;
	return 0;
}

static int rec_access(void *ctx, enum mmu_access_type type, uint64_t va, uint32_t size, uint64_t pc)
{
	struct recorder *r = ctx;
	struct trace_rec rec = {.va = va, .pc = pc, .size = size, .type = type};

	if (r->rc) /* a retire record failed to write */
		return r->rc;
	if (!r->w)
		return rec_keep_setup(r, &rec);
	r->buf[r->n++] = rec;
	return r->n == REC_BATCH ? rec_flush(r) : 0;
}

/* A retire record: va is the instruction count (trace.h, TRACE_RETIRE).  A
 * write error is kept in r->rc and stops the run at the next access. */
static void rec_retire(void *ctx, uint64_t pc, uint64_t instructions)
{
	struct recorder *r = ctx;
	struct trace_rec rec = {.va = instructions, .pc = pc, .size = 1, .type = TRACE_RETIRE};

	if (r->rc)
		return;
	if (!r->w) {
		rec_keep_setup(r, &rec);
		return;
	}
	r->buf[r->n++] = rec;
	if (r->n == REC_BATCH)
		rec_flush(r);
}

/* ---- Output ---------------------------------------------------------------- */

struct out_ctx {
	const struct run_env *env;
	const struct wl_run_config *cfg;
	const struct wl_run_result *res;
	enum cli_format fmt;
};

static uint64_t total(const struct wl_run_result *res, enum mmu_counter c)
{
	return mmu_stats_total(&res->stats, c);
}

static void print_params(FILE *out, const struct wl_desc *wl, const struct wl_args *a)
{
	for (unsigned i = 0; i < wl->nr_params; i++)
		fprintf(out, "%s=%llu ", wl->params[i].name, (unsigned long long)a->v[i]);
	fprintf(out, "seed=%llu", (unsigned long long)a->seed);
}

static void summary_table(const struct out_ctx *o, struct cli_table *t)
{
	const struct wl_run_result *res = o->res;
	uint64_t insns = total(res, MMU_C_instructions);
	char per[64];

	cli_table_column(t, "metric");
	cli_table_column(t, "value");
#define ROW_U(name, v)    (cli_table_str(t, name), cli_table_u64(t, v), cli_table_end_row(t))
#define ROW_D(name, v, p) (cli_table_str(t, name), cli_table_double(t, v, p), cli_table_end_row(t))
	ROW_U("instructions", insns);
	ROW_D("cycles", res->cycles, 0);
	ROW_D("IPC", res->cycles > 0 ? (double)insns / res->cycles : 0.0, 3);
	ROW_U("ops", res->guest.ops);
	snprintf(per, sizeof(per), "cycles per %s", o->cfg->wl->op_name);
	ROW_D(per, run_cycles_per_op(res), 2);
	for (int c = 0; c < MMU_NR_COUNTERS; c++) {
		uint64_t v = total(res, (enum mmu_counter)c);
		if (c != MMU_C_instructions && v)
			ROW_U(mmu_counter_name((enum mmu_counter)c), v);
	}
	ROW_D("guest seconds", res->setup.seconds + res->measure.seconds, 3);
	ROW_D("build seconds", res->build_seconds, 3);
#undef ROW_U
#undef ROW_D
}

static void regions_table(const struct out_ctx *o, struct cli_table *t)
{
	const struct mmu_stats *s = &o->res->stats;
	static const enum mmu_counter cols[] = {MMU_C_instructions, MMU_C_loads,       MMU_C_stores,
	                                        MMU_C_dtlb_misses,  MMU_C_stlb_misses, MMU_C_walks};

	cli_table_column(t, "region");
	for (unsigned c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		cli_table_column(t, mmu_counter_name(cols[c]));
	cli_table_column(t, "cycles");
	for (unsigned r = 0; r < s->nr_regions && r < MMU_MAX_REGIONS; r++) {
		bool any = false;
		for (int c = 0; c < MMU_NR_COUNTERS; c++)
			any |= s->v[r][c] != 0;
		if (!any)
			continue;
		cli_table_str(t, o->res->region_names[r]);
		for (unsigned c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
			cli_table_u64(t, s->v[r][cols[c]]);
		cli_table_double(t, mmu_stats_cycles(s, (int)r), 0);
		cli_table_end_row(t);
	}
}

static void hotspots_table(const struct out_ctx *o, struct cli_table *t)
{
	char pc[32];

	cli_table_column(t, "pc");
	cli_table_column(t, "function");
	cli_table_column(t, "instruction");
	cli_table_column(t, "dtlb_misses");
	cli_table_column(t, "walks");
	cli_table_column(t, "walk_cycles");
	for (unsigned i = 0; i < o->res->nr_hotspots; i++) {
		const struct emu_hotspot *h = &o->res->hotspots[i];
		snprintf(pc, sizeof(pc), "%#llx", (unsigned long long)h->h.pc);
		cli_table_str(t, pc);
		cli_table_str(t, h->symbol);
		cli_table_str(t, h->insn);
		cli_table_u64(t, h->h.dtlb_misses);
		cli_table_u64(t, h->h.walks);
		cli_table_u64(t, h->h.walk_cycles);
		cli_table_end_row(t);
	}
}

static void functions_table(const struct out_ctx *o, struct cli_table *t)
{
	cli_table_column(t, "function");
	cli_table_column(t, "pcs");
	cli_table_column(t, "dtlb_misses");
	cli_table_column(t, "itlb_misses");
	cli_table_column(t, "walks");
	cli_table_column(t, "walk_cycles");
	for (unsigned i = 0; i < o->res->nr_hotspot_fns; i++) {
		const struct emu_hotspot_fn *f = &o->res->hotspot_fns[i];
		cli_table_str(t, f->symbol);
		cli_table_u64(t, f->nr_pcs);
		cli_table_u64(t, f->dtlb_misses);
		cli_table_u64(t, f->itlb_misses);
		cli_table_u64(t, f->walks);
		cli_table_u64(t, f->walk_cycles);
		cli_table_end_row(t);
	}
}

typedef void (*table_fn)(const struct out_ctx *o, struct cli_table *t);

static void print_section(const struct out_ctx *o, const char *title, table_fn fn)
{
	struct cli_table *t = cli_table_new();
	fn(o, t);
	if (o->fmt == CLI_FMT_TABLE)
		printf("\n%s\n", title);
	else /* CSV: one table per section, each after a "# title" line */
		printf("\n# %s\n", title);
	cli_table_print(t, stdout, o->fmt);
	cli_table_free(t);
}

static void print_header(const struct out_ctx *o)
{
	const struct wl_run_result *res = o->res;

	printf("%s on %s, layout %s, cpu %s\n", o->cfg->wl->name, sparse_model_name(o->cfg->model),
	       o->env->layout_name, o->env->cpu_name);
	printf("params: ");
	print_params(stdout, o->cfg->wl, &res->args);
	printf("\nchecksum %#018llx matches the host reference (ops %llu, count %llu)\n",
	       (unsigned long long)res->guest.checksum, (unsigned long long)res->guest.ops,
	       (unsigned long long)res->guest.count);
}

/* --json: one object built with jansson (names and paths are escaped). */
static json_t *counters_json(const struct mmu_stats *s, int region)
{
	json_t *o = json_object();
	for (int c = 0; c < MMU_NR_COUNTERS; c++) {
		uint64_t v = region < 0 ? mmu_stats_total(s, (enum mmu_counter)c) : s->v[region][c];
		json_object_set_new(o, mmu_counter_name((enum mmu_counter)c),
		                    json_integer((json_int_t)v));
	}
	json_object_set_new(o, "cycles", json_real(mmu_stats_cycles(s, region)));
	return o;
}

static void print_json(const struct out_ctx *o)
{
	const struct wl_run_result *res = o->res;
	json_t *regions = json_array(), *hot = json_array(), *fns = json_array();
	char sum[32];

	for (unsigned r = 0; r < res->stats.nr_regions && r < MMU_MAX_REGIONS; r++) {
		json_t *c = counters_json(&res->stats, (int)r);
		json_object_set_new(c, "region", json_string(res->region_names[r]));
		json_array_append_new(regions, c);
	}
	for (unsigned i = 0; i < res->nr_hotspots; i++) {
		const struct emu_hotspot *h = &res->hotspots[i];
		json_array_append_new(
		    hot, json_pack("{s:I,s:s,s:s,s:I,s:I,s:I,s:I}", "pc", (json_int_t)h->h.pc,
		                   "function", h->symbol, "instruction", h->insn, "dtlb_misses",
		                   (json_int_t)h->h.dtlb_misses, "itlb_misses",
		                   (json_int_t)h->h.itlb_misses, "walks", (json_int_t)h->h.walks,
		                   "walk_cycles", (json_int_t)h->h.walk_cycles));
	}
	for (unsigned i = 0; i < res->nr_hotspot_fns; i++) {
		const struct emu_hotspot_fn *f = &res->hotspot_fns[i];
		json_array_append_new(fns, json_pack("{s:s,s:I,s:I,s:I,s:I,s:I}", "function",
		                                     f->symbol, "pcs", (json_int_t)f->nr_pcs,
		                                     "dtlb_misses", (json_int_t)f->dtlb_misses,
		                                     "itlb_misses", (json_int_t)f->itlb_misses,
		                                     "walks", (json_int_t)f->walks, "walk_cycles",
		                                     (json_int_t)f->walk_cycles));
	}
	snprintf(sum, sizeof(sum), "%#018llx", (unsigned long long)res->guest.checksum);
	json_t *top =
	    json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:I,s:s,s:f,s:f,s:f,s:o,s:o,s:o}", "workload",
	              o->cfg->wl->name, "memory_model", sparse_model_name(o->cfg->model), "layout",
	              o->env->layout_name, "cpu", o->env->cpu_name, "params",
	              run_params_json(o->cfg->wl, &res->args), "checksum", sum, "ops",
	              (json_int_t)res->guest.ops, "op", o->cfg->wl->op_name, "cycles", res->cycles,
	              "cycles_per_op", run_cycles_per_op(res), "guest_seconds",
	              res->setup.seconds + res->measure.seconds, "counters",
	              counters_json(&res->stats, -1), "regions", regions, "hotspots", hot);
	json_object_set_new(top, "hot_functions", fns);
	json_dumpf(top, stdout, JSON_SORT_KEYS | JSON_INDENT(1));
	putchar('\n');
	json_decref(top);
}

/* ---- The command -------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: vmemsim run --workload NAME [OPTIONS]\n\n"
	        "Run a guest workload (kernel-style C compiled for the memory model) under\n"
	        "Unicorn with every fetch, load and store translated by the MMU model. The\n"
	        "guest's checksum must equal the host reference computed from the memory\n"
	        "model, or the run fails. Prints instructions, cycles, IPC, the TLB and walk\n"
	        "counters, the per-region breakdown and the hot spots; records the run.\n\n"
	        "Options:\n"
	        "  -w, --workload NAME   workload (see --list)\n"
	        "  -m, --model NAME      memory model: flatmem, sparse-static, sparse-extreme,\n"
	        "                        vmemmap-4k, vmemmap-2m, vmemmap-altmap, vmemmap-hvo\n"
	        "                        (default " RUN_DEFAULT_MODEL ")\n"
	        "  -l, --layout NAME     layout preset from configs/layouts/ or a file\n"
	        "                        (default " RUN_DEFAULT_LAYOUT ")\n"
	        "  -c, --cpu NAME        CPU preset from configs/cpu/ or a file "
	        "(default " RUN_DEFAULT_CPU ")\n"
	        "  -p, --param K=V       workload parameter (repeatable; see --list), also seed=N\n"
	        "  -s, --set KEY=VAL     override a preset field: cpu.KEY=VAL or layout.KEY=VAL\n"
	        "      --record FILE     write the measured phase's accesses to a .vtr trace\n"
	        "      --max-instructions N\n"
	        "                        stop a phase after N instructions (default: none)\n"
	        "      --max-seconds S   stop a phase after S seconds of wall clock\n"
	        "                        (default: none)\n"
	        "      --list            list the workloads and their parameters, then exit\n"
	        "      --json, --csv     output format (default: aligned tables)\n" DB_CLI_HELP_WIDE
	        "  -q, --quiet           no progress output\n"
	        "  -h, --help            this help\n");
}

static void list_workloads(void)
{
	for (unsigned i = 0; i < wl_count(); i++) {
		const struct wl_desc *wl = wl_get(i);
		printf("%-13s %s\n", wl->name, wl->summary);
		for (unsigned j = 0; j < wl->nr_params; j++) {
			const struct wl_param_desc *p = &wl->params[j];
			if (p->def == WL_AUTO)
				printf("    %-11s auto        %s\n", p->name, p->help);
			else
				printf("    %-11s %-11llu %s\n", p->name,
				       (unsigned long long)p->def, p->help);
		}
	}
	printf("every workload also takes seed (default 1)\n");
}

struct run_opts {
	const char *workload, *model, *layout, *cpu, *record;
	char *sets[RUN_MAX_SETS], *params[RUN_MAX_SETS];
	unsigned nsets, nparams;
	enum cli_format fmt;
	struct emu_budget budget;
};

static int parse_opts(int argc, char **argv, struct run_opts *o, struct db_cli *dbc)
{
	static const struct option opts[] = {{"workload", required_argument, NULL, 'w'},
	                                     {"model", required_argument, NULL, 'm'},
	                                     {"layout", required_argument, NULL, 'l'},
	                                     {"cpu", required_argument, NULL, 'c'},
	                                     {"param", required_argument, NULL, 'p'},
	                                     {"set", required_argument, NULL, 's'},
	                                     {"record", required_argument, NULL, 'R'},
	                                     {"max-instructions", required_argument, NULL, 'I'},
	                                     {"max-seconds", required_argument, NULL, 'T'},
	                                     {"list", no_argument, NULL, 'L'},
	                                     {"json", no_argument, NULL, 'J'},
	                                     {"csv", no_argument, NULL, 'C'},
	                                     {"quiet", no_argument, NULL, 'q'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     DB_CLI_LONG_OPTIONS,
	                                     {NULL, 0, NULL, 0}};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "w:m:l:c:p:s:qh", opts, NULL)) != -1) {
		if (db_cli_option(dbc, opt, optarg))
			continue;
		switch (opt) {
		case 'w': o->workload = optarg; break;
		case 'm': o->model = optarg; break;
		case 'l': o->layout = optarg; break;
		case 'c': o->cpu = optarg; break;
		case 'p':
			if (o->nparams == RUN_MAX_SETS)
				return cli_usage_error("run", "too many --param options");
			o->params[o->nparams++] = optarg;
			break;
		case 's':
			if (o->nsets == RUN_MAX_SETS)
				return cli_usage_error("run", "too many --set options");
			o->sets[o->nsets++] = optarg;
			break;
		case 'R': o->record = optarg; break;
		case 'I':
			if (cli_parse_u64("run", "--max-instructions", optarg,
			                  &o->budget.max_instructions))
				return CLI_EXIT_USAGE;
			break;
		case 'T':
			if (cli_parse_double("run", "--max-seconds", optarg,
			                     &o->budget.max_seconds))
				return CLI_EXIT_USAGE;
			break;
		case 'L': list_workloads(); return -1;
		case 'J': o->fmt = CLI_FMT_JSON; break;
		case 'C': o->fmt = CLI_FMT_CSV; break;
		case 'q': cli_quiet = true; break;
		case 'h': usage(stdout); return -1;
		default: return cli_usage_error("run", "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error("run", "unexpected argument '%s'", argv[optind]);
	if (!o->workload)
		return cli_usage_error("run", "--workload is required (see 'vmemsim run --list')");
	return 0;
}

/* Workload, model and parameters: usage errors (exit 2) when wrong. */
static int resolve_cli(const struct run_opts *o, struct wl_run_config *cfg)
{
	struct vmemsim_err err = {0};

	if (wl_lookup(o->workload, &cfg->wl, &err))
		return cli_usage_error("run", "--workload: %s", err.msg);
	if (sparse_model_parse(o->model, &cfg->model, &err))
		return cli_usage_error("run", "--model: %s", err.msg);
	wl_args_init(&cfg->args, cfg->wl);
	for (unsigned i = 0; i < o->nparams; i++)
		if (wl_args_set(&cfg->args, cfg->wl, o->params[i], &err))
			return cli_usage_error("run", "%s", err.msg);
	return 0;
}

/* The metadata `vmemsim replay` reads to rebuild the same kernel machine. */
static char *rec_metadata(const struct recorder *r)
{
	json_t *sets = json_array();
	for (unsigned i = 0; i < r->o->nsets; i++)
		json_array_append_new(sets, json_string(r->o->sets[i]));
	json_t *m = json_pack("{s:s,s:s,s:s,s:o,s:s,s:s,s:s,s:o,s:I}", "source", "vmemsim run",
	                      "kind", "kernel", "workload", r->cfg->wl->name, "params",
	                      run_params_json(r->cfg->wl, &r->cfg->args), "memory_model",
	                      sparse_model_name(r->cfg->model), "layout", r->o->layout, "cpu",
	                      r->o->cpu, "sets", sets, "warmup_records", (json_int_t)r->nsetup);
	char *text = m ? json_dumps(m, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	json_decref(m);
	return text;
}

/* between_phases: open the trace, write the setup records as its warm-up. */
static int rec_open(void *ctx, struct sparse_machine *m)
{
	struct recorder *r = ctx;
	char *meta = rec_metadata(r);
	struct trace_writer_opts wo = {.metadata = meta};
	(void)m;

	if (r->rc)
		return r->rc;
	if (!meta)
		return r->rc = vmemsim_errf(&r->err, VMEMSIM_ENOMEM, "--record: out of memory");
	r->rc = trace_writer_open(&r->w, r->o->record, &wo, &r->err);
	free(meta);
	for (size_t i = 0; !r->rc && i < r->nsetup; i += REC_BATCH) {
		size_t k = r->nsetup - i < REC_BATCH ? r->nsetup - i : REC_BATCH;
		r->rc = trace_writer_append(r->w, r->setup + i, k, &r->err);
	}
	free(r->setup);
	r->setup = NULL;
	return r->rc;
}

static int finish_recorder(struct recorder *rec, bool ok)
{
	free(rec->setup);
	rec->setup = NULL;
	if (!rec->w)
		return ok && rec->rc ? cli_fail(&rec->err) : 0;
	if (!ok) {
		trace_writer_abort(rec->w);
		return 0;
	}
	if (rec_flush(rec)) {
		trace_writer_abort(rec->w);
		return cli_fail(&rec->err);
	}
	uint64_t n = trace_writer_count(rec->w);
	if (trace_writer_close(rec->w, &rec->err))
		return cli_fail(&rec->err);
	cli_info("recorded %llu accesses in %s", (unsigned long long)n, rec->o->record);
	return 0;
}

/* The trace is opened only after the setup phase (its metadata needs the
 * setup's record count): find an unwritable directory before running. */
static int record_dir_writable(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (access(dir, W_OK | X_OK) == 0)
		return 0;
	cli_error("--record %s: directory %s is not writable: %s", path, dir, strerror(errno));
	return CLI_EXIT_FAIL;
}

/* The full report of a guest that faulted (the error line has its first line). */
static void print_fault(const struct wl_run_result *res)
{
	const struct emu_result *er[] = {&res->setup, &res->measure};
	char report[2048];

	for (unsigned i = 0; i < 2; i++) {
		if (er[i]->stop != EMU_STOP_FAULT && er[i]->stop != EMU_STOP_UNICORN)
			continue;
		emu_fault_format(&er[i]->fault, report, sizeof(report));
		/* The error line already carried the report's first line. */
		const char *rest = strchr(report, '\n');
		if (rest && rest[1])
			fprintf(stderr, "%s%s", rest + 1,
			        rest[strlen(rest) - 1] != '\n' ? "\n" : "");
	}
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {
	    .model = RUN_DEFAULT_MODEL, .layout = RUN_DEFAULT_LAYOUT, .cpu = RUN_DEFAULT_CPU};
	struct wl_run_config cfg = {0};
	struct wl_run_result *res = NULL;
	struct recorder *rec = NULL;
	struct vmemsim_err err = {0};
	struct run_env env;
	struct db_cli dbc;
	int rc;

	db_cli_init(&dbc);
	if ((rc = parse_opts(argc, argv, &o, &dbc)))
		return rc < 0 ? CLI_EXIT_OK : rc;
	if ((rc = resolve_cli(&o, &cfg)))
		return rc;
	if ((rc = run_env_load(&env, "run", o.cpu, o.layout, o.sets, o.nsets)))
		return rc;
	cfg.layout = &env.layout;
	cfg.sparse = &env.sparse;
	cfg.cpu = &env.cpu;
	cfg.budget = o.budget;
	res = calloc(1, sizeof(*res));
	rec = o.record ? calloc(1, sizeof(*rec)) : NULL;
	if (!res || (o.record && !rec)) {
		cli_error("out of memory");
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	if (rec && (rc = record_dir_writable(o.record)))
		goto out;
	if (rec) {
		*rec = (struct recorder){.o = &o, .cfg = &cfg};
		cfg.recorder = rec_access;
		cfg.retire_recorder = rec_retire;
		cfg.recorder_ctx = rec;
		cfg.between_phases = rec_open;
		cfg.hook_ctx = rec;
	}
	rc = run_recorded(&dbc, "run", &env, &cfg, res, &err);
	if (rc) {
		if (rec && rec->rc)
			cli_error("%s", rec->err.msg);
		else if (err.msg[0])
			cli_error("%s", err.msg);
		print_fault(res);
		if (rec)
			finish_recorder(rec, false);
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	if (rec && (rc = finish_recorder(rec, true)))
		goto out;
	struct out_ctx oc = {.env = &env, .cfg = &cfg, .res = res, .fmt = o.fmt};
	if (o.fmt == CLI_FMT_JSON) {
		print_json(&oc);
	} else {
		if (o.fmt == CLI_FMT_TABLE)
			print_header(&oc);
		else
			printf("# %s on %s\n", cfg.wl->name, sparse_model_name(cfg.model));
		print_section(&oc, "counters (measured phase)", summary_table);
		print_section(&oc, "by region", regions_table);
		print_section(&oc, "hot spots (most walk cycles)", hotspots_table);
		print_section(&oc, "hot functions", functions_table);
	}
	rc = CLI_EXIT_OK;
out:
	free(rec);
	free(res);
	run_env_fini(&env);
	return rc;
}

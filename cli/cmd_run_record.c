/*
 * cli/cmd_run_record.c — what `vmemsim run` and `vmemsim compare-models`
 * share (cmd_run.h): the CPU and layout presets with their --set overrides,
 * the resolved configuration as JSON, and a run recorded in the database.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_run.h"
#include "cpu_config.h"
#include "layout_config.h"

int run_env_load(struct run_env *env, const char *cmd, const char *cpu, const char *layout,
                 char *const *sets, unsigned nsets)
{
	char *cpu_sets[RUN_MAX_SETS], *layout_sets[RUN_MAX_SETS];
	struct vmemsim_err err = {0};
	int ncpu, nlayout;

	memset(env, 0, sizeof(*env));
	env->cpu_name = cpu;
	env->layout_name = layout;
	sparse_params_default(&env->sparse);
	ncpu = cli_sets_for("cpu", "cpu,layout", sets, nsets, cpu_sets, RUN_MAX_SETS, &err);
	nlayout = ncpu < 0 ? ncpu
	                   : cli_sets_for("layout", "cpu,layout", sets, nsets, layout_sets,
	                                  RUN_MAX_SETS, &err);
	if (ncpu < 0 || nlayout < 0)
		return cli_usage_error(cmd, "%s", err.msg);
	if (cli_cpu_load(cpu, cpu_sets, (unsigned)ncpu, &env->cpu, &env->cpu_json, &err) ||
	    cli_layout_load(layout, layout_sets, (unsigned)nlayout, &env->layout, &env->sparse,
	                    &env->layout_json, &err)) {
		run_env_fini(env);
		return cli_fail(&err);
	}
	return 0;
}

void run_env_fini(struct run_env *env)
{
	json_decref(env->cpu_json);
	json_decref(env->layout_json);
	env->cpu_json = env->layout_json = NULL;
}

double run_cycles_per_op(const struct wl_run_result *res)
{
	return res->guest.ops ? res->cycles / (double)res->guest.ops : 0.0;
}

json_t *run_params_json(const struct wl_desc *wl, const struct wl_args *a)
{
	json_t *o = json_object();
	for (unsigned i = 0; i < wl->nr_params; i++)
		json_object_set_new(o, wl->params[i].name,
		                    a->v[i] == WL_AUTO ? json_string("auto")
		                                       : json_integer((json_int_t)a->v[i]));
	json_object_set_new(o, "seed", json_integer((json_int_t)a->seed));
	return o;
}

static char *config_text(const struct run_env *env, const struct wl_run_config *cfg)
{
	json_t *o = json_pack("{s:s,s:o,s:s,s:O,s:s,s:O}", "workload", cfg->wl->name, "params",
	                      run_params_json(cfg->wl, &cfg->args), "memory_model",
	                      sparse_model_name(cfg->model), "cpu", env->cpu_json, "layout_name",
	                      env->layout_name, "layout", env->layout_json);
	char *text = o ? json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	json_decref(o);
	return text;
}

/* The counters, regions and hot spots, plus cycles, ops, cycles_per_op,
 * guest_seconds and the resolved parameters as "param.<name>" metrics (the
 * stored config has "auto" where the layout decided). */
static int record_result(struct db_cli *dbc, const struct wl_desc *wl,
                         const struct wl_run_result *res)
{
	struct db_hotspot hs[WL_MAX_HOTSPOTS];
	struct db_metric extra[5 + WL_NR_ARGS];
	const char *names[MMU_MAX_REGIONS];
	char pnames[WL_NR_ARGS][48];
	unsigned n = 0;

	for (unsigned i = 0; i < res->nr_hotspots; i++) {
		const struct emu_hotspot *h = &res->hotspots[i];
		hs[i] = (struct db_hotspot){h->h.pc,          h->symbol,        h->insn,
		                            h->h.dtlb_misses, h->h.itlb_misses, h->h.walks,
		                            h->h.walk_cycles};
	}
	for (unsigned i = 0; i < MMU_MAX_REGIONS; i++)
		names[i] = res->region_names[i];
	extra[n++] = (struct db_metric){"cycles", res->cycles};
	extra[n++] = (struct db_metric){"ops", (double)res->guest.ops};
	extra[n++] = (struct db_metric){"cycles_per_op", run_cycles_per_op(res)};
	extra[n++] = (struct db_metric){"guest_seconds", res->measure.seconds};
	extra[n++] = (struct db_metric){"param.seed", (double)res->args.seed};
	for (unsigned i = 0; i < wl->nr_params; i++) {
		snprintf(pnames[i], sizeof(pnames[i]), "param.%s", wl->params[i].name);
		extra[n++] = (struct db_metric){pnames[i], (double)res->args.v[i]};
	}
	return db_cli_finish(dbc, &(struct db_run_result){.stats = &res->stats,
	                                                  .region_names = names,
	                                                  .hotspots = hs,
	                                                  .nr_hotspots = res->nr_hotspots,
	                                                  .extra = extra,
	                                                  .nr_extra = n});
}

int run_record_begin(struct db_cli *dbc, const char *kind, const struct run_env *env,
                     const struct wl_run_config *cfg, struct vmemsim_err *err)
{
	char *text = config_text(env, cfg);
	struct db_run_info info = {.kind = kind,
	                           .workload = cfg->wl->name,
	                           .memory_model = sparse_model_name(cfg->model),
	                           .cpu = env->cpu_name,
	                           .layout = env->layout_name,
	                           .config_json = text};
	int rc;

	if (!text)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "out of memory");
	rc = db_cli_begin(dbc, &info);
	free(text);
	if (rc) /* db_cli printed why; an empty message tells the caller not to */
		return vmemsim_errf(err, VMEMSIM_EIO, "%s", "");
	return 0;
}

int run_record_end(struct db_cli *dbc, const struct wl_run_config *cfg,
                   const struct wl_run_result *res, int run_rc, const struct vmemsim_err *run_err,
                   struct vmemsim_err *err)
{
	if (run_rc) {
		db_cli_fail(dbc, run_err->msg);
		return 0;
	}
	if (record_result(dbc, cfg->wl, res))
		return vmemsim_errf(err, VMEMSIM_EIO, "%s", "");
	return 0;
}

int run_recorded(struct db_cli *dbc, const char *kind, const struct run_env *env,
                 struct wl_run_config *cfg, struct wl_run_result *res, struct vmemsim_err *err)
{
	int rc;

	if ((rc = run_record_begin(dbc, kind, env, cfg, err)))
		return rc;
	rc = wl_run(cfg, res, err);
	if (run_record_end(dbc, cfg, res, rc, err, err))
		return VMEMSIM_EIO;
	return rc;
}

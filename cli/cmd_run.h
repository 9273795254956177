/*
 * cli/cmd_run.h — what `vmemsim run` and `vmemsim compare-models` share:
 * loading the CPU preset and the layout with their --set overrides, and one
 * workload run recorded in the results database.
 */
#ifndef VMEMSIM_CLI_CMD_RUN_H
#define VMEMSIM_CLI_CMD_RUN_H

#include <jansson.h>

#include "../workloads/workloads.h"
#include "db_cli.h"

#define RUN_DEFAULT_CPU    "skylake"
#define RUN_DEFAULT_LAYOUT "small-vm"
#define RUN_DEFAULT_MODEL  "vmemmap-2m"
#define RUN_MAX_SETS       64

/* The machine description a run needs besides the workload and the model. */
struct run_env {
	const char *cpu_name, *layout_name;
	struct mmu_config cpu;
	json_t *cpu_json; /* resolved, owned */
	struct sparse_layout layout;
	json_t *layout_json; /* resolved, owned */
	struct sparse_params sparse;
};

/* Load --cpu and --layout with the "cpu." and "layout." --set overrides.
 * Returns 0, CLI_EXIT_USAGE (bad --set section; message printed) or
 * CLI_EXIT_FAIL (message printed). */
int run_env_load(struct run_env *env, const char *cmd, const char *cpu, const char *layout,
                 char *const *sets, unsigned nsets);
void run_env_fini(struct run_env *env);

/* One run, recorded (db row 'running' before the work, then 'done' with its
 * counters or 'failed' with the error).  Returns 0 or a VMEMSIM_E* code with
 * the message in *err (not printed); a database failure is printed and
 * returned as VMEMSIM_EIO. */
int run_recorded(struct db_cli *dbc, const char *kind, const struct run_env *env,
                 struct wl_run_config *cfg, struct wl_run_result *res, struct vmemsim_err *err);

/* The same in two steps, for callers that run wl_run() elsewhere (threads):
 * begin inserts the 'running' row (call it before the work); end marks the
 * run done with its results, or failed with run_err when run_rc != 0.  Both
 * return 0 or VMEMSIM_EIO / VMEMSIM_ENOMEM (a database problem, already
 * printed when the message is empty).  One struct db_cli per run in flight. */
int run_record_begin(struct db_cli *dbc, const char *kind, const struct run_env *env,
                     const struct wl_run_config *cfg, struct vmemsim_err *err);
int run_record_end(struct db_cli *dbc, const struct wl_run_config *cfg,
                   const struct wl_run_result *res, int run_rc, const struct vmemsim_err *run_err,
                   struct vmemsim_err *err);

/* The workload's parameters as a JSON object ("auto" for unresolved ones). */
json_t *run_params_json(const struct wl_desc *wl, const struct wl_args *a);

/* Cycles per operation of the workload (cycles / guest ops). */
double run_cycles_per_op(const struct wl_run_result *res);

#endif /* VMEMSIM_CLI_CMD_RUN_H */

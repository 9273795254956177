/*
 * workloads/run.c — one execution-driven run: machine, MMU, emu, guest,
 * two phases, the reference check.
 *
 * Order matters: the reference is computed after the guest image is loaded
 * and the boot parameters written but BEFORE the guest runs, because the
 * guest writes struct pages (buddy, chase, zone-device) and the reference
 * reads the initial state.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "wl_internal.h"

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct wl_machine {
	struct sparse_machine *sm;
	struct mmu *mmu;
	struct emu *emu;
	struct emu_image img;
	uint64_t params_va, result_va, stack_top;
};

static void machine_fini(struct wl_machine *w)
{
	emu_destroy(w->emu);
	mmu_destroy(w->mmu);
	sparse_machine_destroy(w->sm);
	memset(w, 0, sizeof(*w));
}

static int add_regions(struct wl_machine *w, struct wl_run_result *res, struct vmemsim_err *err)
{
	struct sparse_region regions[SPARSE_MAX_REGIONS];
	unsigned n = sparse_machine_regions(w->sm, regions);

	for (unsigned i = 0; i < n; i++) {
		int rc =
		    mmu_add_region(w->mmu, regions[i].name, regions[i].start, regions[i].end, err);
		if (rc < 0)
			return rc;
	}
	for (unsigned i = 0; i < mmu_nr_regions(w->mmu) && i < MMU_MAX_REGIONS; i++)
		snprintf(res->region_names[i], sizeof(res->region_names[i]), "%s",
		         mmu_region_name(w->mmu, i));
	return 0;
}

static int find_symbol(struct wl_machine *w, const char *name, uint64_t *va,
                       struct vmemsim_err *err)
{
	if (emu_symbol(w->emu, name, va, NULL))
		return vmemsim_errf(err, VMEMSIM_ENOENT, "guest image has no symbol '%s'", name);
	return 0;
}

static int machine_init(struct wl_machine *w, struct wl_run_config *cfg, struct wl_run_result *res,
                        struct vmemsim_err *err)
{
	struct sparse_params sp;
	const void *elf;
	size_t len;
	int rc;

	if (cfg->sparse)
		sp = *cfg->sparse;
	else
		sparse_params_default(&sp);
	if ((rc = sparse_machine_create(&w->sm, cfg->layout, cfg->model, &sp, err)))
		return rc;
	if ((rc = wl_args_resolve(&cfg->args, cfg->wl, w->sm, err)))
		return rc;
	res->configured = true;
	if (cfg->cpu->levels != sparse_machine_pt(w->sm)->levels)
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "CPU '%s' walks %u-level page tables but the layout builds "
		                    "%u-level ones (layout kernel.pgtable_levels)",
		                    cfg->cpu->name, cfg->cpu->levels,
		                    sparse_machine_pt(w->sm)->levels);
	if ((rc = mmu_create(&w->mmu, cfg->cpu, sparse_machine_phys(w->sm), err)))
		return rc;
	/* The boot CPU loads CR3 with the kernel's page tables (PCID 0). */
	mmu_write_cr3(w->mmu, sparse_machine_pt(w->sm)->root, 0, false);
	if ((rc = add_regions(w, res, err)))
		return rc;
	if ((rc = emu_create(&w->emu, w->mmu, sparse_machine_pt(w->sm), sparse_machine_phys(w->sm),
	                     NULL, err)))
		return rc;
	if ((rc = emu_map_from_page_tables(w->emu, 0, 0, err)))
		return rc;
	if ((rc = wl_guest_image(cfg->model, &elf, &len)))
		return vmemsim_errf(err, rc, "no guest image for model %d", (int)cfg->model);
	if ((rc = emu_load_elf_mem(w->emu, elf, len, sparse_model_name(cfg->model), &w->img, err)))
		return rc;

	const struct sparse_boot_params *bp = sparse_machine_boot_params(w->sm);
	uint64_t bp_va;
	if ((rc = find_symbol(w, "boot_params", &bp_va, err)) ||
	    (rc = find_symbol(w, "wl_params", &w->params_va, err)) ||
	    (rc = find_symbol(w, "wl_result", &w->result_va, err)))
		return rc;
	w->stack_top = bp->stack_top;
	return emu_write(w->emu, bp_va, bp, sizeof(*bp), err);
}

void wl_status_describe(const struct wl_result *r, const struct wl_desc *wl, char *buf, size_t len)
{
	unsigned long long a0 = r->aux[0], a1 = r->aux[1];

	switch (r->status) {
	case WL_OK: snprintf(buf, len, "ok"); return;
	case WL_ERR_BOOT_PARAMS:
		snprintf(buf, len, "boot_params not filled (magic %#llx, version %llu)", a0, a1);
		return;
	case WL_ERR_PARAMS: snprintf(buf, len, "wl_params not filled (%#llx)", a0); return;
	case WL_ERR_ABI:
		snprintf(buf, len,
		         "layout constant %llu is %#llx, not what the guest was built for", a0, a1);
		return;
	case WL_ERR_ARG:
		snprintf(buf, len, "parameter %s=%llu rejected by the guest",
		         a0 < wl->nr_params ? wl->params[a0].name : "?", a1);
		return;
	case WL_ERR_SCRATCH:
		snprintf(buf, len, "scratch area too small: needs %llu bytes, has %llu", a0, a1);
		return;
	case WL_ERR_PHASE:
		snprintf(buf, len, "phase %llu out of order (after %llu)", a0, a1);
		return;
	case WL_ERR_NO_RANGE:
		snprintf(buf, len, "no usable pfn range (%llu, %#llx)", a0, a1);
		return;
	}
	snprintf(buf, len, "unknown status %llu", (unsigned long long)r->status);
}

/* One phase: write wl_params, run to hlt, read wl_result, check its status. */
static int run_phase(struct wl_machine *w, struct wl_run_config *cfg, enum wl_phase phase,
                     struct emu_result *er, struct wl_result *out, struct vmemsim_err *err)
{
	struct wl_params p = {.magic = WL_PARAMS_MAGIC,
	                      .workload = (uint64_t)cfg->wl->id,
	                      .phase = (uint64_t)phase,
	                      .seed = cfg->args.seed};
	const char *name = phase == WL_PHASE_SETUP ? "setup" : "measure";
	char why[160];
	int rc;

	memcpy(p.arg, cfg->args.v, sizeof(p.arg));
	if ((rc = emu_write(w->emu, w->params_va, &p, sizeof(p), err)))
		return rc;
	rc = emu_run(w->emu, w->img.entry, w->stack_top, 0, &cfg->budget, er, err);
	if (rc) {
		vmemsim_err_prefix(err, name);
		return rc;
	}
	if ((rc = emu_read(w->emu, w->result_va, out, sizeof(*out), err)))
		return rc;
	if (out->magic != WL_RESULT_MAGIC || out->status != WL_OK ||
	    out->phase != (uint64_t)phase) {
		wl_status_describe(out, cfg->wl, why, sizeof(why));
		return vmemsim_errf(err, VMEMSIM_EINVAL, "%s %s phase: guest reports %s",
		                    cfg->wl->name, name, why);
	}
	return 0;
}

static int compare(const struct wl_run_config *cfg, const struct wl_run_result *res,
                   struct vmemsim_err *err)
{
	const struct wl_result *g = &res->guest;
	const struct wl_expect *e = &res->expect;

	if (g->checksum == e->checksum && g->ops == e->ops && g->count == e->count)
		return 0;
	return vmemsim_errf(err, VMEMSIM_ECHECKSUM,
	                    "%s on %s: guest checksum %#018llx ops %llu count %llu, host "
	                    "reference %#018llx ops %llu count %llu",
	                    cfg->wl->name, sparse_model_name(cfg->model),
	                    (unsigned long long)g->checksum, (unsigned long long)g->ops,
	                    (unsigned long long)g->count, (unsigned long long)e->checksum,
	                    (unsigned long long)e->ops, (unsigned long long)e->count);
}

int wl_run(struct wl_run_config *cfg, struct wl_run_result *res, struct vmemsim_err *err)
{
	struct wl_machine w = {0};
	uint64_t pgmap_va = 0;
	double t0 = now_seconds();
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = machine_init(&w, cfg, res, err)))
		goto out;
	res->args = cfg->args;
	res->sparse_stats = *sparse_machine_stats(w.sm);
	emu_symbol(w.emu, "wl_pgmap", &pgmap_va, NULL);
	if ((rc = wl_reference(cfg->wl, &cfg->args, w.sm, pgmap_va, &res->expect, err)))
		goto out;
	res->build_seconds = now_seconds() - t0;
	if (cfg->before_guest && (rc = cfg->before_guest(cfg->hook_ctx, w.sm))) {
		vmemsim_errf(err, rc, "%s: before_guest hook failed", cfg->wl->name);
		goto out;
	}

	emu_set_recorder(w.emu, cfg->recorder, cfg->recorder_ctx);
	emu_set_retire_recorder(w.emu, cfg->retire_recorder, cfg->recorder_ctx);
	if ((rc = run_phase(&w, cfg, WL_PHASE_SETUP, &res->setup, &res->guest, err)))
		goto out;
	if (cfg->between_phases && (rc = cfg->between_phases(cfg->hook_ctx, w.sm))) {
		vmemsim_errf(err, rc, "%s: between_phases hook failed", cfg->wl->name);
		goto out;
	}
	/* Counters and hot spots of the measure phase only; the TLBs and
	 * caches keep what setup left in them. */
	mmu_reset_stats(w.mmu);
	rc = run_phase(&w, cfg, WL_PHASE_MEASURE, &res->measure, &res->guest, err);
	mmu_stats_snapshot(w.mmu, &res->stats);
	res->cycles = mmu_stats_cycles(&res->stats, -1);
	res->nr_hotspots = emu_hotspots(w.emu, res->hotspots, WL_MAX_HOTSPOTS);
	res->nr_hotspot_fns = emu_hotspot_functions(w.emu, res->hotspot_fns, WL_MAX_HOTSPOTS);
	if (rc)
		goto out;
	if (cfg->after_guest && (rc = cfg->after_guest(cfg->hook_ctx, w.sm))) {
		vmemsim_errf(err, rc, "%s: after_guest hook failed", cfg->wl->name);
		goto out;
	}
	rc = compare(cfg, res, err);
out:
	machine_fini(&w);
	return rc;
}

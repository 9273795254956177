/*
 * workloads/workloads.h — guest workloads: the registry, their parameters,
 * the host references, and one execution-driven run end to end.
 *
 * What it is.  Each workload is a kernel-style routine (a pfn scan with
 * pfn_valid, random pfn_to_page, page_to_pfn, a buddy allocator,
 * memmap_init_zone_device, the seed-004 kmap lookups, a TLB-reach pointer
 * chase) written in freestanding C under workloads/guest/ and compiled once
 * per memory model (enum sparse_model) into an ELF embedded in this library.
 * The guest computes pfn_to_page/page_to_pfn/pfn_valid the way the model's
 * kernel does (guest/mm.h), so its instruction and load mix is the kernel's.
 *
 * Checksums.  Every workload folds what it computed (struct page addresses,
 * pfns, kernel addresses, allocator decisions) into a checksum with the PRNG
 * and mix of wl_prng.h.  wl_reference() computes the same checksum on the
 * host from the sparse model (sparse_pfn_to_page() and friends, which read
 * the guest's structures independently of the guest code).  wl_run() fails
 * with VMEMSIM_ECHECKSUM when they differ: a wrong guest is an error, never
 * a result.
 *
 * Parameters.  Positional u64 arguments (wl_abi.h) with names, defaults and
 * bounds in the registry.  A default of WL_AUTO is computed from the
 * machine's layout by wl_args_resolve() (e.g. the buddy range is placed in
 * the largest RAM range outside the hugetlb pool).  Every workload also takes
 * "seed".
 *
 * Runs.  wl_run() builds the sparse machine for (layout, model), creates the
 * MMU from the CPU config and the emu, loads the model's guest, runs the
 * SETUP phase, resets the counters and hot spots (mmu_reset_stats), runs the
 * MEASURE phase and reports it alone: setup never pollutes the figures, while
 * the TLBs and caches stay warm.
 *
 * Errors.  0 or a negative VMEMSIM_E* code with a one-line message in *err.
 * Nothing here prints or keeps global state; a failed call leaves its output
 * structure unspecified but frees everything it allocated.
 */
#ifndef VMEMSIM_WORKLOADS_H
#define VMEMSIM_WORKLOADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/vmemsim.h"
#include "../emu/emu.h"
#include "../mmu/mmu.h"
#include "../sparse/sparse.h"
#include "wl_abi.h"

/* ---- The registry ---------------------------------------------------------- */

#define WL_AUTO UINT64_MAX /* default computed from the layout */

struct wl_param_desc {
	const char *name;
	uint64_t def; /* default, or WL_AUTO */
	uint64_t min, max;
	bool scales; /* multiplied by compare-models --scale */
	const char *help;
};

struct wl_desc {
	const char *name; /* "pfn-scan", ... */
	enum wl_id id;
	const char *summary;
	/* What wl_result.ops counts, for "cycles per <op>" ("pfn_to_page"). */
	const char *op_name;
	bool pfn_workload; /* part of compare-models (seed 000) */
	unsigned nr_params;
	struct wl_param_desc params[WL_NR_ARGS];
};

unsigned wl_count(void);
const struct wl_desc *wl_get(unsigned i); /* NULL if i >= wl_count() */
/* By name; VMEMSIM_ENOENT listing the valid names otherwise. */
int wl_lookup(const char *name, const struct wl_desc **out, struct vmemsim_err *err);

/* ---- Arguments ----------------------------------------------------------- */

struct wl_args {
	uint64_t v[WL_NR_ARGS]; /* resolved values (WL_AUTO until resolved) */
	bool set[WL_NR_ARGS];   /* given explicitly */
	uint64_t seed;          /* default 1 */
};

void wl_args_init(struct wl_args *a, const struct wl_desc *wl);
/* "name=value" (value as in cli_parse_u64: 123, 0x7b, 4k, 2M, 1G).  Unknown
 * names and out-of-range values are VMEMSIM_EINVAL naming the workload's
 * parameters.  *a is unchanged on failure. */
int wl_args_set(struct wl_args *a, const struct wl_desc *wl, const char *assignment,
                struct vmemsim_err *err);
/* Multiply the unset scalable parameters' defaults by scale (> 0). */
void wl_args_scale(struct wl_args *a, const struct wl_desc *wl, double scale);
/* Replace WL_AUTO by values computed from the machine and check every value
 * against the layout (ranges inside RAM, a device range present, ...). */
int wl_args_resolve(struct wl_args *a, const struct wl_desc *wl, const struct sparse_machine *m,
                    struct vmemsim_err *err);
/* The value of a named parameter (after resolve); 0 if no such name. */
uint64_t wl_args_get(const struct wl_args *a, const struct wl_desc *wl, const char *name);

/* ---- Host references ------------------------------------------------------- */

struct wl_expect {
	uint64_t checksum, ops, count;
};

/* The checksum, op count and count the guest must produce for these resolved
 * arguments on this machine, computed from the machine's initial state (call
 * it before the guest runs).  pgmap_va is the guest's wl_pgmap symbol (used
 * by zone-device only). */
int wl_reference(const struct wl_desc *wl, const struct wl_args *a, const struct sparse_machine *m,
                 uint64_t pgmap_va, struct wl_expect *out, struct vmemsim_err *err);

/* ---- Guest images ------------------------------------------------------------ */

/* The embedded ELF of the model's guest (static storage, never freed). */
int wl_guest_image(enum sparse_model model, const void **elf, size_t *len);
/* The build directory holding guest-<model>.elf, for objdump and tests. */
const char *wl_guest_elf_dir(void);

/* ---- One run ----------------------------------------------------------------- */

struct wl_run_config {
	const struct wl_desc *wl;
	struct wl_args args; /* resolved in place by wl_run */
	enum sparse_model model;
	const struct sparse_layout *layout;
	const struct sparse_params *sparse; /* NULL: sparse_params_default() */
	const struct mmu_config *cpu;
	struct emu_budget budget; /* per phase; 0 = unlimited */
	/* Tee of every access presented to the MMU in both phases, in order
	 * (between_phases marks the boundary), or NULL. */
	emu_record_fn recorder;
	emu_retire_record_fn retire_recorder; /* retirements, same ctx; may be NULL */
	void *recorder_ctx;
	/* Hooks (NULL: none).  before_guest runs after the reference is
	 * computed and before the SETUP phase; between_phases after SETUP
	 * reached hlt, before MEASURE; after_guest after MEASURE reached hlt.
	 * Tests inspect or corrupt the machine with them; `run --record`
	 * counts the setup records as the trace's warm-up.  A non-zero return
	 * fails the run with that code. */
	int (*before_guest)(void *ctx, struct sparse_machine *m);
	int (*between_phases)(void *ctx, struct sparse_machine *m);
	int (*after_guest)(void *ctx, struct sparse_machine *m);
	void *hook_ctx;
};

#define WL_MAX_HOTSPOTS 10

struct wl_run_result {
	struct wl_args args;    /* as resolved */
	struct mmu_stats stats; /* MEASURE phase only */
	char region_names[MMU_MAX_REGIONS][32];
	struct emu_result setup, measure;
	struct wl_result guest;  /* the guest's result block */
	struct wl_expect expect; /* the host reference */
	unsigned nr_hotspots, nr_hotspot_fns;
	struct emu_hotspot hotspots[WL_MAX_HOTSPOTS];
	struct emu_hotspot_fn hotspot_fns[WL_MAX_HOTSPOTS];
	/* The machine was built and the arguments resolved.  A failure before
	 * that is a configuration the model or layout cannot express (flatmem
	 * on a 1 TiB sparse layout, zone-device without ZONE_DEVICE), not a
	 * wrong result. */
	bool configured;
	double build_seconds; /* sparse machine + emu setup */
	double cycles;        /* mmu_stats_cycles(stats, -1) */
	struct sparse_stats sparse_stats;
};

/* The whole run.  Returns 0 only if both phases reached hlt, the guest
 * reported WL_OK and its checksum, ops and count equal the reference;
 * VMEMSIM_EFAULT (with the fault report as the message), VMEMSIM_ELIMIT,
 * VMEMSIM_ECHECKSUM or a build error otherwise.  *res is filled as far as
 * the run got (res->measure.fault holds a fault report). */
int wl_run(struct wl_run_config *cfg, struct wl_run_result *res, struct vmemsim_err *err);

/* A one-line description of a guest status ("scratch area too small: needs
 * 4194304 bytes, has 1048576"). */
void wl_status_describe(const struct wl_result *r, const struct wl_desc *wl, char *buf, size_t len);

#endif /* VMEMSIM_WORKLOADS_H */

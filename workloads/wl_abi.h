/*
 * workloads/wl_abi.h — the contract between the host and the guest workloads.
 *
 * Shared by freestanding guest code (workloads/guest/) and the host (the
 * registry, the references, `vmemsim run`): stdint only, no host pointers.
 * The guest image defines two symbols the host reads and writes through
 * emu_read()/emu_write():
 *
 *   wl_params  (struct wl_params)  filled by the host before each phase;
 *   wl_result  (struct wl_result)  written by the guest, read after `hlt`.
 *
 * The layout itself (memory model, mem_section, vmemmap, ranges) comes in the
 * other block, `boot_params` (sparse/boot_params.h), filled by sparse/.
 *
 * A run has two phases, each one emu_run() from _start to `hlt`:
 * WL_PHASE_SETUP builds the workload's data (free lists, pointer chains, page
 * arrays) and WL_PHASE_MEASURE does the measured work.  The host resets the
 * counters and hot spots between them, so setup never pollutes the figures,
 * while the TLBs and caches stay as setup left them (warm, as in a kernel).
 */
#ifndef VMEMSIM_WL_ABI_H
#define VMEMSIM_WL_ABI_H

#include <stdint.h>

#define WL_PARAMS_MAGIC 0x534d524150574c56ull /* "VLWPARMS" little-endian */
#define WL_RESULT_MAGIC 0x544c555345574c56ull /* "VLWESULT" */

/* Workload ids (the registry in workloads.h names them). */
enum wl_id {
	WL_PFN_SCAN = 1,     /* linear pfn walk with pfn_valid, compaction-style */
	WL_RANDOM_TOUCH = 2, /* random pfn_to_page and a read (or write) of the page */
	WL_PAGE_TO_PFN = 3,  /* page_to_pfn on random struct pages */
	WL_BUDDY = 4,        /* buddy allocator alloc/free with merging on struct pages */
	WL_ZONE_DEVICE = 5,  /* memmap_init_zone_device over a device range */
	WL_KMAP_LIST = 6,    /* seed 004: pfn -> kaddr by walking the range list */
	WL_KMAP_TABLE = 7,   /* seed 004: pfn -> kaddr through the section table */
	WL_CHASE = 8,        /* TLB-reach pointer chase through struct pages */
	WL_NR_IDS = 9
};

enum wl_phase { WL_PHASE_SETUP = 1, WL_PHASE_MEASURE = 2 };

/* Workload arguments are positional u64s; the registry names them. */
#define WL_NR_ARGS 6

struct wl_params {
	uint64_t magic;    /* WL_PARAMS_MAGIC */
	uint64_t workload; /* enum wl_id */
	uint64_t phase;    /* enum wl_phase */
	uint64_t seed;     /* PRNG seed (workloads/wl_prng.h) */
	uint64_t arg[WL_NR_ARGS];
};

/* Guest status codes (wl_result.status); aux[0..1] say more. */
enum wl_status {
	WL_OK = 0,
	WL_ERR_BOOT_PARAMS = 1, /* boot_params magic/version wrong: aux0 = magic */
	WL_ERR_PARAMS = 2,      /* wl_params magic or workload id wrong */
	WL_ERR_ABI = 3,         /* a layout constant differs from the guest's build:
				   aux0 = which (WL_ABI_*), aux1 = the value seen */
	WL_ERR_ARG = 4,         /* an argument is out of range: aux0 = index, aux1 = value */
	WL_ERR_SCRATCH = 5,     /* scratch area too small: aux0 = bytes needed */
	WL_ERR_PHASE = 6,       /* measure without setup, or an unknown phase */
	WL_ERR_NO_RANGE = 7     /* no usable pfns (e.g. no device range) */
};

enum wl_abi_item {
	WL_ABI_PAGE_SHIFT = 1,
	WL_ABI_SECTION_SHIFT = 2,
	WL_ABI_SECTIONS_PER_ROOT = 3,
	WL_ABI_STRUCT_PAGE = 4,
	WL_ABI_MODEL = 5,
	WL_ABI_SECTIONS_FIELD = 6
};

struct wl_result {
	uint64_t magic;    /* WL_RESULT_MAGIC once the guest has written it */
	uint64_t phase;    /* the last phase completed */
	uint64_t status;   /* enum wl_status */
	uint64_t checksum; /* compared with the host reference */
	uint64_t ops;      /* operations done (pfn_to_page calls, lookups, hops) */
	uint64_t count;    /* a workload-specific count (valid pfns, allocations) */
	uint64_t aux[2];
};

#endif /* VMEMSIM_WL_ABI_H */

/*
 * tests/mmu/ref_internal.h — what the reference model's files share: its
 * state (struct ref_mmu and the set-associative arrays it is built from) and
 * the helpers one file calls in another.  The reference's public interface
 * is ref_model.h; nothing outside tests/mmu/ref_*.c includes this file.
 *
 *   ref_arrays.c  set-associative arrays, TLBs, PWC flushes, data caches,
 *                 and building/freeing them from a struct mmu_config;
 *   ref_model.c   lifecycle, the architectural operations, regions, hot
 *                 spots, counters;
 *   ref_walk.c    rights and faults, the page walk, translation and access.
 */
#ifndef VMEMSIM_TEST_MMU_REF_INTERNAL_H
#define VMEMSIM_TEST_MMU_REF_INTERNAL_H

#include "ref_model.h"

#define VA57     ((1ull << 57) - 1) /* TLB and PWC keys use the 57-bit linear address */
#define PCID_MAX 0xfffu
#define R_W      1u /* RW at every level */
#define R_U      2u /* US at every level */
#define R_X      4u /* no NX at any level (or NXE clear) */
#define HS_MAX   4096

/* One way of a set-associative array. */
struct way {
	uint64_t key;   /* vpn (TLB), va >> level shift (PWC), line number (cache) */
	uint64_t val;   /* page PA (TLB), next table PA (PWC) */
	uint64_t stamp; /* LRU: time of the last touch */
	uint16_t pcid;
	uint8_t valid, global, ps, rights, dirty;
	uint8_t leaf_ps; /* TLB: size of the page in the tables (> ps: a fractured piece) */
};

struct arr {
	uint32_t sets, ways;
	enum mmu_repl repl;
	unsigned ps_mask; /* TLB arrays: page sizes held */
	uint64_t clock, rng;
	struct way *w; /* sets * ways */
	uint8_t *node; /* PLRU: per set, nodes 1..ways-1; 1 = the victim is on the right */
};

struct tlb {
	unsigned n;
	struct arr a[MMU_MAX_ARRAYS];
};

/* A translation as a TLB holds it. */
struct xl {
	uint64_t pa; /* of the page */
	uint8_t ps, rights, dirty, global;
	uint8_t leaf_ps; /* the page's size in the tables (ps may be a smaller piece) */
};

struct ref_mmu {
	struct mmu_config cfg;
	struct mmu_phys *phys;
	unsigned cpl, nr_regions, ncache, nr_hs;
	uint64_t root, l1d_latency;
	uint16_t pcid;
	bool has_pwc;
	struct tlb itlb, dtlb, stlb;
	struct arr pwc[6];
	bool pwc_present[6];
	struct {
		struct arr a;
		uint32_t latency;
		unsigned kind; /* 0 L1D, 1 L2, 2 LLC */
	} cache[3];
	struct {
		uint64_t start, end;
	} region[MMU_MAX_REGIONS];
	uint64_t ctr[MMU_MAX_REGIONS][MMU_NR_COUNTERS];
	struct mmu_hotspot *hs;
};

/* ---- set-associative arrays (ref_arrays.c) ------------------------------------ */

/* The first way of the set index_key selects. */
struct way *ref_arr_set(const struct arr *a, uint64_t index_key);
/* A hit: update the replacement state (LRU stamp or PLRU nodes). */
void ref_arr_touch(struct arr *a, struct way *w);
/* Replace the victim of the set of index_key with a fresh valid way (touched). */
struct way *ref_arr_fill(struct arr *a, uint64_t index_key, uint64_t key);

/* ---- TLBs and PWCs (ref_arrays.c) --------------------------------------------- */

/* The entry that translates va for pcid (touched), or NULL. */
struct way *ref_tlb_lookup(struct tlb *t, uint64_t va, uint16_t pcid);
/* Cache translation x of va (fractured to the largest size an array holds). */
void ref_tlb_fill(struct tlb *t, uint64_t va, uint16_t pcid, const struct xl *x);
/* Drop every entry that maps va's page for pcid (globals too), every
 * fractured piece of it included (SDM Vol. 3A §4.10.4.1). */
void ref_tlb_drop_page(struct tlb *t, uint64_t va, uint16_t pcid);
/* Drop global entries if globals; non-global ones of pcid (< 0: any). */
void ref_tlb_flush(struct tlb *t, bool globals, int pcid);
/* Drop the PWC entries of pcid (< 0: all). */
void ref_pwc_flush(struct ref_mmu *r, int pcid);

/* ---- data caches (ref_arrays.c) ----------------------------------------------- */

/* Access the line of pa: the index of the level that hit (ncache: DRAM) and
 * its latency; every level above it is filled. */
unsigned ref_cache_access(struct ref_mmu *r, uint64_t pa, uint64_t *latency);
/* The counter of a hit at level index lvl: base + kind, or dram. */
unsigned ref_cache_ctr(const struct ref_mmu *r, unsigned lvl, unsigned base, unsigned dram);

/* ---- building and freeing the arrays (ref_arrays.c) ---------------------------- */

/* From r->cfg: 0 or VMEMSIM_ENOMEM (what was allocated is freed by
 * ref_arrays_fini, which a zeroed r also accepts). */
int ref_arrays_init(struct ref_mmu *r);
void ref_arrays_fini(struct ref_mmu *r);

/* ---- regions and hot spots (ref_model.c) -------------------------------------- */

/* The region va belongs to (0: "other"). */
unsigned ref_region_of(const struct ref_mmu *r, uint64_t va);
/* pc's hot spot, created on first use; NULL once HS_MAX PCs are known. */
struct mmu_hotspot *ref_hs_get(struct ref_mmu *r, uint64_t pc);

#endif

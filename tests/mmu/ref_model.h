/*
 * tests/mmu/ref_model.h — a deliberately simple reference model of the MMU,
 * written from the documented policy (docs/model.md, mmu/mmu.h, the policy
 * comments of mmu/mmu_internal.h, mmu/cache.c and mmu/walk.c), for
 * differential tests against the optimised model in mmu/.
 *
 * What it models: the same machine as struct mmu — L1 ITLB, L1 DTLB and STLB
 * as lists of set-associative arrays with page-size sets (fractured fills),
 * PML5E/PML4E/PDPTE/PDE caches, a walker over real page tables in its own
 * struct mmu_phys (A/D bits are written there), L1D/L2/LLC, the counters of
 * mmu/counters.def per region, and the per-PC hot spots.
 *
 * How: plain arrays of ways {valid, key, pcid, global, payload, stamp},
 * linear scans, one touch per hit; no signatures, no MRU or "last entry"
 * shortcuts, no live-probe masks, no pending counts.  Replacement: the
 * lowest invalid way first, else true LRU (smallest last-touch stamp),
 * tree-PLRU (a node per pair of subtrees pointing away from the way touched
 * last) or xorshift64 13/7/17 with victim = next % ways, seeded as mmu.h
 * says (TLB array i: seed + i; PWC level l: seed + 8 + l; cache k: seed +
 * 16 + k; 0 becomes 0x9e3779b97f4a7c15).
 *
 * Counters: every counter of counters.def, per region.  Choices where the
 * documentation is silent (each is a policy decision a reader can dispute):
 *   - loads/stores/fetches count an access once its first page translated
 *     (a faulting access counts its TLB, walk and fault events only);
 *   - page_splits counts once, after the first page translated, in the
 *     region of the first byte;
 *   - line_splits counts a data access once if its bytes span more than one
 *     64-byte line (a page-crossing data access always does);
 *   - the PWCs are probed from the PDE cache up and the first hit (the
 *     deepest) is the only one touched;
 *   - a fault of a non-canonical VA is charged to the VA's region and has
 *     error code MMU_FAULT_NONCANONICAL | W/U/I (no P); a table outside
 *     guest memory gives MMU_FAULT_BADPHYS | P | W/U/I and its walk counts
 *     as faulted (these two codes follow mmu/walk.c: the docs do not say);
 *   - a store through a clean entry is a dirty assist only if the entry's
 *     rights allow the store (else it is a permission fault).
 *
 * Ownership: the model borrows phys (which must outlive it).  Nothing here
 * prints or exits.  Units as in mmu.h.
 *
 * Files: ref_model.c (lifecycle, architectural operations, regions, hot
 * spots, counters), ref_arrays.c (arrays, TLBs, caches), ref_walk.c (rights,
 * faults, walk, access); what they share is in ref_internal.h.
 */
#ifndef VMEMSIM_TEST_MMU_REF_MODEL_H
#define VMEMSIM_TEST_MMU_REF_MODEL_H

#include "mmu/mmu.h"

struct ref_mmu;

/* 0, or VMEMSIM_EINVAL (mmu_config_check fails) / VMEMSIM_ENOMEM with
 * *out unchanged.  Starts like mmu_create: empty structures, CPL 0, PCID 0,
 * root 0, one region ("other"). */
int ref_create(struct ref_mmu **out, const struct mmu_config *cfg, struct mmu_phys *phys);
void ref_destroy(struct ref_mmu *r);

/* The architectural operations, with mmu.h's semantics. */
void ref_write_cr3(struct ref_mmu *r, uint64_t root_pa, uint16_t pcid, bool noflush);
void ref_invlpg(struct ref_mmu *r, uint64_t va);
void ref_flush_all(struct ref_mmu *r);
void ref_set_cpl(struct ref_mmu *r, unsigned cpl);
/* Region id, or VMEMSIM_EINVAL / VMEMSIM_EEXIST.  Flushes every TLB entry
 * (entries would carry region ids); PWCs are kept. */
int ref_add_region(struct ref_mmu *r, uint64_t start, uint64_t end);

/* mmu_access / mmu_translate: 0, VMEMSIM_EINVAL, or VMEMSIM_EFAULT with
 * *fault (may be NULL) filled: va, pc, type, error code and the entries
 * from the root to the failing one. */
int ref_access(struct ref_mmu *r, uint64_t va, uint32_t size, enum mmu_access_type type,
               uint64_t pc, struct mmu_fault *fault);
int ref_translate(struct ref_mmu *r, uint64_t va, enum mmu_access_type type, uint64_t pc,
                  uint64_t *pa, struct mmu_fault *fault);
void ref_retire(struct ref_mmu *r, uint64_t pc, uint64_t instructions);

/* Counters in mmu_stats form (regions 0..nr_regions-1). */
void ref_stats(const struct ref_mmu *r, struct mmu_stats *out);
void ref_reset_stats(struct ref_mmu *r);
/* mmu_hotspots' order: walk cycles, then L1 TLB misses (descending), then
 * PC (ascending).  Unbounded table: callers use fewer than 4096 PCs. */
unsigned ref_hotspots(const struct ref_mmu *r, struct mmu_hotspot *out, unsigned n);

#endif

/*
 * bench/floor.h — a lower bound on what mmu_random_1g can cost.
 *
 * The floor performs, for each access, the operations the model performs
 * on a random 4K stream with the default (Skylake-like) configuration, and
 * nothing else: the L1 DTLB and STLB probes and fills, the PWC probes and
 * fills, the PTE reads from the real guest page tables (and the A bit),
 * and every PTE read and data access through L1D, L2 and LLC, all with the
 * same true LRU.  Its geometry is fixed at compile time, so the compiler
 * unrolls every set scan.  It leaves out what the model must also do:
 * regions, the hot-spot table, PCID and global tags, page sizes other than
 * 4K, permission and reserved-bit checks, faults, split accesses and the
 * repeat-hit memory.  Its rate is therefore an optimistic bound for any
 * implementation of the same model on this machine, not a competitor.
 *
 * The bench runs both on a fresh model and compares every counter the floor
 * keeps with the model's, so the bound is known to do the same work.
 */
#ifndef VMEMSIM_BENCH_FLOOR_H
#define VMEMSIM_BENCH_FLOOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmu/mmu.h"

struct floor;

/* NULL with a message in err when cfg is not the geometry the floor fixes. */
struct floor *floor_create(const struct mmu_config *cfg, struct mmu_phys *phys, uint64_t root,
                           struct vmemsim_err *err);
void floor_destroy(struct floor *f);
/* One 8-byte load at va; returns the PA (so the loop cannot be dropped). */
uint64_t floor_access(struct floor *f, uint64_t va);
/* Host prefetches for a later floor_access(f, va), the way
 * mmu_access_batch hints ahead: stage 1 (about 8 accesses ahead) the guest
 * PTE and the sets its line and the STLB probe use, stage 2 (about 2 ahead,
 * the PTE by then in the host cache) the sets of the data line. */
void floor_prefetch(const struct floor *f, uint64_t va, int stage);
/* A walk met a non-present or large-page entry (the access was dropped). */
bool floor_bad(const struct floor *f);
/* The counters the floor keeps (floor_kept[0..floor_nr_kept)), in the
 * model's terms; floor_counters leaves the others 0. */
extern const enum mmu_counter floor_kept[];
extern const size_t floor_nr_kept;
/* The counters the floor keeps, in the model's terms (MMU_C_*); others 0. */
void floor_counters(const struct floor *f, uint64_t out[MMU_NR_COUNTERS]);

#endif

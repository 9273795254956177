/*
 * mmu/hotspot.c — per-PC counts of L1 TLB misses and walks, in a bounded
 * open-addressing table allocated at mmu_create (HS_CAPACITY slots, linear
 * probing bounded to HS_PROBES slots so a full table costs little).  A new
 * PC that finds no free slot within the bound is dropped and counted in
 * hs_dropped; PCs already present keep counting.
 */
#include "mmu_internal.h"

struct hs_entry *mmu_hs_get_slow(struct mmu *m, uint64_t pc)
{
	uint32_t i = hs_slot(pc), n;

	for (n = 0; n < HS_PROBES; n++, i = (i + 1) & (HS_CAPACITY - 1)) {
		struct hs_entry *e = &m->hs[i];
		if (e->used && e->pc == pc)
			return e;
		if (!e->used) {
			e->used = true;
			e->pc = pc;
			return e;
		}
	}
	m->hs_dropped++;
	return NULL;
}

static bool hs_before(const struct hs_entry *a, const struct mmu_hotspot *b)
{
	if (a->walk_cycles != b->walk_cycles)
		return a->walk_cycles > b->walk_cycles;
	if (a->dtlb_misses + a->itlb_misses != b->dtlb_misses + b->itlb_misses)
		return a->dtlb_misses + a->itlb_misses > b->dtlb_misses + b->itlb_misses;
	return a->pc < b->pc;
}

unsigned mmu_hotspots(const struct mmu *m, struct mmu_hotspot *out, unsigned n)
{
	unsigned have = 0, i, j;

	/* Insertion into the sorted prefix out[0..have): O(capacity * n), off the hot path. */
	for (i = 0; i < HS_CAPACITY; i++) {
		const struct hs_entry *e = &m->hs[i];
		if (!e->used || !n)
			continue;
		if (have == n && !hs_before(e, &out[n - 1]))
			continue;
		j = have < n ? have++ : n - 1;
		while (j > 0 && hs_before(e, &out[j - 1])) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = (struct mmu_hotspot){.pc = e->pc,
		                              .dtlb_misses = e->dtlb_misses,
		                              .itlb_misses = e->itlb_misses,
		                              .walks = e->walks,
		                              .walk_cycles = e->walk_cycles};
	}
	return have;
}

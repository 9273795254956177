/*
 * mmu/fast.c — the memory behind mmu.h's inline repeat hit.
 *
 * Armed (fast.ipage / fast.dline != ~0) only right after an access that
 * mmu_access_full() itself counted as a repeat hit, so the state it needs
 * holds at that moment: the L1 TLB entry last[type != FETCH] covers the page
 * and is the most recent of its set, its rights allow the access, its page
 * lies in one region and, for data, the line is the L1D's last line (the
 * most recent of its set).  Each of these can only change through
 * mmu_forget_last(), a new last[] entry (translate_page), a new last_line
 * (cache_access) or new rights masks (mmu_set_cpl), and each of those
 * disarms first.  So while armed, an access to ipage / dline is exactly a
 * repeat hit: it counts one L1 TLB hit of the entry's size, one access of
 * its type and (data) one hit in the first cache level, and changes no other
 * state.  Pending hits are added to the row of last[]'s region when
 * disarmed: last[] cannot change while armed, so it still names the entry.
 */
#include <stddef.h>

#include "mmu_internal.h"

/* mmu.h's inline mmu_access() finds the memory at the start of struct mmu. */
_Static_assert(offsetof(struct mmu, fast) == 0, "struct mmu must begin with its mmu_fast");

/* What n fetch repeat hits add to the row of last[0]'s region. */
static void fast_add_fetch(const struct mmu *m, uint64_t *row, uint64_t n)
{
	row[MMU_C_itlb_hits_4k + m->last[0].e->ps] += n;
	row[MMU_C_fetches] += n;
}

void mmu_fast_disarm_fetch(struct mmu *m)
{
	uint64_t n = m->fast.n[MMU_FETCH];

	m->fast.ipage = ~0ull;
	if (!n)
		return;
	fast_add_fetch(m, m->ctr[m->last[0].e->region], n);
	m->fast.n[MMU_FETCH] = 0;
}

/* What n data repeat hits add to the row of last[1]'s region. */
static void fast_add_data(const struct mmu *m, uint64_t *row, uint64_t loads, uint64_t stores)
{
	uint64_t n = loads + stores;

	row[MMU_C_dtlb_hits_4k + m->last[1].e->ps] += n;
	row[MMU_C_fetches + MMU_LOAD] += loads;
	row[MMU_C_fetches + MMU_STORE] += stores;
	row[MMU_C_l1d_hits + m->cache[0].kind] += n;
	row[MMU_C_cycles_mem] += n * (m->cache[0].latency - m->l1d_latency);
}

void mmu_fast_disarm_data(struct mmu *m)
{
	m->fast.dline = ~0ull;
	m->fast.dok = 0;
	if (!(m->fast.n[MMU_LOAD] | m->fast.n[MMU_STORE]))
		return;
	fast_add_data(m, m->ctr[m->last[1].e->region], m->fast.n[MMU_LOAD], m->fast.n[MMU_STORE]);
	m->fast.n[MMU_LOAD] = m->fast.n[MMU_STORE] = 0;
}

void mmu_fast_arm_fetch(struct mmu *m, uint64_t va, const struct tlb_ent *e)
{
	mmu_fast_disarm_fetch(m);
	m->fast.ipage = va >> 12;
}

void mmu_fast_arm_data(struct mmu *m, uint64_t va, const struct tlb_ent *e)
{
	mmu_fast_disarm_data(m);
	m->fast.dline = va >> 6;
	m->fast.dok = (mmu_perm_ok(m, e->perm, MMU_LOAD) ? 1u << MMU_LOAD : 0) |
	              (mmu_perm_ok(m, e->perm, MMU_STORE) ? 1u << MMU_STORE : 0);
}

void mmu_fast_pending(const struct mmu *m, uint64_t (*v)[MMU_NR_COUNTERS])
{
	const struct mmu_fast *f = &m->fast;

	if (f->n[MMU_FETCH])
		fast_add_fetch(m, v[m->last[0].e->region], f->n[MMU_FETCH]);
	if (f->n[MMU_LOAD] | f->n[MMU_STORE])
		fast_add_data(m, v[m->last[1].e->region], f->n[MMU_LOAD], f->n[MMU_STORE]);
}

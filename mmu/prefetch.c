/*
 * mmu/prefetch.c — host-memory prefetch hints and the batched access.
 *
 * A walk over a large footprint waits on two dependent host cache misses:
 * the guest page-table entry and the cache model's set for the line it
 * then looks up.  Nothing inside one access can overlap them, so the hints
 * start them a few accesses early.  A hint reads guest page tables (the
 * upper levels are small and host-cache resident) and issues prefetches; it
 * writes nothing, counts nothing and takes no replacement decision, so a
 * run with hints gives exactly the counters of a run without.
 */
#include "mmu_internal.h"

/* Records between the two stages of the batch pipeline and the access. */
#define PF_DIST_PTE  12 /* stage 0: the leaf entry's host line and its model sets */
#define PF_DIST_DATA 6  /* stage 1: the leaf entry read, the data line's model sets */
/* The batch hints only while walks are frequent: checked per window of
 * records, which runs on across calls (m->pf), so a stream of L1 hits in
 * batches pays no window of hints per batch and small batches still decide. */
#define PF_WINDOW    256
#define PF_MIN_WALKS 16 /* walks per window below which hints cost more than they save */

void cache_prefetch_line(const struct mmu *m, uint64_t line)
{
	unsigned i;

	/* Levels above pf.first_level are host-cache resident: no hint. */
	for (i = m->pf.first_level; i < m->nr_caches; i++) {
		const struct sa *sa = &m->cache[i].sa;
		uint32_t set = sa_set(sa, line);
		const uint64_t *t = sa->tag + (size_t)set * sa->ways;

		mmu_host_prefetch(sa_sig_row(sa, set));
		mmu_host_prefetch(t);
		mmu_host_prefetch(t + sa->ways - 1);
	}
}

static uint64_t walks_total(const struct mmu *m)
{
	uint64_t w = 0;
	unsigned r;

	for (r = 0; r < m->nr_regions; r++)
		w += m->ctr[r][MMU_C_walks];
	return w;
}

/* What stage 0 found for a record, kept for stage 1 so that it does not
 * walk the tables again: the leaf entry's PA and level (ok false: no hint).
 * The batch itself changes no table address, only A/D bits. */
struct pf_slot {
	uint64_t pte_pa;
	unsigned level;
	bool ok;
};
#define PF_RING 16 /* power of two, > PF_DIST_PTE */
_Static_assert(PF_DIST_PTE < PF_RING && PF_DIST_DATA < PF_DIST_PTE,
               "the ring holds stage 0's lead");

/* The guest-physical address of va's leaf entry (the last level's, or a
 * large page's: PS at level 2 or 3) and its level, read without side
 * effects, stepping the index shift (12 + 9 * (level - 1)); false when a
 * walk would stop early (not present, a table outside guest memory), and
 * the hint then does nothing. */
MMU_HOT bool peek_leaf_pa(const struct mmu *m, uint64_t va, struct pf_slot *s)
{
	uint64_t table = m->root, size = m->phys->size, pa, e;
	unsigned sh;

	for (sh = pt_level_shift(m->cfg.levels);; sh -= 9) {
		if (table >= size || size - table < 4096) /* pt_table_in_phys */
			return false;
		pa = table + 8 * ((va >> sh) & 511);
		if (sh == 12)
			break;
		e = mmu_phys_read64(m->phys, pa);
		if (!(e & PTE_P))
			return false;
		if ((e & PTE_PS) && sh <= 30)
			break;
		table = e & PTE_ADDR_MASK;
	}
	s->pte_pa = pa;
	s->level = (sh - 12) / 9 + 1;
	return true;
}

/* Stage 0: the leaf entry's host line and its cache-model sets. */
MMU_HOT void hint_pte(const struct mmu *m, const struct mmu_access_rec *r, struct pf_slot *s)
{
	s->ok = r->type <= MMU_STORE && pt_va_canonical(r->va, m->cfg.levels) &&
	        peek_leaf_pa(m, r->va, s);
	if (s->ok) {
		mmu_host_prefetch(mmu_phys_ptr(m->phys, s->pte_pa));
		cache_prefetch_line(m, s->pte_pa >> 6);
	}
}

/* Stage 1: read the entry stage 0 found; the data line's cache-model sets. */
MMU_HOT void hint_data(const struct mmu *m, const struct mmu_access_rec *r, const struct pf_slot *s)
{
	enum mmu_page_size ps;
	uint64_t e;

	if (!s->ok || r->type == MMU_FETCH)
		return;
	e = mmu_phys_read64(m->phys, s->pte_pa);
	if (!(e & PTE_P) || !pt_is_leaf(e, s->level))
		return;
	ps = pt_level_ps(s->level);
	cache_prefetch_line(m, (pt_leaf_addr(e, ps) | (r->va & (mmu_page_bytes(ps) - 1))) >> 6);
}

/* The two stages for one VA: stage 0 (data false), or stage 0's walk
 * then stage 1 (data true). */
void mmu_prefetch(const struct mmu *m, uint64_t va, enum mmu_access_type type, bool data)
{
	struct mmu_access_rec r = {.va = va, .type = (uint32_t)type};
	struct pf_slot s;

	if (!data) {
		hint_pte(m, &r, &s);
		return;
	}
	s.ok = r.type <= MMU_STORE && pt_va_canonical(va, m->cfg.levels) && peek_leaf_pa(m, va, &s);
	hint_data(m, &r, &s);
}

/* recs[i..end) with hints for the records PF_DIST_* ahead (of n). */
static __attribute__((noinline)) int batch_hinted(struct mmu *m, const struct mmu_access_rec *recs,
                                                  size_t n, size_t end, size_t *ip,
                                                  struct mmu_fault *fault)
{
	struct pf_slot ring[PF_RING];
	size_t i = *ip, j;
	int rc = 0;

	/* Stage 0 of the records it would have reached before i. */
	for (j = i; j < i + PF_DIST_PTE && j < n; j++)
		hint_pte(m, &recs[j], &ring[j % PF_RING]);
	for (; i < end; i++) {
		const struct mmu_access_rec *r = &recs[i];

		if (i + PF_DIST_PTE < n)
			hint_pte(m, &recs[i + PF_DIST_PTE], &ring[(i + PF_DIST_PTE) % PF_RING]);
		if (i + PF_DIST_DATA < n)
			hint_data(m, &recs[i + PF_DIST_DATA], &ring[(i + PF_DIST_DATA) % PF_RING]);
		rc = mmu_access(m, r->va, r->size, (enum mmu_access_type)r->type, r->pc, fault);
		if (rc < 0)
			break;
	}
	*ip = i;
	return rc;
}

/* recs[i..end) as plain calls: the loop of a stream that rarely walks. */
static int batch_plain(struct mmu *m, const struct mmu_access_rec *recs, size_t end, size_t *ip,
                       struct mmu_fault *fault)
{
	size_t i;
	int rc = 0;

	for (i = *ip; i < end; i++) {
		const struct mmu_access_rec *r = &recs[i];

		rc = mmu_access(m, r->va, r->size, (enum mmu_access_type)r->type, r->pc, fault);
		if (rc < 0)
			break;
	}
	*ip = i;
	return rc;
}

/* Window by window (they run on across calls), hinted or plain. */
int mmu_access_batch(struct mmu *m, const struct mmu_access_rec *recs, size_t n, size_t *done,
                     struct mmu_fault *fault)
{
	size_t i = 0;
	int rc = 0;

	while (i < n && rc >= 0) {
		size_t start = i, end = i + (PF_WINDOW - m->pf.seen);

		if (end > n)
			end = n;
		rc = m->pf.on ? batch_hinted(m, recs, n, end, &i, fault)
		              : batch_plain(m, recs, end, &i, fault);
		m->pf.seen += (uint32_t)(i - start);
		if (m->pf.seen >= PF_WINDOW) {
			uint64_t w = walks_total(m);
			/* w < walks: the counters were reset during the window */
			m->pf.on = w >= m->pf.walks && w - m->pf.walks >= PF_MIN_WALKS;
			m->pf.walks = w;
			m->pf.seen = 0;
		}
	}
	if (done)
		*done = i;
	return rc < 0 ? rc : 0;
}
